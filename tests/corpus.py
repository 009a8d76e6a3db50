"""Where the tests' mail comes from: fixtures kept in tests/data, and the whole third-party corpus when present.

`DATA` holds the files tests name (see tests/data/SOURCES.md), so a fresh clone passes its own tests.
The larger corpus that some tests walk end to end is found through `$STOPIT_CORPUS`, else
`../shared/corpus` beside the checkout. Without it those tests skip, all from one place with one
reason, so pytest's summary (-ra) shows them as one line; under `CI=true` a missing corpus fails
them instead: CI must never go green by quietly testing less.
"""

from __future__ import annotations

import csv
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

DATA = Path(__file__).resolve().parent / "data"
# Where the corpus is looked for; it may not exist (use corpus() or corpus_root() to find out).
CORPUS = Path(os.environ.get("STOPIT_CORPUS") or Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
MISSING = (
    f"third-party corpus not found at {CORPUS} (set STOPIT_CORPUS to it): the tests that walk the whole corpus "
    "are skipped"
)


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    sha256: str
    size: int
    root: Path

    @property
    def source(self) -> str:
        return self.path.relative_to(self.root).parts[0]


def corpus_root() -> Path | None:
    """The corpus directory when it is there (it has its MANIFEST.tsv), else None."""
    return CORPUS if (CORPUS / "MANIFEST.tsv").is_file() else None


def must_fail_when_missing() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def absent(reason: str) -> NoReturn:
    """Skip the calling test for want of third-party data, or fail it under CI=true."""
    if must_fail_when_missing():
        pytest.fail(f"CI=true and {reason.split(':')[0]}", pytrace=False)
    pytest.skip(reason)


def corpus() -> Path:
    """The corpus directory; skips the calling test when it is absent, fails it under CI=true."""
    root = corpus_root()
    if root is None:
        absent(MISSING)
    return root


def manifest(folder: Path) -> list[CorpusFile]:
    """The files listed in `folder`/MANIFEST.tsv, with their recorded sha256 and size."""
    with open(folder / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [CorpusFile(folder / r["file"], r["sha256"], int(r["bytes"]), folder) for r in rows]


def fixture_bytes(path: Path) -> bytes:
    """A kept fixture's bytes; a folder kept compressed (`NAME.tar.gz` beside where `NAME/` would be) is read
    from its archive, so the tests see the upstream bytes whichever way the folder is stored."""
    if path.is_file():
        return path.read_bytes()
    archive = path.parent.with_name(path.parent.name + ".tar.gz")
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"{path.parent.name}/{path.name}")
        if member is None:
            raise FileNotFoundError(path)
        return member.read()


def corpus_files() -> list[CorpusFile]:
    return manifest(corpus())


def ci_sample(step: int = 10) -> list[CorpusFile]:
    """Every file outside the big SpamAssassin public corpus, and every `step`-th one inside it."""
    files = corpus_files()
    public = [f for f in files if f.source == "spamassassin-public-corpus"]
    return [f for f in files if f.source != "spamassassin-public-corpus"] + public[::step]
