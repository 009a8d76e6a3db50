"""The reporter's language: found in their own words, and every reporter template exists in it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import jinja2
import jinja2.meta
import pytest

from stopit.act.render import compose, desk_context, template_environment, template_names
from stopit.config import from_text
from stopit.extract import extract
from stopit.extract.language import LANGUAGES, detect, fallbacks, localized, own_words, reporter_language
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, PlannedMail, RawMessage
from stopit.pipeline import ACK_SUBJECT, ACK_SUBJECTS, plan
from stopit.resources import shipped_dir
from tests.test_extract import DESK, report
from tests.test_templates import FULL_CONTEXT

REPORTER = "reporter/"


def reporter_templates() -> list[str]:
    """The English reporter templates: the files directly under reporter/."""
    names = template_names(shipped_dir("templates"))
    return [n for n in names if n.startswith(REPORTER) and n.count("/") == 1]


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
@pytest.mark.parametrize("name", reporter_templates())
def test_every_reporter_template_exists_in_every_language_with_the_same_variables(name: str, lang: str) -> None:
    env = template_environment(from_text(""))
    english, translated = name, name.replace(REPORTER, f"{REPORTER}{lang}/", 1)
    source = {n: env.loader.get_source(env, n)[0] for n in (english, translated)}
    variables = {n: jinja2.meta.find_undeclared_variables(env.parse(s)) for n, s in source.items()}
    assert variables[translated] == variables[english]
    includes = list(jinja2.meta.find_referenced_templates(env.parse(source[translated])))
    assert all(i.startswith(f"{REPORTER}{lang}/") for i in includes), includes


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", reporter_templates())
def test_every_reporter_template_renders_in_every_language_under_strict_undefined(name: str, lang: str) -> None:
    cfg = from_text("")
    env = template_environment(cfg)
    assert env.undefined is jinja2.StrictUndefined
    localized = name if lang == "en" else name.replace(REPORTER, f"{REPORTER}{lang}/", 1)
    if name.split("/")[-1].startswith("_"):
        text = env.get_template(localized).render()  # a partial: no variables at all
    else:
        with pytest.raises(jinja2.UndefinedError):
            env.get_template(localized).render()
        text = env.get_template(localized).render(**desk_context(cfg), **FULL_CONTEXT)
        assert "17" in text  # the case number
    # The template's own words are in its language (an English file copied under de/ fails).
    words = re.sub(r"{[{%].*?[%}]}|\[stopit[^]]*\]", " ", env.loader.get_source(env, localized)[0])
    assert detect(words, LANGUAGES) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hi, I don't know who else to ask. A man from my course keeps sending me messages.", "en"),
        ("Hallo, ein Kommilitone schreibt mir ständig Nachrichten und ich habe Angst.", "de"),
        ("Bonjour, un étudiant m'envoie des messages tous les jours et j'ai peur.", "fr"),
        ("Hola, un compañero me manda mensajes todos los días y tengo miedo.", "es"),
        ("Hilfe", None),  # too short to be sure
        ("???? !!!! 12345", None),
    ],
)
def test_detect_is_sure_or_says_nothing(text: str, lang: str | None) -> None:
    assert detect(text, LANGUAGES) == lang


def test_only_the_languages_asked_for_are_answered() -> None:
    german = "Hallo, ein Kommilitone schreibt mir ständig Nachrichten und ich habe Angst."
    assert detect(german, ("en", "fr")) != "de"
    assert detect(german, ("de",)) == "de"  # one language: no detector needed


def test_the_reporter_is_answered_in_their_words_not_the_offenders() -> None:
    # A German note above an English forward: the reporter wrote German.
    body = (
        "Hallo, diese Nachricht habe ich gestern bekommen, ich weiß nicht mehr weiter.\n\n"
        "---------- Forwarded message ---------\nFrom: night owl <nightowl@freemail.example>\n"
        "Date: Mon, Nov 16, 2026 at 11:58 PM\nSubject: you again\nTo: <maria@campus.example.edu>\n\n"
        "I know where you live and I will be waiting for you after class tonight, you cannot hide.\n"
    )
    data = report(body, subject="Fwd: see below").as_bytes()
    offending = extract(data, envelope_of(RawMessage(data, "t")), DESK)
    assert own_words(body, offending).startswith("Hallo")
    assert reporter_language(body, offending, LANGUAGES, "en") == "de"


def test_quoted_lines_are_not_the_reporters_words_and_unsure_falls_back() -> None:
    text = "ok\n> Je sais où tu habites et je t'attendrai ce soir après les cours.\n"
    assert own_words(text, ()) == "ok"
    assert reporter_language(text, (), LANGUAGES, "es") == "es"


# --- the acknowledgement follows the reporter's language; office mail stays in the desk's ----


def acknowledgement_and_office(body: str, desk_language: str = "en") -> tuple[PlannedMail, PlannedMail, str]:
    cfg = from_text(f'[desk]\nlanguage = "{desk_language}"\n[queues.stopit]\nstaff = ["staff@campus.example.edu"]\n')
    data = report(body, subject="Fwd: see below").as_bytes()
    raw = RawMessage(data, "t")
    planned = plan(raw, envelope_of(raw), Facts(), cfg)
    office, ack = planned.mails
    assert (office.audience, ack.audience) == ("office", "reporter")
    text = compose(template_environment(cfg), cfg, ack, 17, dict(planned.sends[1].context), datetime.now(UTC))
    return ack, office, message_from_bytes(text.data, policy=default).get_content()


FORWARD = (
    "\n\n---------- Forwarded message ---------\nFrom: night owl <nightowl@freemail.example>\n"
    "Date: Mon, Nov 16, 2026 at 11:58 PM\nSubject: you again\nTo: <maria@campus.example.edu>\n\n"
    "You think you can ignore me? I will keep writing until you answer.\n"
)


@pytest.mark.parametrize(
    ("note", "lang", "words"),
    [
        ("Hallo, diese Nachricht habe ich gestern bekommen und ich habe Angst.", "de", "Fallnummer 17"),
        ("Bonjour, j'ai reçu ce message hier soir et j'ai peur de sortir.", "fr", "numéro de dossier 17"),
        ("Hola, recibí este mensaje anoche y tengo miedo de salir de casa.", "es", "número de caso 17"),
        ("Hi, I got this message last night and I am afraid to go out.", "en", "case number 17"),
    ],
)
def test_the_acknowledgement_is_in_the_reporters_language(note: str, lang: str, words: str) -> None:
    ack, office, text = acknowledgement_and_office(note + FORWARD)
    assert ack.template.startswith("reporter/" + ("" if lang == "en" else f"{lang}/"))
    assert words in " ".join(text.split())
    assert ack.subject == ACK_SUBJECTS.get(lang, ACK_SUBJECT)
    assert office.template == "office/new_case.txt.j2"  # staff read the desk's language


def test_unclear_words_get_the_desks_own_language() -> None:
    ack, _, text = acknowledgement_and_office("see below" + FORWARD, desk_language="de")
    assert ack.template == "reporter/de/need_headers.txt.j2" and "Fallnummer 17" in " ".join(text.split())


def test_template_names_per_language_and_their_fallback() -> None:
    assert localized("reporter/ack.txt.j2", "de") == "reporter/de/ack.txt.j2"
    assert localized("reporter/ack.txt.j2", "en") == "reporter/ack.txt.j2"
    assert localized("office/new_case.txt.j2", "fr") == "office/new_case.txt.j2"
    assert fallbacks("reporter/es/ack_idhr.txt.j2") == ["reporter/es/ack_idhr.txt.j2", "reporter/ack_idhr.txt.j2"]
    assert fallbacks("reporter/ack.txt.j2") == ["reporter/ack.txt.j2"]
