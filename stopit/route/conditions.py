"""Owns the conditions a routing rule can test: each a small class that answers yes (with why) or no.

A condition never sends, writes or moves anything. It is built from a rule file's `match` value by
`build()`, which raises RuleError naming the key and what was expected.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any

from stopit.extract.mime import head_of
from stopit.models import Envelope, Offending
from stopit.route.danger import BANDS, Danger, PatternSet
from stopit.route.scan import Expressions
from stopit.trace import Trace, header_fields

# Text beyond this many characters per part is not searched: threats are not hidden 100 kB deep in a
# message, and a hostile one must not make routing slow.
MAX_TEXT = 50_000
# A word list's regular expressions look at the start of each text only: lures and threats come early,
# and a regular expression over a long text is the slowest thing routing does.
REGEX_SPAN = 3_000
ANCHOR_REACH = 120  # characters either side of an anchor word that a word list's expressions may span


class RuleError(ValueError):
    """A mistake in a rule's `match` table: `key` is its dotted path, the message says what is expected."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class Subject:
    """Everything a condition may look at: the report, what was extracted and traced, and history."""

    report: Envelope
    report_text: str
    offending: tuple[Offending, ...]
    attachment_types: tuple[str, ...]
    org_domains: tuple[str, ...]
    offender_cases: int = 0
    lexicons: dict[str, PhraseSet] = field(default_factory=dict)
    patterns: PatternSet = field(default_factory=PatternSet)

    def all_offending(self) -> list[Offending]:
        out = []
        for item in self.offending:
            out.append(item)
            out.extend(item.chain)
        return out

    @cached_property
    def words(self) -> tuple[list[str], ...]:
        """Each text's words as word lists read them; none for a text an earlier one holds whole.

        A report's text holds the offending message forwarded inline, its subject the offending
        subject: a text held whole, between spaces, by an earlier one has its words there, in one
        run, and a phrase of it is found there first, so it is not cut into words again.
        """
        texts = self.normalised
        return tuple([] if _held(text, texts[:n]) else words_of(text) for n, text in enumerate(texts))

    @cached_property
    def offending_heads(self) -> tuple[bytes, ...]:
        """Each offending message's header section, as it came."""
        return tuple(head_of(item.raw) for item in self.all_offending() if item.raw is not None)

    @cached_property
    def offending_headers(self) -> tuple[list[tuple[str, str]], ...]:
        """Each offending message's header fields, read once for every header rule."""
        return tuple(header_fields(head) for head in self.offending_heads)

    def may_have_header(self, name: str) -> bool:
        """False when no offending message's header section holds `name` at all (any case): an ASCII
        section's fields are read only to be looked at by name, so they need not be read."""
        needle = name.lower().encode() if name.isascii() else b""
        return not needle or any(not head.isascii() or needle in head.lower() for head in self.offending_heads)

    @cached_property
    def vocabularies(self) -> tuple[frozenset[str], ...]:
        return tuple(frozenset(w) for w in self.words)

    @cached_property
    def normalised(self) -> tuple[str, ...]:
        parts = [self.report.subject, self.report_text]
        for item in self.all_offending():
            parts.extend([item.subject, item.body, item.note])
        return tuple(normalise(p[:MAX_TEXT]) for p in parts if p)

    def texts(self) -> tuple[str, ...]:
        """The words to search: the reporter's own, and every offending subject and body."""
        return self.normalised

    @cached_property
    def searchable(self) -> tuple[tuple[str, list[str], frozenset[str]], ...]:
        """Each text with its words and its vocabulary, as word lists search them."""
        return tuple(zip(self.texts(), self.words, self.vocabularies, strict=True))

    @cached_property
    def anchored(self) -> tuple[Anchored | None, ...]:
        """Per text, every word list's anchors found in its start, by one scan for all the lists (None
        when the word lists came as a plain dict: each list then scans for its own)."""
        scan = self.lexicons.anchors if isinstance(self.lexicons, Lexicons) else None
        return tuple(scan.present(text[:REGEX_SPAN]) if scan else None for text in self.texts())

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of every text: a word list none of whose keys is here finds no phrase in any."""
        return frozenset().union(*self.vocabularies)

    @cached_property
    def anchors_found(self) -> frozenset[str] | None:
        """Every anchor found in any text's start (None when some text was not scanned for them)."""
        found = self.anchored
        return None if None in found else frozenset().union(*(a.names for a in found if a is not None))

    def danger_texts(self) -> list[tuple[str, str]]:
        """(role, text) for the danger verdict: the reporter's own words, then each offending message.

        The reporter's words are the note above an inline forward when there is one (the forward is
        read as a message), else the report's text; the desk's own quoted acknowledgement lines,
        signatures and legal footers are left out of both.
        """
        desk = tuple(a.address.lower() for a in self.report.to if a.address)

        def own(text: str, reporter: bool = False) -> str:
            # The desk's own lines can only be in what the reporter sent us, not in an offending message.
            return self.patterns.own_words(text, desk if reporter else (), desk_lines=reporter)

        # A forwarded acknowledgement of the desk's own is not an offending message to judge.
        items = [o for o in self.all_offending() if not (o.from_ and o.from_.address.lower() in desk)]
        notes = [o.note for o in items if o.source in ("inline", "pasted")]
        reporter = "\n\n".join(n for n in notes if n) if notes else self.report_text
        if any(o.source in ("self", "redirect") for o in items):
            reporter = ""  # the report is the offending message itself, read once below
        subject = self.report.subject
        if subject and not _FORWARD_PREFIX.match(subject):
            reporter = f"{subject}\n\n{reporter}"
        out = [("reporter", own(reporter[:MAX_TEXT], reporter=True))]
        for item in items:
            out.append(("message", own(f"{item.subject}\n\n{item.body[:MAX_TEXT]}")))
        return [(role, text) for role, text in out if text.strip()]

    @cached_property
    def danger(self) -> Danger:
        return self.patterns.judge(self.danger_texts())


def normalise(text: str) -> str:
    """NFKC, case-folded, accents kept (they carry meaning in several languages), spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def _held(text: str, earlier: tuple[str, ...]) -> bool:
    """Whether one of `earlier` holds `text` whole between spaces (or its ends): then no word crosses
    the edges, and the words of `text` are a run of that one's words."""
    for other in earlier:
        at = other.find(text)
        if at >= 0 and (at == 0 or other[at - 1] == " ") and other[at + len(text) : at + len(text) + 1] in ("", " "):
            return True
    return False


_FORWARD_PREFIX = re.compile(r"^\s*(fwd?|fw|wg|tr|rv|re)\s*:", re.IGNORECASE)


_ASCII_WORD = re.compile(r"[\w']+(?:-[\w']+)*", re.ASCII)  # the same on ASCII text, and faster


def words_of(text: str) -> list[str]:
    return _ASCII_WORD.findall(text) if text.isascii() else _WORD.findall(text.replace("’", "'"))


@dataclass(frozen=True)
class PhraseSet:
    """Whole-word phrases, indexed by their longest word: the rarest cheap key to find them by.

    A text's vocabulary is intersected with the keys first (set arithmetic in C); only where a key
    occurs is the phrase around it compared word by word.
    """

    by_key: dict[str, tuple[tuple[int, tuple[str, ...]], ...]]
    patterns: tuple[re.Pattern[str], ...] = ()
    keys: frozenset[str] = frozenset()
    anchors: tuple[str, ...] = ()  # the patterns are tried only on a text containing one of these

    @cached_property
    def expressions(self) -> Expressions:
        """The expressions, searched as if joined by `|`, each only where it can start (see scan.py)."""
        return Expressions.of(self.patterns)

    @cached_property
    def anchor_regex(self) -> re.Pattern[str]:
        """The anchors as one expression: one pass over the text instead of one per anchor, finding at
        each place the longest anchor there. Written as a tree of their letters ("pass(?:word|wort)"):
        at each place the next letter picks one branch, where a list of anchors would try them all."""
        return re.compile(_tree(_trie(self.anchors)))

    @classmethod
    def of(
        cls, phrases: list[str], patterns: tuple[re.Pattern[str], ...] = (), anchors: tuple[str, ...] = ()
    ) -> PhraseSet:
        index: dict[str, set[tuple[int, tuple[str, ...]]]] = {}
        for phrase in phrases:
            words = tuple(words_of(normalise(phrase)))
            if words:
                key = max(words, key=len)
                index.setdefault(key, set()).add((words.index(key), words))
        by_key = {k: tuple(sorted(v, key=lambda p: -len(p[1]))) for k, v in index.items()}
        return cls(by_key, patterns, frozenset(by_key), anchors)

    def search(
        self, text: str, words: list[str], vocabulary: frozenset[str], anchored: Anchored | None = None
    ) -> str | None:
        """The first phrase found, else the first expression's match. `anchored`, when known, is every
        anchor in the text's start and where: the expressions are not tried when none of this list's
        is there, and where they are, the text is not scanned for them again."""
        for key in sorted(vocabulary & self.keys):
            at = -1
            while (at := _find(words, key, at + 1)) >= 0:  # list.index: the scan runs in C
                for offset, phrase in self.by_key[key]:
                    start = at - offset
                    if start >= 0 and tuple(words[start : start + len(phrase)]) == phrase:
                        return " ".join(phrase)
        if not self.patterns or (self.anchors and anchored is not None and anchored.names.isdisjoint(self.anchors)):
            return None
        for part in self._near_anchors(text[:REGEX_SPAN], anchored):
            found = self.expressions.search(part)
            if found:
                return found.group(0)
        return None

    def _near_anchors(self, text: str, anchored: Anchored | None = None) -> list[str]:
        """The stretches of `text` around each anchor word (all of it when there are no anchors)."""
        if not self.anchors:
            return [text]
        places: Iterator[tuple[int, int]]
        if anchored is not None and anchored.scan.covers(self.anchor_set):
            places = islice(self._places(anchored.places), 40)
        else:
            places = ((m.start(), m.end()) for m in islice(self.anchor_regex.finditer(text), 40))
        spans = [(max(0, start - ANCHOR_REACH), end + ANCHOR_REACH) for start, end in places]
        # Overlapping stretches are joined, so that no stretch of text is searched twice: anchors such
        # as "account" and "verify" stand close together in the very texts the expressions are for.
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [text[start:end] for start, end in merged]

    @cached_property
    def anchor_set(self) -> frozenset[str]:
        return frozenset(self.anchors)

    @cached_property
    def _longest(self) -> dict[str, str]:
        """Each anchor of all the lists: the longest of this list's anchors it starts with ("" if none),
        filled as they are met."""
        return {}

    def _places(self, places: tuple[tuple[int, str], ...]) -> Iterator[tuple[int, int]]:
        """Where `anchor_regex.finditer` would find this list's anchors, read from where all the lists'
        anchors are (each place with the longest there): at each place, the longest of this list's
        anchors starting there; after one, the next from its end on."""
        longest, after = self._longest, 0
        for start, found in places:
            if start < after:
                continue
            mine = longest.get(found)
            if mine is None:
                mine = longest[found] = max((a for a in self.anchor_set if found.startswith(a)), key=len, default="")
            if mine:
                after = start + len(mine)
                yield start, after


Trie = dict[str, "Trie"]


def _trie(words: tuple[str, ...]) -> Trie:
    root: Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return root


def _tree(node: Trie) -> str:
    """The words of a trie as an expression matching the longest of them that starts at a place: each
    branch is tried before the word that ends where it starts."""
    branches = [re.escape(char) + _tree(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    either = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{either})?" if "" in node else either


@dataclass(frozen=True)
class AnchorScan:
    """Every word list's anchors, found in a text by one scan instead of one per list.

    Where anchors start, the expression finds the longest; the others starting there are its
    prefixes, so the anchors present are those found and their prefixes among the anchors.
    """

    regex: re.Pattern[str]
    prefixes: dict[str, frozenset[str]]  # each anchor: the anchors it starts with, itself among them

    @classmethod
    def of(cls, anchors: set[str]) -> AnchorScan:
        prefixes = {a: frozenset(b for b in anchors if a.startswith(b)) for a in anchors}
        return cls(re.compile(_tree(_trie(tuple(anchors)))), prefixes)

    def covers(self, anchors: frozenset[str]) -> bool:
        return anchors <= self.prefixes.keys()

    def present(self, text: str) -> Anchored:
        found: set[str] = set()
        places: list[tuple[int, str]] = []
        place = self.regex.search(text)
        while place is not None:  # from the next character on: anchors may overlap
            anchor = place.group(0)
            found |= self.prefixes[anchor]
            places.append((place.start(), anchor))
            place = self.regex.search(text, place.start() + 1)
        return Anchored(frozenset(found), tuple(places), self)


@dataclass(frozen=True)
class Anchored:
    """The anchors found in a text: their names, and each place one starts with the longest there."""

    names: frozenset[str]
    places: tuple[tuple[int, str], ...]
    scan: AnchorScan


class Lexicons(dict[str, PhraseSet]):
    """Word lists by name, with one scan for all their anchors."""

    @cached_property
    def anchors(self) -> AnchorScan | None:
        every = {a for lexicon in self.values() for a in lexicon.anchors}
        return AnchorScan.of(every) if every else None


def _find(words: list[str], word: str, start: int) -> int:
    try:
        return words.index(word, start)
    except ValueError:
        return -1


class Condition:
    """One test. `check` returns the reason it holds, or None. `key` is how rule files write it."""

    key: str  # a class attribute of the composites, a field of a Leaf

    def check(self, subject: Subject) -> str | None:
        raise NotImplementedError


# A leaf test: the subject and the value its rule gave (read by the row's reader) to a reason or None.
Test = Callable[[Subject, Any], "str | None"]
# Reads a rule's value for one key: (dotted key, value, word lists) to what the test is given.
Reader = Callable[[str, Any, dict], Any]


@dataclass(frozen=True)
class Row:
    """One condition a rule may name: what it means for staff, how its value is read, how it is tested."""

    help: str
    read: Reader
    test: Test


# Every leaf condition by key, one row each (the composites all/any/not are classes below).
TESTS: dict[str, Row] = {}


def _row(key: str, help: str, read: Reader) -> Callable[[Test], Test]:
    def register(test: Test) -> Test:
        TESTS[key] = Row(help, read, test)
        return test

    return register


@dataclass(frozen=True)
class Leaf(Condition):
    """A row of TESTS with the value its rule gave it."""

    key: str
    value: Any
    test: Test = field(repr=False)

    def check(self, subject: Subject) -> str | None:
        return self.test(subject, self.value)


# --- reading values -------------------------------------------------------------------------


def _strings(key: str, value: Any, _: dict | None = None) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RuleError(key, f"expected a string or a list of strings, got {value!r}")


def _lowered(key: str, value: Any, _: dict) -> tuple[str, ...]:
    return tuple(s.lower() for s in _strings(key, value))


def _compile(key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RuleError(key, f"bad regular expression {pattern!r}: {exc}") from exc


def _bool(key: str, value: Any, _: dict) -> bool:
    if not isinstance(value, bool):
        raise RuleError(key, f"expected true or false, got {value!r}")
    return value


def _int(key: str, value: Any, _: dict) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RuleError(key, f"expected a whole number of at least 1, got {value!r}")
    return value


def _names(key: str, value: Any, lexicons: dict) -> tuple[str, ...]:
    names = _strings(key, value)
    for name in names:
        if name not in lexicons:
            known = ", ".join(sorted(lexicons)) or "none"
            raise RuleError(key, f'no word list "{name}" (known: {known})')
    return names


def _header_value(key: str, value: Any, _: dict) -> tuple[str, re.Pattern[str], str]:
    if not isinstance(value, dict) or "name" not in value or "regex" not in value:
        raise RuleError(key, 'expected { name = "Subject", regex = "...", in = "report"|"offending"|"any" }')
    unknown = set(value) - {"name", "regex", "in"}
    if unknown:
        raise RuleError(f"{key}.{sorted(unknown)[0]}", "unknown key (expected name, regex, in)")
    where = value.get("in", "any")
    if where not in ("report", "offending", "any"):
        raise RuleError(f"{key}.in", f'"{where}" is not one of report, offending, any')
    return str(value["name"]), _compile(f"{key}.regex", str(value["regex"])), where


def _where(key: str, value: Any, _: dict) -> str:
    if value not in ("internal", "external"):
        raise RuleError(key, f'expected "internal" or "external", got {value!r}')
    return str(value)


def _band(key: str, value: Any, _: dict) -> tuple[str, tuple[str, ...]]:
    table = value if isinstance(value, dict) else {"band": value}
    unknown = set(table) - {"band", "category"}
    if unknown:
        raise RuleError(f"{key}.{sorted(unknown)[0]}", "unknown key (expected band, category)")
    band = table.get("band", "none")
    if band not in BANDS:
        raise RuleError(key if isinstance(value, str) else f"{key}.band", f'"{band}" is not one of police, flag, none')
    categories = _strings(f"{key}.category", table["category"]) if "category" in table else ()
    return band, categories


# --- the leaf conditions ----------------------------------------------------------------------


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _in_domains(domain: str, domains: tuple[str, ...]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _searched(subject: Subject, phrases: PhraseSet) -> str | None:
    if subject.vocabulary.isdisjoint(phrases.keys):  # no phrase in any text: are the expressions tried?
        if not phrases.patterns:
            return None
        every = subject.anchors_found if phrases.anchors else None
        if every is not None and every.isdisjoint(phrases.anchors):
            return None
    anchored = subject.anchored if phrases.anchors else (None,) * len(subject.searchable)
    for (text, words, vocabulary), present in zip(subject.searchable, anchored, strict=True):
        found = phrases.search(text, words, vocabulary, present)
        if found:
            return found
    return None


@_row("lexicon", "any phrase of the named word lists (rules/lexicons/NAME.toml) appears", _names)
def _lexicon(subject: Subject, names: tuple[str, ...]) -> str | None:
    for name in names:
        lexicon = subject.lexicons.get(name)
        found = _searched(subject, lexicon) if lexicon is not None else None
        if found:
            return f"{name} word list: {found!r}"
    return None


@_row(
    "words",
    "any of these words or phrases appears (any case, any spacing)",
    lambda k, v, _: PhraseSet.of(list(_strings(k, v))),
)
def _words(subject: Subject, phrases: PhraseSet) -> str | None:
    found = _searched(subject, phrases)
    return f"contains {found!r}" if found else None


@_row(
    "regex",
    "any of these regular expressions matches the normalised text",
    lambda k, v, _: tuple(_compile(k, r) for r in _strings(k, v)),
)
def _regex(subject: Subject, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    for text in subject.texts():
        for pattern in patterns:
            found = pattern.search(text)
            if found:
                return f"matches {found.group(0)!r}"
    return None


@_row("header", "a header of the report or of an offending message matches a regex", _header_value)
def _header(subject: Subject, value: tuple[str, re.Pattern[str], str]) -> str | None:
    name, pattern, where = value
    sources: list[list[tuple[str, str]]] = []
    if where in ("report", "any"):
        sources.append(list(subject.report.headers))
    if where in ("offending", "any") and subject.may_have_header(name):
        sources.extend(subject.offending_headers)
    for headers in sources:
        for field_name, field_value in headers:
            if field_name.lower() == name.lower() and pattern.search(field_value):
                return f"{field_name}: {field_value[:80]}"
    return None


@_row("sender_domain", "an offending message is from one of these domains (or their subdomains)", _lowered)
def _sender_domain(subject: Subject, domains: tuple[str, ...]) -> str | None:
    for item in subject.all_offending():
        if item.from_ and _in_domains(_domain(item.from_.address), domains):
            return f"sent from {item.from_.address}"
    return None


@_row("recipient_domain", "an offending message was sent to one of these domains", _lowered)
def _recipient_domain(subject: Subject, domains: tuple[str, ...]) -> str | None:
    for item in subject.all_offending():
        for to in (*item.to, *item.cc):
            if _in_domains(_domain(to.address), domains):
                return f"sent to {to.address}"
    return None


@_row("reporter_domain", "the reporter writes from one of these domains", _lowered)
def _reporter_domain(subject: Subject, domains: tuple[str, ...]) -> str | None:
    sender = subject.report.from_
    if sender and _in_domains(_domain(sender.address), domains):
        return f"reported by {sender.address}"
    return None


@_row("offender", '"internal" (sender in org_domains) or "external"', _where)
def _offender(subject: Subject, where: str) -> str | None:
    for item in subject.all_offending():
        if item.from_ and item.from_.address:
            inside = _in_domains(_domain(item.from_.address), subject.org_domains)
            if inside == (where == "internal"):
                return f"{item.from_.address} is {where}"
    return None


@_row("source", "an offending message was found this way (attachment, inline, pasted, redirect, self, none)", _strings)
def _source(subject: Subject, sources: tuple[str, ...]) -> str | None:
    found = [o.source for o in subject.offending] or ["none"]
    hit = [s for s in found if s in sources]
    return f"source {hit[0]}" if hit else None


@_row("headers_complete", "true: an offending message kept its full headers; false: none did", _bool)
def _headers_complete(subject: Subject, wanted: bool) -> str | None:
    complete = any(o.headers_complete for o in subject.offending)
    return f"headers complete: {complete}" if complete == wanted else None


def _auth(name: str, results: Callable[[Trace], list[str]]) -> Test:
    """A test of an offending message's authentication result (`name` as it is written in the reason)."""

    def test(subject: Subject, wanted: tuple[str, ...]) -> str | None:
        for item in subject.offending:
            if item.trace:
                for result in results(item.trace):
                    if result.startswith(wanted):
                        return f"{name} {result}"
        return None

    return test


_row("dkim", "an offending message's DKIM result starts with one of these (pass, fail, none)", _strings)(
    _auth("dkim", lambda trace: [d.result for d in trace.auth.dkim] or ["none"])
)
_row("spf", "an offending message's SPF result starts with one of these (pass, fail, softfail …)", _strings)(
    _auth("spf", lambda trace: [trace.auth.spf])
)


@_row("indicator", "the trace found one of these signs (lookalike_domain, forged_trusted_hop …)", _strings)
def _indicator(subject: Subject, codes: tuple[str, ...]) -> str | None:
    for item in subject.offending:
        for sign in item.trace.indicators if item.trace else ():
            if sign.code in codes:
                return f"{sign.code}: {sign.detail}"
    return None


@_row("attachment_type", "the report carries an attachment of one of these types (globs, e.g. image/*)", _lowered)
def _attachment_type(subject: Subject, globs: tuple[str, ...]) -> str | None:
    for kind in subject.attachment_types:
        if any(fnmatch.fnmatch(kind, g) for g in globs):
            return f"attachment {kind}"
    return None


@_row("repeat_offender", "the offender already appears in at least this many earlier cases", _int)
def _repeat_offender(subject: Subject, at_least: int) -> str | None:
    if subject.offender_cases >= at_least:
        return f"offender in {subject.offender_cases} earlier case(s)"
    return None


@_row(
    "danger",
    'the danger score reaches a band ("police", "flag") — or { band = "...", category = [...] }, the '
    "category with the most evidence being one of those (rules/patterns/)",
    _band,
)
def _danger(subject: Subject, value: tuple[str, tuple[str, ...]]) -> str | None:
    band, categories = value
    verdict = subject.danger
    if BANDS.index(verdict.band) > BANDS.index(band):
        return None
    if categories and verdict.category not in categories:
        return None
    if band == "none" and not verdict.reasons:
        return None
    return verdict.summary()


# --- conditions of conditions -----------------------------------------------------------------


@dataclass(frozen=True)
class Parts(Condition):
    """`all`: every listed condition holds (a match table is already an all), with each one's reason;
    `any`: at least one holds, with the first one's. Both read the parts in order and stop at the first
    that decides: for `all` one that fails, for `any` one that holds."""

    key: str  # "all" or "any"
    parts: tuple[Condition, ...]

    def check(self, subject: Subject) -> str | None:
        every = self.key == "all"
        reasons = []
        for part in self.parts:
            reason = part.check(subject)
            if (reason is None) == every:
                return reason  # all: this one failed (None); any: this one holds
            if reason is not None:
                reasons.append(reason)
        return ("; ".join(reasons) or "always") if every else None


@dataclass(frozen=True)
class Not(Condition):
    """The condition does not hold."""

    key = "not"
    part: Condition

    def check(self, subject: Subject) -> str | None:
        return "not (" + self.part.key + ")" if self.part.check(subject) is None else None


# --- building conditions from rule files ----------------------------------------------------


def _list_of_tables(key: str, value: Any) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise RuleError(key, 'expected a list of tables, e.g. [{ lexicon = ["threats"] }]')
    return value


def _parts(key: str, value: Any, lexicons: dict) -> tuple[Condition, ...]:
    return tuple(build(t, lexicons, f"{key}[{i}]") for i, t in enumerate(_list_of_tables(key, value)))


def _not(key: str, value: Any, lexicons: dict) -> Condition:
    if not isinstance(value, dict):
        raise RuleError(key, "expected a table of conditions")
    return Not(build(value, lexicons, key))


COMPOSITES: dict[str, Callable[[str, Any, dict], Condition]] = {
    "all": lambda k, v, lex: Parts("all", _parts(k, v, lex)),
    "any": lambda k, v, lex: Parts("any", _parts(k, v, lex)),
    "not": _not,
}


def build(table: dict, lexicons: dict, where: str = "match") -> Condition:
    """A match table (all of its keys must hold) as one condition."""
    parts: list[Condition] = []
    for key, value in table.items():
        dotted = f"{where}.{key}"
        if key in TESTS:
            row = TESTS[key]
            parts.append(Leaf(key, row.read(dotted, value, lexicons), row.test))
        elif key in COMPOSITES:
            parts.append(COMPOSITES[key](dotted, value, lexicons))
        else:
            known = ", ".join(sorted([*TESTS, *COMPOSITES]))
            raise RuleError(dotted, f"unknown condition (expected one of {known})")
    return parts[0] if len(parts) == 1 else Parts("all", tuple(parts))  # an empty table always holds
