"""What the desk leaves on disk and in the log: private modes whatever the umask, no secret or address echoed."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from stopit.config import from_text
from stopit.errors import ConfigError
from tests.conftest import ROOT, STOPIT
from tests.servers import SmtpSink, write_config
from tests.test_ops import deliver, maildir, report


def run_with_umask(config: Path, *args: str, umask: int = 0o022, data: bytes | None = None) -> str:
    """A stopit command as a shell outside systemd would start it (UMask=0077 is the unit's, not ours)."""
    result = subprocess.run(
        [*STOPIT, "--config", str(config), *args],
        cwd=ROOT,
        input=data,
        capture_output=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )
    assert result.returncode in (0, 1), result.stderr.decode()[-2000:]
    return result.stderr.decode("utf-8", "replace")


def private_paths(*roots: Path) -> dict[str, str]:
    """Every path under `roots` whose mode is not 0700 (directory) or 0600 (file), with its mode."""
    wrong, count = {}, 0
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = path.lstat().st_mode
            if stat.S_ISSOCK(mode):
                continue  # the wake socket is 0660 on purpose: the MTA's piped ingest pokes it
            count += 1
            if stat.S_IMODE(mode) != (0o700 if stat.S_ISDIR(mode) else 0o600):
                wrong[str(path)] = oct(stat.S_IMODE(mode))
    print(f"{count} paths checked")
    return wrong


def test_database_blobs_state_outbox_and_processed_folders_are_private_outside_systemd(tmp_path: Path) -> None:
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", "max_message_bytes = 100000000")
    deliver(inbox, report(1), "r1")
    deliver(inbox, report(2, "x" * 2_000_000), "r2")  # over the inline limit: its bytes go to blobs/
    deliver(inbox, b"\x00garbage that no stage can read\r\n", "r3")
    run_with_umask(config, "run", "--once")
    run_with_umask(config, "ingest", data=report(3, "y" * 1_500_000))

    state = tmp_path / "state"
    assert (state / "blobs").is_dir() and (state / "audit.key").is_file() and (outbox / "new").is_dir()
    folders = [p for p in (inbox / ".Processed", inbox / ".Quarantine") if p.exists()]
    assert folders
    assert private_paths(state, outbox, *folders) == {}


def test_a_password_in_the_config_or_in_a_url_is_refused_and_never_echoed() -> None:
    with pytest.raises(ConfigError, match="password_file") as inline:
        from_text('[mailbox]\npassword = "Hunter2"\n')
    assert "Hunter2" not in str(inline.value)
    for url in ("smtp://desk:Hunter2@mail.example.edu:25", "smtp://desk:Hunter2@mail.example.edu:2x5"):
        with pytest.raises(ConfigError) as in_url:
            from_text(f'[smtp]\nurl = "{url}"\n')
        assert "Hunter2" not in str(in_url.value) and "password" in str(in_url.value)
    with pytest.raises(ConfigError, match="bad port"):
        from_text('[smtp]\nurl = "smtp://desk@mail.example.edu:2x5"\n')


def test_no_reporter_address_body_or_password_in_the_log(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    inbox = maildir(tmp_path / "inbox")
    config = write_config(tmp_path, f"maildir://{inbox}", smtp_sink.url)
    (tmp_path / "imap.password").write_text("Hunter2-imap\n")
    reporters = [f"student{n}@campus.example.edu" for n in range(3)]
    for n in range(3):
        deliver(inbox, report(n, "The secret body line.\r\n"), f"r{n}")
    # The relay refuses one acknowledgement for good, defers another: both are logged, with the
    # relay's text, which names the recipient.
    smtp_sink.handler.script.extend(
        [f"550 5.1.1 <{reporters[0]}>: mailbox unknown", f"451 4.3.0 <{reporters[1]}>: try later"]
    )
    log = run_with_umask(config, "--log-level", "debug", "run", "--once")
    assert "failed permanently" in log and "deferred" in log, log
    lines = log.splitlines()
    print(f"{len(lines)} log lines scanned")
    for needle in (*(r.split("@")[0] for r in reporters), "secret body line", "Hunter2"):
        leaked = [line for line in lines if needle in line]
        assert not leaked, leaked
    assert "…@campus.example.edu" in log  # the domain stays, for diagnosing mail flow
