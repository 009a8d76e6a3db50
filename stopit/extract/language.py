"""Owns finding the language a reporter wrote in, from their own words only (never the quoted message).

The detector (lingua-language-detector) is built on first use, restricted to the languages the desk
has templates for, in its low-accuracy mode: a few MB and a fifth of a second to load instead of
about 140 MB, and still sure of a sentence or more. Short or uncertain text gives no answer, and
the caller falls back to the desk's own language.
"""

from __future__ import annotations

import re
from functools import cache

from stopit.models import Offending

# Below this many letters, or this confidence, the desk's own language is the safer answer.
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.75
_LETTER = re.compile(r"[^\W\d_]")
# ISO 639-1 codes of the languages the shipped reporter templates are written in
# (templates/reporter/<code>/, English directly under templates/reporter/), with lingua's names.
LINGUA_NAMES = {"en": "ENGLISH", "de": "GERMAN", "fr": "FRENCH", "es": "SPANISH"}
LANGUAGES: tuple[str, ...] = tuple(LINGUA_NAMES)
# The subjects of the desk's mail to a reporter, in each of those languages.
REPORTER_SUBJECTS = {
    "ack": {
        "en": "We received your report",
        "de": "Wir haben Ihre Meldung erhalten",
        "fr": "Nous avons bien reçu votre signalement",
        "es": "Hemos recibido su denuncia",
    },
    "checkin": {
        "en": "Has it stopped?",
        "de": "Hat es aufgehört?",
        "fr": "Est-ce que cela a cessé ?",
        "es": "¿Ha parado?",
    },
    "staff_reply": {
        "en": "About your report",
        "de": "Zu Ihrer Meldung",
        "fr": "À propos de votre signalement",
        "es": "Sobre su denuncia",
    },
}


def reporter_subject(purpose: str, language: str) -> str:
    """The subject of a mail to the reporter in their language, else in English."""
    subjects = REPORTER_SUBJECTS[purpose]
    return subjects.get(language) or subjects["en"]


def own_words(text: str, offending: tuple[Offending, ...]) -> str:
    """What the reporter wrote themselves: the note above an inline forward, else the text without
    quoted lines and without a pasted header block (those are the offender's words)."""
    inline = [o for o in offending if o.source == "inline"]
    if inline:
        return inline[0].note
    lines = []
    for line in text.splitlines():
        if any(o.source == "pasted" for o in offending) and re.match(
            r"^(Received|Return-Path|From|Delivered-To):", line
        ):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines)


def detect(text: str, languages: tuple[str, ...]) -> str | None:
    """The ISO 639-1 code of `text`'s language among `languages`, or None when unsure."""
    known = tuple(sorted(code for code in set(languages) if code in LINGUA_NAMES))
    if len(known) < 2:
        return known[0] if known else None
    sample = text[:2000]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    best = max(_detector(known).compute_language_confidence_values(sample), key=lambda c: c.value, default=None)
    if best is None or best.value < MIN_CONFIDENCE:
        return None
    return next(code for code, name in LINGUA_NAMES.items() if name == best.language.name)


def reporter_language(text: str, offending: tuple[Offending, ...], languages: tuple[str, ...], fallback: str) -> str:
    """The language to answer the reporter in: theirs when the desk has it and it is clear, else `fallback`."""
    return detect(own_words(text, offending), languages) or fallback


@cache
def _detector(codes: tuple[str, ...]):  # -> lingua.LanguageDetector, imported lazily
    from lingua import Language, LanguageDetectorBuilder

    chosen = [getattr(Language, LINGUA_NAMES[code]) for code in codes]
    return LanguageDetectorBuilder.from_languages(*chosen).with_low_accuracy_mode().build()


def localized(template: str, language: str) -> str:
    """'reporter/ack.txt.j2' in German is 'reporter/de/ack.txt.j2'; English and other audiences as they are."""
    audience, _, name = template.partition("/")
    if audience != "reporter" or not language or language == "en" or "/" in name:
        return template
    return f"{audience}/{language}/{name}"


def fallbacks(template: str) -> list[str]:
    """The names to try for a template, the localized one first: a site or a language may lack it."""
    parts = template.split("/")
    if len(parts) == 3 and parts[0] == "reporter" and parts[1] in LINGUA_NAMES:
        return [template, f"{parts[0]}/{parts[2]}"]
    return [template]
