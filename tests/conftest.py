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


def _contents(folder: Path) -> tuple[tuple[str, bytes], ...]:
    return tuple((str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture(autouse=True, scope="session")
def danger_patterns_built_once_per_content() -> Iterator[None]:
    """Building the danger pattern set (about a thousand regular expressions) is most of what Desk.open
    costs, and the suite opens desks in-process over a hundred times. A set read from the same folders
    holding the same bytes is the same set, so within one test process it is built once; a load that finds
    a problem is never reused, and every `stopit` subprocess still builds its own."""
    from stopit.route import danger, rules

    built: dict[tuple, danger.PatternSet] = {}

    def load_patterns(dirs: list[Path], problems: danger.Problems, *more, **named):
        folders = [*dirs, *(a for a in (*more, *named.values()) if isinstance(a, Path))]
        key = (repr(more), repr(sorted(named.items())), tuple((str(f), _contents(f)) for f in folders))
        if key in built:
            return built[key]
        before = len(problems.items)
        patterns = danger.load_patterns(dirs, problems, *more, **named)
        if len(problems.items) == before:
            built[key] = patterns
        return patterns

    with pytest.MonkeyPatch.context() as patch:
        if hasattr(rules, "load_patterns"):  # should the loader move, the tests still run, only slower
            patch.setattr(rules, "load_patterns", load_patterns)
        yield


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
