"""Route quality: precision and recall per category and language on the labelled evaluation set.

The set (bench/data/route_eval/) is short messages written for this purpose in en/de/fr/es, each
labelled threat, sextortion, stalking, harassment, benign or phishing. `tuning.tsv` (two thirds) is
what patterns may be adjusted on; `heldout.tsv` (one third, written first) is only ever measured:
this script prints its misses never, only its figures.

Each row becomes a real report (the reporter's own words, and the offending message forwarded
inline below them) and goes through the whole pure pipeline with the shipped rules.

Run: .venv/bin/python -m bench.route_quality [--misses] [--tuning-only] [--file bench/data/review/F.tsv]
(--misses lists the tuning part's misses; --tuning-only leaves the held-back part unmeasured)
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT
from stopit.config import from_text
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, RawMessage
from stopit.pipeline import plan
from stopit.route import Route
from stopit.route.rules import load_rules

DATA = ROOT / "bench" / "data" / "route_eval"
PARTS = ("tuning", "heldout")
LABELS = ("threat", "sextortion", "stalking", "harassment", "benign", "phishing")
DANGEROUS = ("threat", "sextortion")
LANGUAGES = ("en", "de", "fr", "es")
QUEUES = {"stopit", "police", "idhr", "abuse"}
CONFIG = from_text('[desk]\norg_domains = ["campus.example.edu"]\n')
# What the router can tell apart: harassment and benign messages both stay with an office.
PREDICTED = {
    "threat": "threat",
    "self-harm": "threat",
    "sextortion": "sextortion",
    "stalking": "stalking",
    "phishing": "phishing",
    "compromised account": "phishing",
    "spam": "phishing",
}


@dataclass(frozen=True)
class Row:
    label: str
    lang: str
    note: str
    message: str
    line: int
    block: str = ""  # the comment line above the row's batch: who wrote it, when, knowing what


@dataclass(frozen=True)
class Result:
    row: Row
    route: Route

    @property
    def police(self) -> bool:
        return self.route.queue == "police"

    @property
    def flagged(self) -> bool:
        return "possible threat" in self.route.tags

    @property
    def predicted(self) -> str:
        return PREDICTED.get(self.route.category, "other")

    def right(self) -> bool:
        if self.row.label in ("harassment", "benign"):
            return self.predicted == "other" and not self.police
        return self.predicted == self.row.label


def read(part: str | Path) -> list[Row]:
    """The labelled rows of a part of the evaluation set ("tuning", "heldout"), or of a file of the same form."""
    rows = []
    block = ""
    path = part if isinstance(part, Path) else DATA / f"{part}.tsv"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#") and "\t" not in line:
            block = line.lstrip("# ").strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        label, lang, note, message = line.split("\t")
        if label not in LABELS or lang not in LANGUAGES:
            raise SystemExit(f"{path.name}:{number}: unknown label or language {label!r} {lang!r}")
        rows.append(Row(label, lang, "" if note == "-" else note, "" if message == "-" else message, number, block))
    return rows


def report(row: Row, n: int) -> bytes:
    """The row as a reporter would send it: their words, the message forwarded inline below."""
    head = (
        "From: Student <student@campus.example.edu>\nTo: stopit@campus.example.edu\n"
        f"Message-ID: <eval-{n}@campus.example.edu>\nDate: Mon, 16 Nov 2026 21:14:02 -0500\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    )
    if not row.message:
        return f"{head}Subject: report\n\n{row.note}\n".encode()
    return (
        f"{head}Subject: Fwd: message\n\n{row.note}\n\n---------- Forwarded message ---------\n"
        f"From: someone <someone@freemail.example>\nDate: Mon, Nov 16, 2026 at 8:52 PM\nSubject: message\n"
        f"To: <student@campus.example.edu>\n\n{row.message}\n"
    ).encode()


def run(rows: list[Row], rules) -> list[Result]:
    out = []
    for n, row in enumerate(rows):
        raw = RawMessage(report(row, n), "eval")
        out.append(Result(row, plan(raw, envelope_of(raw), Facts(), CONFIG, rules=rules).route))
    return out


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "    -"


def table(results: list[Result]) -> list[str]:
    lines = [f"    {'category':<11} {'n':>3} {'recall':>7} {'precision':>9} {'to police':>9} {'flagged':>8}"]
    for label in LABELS:
        mine = [r for r in results if r.row.label == label]
        if not mine:
            continue
        hits = sum(r.right() for r in mine)
        if label in ("harassment", "benign"):
            precision = "    -"  # the router does not tell them apart: both stay with an office
        else:
            said = [r for r in results if r.predicted == label]
            precision = pct(sum(r.row.label == label for r in said), len(said))
        police = sum(r.police for r in mine)
        flagged = sum(r.flagged for r in mine)
        lines.append(
            f"    {label:<11} {len(mine):>3} {pct(hits, len(mine)):>7} {precision:>9} "
            f"{pct(police, len(mine)):>9} {pct(flagged, len(mine)):>8}"
        )
    return lines


def targets(results: list[Result]) -> str:
    danger = [r for r in results if r.row.label in DANGEROUS]
    calm = [r for r in results if r.row.label not in DANGEROUS]
    caught = sum(r.police for r in danger)
    wrong = sum(r.police for r in calm)
    urgent = sum(r.police or r.flagged for r in danger)  # at least held for a person: police or possible threat
    return (
        f"threat+sextortion sent to police: {caught}/{len(danger)} = {pct(caught, len(danger)).strip()} "
        f"(target >= 98%; police or possible threat {pct(urgent, len(danger)).strip()}); "
        f"non-threat sent to police: {wrong}/{len(calm)} = {pct(wrong, len(calm)).strip()} (target <= 5%)"
    )


def main(argv: list[str]) -> None:
    rules = load_rules([], QUEUES)
    # --file F: a labelled file of the same form that is never learned from (bench/data/review/), measured alone
    given = [Path(argv[argv.index("--file") + 1])] if "--file" in argv else []
    for part in given or (PARTS[:1] if "--tuning-only" in argv else PARTS):
        results = run(read(part), rules)
        print(f"== {part} part: {len(results)} messages ==")
        print("  " + targets(results))
        print("  all languages:")
        print("\n".join(table(results)))
        for lang in LANGUAGES:
            mine = [r for r in results if r.row.lang == lang]
            print(f"  {lang}: " + targets(mine))
            print("\n".join(table(mine)))
        # Each batch apart: rows by another author, written without seeing the patterns, show how far the
        # patterns generalise beyond the phrasing they were tuned on.
        print("  by batch:")
        for block in dict.fromkeys(r.row.block for r in results):
            mine = [r for r in results if r.row.block == block]
            print(f"    {block[:90]}\n      " + targets(mine))
        if part == "tuning" and "--misses" in argv:
            for r in results:
                if not r.right() or (r.row.label not in DANGEROUS and r.police):
                    d = r.route.danger
                    print(
                        f"  MISS {part}.tsv:{r.row.line} {r.row.label}/{r.row.lang} -> {r.route.queue} "
                        f"{r.route.category} {d.score:g} {d.band}: {[x.pattern for x in d.reasons]}"
                        f"\n       {r.row.note} | {r.row.message}"
                    )
        print()
    parts = given or (PARTS[:1] if "--tuning-only" in argv else PARTS)  # the held-back part unread when asked
    counts = Counter(r.label for part in parts for r in read(part))
    names = [part.name if isinstance(part, Path) else part for part in parts]
    print(f"labels over {' and '.join(names)}:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
