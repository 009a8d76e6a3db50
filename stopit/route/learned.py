"""Owns the learned word evidence: a linear score over words and word pairs, read from rules/patterns/learned.tsv.

Patterns describe the constructions a threat is made of, but people who threaten use far more words
than any list names: measured on a new author's rows, the patterns alone sent a third of threats and
extortion to the police. The learned evidence weighs every word and pair of neighbouring words by
how much more threats and extortion use it than ordinary mail, harassment and benign messages do
(logistic regression over the labelled tuning part of bench/data/route_eval/ and thousands of
ordinary mails; written by `python -m bench.learn_evidence`, never from the held-back part).

A message is read in windows of up to three sentences, and its score is that of its most
threatening window: a long ordinary mail cannot add up to a threat, and a threat buried in the
middle of a friendly letter is read on its own. The window's score (log-odds) is one reason among
the patterns': from `flag_at` it can flag a possible threat, from `police_at` it sends the report to
the police when the patterns alone found a possible threat (see Evidence.weight).
Staff can read the file (words and their weights) and `stopit explain` names the words that weighed most.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Protocol

FILE_NAME = "learned.tsv"
NAME = "learned words"
SAYS = "words and word pairs that threats and extortion use far more than other mail"
WINDOW = 3  # sentences read together
SHOWN = 6  # words explain names
SETTINGS = ("bias", "flag_at", "police_at")
BREAK = "."  # the normaliser's sentence end


class Problems(Protocol):
    items: list[str]


def sentences(words: Sequence[str]) -> list[list[str]]:
    """The words split at sentence ends (the ends themselves dropped, empty sentences too)."""
    words = words if isinstance(words, list) else list(words)
    out: list[list[str]] = []
    start = 0
    for end in _breaks(words):
        if end > start:
            out.append(words[start:end])
        start = end + 1
    if start < len(words):
        out.append(words[start:])
    return out


def _breaks(words: list[str]) -> Iterator[int]:
    """Where the sentence ends are, found by list.index (the scan runs in C)."""
    at = -1
    try:
        while True:
            at = words.index(BREAK, at + 1)
            yield at
    except ValueError:
        return


def features(sentence: Sequence[str]) -> set[str]:
    """A sentence's distinct words and pairs of neighbouring words."""
    return {*sentence, *map(" ".join, pairwise(sentence))}


def sentence_features(sentence: Sequence[str]) -> list[str]:
    """A sentence's features, sorted (so sums are repeatable)."""
    return sorted(features(sentence))


def windows(words: Sequence[str]) -> Iterator[list[list[str]]]:
    """Runs of up to WINDOW consecutive sentences' features; a text of WINDOW sentences or fewer is one."""
    feats = [sentence_features(s) for s in sentences(words)]
    if len(feats) <= WINDOW:
        if feats:
            yield feats
        return
    for start in range(len(feats) - WINDOW + 1):
        yield feats[start : start + WINDOW]


@dataclass(frozen=True)
class Weighed:
    """The most threatening window of a report: its log-odds and the words that weighed most in it."""

    logit: float
    words: tuple[str, ...]
    where: str


@dataclass(frozen=True)
class Evidence:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    flag_at: float = float("inf")
    police_at: float = float("inf")

    def weigh(self, texts: Sequence[tuple[str, Sequence[str]]]) -> Weighed | None:
        """The highest-scoring window over `texts` (role, normalised words), or None when there is none.

        A window's score is the bias plus its sentences' sums, so each sentence is summed once and
        the windows slide over those sums (the same score `windows` gives when learning).
        """
        if not self.weights:
            return None
        best: tuple[float, list[list[str]], str] | None = None
        for role, words in texts:
            feats = [self._weighed(s) for s in sentences(words)]
            if not feats:
                continue
            # A sentence's sum over its weighed features in sorted order is its sum over all its features
            # in sorted order: a feature without weight adds 0.0, which changes no sum.
            sums = [sum(map(self.weights.__getitem__, sentence)) for sentence in feats]
            width = min(WINDOW, len(feats))
            for start in range(len(feats) - width + 1):
                logit = self.bias + sum(sums[start : start + width])
                if best is None or logit > best[0]:
                    best = (logit, feats[start : start + width], role)
        if best is None:
            return None
        logit, window, role = best
        present = {f: self.weights[f] for sentence in window for f in sentence if self.weights.get(f, 0.0) > 0}
        strongest = sorted(present, key=lambda f: (-present[f], f))[:SHOWN]
        return Weighed(round(logit, 2), tuple(strongest), role)

    def _weighed(self, sentence: list[str]) -> list[str]:
        """A sentence's features that have a weight, sorted: `sentence_features` without the others."""
        return sorted(self.weights.keys() & features(sentence))  # the smaller of the two is walked, in C

    def weight(self, weighed: Weighed, score: float, beyond_stalking: float, flag: float, police: float) -> float:
        """What the window adds to the patterns' `score`.

        From `flag_at` the words can make a report a possible threat, never more: they lift the score
        to the flag band. From `police_at` they lift it to the police band, but only when the patterns
        alone found a possible threat: words learned from a few thousand messages never send a report to
        the police on their own. (Beside any weaker sign they caught a sixth more of two unseen authors'
        threats, but sent ordinary messages such as a surprise party's photo album to the police.)
        Stalking evidence does not count as that possible threat (`beyond_stalking`, the patterns' score
        without it): persistence is never an emergency unless a threat is found beside it, and the words
        are no such finding.
        """
        if weighed.logit >= self.police_at and beyond_stalking >= flag:
            return max(0.0, police - score)
        if weighed.logit >= self.flag_at:
            return max(0.0, flag - score)
        return 0.0


def data_lines(path: Path) -> Iterator[tuple[int, str]]:
    """A learned file's lines with their numbers, without blank lines and # comments (learned.tsv, meaning.tsv)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            yield number, line


def read(path: Path, problems: Problems) -> Evidence:
    """learned.tsv: `@bias`, `@flag_at`, `@police_at` lines, then `word<TAB>weight` lines; # starts a comment."""
    if not path.is_file():
        return Evidence()
    settings: dict[str, float] = {}
    weights: dict[str, float] = {}
    for number, line in data_lines(path):
        key, _, value = line.partition("\t")
        try:
            number_value = float(value)
        except ValueError:
            problems.items.append(f"{path}:{number}: {key!r}: expected a word, a tab and a number, got {line!r}")
            continue
        if key.startswith("@"):
            if key[1:] not in SETTINGS:
                problems.items.append(
                    f"{path}:{number}: {key}: unknown setting (expected one of {', '.join(SETTINGS)})"
                )
                continue
            settings[key[1:]] = number_value
        else:
            weights[key] = number_value
    missing = [s for s in SETTINGS if s not in settings]
    if weights and missing:
        problems.items.append(f"{path}: missing setting(s) {', '.join('@' + m for m in missing)}")
        return Evidence()
    if weights and settings["flag_at"] > settings["police_at"]:
        problems.items.append(f"{path}: @flag_at must not be above @police_at")
        return Evidence()
    return Evidence(weights, settings.get("bias", 0.0), settings.get("flag_at", 0.0), settings.get("police_at", 0.0))


def write(path: Path, evidence: Evidence, header: str) -> None:
    """learned.tsv from `evidence`, strongest words first, with `header` as the opening comment."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"@{name}\t{getattr(evidence, name):g}" for name in SETTINGS]
    ordered = sorted(evidence.weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    lines += [f"{word}\t{weight:g}" for word, weight in ordered]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
