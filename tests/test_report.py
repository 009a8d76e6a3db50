"""The annual report: figures from real cases on a fixed clock, anonymity, and the HTML in a real browser."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import stopit
from tests.records import file_report, open_desk, send_notice, sender_answers, staff_command

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
BODY = "You should not have come to the party. People like you are not welcome here, remember that."


@pytest.fixture
def year(tmp_path: Path) -> Path:
    """Four reports in March 2026 (two of one message), staff work, notices, and one report in 2027."""
    desk, clock, config = open_desk(tmp_path)
    store = desk.store
    first = file_report(desk, "ann@campus.example.edu", "troll@freemail.example", BODY, "<t1@freemail.example>")
    clock.advance(hours=1)
    same = file_report(desk, "bob@campus.example.edu", "troll@freemail.example", BODY, "<t1@freemail.example>")
    clock.advance(hours=4)
    staff_command(store, first)  # five hours after the first case opened
    clock.advance(hours=1)
    staff_command(store, first, "notice")  # only the first staff action counts
    notice = send_notice(store, first, "troll@freemail.example")
    clock.advance(days=1)
    sender_answers(desk, first, "troll@freemail.example", notice)
    with store.transaction():  # the reporter's check-in: it stopped
        store.update_case(first, status="resolved", outcome="stopped")
    later = file_report(
        desk, "cat@campus.example.edu", "troll@freemail.example", "Another message entirely, sent a week on.", "<t2@x>"
    )
    clock.advance(hours=2)
    staff_command(store, later)  # two hours: the median of 5 and 2 is 3.5
    send_notice(store, later, "troll@freemail.example", delivered=False)
    clock.advance(days=20)  # the bounced case was never contacted: its 7 days passed
    quiet = file_report(
        desk, "dan@campus.example.edu", "other@else.example", "Nothing in common with the rest of it.", "<q@x>"
    )
    clock.advance(days=300)
    file_report(desk, "eve@campus.example.edu", "troll@freemail.example", BODY, "<next-year@x>")
    assert (first, same, later, quiet) == (1, 2, 3, 4)
    return config


def test_figures_of_the_year(year) -> None:
    config = year
    result = stopit(config, "report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["cases"] == 4  # the 2027 report is outside the period
    assert sum(figures["by_queue"].values()) == 4 and sum(figures["by_category"].values()) == 4
    assert figures["by_source"] == {"attachment": 4}
    assert (figures["open"], figures["resolved"]) == (3, 1)
    assert figures["acted_on"] == 2 and figures["median_hours_to_first_action"] == 3.5
    # first: acted on within the day; same: pending? no: 20+ days passed with nothing, missed; later: acted on
    # within hours; quiet: opened 300 days before the report's clock, never acted on.
    assert figures["deadlines"] == {"met": 2, "missed": 2}
    assert (figures["notices_sent"], figures["notices_bounced"], figures["notices_answered"]) == (1, 1, 1)
    assert figures["cases_notified"] == 2 and figures["outcome_after_notice"] == {"not known": 1, "stopped": 1}
    assert (figures["outcome_answered"], figures["stopped_rate"]) == (1, 1.0)
    assert figures["repeat_sender_cases"] == 1  # `later`: the same sender, another message
    assert (figures["incidents"], figures["incident_reports"]) == (1, 2)


def _outputs(config: Path) -> dict[str, str]:
    out = {}
    for fmt in ("json", "csv", "html"):
        result = stopit(config, "report", "--from", "2026-01-01", "--to", "2027-12-31", "--format", fmt)
        assert result.exit_code == 0, result.output
        out[fmt] = result.output
    return out


def test_no_address_name_or_subject_in_any_format(year) -> None:
    config = year
    outputs = _outputs(config)
    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert rows[0] == ["section", "key", "value"] and ["total", "cases", "5"] in rows
    for fmt, text in outputs.items():
        assert not ADDRESS.search(text), (fmt, ADDRESS.search(text))
        for word in ("ann", "troll", "freemail", "party", "Fwd", "Please make it stop", "welcome"):
            assert not re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE), (fmt, word)


def test_html_is_self_contained_with_pygal_svg(year) -> None:
    config = year
    page = _outputs(config)["html"]
    assert page.count("<svg") == 5 and "pygal" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the page must not load anything"
    assert "<script" not in page


def _chromium() -> str | None:
    return next((p for p in (shutil.which("chromium"), shutil.which("chromium-headless-shell")) if p), None)


def test_html_renders_in_headless_chromium(year, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    config = year
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    assert (
        stopit(
            config, "report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "html", "-o", str(page)
        ).exit_code
        == 0
    )
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1600", f"--screenshot={shot}",
         page.as_uri()],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    # A blank or error page is one or two colours; the charts and text give many.
    assert len(colours) > 50, len(colours)
