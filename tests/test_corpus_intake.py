"""Every odd, hostile and ordinary message of the third-party corpus goes through intake without loss."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from stopit.store import Store
from tests.conftest import stopit
from tests.corpus import DATA, ci_sample, fixture_bytes, manifest
from tests.servers import write_config


def test_corpus_sample_is_stored_byte_exact_and_each_is_processed_or_quarantined(tmp_path: Path) -> None:
    sample = ci_sample()
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    for n, item in enumerate(sample):
        shutil.copyfile(item.path, inbox / "new" / f"{n:05d}.corpus")
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{tmp_path / 'outbox'}")

    result = stopit(config, "run", "--once")
    assert "processed" in result.output

    store = Store(tmp_path / "state" / "stopit.db")
    states = dict(store.conn.execute("SELECT sha256, state FROM messages WHERE direction='in'"))
    case_reports = {r[0] for r in store.conn.execute("SELECT report_sha256 FROM cases")}
    for item in sample:
        data = item.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert digest == item.sha256, f"corpus file changed: {item.path}"
        row = store.row_for_sha256(digest)
        assert row is not None, f"not stored: {item.path}"
        assert store.raw_bytes(row) == data
        assert states[digest] in ("processed", "quarantined"), item.path
        kind = store.conn.execute("SELECT kind FROM messages WHERE id=?", (row,)).fetchone()[0]
        if states[digest] == "processed" and kind == "report":
            assert digest in case_reports
    # Nothing is left behind in the inbox: each file went to Processed or Quarantine.
    assert list((inbox / "new").iterdir()) == [] and list((inbox / "cur").iterdir()) == []
    moved = list((inbox / ".Processed" / "cur").iterdir()) + list(
        (inbox / ".Quarantine" / "cur").iterdir() if (inbox / ".Quarantine").exists() else []
    )
    assert len(moved) == len(sample)
    assert store.verify_chain().ok


def test_kept_fixtures_are_the_upstream_bytes_with_their_licence() -> None:
    files = manifest(DATA)
    assert len(files) > 250
    for item in files:
        data = fixture_bytes(item.path)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (item.size, item.sha256), item.path
    for source in {f.source for f in files}:
        licences = [p for p in (DATA / source).rglob("*") if p.name.startswith("UPSTREAM-") or "LICENSE" in p.name]
        assert licences, f"{source} has no licence file"
