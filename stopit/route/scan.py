"""Owns finding the first match of a word list's expressions fast: each is tried only where it can start.

A word list's expressions are long alternations (`\\b(verify|confirm|…)\\s(your|their)…`, forty
branches in four languages). Python's engine tries every branch at every character of a text, and
most characters start none of them. Read from its parsed form, each expression gives the short runs
of letters (and spaces, and small classes such as `[ée]`) that every match of it starts with; one
cheap scan for those runs finds the only places worth trying, and the expression is tried there alone.

The answer is the one the expressions joined by `|` would give: the leftmost match, and among those
starting at one place, the first expression's. An expression whose start cannot be read so (one that
may start with any character) is simply searched, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The parsed form of an expression is Python's own; a form this module does not know ends a run early,
# which only makes the scan find more places to try, never fewer.
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

RUN = 6  # at most this many characters of an expression's start are scanned for
MOST_RUNS = 3_000  # an expression with more ways to start than this is scanned for shorter runs
_CATEGORIES = {sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_DIGIT: r"\d"}
_END = object()  # "whatever follows": a run stops here
Item = tuple[Any, Any, tuple[bool, bool]]  # (opcode, argument, (ignore case, ASCII)) of the parsed form


class _TooMany(Exception):
    pass


def _scoped(atom: str, flags: tuple[bool, bool]) -> str:
    """An atom with the flags in force where the expression had it (case, ASCII classes)."""
    icase, ascii_ = flags
    on = ("i" if icase else "") + ("a" if ascii_ else "")
    return f"(?{on}:{atom})" if on else atom


def _class(members: list[tuple[Any, Any]]) -> str | None:
    """A class of a few letters (`[ée]`) or `\\s` or `\\d` as an atom; None for any broader one."""
    if len(members) == 1 and members[0][0] is sre.CATEGORY:
        return _CATEGORIES.get(members[0][1])
    if members and len(members) <= 4 and all(op is sre.LITERAL for op, _ in members):
        return "[" + "".join(re.escape(chr(code)) for _, code in members) + "]"
    return None


def _items(parsed: Any, flags: tuple[bool, bool]) -> tuple[Item, ...]:
    return tuple((op, av, flags) for op, av in parsed)


def _walk(rest: tuple[Item, ...], run: tuple[str, ...], out: set[tuple[str, ...]], most: int) -> None:
    """Every run of atoms a match of `rest` may start with, preceded by `run`, added to `out`."""
    if len(out) > MOST_RUNS:
        raise _TooMany
    if len(run) >= most or not rest:
        out.add(run)
        return
    (op, av, flags), tail = rest[0], rest[1:]
    if op is _END:
        out.add(run)
    elif op is sre.LITERAL:
        _walk(tail, (*run, _scoped(re.escape(chr(av)), flags)), out, most)
    elif op is sre.IN:
        atom = _class(av)
        if atom is None:
            out.add(run)
        else:
            _walk(tail, (*run, _scoped(atom, flags)), out, most)
    elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        _walk(tail, run, out, most)  # takes no characters: leaving it out only finds more places
    elif op is sre.SUBPATTERN:
        _, add, remove, parsed = av  # (?i-x: …) turns flags on and off inside it
        icase = (flags[0] or bool(add & sre.SRE_FLAG_IGNORECASE)) and not remove & sre.SRE_FLAG_IGNORECASE
        ascii_ = (flags[1] or bool(add & sre.SRE_FLAG_ASCII)) and not add & sre.SRE_FLAG_UNICODE
        _walk(_items(parsed, (icase, ascii_)) + tail, run, out, most)
    elif op is sre.ATOMIC_GROUP:
        _walk(_items(av, flags) + tail, run, out, most)
    elif op is sre.BRANCH:
        for option in av[1]:
            _walk(_items(option, flags) + tail, run, out, most)
    elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        least, at_most, parsed = av
        if least == 0:
            _walk(tail, run, out, most)
        if at_most == 1:
            _walk(_items(parsed, flags) + tail, run, out, most)
        elif at_most > 1:  # once, then more of it or what follows: the run ends after the first
            _walk((*_items(parsed, flags), (_END, None, flags)), run, out, most)
    else:
        out.add(run)  # any character, a broad class, a back reference: the run ends here


def starts(pattern: re.Pattern[str]) -> set[tuple[str, ...]] | None:
    """The runs of atoms every match of `pattern` starts with (one of them), or None when it may start
    with any character (or its parsed form cannot be read)."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # the expression compiled: only this reading of it failed, and it is not needed
        return None
    flags = (bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE), bool(parsed.state.flags & sre.SRE_FLAG_ASCII))
    for most in range(RUN, 0, -1):
        out: set[tuple[str, ...]] = set()
        try:
            _walk(_items(parsed, flags), (), out, most)
        except (_TooMany, RecursionError):
            continue
        return None if () in out else _shortest(out)
    return None


def _shortest(runs: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """The runs without those that start with another run: a place where the longer one is, the shorter is."""
    kept: set[tuple[str, ...]] = set()
    for run in sorted(runs, key=len):
        if not any(run[:n] in kept for n in range(1, len(run))):
            kept.add(run)
    return kept


Tree = dict[str, "Tree"]


def _tree(runs: set[tuple[str, ...]]) -> str:
    """The runs as one expression, written as a tree of their atoms: at each place the next atom picks
    a branch, where a list of runs would try them all."""
    root: Tree = {}
    for run in runs:
        node = root
        for atom in run:
            node = node.setdefault(atom, {})

    def write(node: Tree) -> str:
        branches = [atom + write(child) for atom, child in sorted(node.items())]
        if len(branches) <= 1:
            return "".join(branches)
        return "(?:" + "|".join(branches) + ")"

    return write(root)


@dataclass(frozen=True)
class Expression:
    """One expression and, when its start could be read, the scan for the places it may start at."""

    pattern: re.Pattern[str]
    scan: re.Pattern[str] | None

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> Expression:
        runs = starts(pattern)
        return cls(pattern, re.compile(_tree(runs)) if runs else None)

    def first(self, text: str, before: int) -> re.Match[str] | None:
        """The leftmost match starting before `before` (a match starting later is of no use)."""
        if self.scan is None:
            found = self.pattern.search(text)
            return found if found is not None and found.start() < before else None
        at = 0
        scan, match = self.scan.search, self.pattern.match
        while (place := scan(text, at)) is not None and (start := place.start()) < before:
            found = match(text, start)  # read from `start` as a search would: what precedes it still counts
            if found is not None:
                return found
            at = start + 1
        return None


@dataclass(frozen=True)
class Expressions:
    """A word list's expressions, searched as if joined by `|`."""

    items: tuple[Expression, ...] = field(default=())

    @classmethod
    def of(cls, patterns: tuple[re.Pattern[str], ...]) -> Expressions:
        return cls(tuple(Expression.of(p) for p in patterns))

    def search(self, text: str) -> re.Match[str] | None:
        """The match `|`.join of the expressions would find: the leftmost, the earlier expression's on a tie."""
        best: re.Match[str] | None = None
        for item in self.items:
            found = item.first(text, best.start() if best is not None else len(text) + 1)
            if found is not None:
                best = found  # strictly left of the best so far: an earlier expression keeps a tie
        return best

    def __bool__(self) -> bool:
        return bool(self.items)
