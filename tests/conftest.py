"""Shared fixtures: real Dovecot and aiosmtpd servers on loopback, always stopped afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stopit.cli import main
from tests.servers import Dovecot, SmtpSink, running, start_dovecot, start_smtp_sink

ROOT = Path(__file__).resolve().parent.parent
STOPIT = [sys.executable, "-m", "stopit"]


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with running(start_dovecot()) as server:
        yield server


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with running(start_smtp_sink()) as sink:
        yield sink


def stopit(config: Path, *args: str, input: bytes | None = None) -> Result:
    """Run the CLI in-process, as a user would type it."""
    return CliRunner().invoke(main, ["--config", str(config), *args], input=input, catch_exceptions=False)


def stopit_process(config: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([*STOPIT, "--config", str(config), *args], env=env, cwd=ROOT, **kw)
