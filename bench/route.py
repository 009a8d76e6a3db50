"""Routing cost: its share of the whole pipeline per message, and `stopit explain` time per message.

Run: .venv/bin/python -m bench.route [N] [--no-explain] [--warm]   (about N corpus messages, every k-th file;
default 1000; --no-explain: routing's share only, without the twenty `stopit explain` runs; --warm: every
message is routed once before, so that the pipeline's own routing compiles nothing, as in a long-running daemon)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, describe
from stopit.config import from_text
from stopit.desk import Desk, handle
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, RawMessage
from stopit.pipeline import analyse, route_subject
from stopit.route import route
from tests.corpus import corpus_files


def main(count: int = 1000, explain_runs: int = 20, warm: bool = False) -> None:
    figures = measure(count, explain_runs, warm)
    print(
        f"{figures['reports']} reports among {figures['messages']} corpus messages, whole pipeline (store, extract, "
        f"trace, route, plan, render, commit): {figures['pipeline_s']:.2f} s; routing {figures['route_s']:.2f} s = "
        f"{figures['share']:.1f}% of it{' (both timed warm)' if warm else ''}"
    )
    print(
        f"routing per report: {figures['route_ms']:.2f} ms, of which the danger verdict {figures['danger_ms']:.2f} ms "
        f"and the rules' other conditions {figures['route_ms'] - figures['danger_ms']:.2f} ms"
    )
    if figures["explain"]:
        print(describe("stopit explain, whole command incl. interpreter start-up", figures["explain"]))


def measure(count: int = 1000, explain_runs: int = 20, warm: bool = False) -> dict:
    """Routing's share (%) of the whole pipeline over about `count` corpus messages, and explain's times."""
    work = Path(tempfile.mkdtemp(prefix="stopit-route-"))
    config = from_text(
        f'[desk]\norg_domains = ["campus.example.edu"]\noffline = true\nack_limit_per_hour = 100000\n'
        f'database = "{work}/s.db"\n[smtp]\nurl = "maildir://{work}/out"\n'
    )
    desk = Desk.open(config)
    files = corpus_files()
    sample = files[:: max(1, len(files) // count)]
    datas = [(item.path, item.path.read_bytes()) for item in sample]
    # Routing compiles the term patterns a text needs the first time it meets them, once per process. The
    # routing figure below is taken on a message the pipeline has just routed, so warm; with `warm`, the
    # pipeline is timed warm too, after every message was routed once (a daemon compiles once, for
    # thousands of messages); without, the pipeline's own routing of each message compiles what it needs.
    for _, data in datas if warm else ():
        raw = RawMessage(data, "bench")
        subject = route_subject(analyse(raw, envelope_of(raw), config, desk.lookups), config, Facts(), desk.rules)
        route(subject, desk.rules, "stopit")
    reports, report_paths, pipeline_s, route_s, danger_s = [], [], 0.0, 0.0, 0.0
    for path, data in datas:
        begin = time.perf_counter()
        outcome = handle(desk, RawMessage(data, "bench"))
        if outcome.kind != "report":  # only reports are routed; auto-replies and bounces are not
            continue
        pipeline_s += time.perf_counter() - begin
        reports.append(data)
        report_paths.append(path)
        # Routing is timed right after the pipeline ran on the same message, so that a change in the
        # machine's load between two long loops does not skew the share.
        raw = RawMessage(data, "bench")
        env = envelope_of(raw)
        analysis = analyse(raw, env, config, desk.lookups)
        begin = time.perf_counter()
        subject = route_subject(analysis, config, Facts(), desk.rules)
        _ = subject.danger  # the verdict is kept on the subject: timed alone here, then used by route()
        judged = time.perf_counter()
        route(subject, desk.rules, "stopit")
        route_s += time.perf_counter() - begin
        danger_s += judged - begin
    explain = []
    for path in report_paths[:: max(1, len(report_paths) // explain_runs)] if explain_runs else ():
        begin = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv/bin/stopit"), "explain", "--offline", "--json", str(path)],
            capture_output=True,
            check=True,
        )
        explain.append(time.perf_counter() - begin)
    share = 100 * route_s / pipeline_s
    return {
        "reports": len(reports),
        "messages": len(datas),
        "pipeline_s": pipeline_s,
        "route_s": route_s,
        "share": share,
        "route_ms": 1000 * route_s / max(1, len(reports)),
        "danger_ms": 1000 * danger_s / max(1, len(reports)),
        "explain": explain,
    }


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 1000, 0 if "--no-explain" in sys.argv else 20, "--warm" in sys.argv)
