"""Evidence export: byte-exact messages, a manifest that catches any change, the hashed log, custody."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from stopit.store import INLINE_BLOB_LIMIT
from tests.conftest import stopit
from tests.records import file_report, open_desk, send_notice, sender_answers

BODY = "I know where you live and I know your timetable. Think about that before you go out."


@pytest.fixture
def exported(tmp_path: Path):
    desk, clock, config = open_desk(tmp_path)
    # One report with a large (blob file) offending message, a reply from the sender, another case between.
    case = file_report(
        desk, "ann@campus.example.edu", "stalker@freemail.example", BODY, "<s1@freemail.example>", big=True
    )
    clock.advance(hours=1)
    file_report(desk, "bob@campus.example.edu", "other@else.example", "Something else, said elsewhere.", "<o@x>")
    notice = send_notice(desk.store, case, "stalker@freemail.example")
    sender_answers(desk, case, "stalker@freemail.example", notice)
    target = tmp_path / f"case-{case}.zip"
    result = stopit(config, "evidence", "export", str(case), "-o", str(target))
    assert result.exit_code == 0, result.output
    return desk, config, case, target


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_export_holds_every_message_byte_exact_and_verifies(exported) -> None:
    desk, config, case, target = exported
    files = _members(target)
    store = desk.store
    incoming = store.conn.execute("SELECT id, sha256 FROM messages WHERE case_id=? AND direction='in'", (case,))
    for row_id, sha in incoming.fetchall():
        found = [data for name, data in files.items() if name.endswith(f"-{sha[:12]}.eml")]
        assert found == [store.raw_bytes(row_id)], sha
    offending = store.conn.execute("SELECT sha256 FROM offending WHERE case_id=?", (case,)).fetchall()
    assert offending and all(
        hashlib.sha256(files[f"case-{case}/offending/01-{sha[:12]}.eml"]).hexdigest() == sha for (sha,) in offending
    )
    assert max(len(d) for d in files.values()) > INLINE_BLOB_LIMIT  # the blob file was read, not a stub
    log = json.loads(files[f"case-{case}/log.json"])
    assert {e["type"] for e in log["events"]} >= {"case.opened", "message.received", "case.sealed"}
    assert all(e["case_id"] in (case, None) for e in log["events"])  # the other case's events stay out
    traces = json.loads(files[f"case-{case}/trace.json"])
    assert [t["file"] for t in traces] == [f"offending/01-{offending[0][0][:12]}.eml"] and traces[0]["trace"]
    assert b"conclusion: " in files[f"case-{case}/trace.txt"]
    result = stopit(config, "evidence", "verify", str(target))
    assert result.exit_code == 0 and "intact" in result.output and "recorded in the desk's log" in result.output
    custody = store.conn.execute("SELECT detail FROM events WHERE case_id=? AND type='evidence.exported'", (case,))
    detail = custody.fetchone()[0]
    assert str(target) in detail and detail.startswith("by ") and "manifest sha256" in detail
    assert store.verify_chain().ok


def _repack(files: dict[str, bytes], case: int, target: Path) -> None:
    """Write the files back as a zip, with a manifest recomputed to match them (as a forger would)."""
    root = f"case-{case}/"
    files = dict(files)
    files[root + "manifest.sha256"] = "".join(
        f"{hashlib.sha256(d).hexdigest()}  {n[len(root) :]}\n" for n, d in sorted(files.items()) if "manifest" not in n
    ).encode()
    with zipfile.ZipFile(target, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)


def _rewrite(source: Path, target: Path, change) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, change(name, zin.read(name)))


@pytest.mark.parametrize("which", ["messages/01-", "offending/01-", "log.json", "case.json"])
def test_one_changed_byte_fails_verification(exported, tmp_path: Path, which: str) -> None:
    _, config, case, target = exported
    bad = tmp_path / "bad.zip"

    def flip(name: str, data: bytes) -> bytes:
        if f"case-{case}/{which}" not in name:
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    _rewrite(target, bad, flip)
    result = stopit(config, "evidence", "verify", str(bad))
    assert result.exit_code == 1 and "differs from the manifest" in result.output, result.output


def test_a_consistent_forgery_is_caught_by_the_desk(exported, tmp_path: Path) -> None:
    """Change a message AND recompute the manifest: the log and the custody record still tell."""
    _, config, case, target = exported
    bad = tmp_path / "forged.zip"
    files = _members(target)
    name = next(n for n in files if "/messages/01-" in n)
    files[name] = files[name].replace(b"Please make it stop.", b"Please make it stop!")
    _repack(files, case, bad)
    result = stopit(config, "evidence", "verify", str(bad))
    assert result.exit_code == 1
    assert "no message.received event" in result.output and "no record of exporting this manifest" in result.output


def test_verify_away_from_the_desk_checks_the_file_on_its_own(exported, tmp_path: Path) -> None:
    """At the police station: no database, no audit key; the manifest and the hash links still tell."""
    _, _, case, target = exported
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'[desk]\ndatabase = "{tmp_path / "none" / "s.db"}"\n')
    result = stopit(elsewhere, "evidence", "verify", str(target))
    assert result.exit_code == 0 and "keyed hashes not recomputed" in result.output, result.output
    bad = tmp_path / "cut.zip"
    log_name = f"case-{case}/log.json"
    # An event removed from the middle of the log's chain, with a manifest recomputed to match.
    files = _members(target)
    log = json.loads(files[log_name])
    del log["chain"][len(log["chain"]) // 2]
    files[log_name] = json.dumps(log).encode()
    _repack(files, case, bad)
    result = stopit(elsewhere, "evidence", "verify", str(bad))
    assert result.exit_code == 1 and "chain broken" in result.output, result.output
