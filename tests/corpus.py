"""The shared corpus of public third-party mail, read through its MANIFEST."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    sha256: str
    size: int

    @property
    def source(self) -> str:
        return self.path.relative_to(CORPUS).parts[0]


def corpus_files() -> list[CorpusFile]:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [CorpusFile(CORPUS / r["file"], r["sha256"], int(r["bytes"])) for r in rows]


def ci_sample(step: int = 10) -> list[CorpusFile]:
    """Every file outside the big SpamAssassin public corpus, and every `step`-th one inside it."""
    files = corpus_files()
    public = [f for f in files if f.source == "spamassassin-public-corpus"]
    return [f for f in files if f.source != "spamassassin-public-corpus"] + public[::step]
