"""Choose the meaning's thresholds on a tuning batch left out: the whole verdict at each setting, and ordinary mail.

bench/tune_encoder.py and bench/learn_meaning.py --leave-out say how the meaning alone judges an author it
never saw. The thresholds act together with the patterns and the learned words (a chance from @joined_at only
sends to the police beside the patterns' possible threat), so they are chosen on the whole verdict: this learns
meaning.tsv without the batch (over the encoder as shipped, or a tuning file made without the batch, `--tuning`),
reads each of its rows and every corpus mail once through the desk's own route stage, noting the verdict without
the meaning and what the meaning read, then prints for each setting of the thresholds how many threats and extortion
and other rows of the batch, and how many corpus mails, reach the police, then for each @flag_at how many
reach the police or the possible-threat band (the other thresholds as shipped). Half of the SpamAssassin mail is learned
from as ordinary mail, the other half and the other corpora never are.

Run: .venv/bin/python -m bench.meaning_thresholds --leave-out "session 8 additions" [--tuning F.npz]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import bench.learn_meaning as learning
from bench.route_quality import DANGEROUS, QUEUES, read, run
from stopit.route.meaning import Meaning, Sensed
from stopit.route.rules import load_rules
from tests.corpus import corpus_files
from tests.test_danger_corpus import text_of

FLAG_GRID = (0.7, 0.75, 0.8, 0.85, 0.9)
WORDS_GRID = (float("inf"), 6.0, 4.0, 2.0, 1.0, 0.0, -1.0, -2.0)
GRID = {
    "joined_at": (0.7, 0.8, 0.9),
    "police_at": (0.9, 0.93, 0.95, 0.97, 0.98),
    "part_joined_at": (0.8, 0.9, 0.95),
    "part_police_at": (0.97, 0.98, 0.99, 0.995),
}


@dataclass(frozen=True)
class Read:
    """One report: whether it reached the police without the meaning, and what the meaning was given to weigh."""

    police: bool
    sensed: Sensed | None = None
    found: float = 0.0  # the patterns' score without stalking and learned words (Meaning.weight)
    flag: float = 0.0  # the bands' scores
    police_at: float = 0.0
    score: float = 0.0  # the patterns' and learned words' score
    words: float | None = None  # the learned words' own score (Meaning.joined)

    def to_police(self, meaning: Meaning) -> bool:
        """Whether the report reaches the police with `meaning`'s thresholds (as the route stage weighs it)."""
        if self.police or self.sensed is None:
            return self.police
        weight = meaning.weight(self.sensed, 0.0, self.found, self.flag, self.police_at, self.words)
        return weight >= self.police_at

    def flagged(self, meaning: Meaning) -> bool:
        """Whether the report reaches the possible-threat band or the police with `meaning`'s thresholds."""
        if self.sensed is None:  # nothing was read: nor was the score noted
            return self.police
        if self.police or self.score >= self.flag:
            return True
        weight = meaning.weight(self.sensed, self.score, self.found, self.flag, self.police_at, self.words)
        return self.score + weight >= self.flag


@dataclass(frozen=True)
class Noting(Meaning):
    """The model, adding nothing to the score but noting what it read (the last report's, in `notes`)."""

    flag_at: float = 0.0
    notes: list = None  # type: ignore[assignment]

    def weight(
        self, sensed: Sensed, score: float, found: float, flag: float, police: float, words: float | None = None
    ) -> float:
        self.notes[:] = [(sensed, found, flag, police, score, words)]
        return 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.meaning_thresholds")
    parser.add_argument("--leave-out", required=True, help="words of the tuning batch's comment line to leave out")
    parser.add_argument("--tuning", type=Path, help="the encoder's tuned layers, tuned without that batch")
    args = parser.parse_args(argv)
    labelled = read("tuning")
    kept = [r for r in labelled if args.leave_out not in r.block]
    left = [r for r in labelled if args.leave_out in r.block]
    if not left:
        raise SystemExit(f"no tuning batch's comment line contains {args.leave_out!r}")
    tuning = learning.tuned(args.tuning)
    ham, spam = learning.ordinary("ham", 0), learning.ordinary("spam", 0)
    model = learning.learn(learning.examples(kept, ham, spam, tuning), tuning)
    notes: list = []
    # flag_at 0: the route stage asks the meaning to weigh every report it read, so each one's chance is noted
    noting = Noting(**{f: getattr(model, f) for f in Meaning.__dataclass_fields__ if f != "flag_at"}, notes=notes)
    rules = load_rules([], QUEUES)
    rules = replace(rules, patterns=replace(rules.patterns, meaning=noting))

    def noted(police: bool) -> Read:
        read_ = Read(police, *notes[0]) if notes else Read(police)
        notes.clear()
        return read_

    rows = [(r.label in DANGEROUS, noted(run([r], rules)[0].police)) for r in left]
    mails = [
        noted(rules.patterns.judge([("message", text_of(f.path.read_bytes()))]).band == "police")
        for f in corpus_files()
    ]
    dangerous = sum(d for d, _ in rows)
    print(f"{len(left)} rows left out ({dangerous} threats and extortion), {len(mails)} corpus mails; flag_at as")
    print("shipped. To the police: threats and extortion, other rows, corpus mails")
    def counts(meaning: Meaning, reached: Callable[[Read, Meaning], bool]) -> str:
        caught = sum(reached(r, meaning) for d, r in rows if d)
        others = sum(reached(r, meaning) for d, r in rows if not d)
        corpus = sum(reached(m, meaning) for m in mails)
        return f"{caught:>4}/{dangerous} {others:>4}/{len(rows) - dangerous} {corpus:>3}"

    for values in itertools.product(*GRID.values()):
        t = dict(zip(GRID, values, strict=True))
        if not t["joined_at"] <= t["part_joined_at"] <= t["part_police_at"] or t["police_at"] > t["part_police_at"]:
            continue
        shown = " ".join(f"{k}={v:g}" for k, v in t.items())
        print(f"  {shown:<70} {counts(replace(model, **t), Read.to_police)}")  # type: ignore[arg-type]
    print("The other thresholds as shipped. To the police: threats and extortion, other rows, corpus mails")
    for words in WORDS_GRID:
        print(f"  joined_words_at={words:<54g} {counts(replace(model, joined_words_at=words), Read.to_police)}")
    print("The other thresholds as shipped. To the police or flagged: threats and extortion, other rows, corpus mails")
    for flag_at in FLAG_GRID:
        print(f"  flag_at={flag_at:<62g} {counts(replace(model, flag_at=flag_at), Read.flagged)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
