"""Owns turning text into the words danger patterns are matched against, undoing the usual disguises.

Case and accents are dropped (patterns are written without them too), leetspeak is read back as
letters ("k1ll" → "kill"), letters spaced out ("k i l l", "k.i.l.l") are joined, elongation is
shortened ("pleeease" → "please"), and texting shorthand is expanded from a table staff can read
(rules/patterns/normalise.toml). Apostrophes split words ("i'll" → "i ll"), on both sides of a match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Characters that stand for letters inside a word; digits only count when the word also has letters.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
)
_LEET_CHARS = set("013457@$!|")
# A number with a short unit ("48h", "3pm", "2nd", "0.1") is a number, not leetspeak.
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)?(?:h|hrs?|hours?|am|pm|st|nd|rd|th|er|e|eme|o|a|k|km|kg|min|mins|s|x|eur|usd)?")
_CURRENCY = {"$": " usd ", "€": " eur ", "£": " gbp "}
_DOLLAR = re.compile(r"\$(?=\s?\d)|(?<=\d)\s?\$")  # "$" as money, not as the "s" of "a$$"
# Three or more single letters separated by spaces, dots, dashes or stars: "k i l l", "k.i.l.l".
_SPACED = re.compile(r"(?<![\w*])(?:[^\W\d_][ .\-*_]{1,6}){2,}[^\W\d_](?!\w)")
_GAP = re.compile(r"[ .\-*_]+")
# A whitespace-separated token with a character that may stand for a letter.
_LEETY = re.compile(r"[^\s013457@$!|]*[013457@$!|]\S*")
_LEET_HINT = re.compile(r"[^\W\d_][013457@$!|]|[013457@$!|][^\W\d_]")
# Words, and a clause's closing punctuation where a token ends.
_TOKEN = re.compile(r"[^\W_]+|[.,;:!?](?=\s|$)")
_WORD = re.compile(r"[^\W_]+")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})
_PUNCTUATION = frozenset(".,;:!?")
BREAK = "."  # stands for the end of a clause among the words


def fold(text: str) -> str:
    """Case-folded, accents removed, apostrophes unified: the form both text and patterns are read in."""
    folded = text.casefold().translate(_LIGATURES)
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return folded.replace("’", "'").replace("ʼ", "'")


@dataclass(frozen=True)
class Normaliser:
    """Words of a text as patterns see them. `vocabulary` is every word the patterns name."""

    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    vocabulary: frozenset[str] = frozenset()

    def words(self, text: str) -> list[str]:
        text = fold(text)
        for symbol, name in _CURRENCY.items():
            if symbol in text:
                text = text.replace(symbol, name) if symbol != "$" else _DOLLAR.sub(name, text)
        if _LEET_HINT.search(text):
            text = _LEETY.sub(lambda m: self._unleet(m.group(0)), text)  # _unleet checks for letters
        text = _SPACED.sub(self._join_spaced, text)
        # A clause's closing punctuation becomes one BREAK: a negation before it does not reach past it.
        tokens = [BREAK if t in _PUNCTUATION else t for t in _TOKEN.findall(text)]
        if BREAK in tokens:
            tokens = [t for i, t in enumerate(tokens) if t != BREAK or (i and tokens[i - 1] != BREAK)]
        stretched = {t for t in set(tokens) if _REPEAT.search(t)} if _REPEAT.search(text) else ()
        if stretched:
            tokens = [self._shorten(t) if t in stretched else t for t in tokens]
        if not self.aliases.keys() & set(tokens):
            return tokens
        out: list[str] = []
        for token in tokens:
            out.extend(self.aliases.get(token, (token,)))
        return out

    def _unleet(self, raw: str) -> str:
        core = raw.strip(".,;:!?\"'()[]{}<>«»¿¡…")
        if not core or not any(c in _LEET_CHARS for c in core) or not any(c.isalpha() for c in core):
            return raw
        if _NUMBER.fullmatch(core):
            return raw
        return raw.replace(core, core.translate(LEET))

    def _shorten(self, word: str) -> str:
        twice = _REPEAT.sub(r"\1\1", word)
        return twice if twice in self.vocabulary else _REPEAT.sub(r"\1", word)

    def _join_spaced(self, found: re.Match[str]) -> str:
        run = found.group(0)
        gaps = [len(g) for g in _GAP.findall(run)]
        if min(gaps) < max(gaps):  # "y o u   w i l l": the wider gaps are the word breaks
            words = re.split(rf"[ .\-*_]{{{min(gaps) + 1},}}", run)
            return " " + " ".join(_GAP.sub("", w) for w in words) + " "
        joined = _GAP.sub("", run)
        return " " + " ".join(self.segment(joined)) + " "

    def segment(self, joined: str) -> list[str]:
        """Split run-together letters into known words, fewest words first; unchanged when impossible."""
        best: list[list[str] | None] = [None] * (len(joined) + 1)
        best[0] = []
        for end in range(1, len(joined) + 1):
            for start in range(max(0, end - 20), end):
                head = best[start]
                piece = joined[start:end]
                if head is None or piece not in self.vocabulary:
                    continue
                if best[end] is None or len(head) + 1 < len(best[end] or ()):
                    best[end] = [*head, piece]
        return best[-1] or [joined]
