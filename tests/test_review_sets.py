"""The measured-only sets in bench/data/review/ read as the evaluation set does (bench.route_quality --file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import ROOT
from bench.route_quality import DANGEROUS, LABELS, LANGUAGES, read

REVIEW = ROOT / "bench" / "data" / "review"


# Each file's form as its header says: its authors' sizes and their threats and extortion. Session 13: eight authors
# of the usual form (320 rows, 144 of them dangerous) and one of 298 rows of photo talk; session 14: four of the usual
# form and three of ordinary talk in the words of threats; session 15: four of ordinary talk in the words of threats,
# each beside threats in the same words, and two of the usual form; session 16: two of the usual form.
FORMS = {
    "session13-authors.tsv": ("session 13 additions", [298] + [320] * 8, [60] + [144] * 8),
    "session14-authors.tsv": ("session 14 additions", [320] * 7, [48, 48, 64] + [144] * 4),
    "session15-authors.tsv": ("session 15 additions", [320] * 6, [96, 96, 104, 120, 144, 144]),
    "session16-authors.tsv": ("session 16 additions", [320] * 2, [144] * 2),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_review_set_reads_by_author_with_every_label_and_language(name: str) -> None:
    batch, sizes, dangerous = FORMS[name]
    rows = read(REVIEW / name)
    blocks = {row.block for row in rows}
    assert len(blocks) == len(sizes) and all(batch in block for block in blocks)
    assert {row.label for row in rows} == set(LABELS) and {row.lang for row in rows} == set(LANGUAGES)
    assert all(row.message for row in rows)
    by_block = [[row for row in rows if row.block == block] for block in blocks]
    assert sorted(len(b) for b in by_block) == sizes
    assert sorted(sum(r.label in DANGEROUS for r in b) for b in by_block) == dangerous


def test_a_row_of_unknown_label_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("# a batch\nthreat\ten\t-\tfine\nmenace\ten\t-\tnot a label\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"^bad\.tsv:3: unknown label"):
        read(bad)
