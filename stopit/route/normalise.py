"""Owns turning text into the words danger patterns are matched against, undoing the usual disguises.

Case and accents are dropped (patterns are written without them too), leetspeak is read back as
letters ("k1ll" → "kill"), letters spaced out ("k i l l", "k.i.l.l") are joined, elongation is
shortened ("pleeease" → "please"), and texting shorthand is expanded from a table staff can read
(rules/patterns/normalise.toml). Apostrophes split words ("i'll" → "i ll"), on both sides of a match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

# Characters that stand for letters inside a word; digits only count when the word also has letters.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
)
_DIGIT_LEET = frozenset("013457")
# A number with a short unit ("48h", "3pm", "2nd", "0.1") or a clock ("18:30", French "1h15") is a number,
# not leetspeak ("1h15" read as "ihis" could match no time pattern).
_NUMBER = re.compile(r"\d+(?:[.,:h]\d+)?(?:h|hrs?|hours?|am|pm|st|nd|rd|th|er|e|eme|o|a|k|km|kg|min|mins|s|x|eur|usd)?")
_CURRENCY = {"$": " usd ", "€": " eur ", "£": " gbp "}
_DOLLAR = re.compile(r"\$(?=\s?\d)|(?<=\d)\s?\$")  # "$" as money, not as the "s" of "a$$"
# A symbol standing for a letter: after a letter, inside or ending a word ("b@stard", "a$$", "h!t"),
# or opening one ("$hit"); `_unsymbol` tells. Digits are read back per word, once words are cut.
_SYMBOLS = re.compile(r"[@$|!]+")
# Three or more single letters separated by spaces, dots, dashes or stars: "k i l l", "k.i.l.l". The
# hint, two single letters each followed by a gap, is how every such run starts and is rare otherwise
# ("is a boy" has one single letter, not two).
_SPACED_HINT = re.compile(r"(?<![\w*])[^\W\d_][ .\-*_]{1,6}[^\W\d_][ .\-*_]")
_SPACED = re.compile(r"(?<![\w*])(?:[^\W\d_][ .\-*_]{1,6}){2,}[^\W\d_](?!\w)")
# How every such run ends (its last three letters), the second cheap test: "e.g. the" has a hint, not an end.
_SPACED_END = re.compile(r"[^\W\d_][ .\-*_]{1,6}[^\W\d_][ .\-*_]{1,6}[^\W\d_](?!\w)")
_GAP = re.compile(r"[ .\-*_]+")
# Words, and a clause's closing punctuation where a token ends.
_TOKEN = re.compile(r"[^\W_]+|[.,;:!?](?=\s|$)")
# The same for ASCII text, with the ASCII characters `\s` stands for spelled out, and faster.
_ASCII_SPACE = "".join(c for c in map(chr, range(128)) if c.isspace())
_ASCII_TOKEN = re.compile(rf"[A-Za-z0-9]+|[.,;:!?](?=[{re.escape(_ASCII_SPACE)}]|$)")
# A cheap first test for elongation (text is folded to ASCII letters); the "www." of a web address,
# in a third of all texts, is not one.
_TRIPLE = re.compile(r"([a-vx-z])\1\1|www(?!\.)")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})
_LIGATURE = re.compile("[œæøłđ]")  # a translate table costs a lookup per character: first see if it is needed
BREAK = "."  # stands for the end of a clause among the words
# A punctuation token's BREAK, any other token itself, as `map(_break, tokens, tokens)`: the loop runs in C.
_break: Callable[[str, str], str] = dict.fromkeys(".,;:!?", BREAK).get
_LEET_DIGIT = re.compile("[013457]")  # without one of these, no word is read as leetspeak


def _doubled(tokens: list[str]) -> bool:
    """Whether two BREAKs follow each other; only the BREAKs are visited, found by list.index in C."""
    at = -1
    try:
        while True:
            at = tokens.index(BREAK, at + 1)
            if tokens[at + 1] == BREAK:
                return True
    except (ValueError, IndexError):
        return False


def fold(text: str) -> str:
    """Case-folded, accents removed, apostrophes unified: the form both text and patterns are read in."""
    folded = text.casefold()
    if folded.isascii():  # most text: nothing below applies, and a translate table is slow per character
        return folded
    if _LIGATURE.search(folded):
        folded = folded.translate(_LIGATURES)
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return folded.replace("’", "'").replace("ʼ", "'")


def _unsymbol(text: str) -> str:
    """`text` with the symbols that stand for letters read as those letters."""
    out: list[str] = []
    last = 0
    for found in _SYMBOLS.finditer(text):
        start, end = found.span()
        before = text[start - 1] if start else " "
        after = text[end : end + 2]
        if before.isalpha():
            letter = after[:1].isalpha() or (found.group(0)[0] != "!" and (not after or after[0].isspace()))
        else:
            letter = before.isspace() and found.group(0)[0] in "@$" and after.isalpha() and len(after) == 2
        if letter:
            out.append(text[last:start])
            out.append(found.group(0).translate(LEET))
            last = end
    return "".join(out) + text[last:] if out else text


@dataclass(frozen=True)
class Normaliser:
    """Words of a text as patterns see them. `vocabulary` is every word the patterns name."""

    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    vocabulary: frozenset[str] = frozenset()
    symbols: dict[int, str] = field(default_factory=dict)  # a str.translate table: "🔪" → " knife "

    def words(self, text: str) -> list[str]:
        if self.symbols and not text.isascii() and self._symbol.search(text):
            text = text.translate(self.symbols)
        text = fold(text)
        for symbol, name in _CURRENCY.items():
            if symbol in text:
                text = text.replace(symbol, name) if symbol != "$" else _DOLLAR.sub(name, text)
        text = _unsymbol(text)
        hint = _SPACED_HINT.search(text)
        if hint and _SPACED_END.search(text, hint.start()):
            # No run starts before the first hint (each starts with one), so the text before it is kept.
            text = text[: hint.start()] + _SPACED.sub(self._join_spaced, text[hint.start() :])
        tokens = (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)
        # Digits in a word with letters are leetspeak ("k1ll"), unless it is a number with a unit ("48h").
        if _LEET_DIGIT.search(text):  # without one of the digits that stand for letters, no word is leetspeak
            unique = set(tokens)
            # Words neither all letters nor all digits, picked in C (a few are left to look at one by one).
            plain: list[str] = [*filter(str.isalpha, unique), *filter(str.isdigit, unique)]
            unique.difference_update(plain)
            mixed = {
                t: t.translate(LEET) for t in unique if len(t) > 1 and _DIGIT_LEET & set(t) and not _NUMBER.fullmatch(t)
            }
            if mixed:
                tokens = list(map(mixed.get, tokens, tokens))
        # A clause's closing punctuation becomes one BREAK: a negation before it does not reach past it.
        tokens = list(map(_break, tokens, tokens))
        if tokens and (tokens[0] == BREAK or _doubled(tokens)):
            tokens = [t for i, t in enumerate(tokens) if t != BREAK or (i and tokens[i - 1] != BREAK)]
        if _TRIPLE.search(text):
            stretched = {t for t in set(tokens) if _REPEAT.search(t)}
            tokens = [self._shorten(t) if t in stretched else t for t in tokens]
        if self.aliases.keys().isdisjoint(tokens):
            return tokens
        # Each token as its alias's words, or as itself: zip(tokens) gives each as a tuple of one.
        return list(chain.from_iterable(map(self.aliases.get, tokens, zip(tokens))))

    @cached_property
    def _symbol(self) -> re.Pattern[str]:
        """Any character of the symbols table: a cheap test before the table is applied."""
        return re.compile("[" + "".join(re.escape(chr(code)) for code in self.symbols) + "]")

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
