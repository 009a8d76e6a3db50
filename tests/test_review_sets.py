"""The measured-only sets in bench/data/review/ read as the evaluation set does (bench.route_quality --file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import ROOT
from bench.route_quality import DANGEROUS, LABELS, LANGUAGES, read

REVIEW = ROOT / "bench" / "data" / "review"


def test_the_session13_authors_read_by_author_with_every_label_and_language() -> None:
    rows = read(REVIEW / "session13-authors.tsv")
    blocks = {row.block for row in rows}
    assert len(blocks) == 9 and all("session 13 additions" in block for block in blocks)
    assert {row.label for row in rows} == set(LABELS) and {row.lang for row in rows} == set(LANGUAGES)
    assert all(row.message for row in rows)
    # the form the file says: eight authors of 320 rows, 144 of them threats and extortion, and one of 298
    by_block = [[row for row in rows if row.block == block] for block in blocks]
    assert sorted(len(b) for b in by_block) == [298] + [320] * 8
    assert sorted(sum(r.label in DANGEROUS for r in b) for b in by_block) == [60] + [144] * 8


def test_a_row_of_unknown_label_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("# a batch\nthreat\ten\t-\tfine\nmenace\ten\t-\tnot a label\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"^bad\.tsv:3: unknown label"):
        read(bad)
