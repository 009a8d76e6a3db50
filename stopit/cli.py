"""Owns the command line: one click group whose commands call into the stages; nothing imports it."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stopit import config as config_mod
from stopit.config import Config
from stopit.errors import ConfigError, MailboxError, StopitError, StoreError
from stopit.models import RawMessage

if TYPE_CHECKING:
    from stopit.desk import Desk
    from stopit.store import Store

# Heavy modules (asyncio, aiosmtplib, imapclient) are imported inside the commands that use them:
# `stopit ingest` runs once per piped message, and its start-up time is the reporter's wait.

EX_TEMPFAIL = 75


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s stopit[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    # imapclient's debug log carries protocol lines, and so message content: never ours to print.
    logging.getLogger("imapclient").setLevel(logging.WARNING)


def _load(ctx: click.Context) -> Config:
    try:
        return config_mod.load(ctx.obj["config_path"])
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _open_desk(ctx: click.Context) -> Desk:
    from stopit.desk import Desk

    cfg = _load(ctx)
    try:
        return Desk.open(cfg)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: $STOPIT_CONFIG, else /etc/stopit/config.toml).",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """stopit: the harassment report desk behind a mailbox.

    Example: stopit --config /etc/stopit/config.toml run
    """
    _setup_logging(log_level)
    ctx.obj = {"config_path": config_path}


@main.command()
@click.option("--once", is_flag=True, help="Process the mailbox, drain the outbox, then exit.")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Run the desk: watch the mailbox, open cases, send mail.

    Exits non-zero after --once if any message was quarantined or any mail failed.

    Example: stopit --config demo/config.toml run --once
    """
    import asyncio

    from stopit.daemon import Daemon

    desk = _open_desk(ctx)
    try:
        daemon = Daemon(desk)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    stats = asyncio.run(daemon.run_once() if once else daemon.run_forever())
    click.echo(
        f"processed {stats.processed}, duplicates {stats.duplicates}, quarantined "
        f"{stats.quarantined}; mail sent {stats.sent}, deferred {stats.deferred}, "
        f"failed {stats.failed}",
        err=True,
    )
    if once and not stats.clean:
        sys.exit(1)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_context
def ingest(ctx: click.Context, file: str | None) -> None:
    """Store one message piped in by the mail server (stdin when no FILE).

    Exits 0 once the message is stored, 75 (EX_TEMPFAIL) when it cannot be stored right now,
    so that the mail server tries again. A malformed message is never refused.

    Example (Postfix aliases): stopit: "|/opt/stopit/bin/stopit ingest"
    """
    from stopit.store import Store
    from stopit.wake import poke

    data = sys.stdin.buffer.read() if file in (None, "-") else Path(file).read_bytes()
    raw = RawMessage(data, "pipe")
    try:
        cfg = config_mod.load(ctx.obj["config_path"])
        store = Store(cfg.database)
        stored = store.store_incoming(raw)
    except (ConfigError, StoreError, OSError) as exc:
        click.echo(f"stopit ingest: cannot store the message now: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    if not stored.is_new and stored.state != "received":
        click.echo(f"stopit ingest: already stored (sha256={raw.sha256[:12]}, {stored.state})", err=True)
        return
    # The bytes are safe now. A running daemon processes them (it has everything loaded already);
    # only without one does this short-lived process do the work itself.
    if poke(cfg.state_dir):
        click.echo(f"stopit ingest: stored sha256={raw.sha256[:12]}; the daemon takes it from here", err=True)
        return
    _process_here(cfg, store, stored.row_id, raw)


def _process_here(cfg: Config, store: Store, row_id: int, raw: RawMessage) -> None:
    from stopit.desk import Desk, process_stored

    try:
        desk = Desk.open(cfg, store)
    except ConfigError as exc:
        click.echo(f"stopit ingest: stored; processing waits for a valid config: {exc}", err=True)
        return
    outcome = process_stored(desk, row_id, raw)
    click.echo(outcome.log_line(), err=True)
    try:
        _drain_now(desk)
    except StopitError as exc:
        click.echo(f"stopit ingest: stored; sending waits for the daemon: {exc}", err=True)


def _drain_now(desk: Desk) -> None:
    """No daemon is listening: send this message's mail from here."""
    import asyncio

    asyncio.run(_drain_once(desk))


async def _drain_once(desk: Desk) -> None:
    from stopit.act.send import drain, make_transport

    transport = make_transport(desk.config)
    try:
        await drain(desk.store, transport, desk.config)
    finally:
        await transport.close()


@main.command("check-config")
@click.option("--offline", is_flag=True, help="Only validate; do not log in anywhere.")
@click.pass_context
def check_config(ctx: click.Context, offline: bool) -> None:
    """Validate the config, then try the IMAP login and the SMTP connection.

    Example: stopit --config /etc/stopit/config.toml check-config
    """
    cfg = _load(ctx)
    click.echo(f"config {cfg.path}: valid")
    if offline:
        return
    ok = _try("mailbox", lambda: _check_mailbox(cfg))
    ok = _try("smtp", lambda: _run(_check_smtp(cfg))) and ok
    ok = _try("database", lambda: _check_database(cfg)) and ok
    if not ok:
        sys.exit(1)


def _run(coroutine: Any) -> Any:
    import asyncio

    return asyncio.run(coroutine)


def _try(what: str, check: Any) -> bool:
    try:
        detail = check()
    except (StopitError, OSError) as exc:
        click.echo(f"{what}: FAILED: {exc}")
        return False
    click.echo(f"{what}: ok ({detail})")
    return True


def _check_mailbox(cfg: Config) -> str:
    from stopit.ingest.mailbox import open_mailbox

    box = open_mailbox(cfg)
    box.connect()
    try:
        return f"{box.describe()}, {len(box.pending())} message(s) waiting"
    finally:
        box.close()


async def _check_smtp(cfg: Config) -> str:
    from stopit.act.send import make_transport

    endpoint = cfg.smtp
    if endpoint.is_maildir:
        Path(endpoint.path).mkdir(parents=True, exist_ok=True)
        return f"outgoing mail is written to the Maildir {endpoint.path}"
    transport = make_transport(cfg)
    try:
        await transport._connect()  # type: ignore[attr-defined]
    except OSError as exc:
        raise MailboxError(f"{endpoint.host}:{endpoint.port}: {exc}") from exc
    finally:
        await transport.close()
    return f"{endpoint.scheme}://{endpoint.host}:{endpoint.port} accepted the connection"


def _check_database(cfg: Config) -> str:
    from stopit.store import Store

    store = Store(cfg.database)
    store.close()
    return str(cfg.database)


@main.group()
def cases() -> None:
    """Read the cases."""


def _print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max([len(c), *(len(str(r[c])) for r in rows)]) for c in columns}
    widths["subject"] = min(widths.get("subject", 0), 50)
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for row in rows:
        click.echo("  ".join(str(row[c])[: widths[c]].ljust(widths[c]) for c in columns))


@cases.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_list(ctx: click.Context, as_json: bool) -> None:
    """List every case.

    Example: stopit cases list --json
    """
    rows = _open_desk(ctx).store.list_cases()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no cases yet")
        return
    _print_table(rows, ["id", "status", "queue", "urgent", "reporter", "created_at", "subject"])


@cases.command("show")
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_show(ctx: click.Context, case_id: int, as_json: bool) -> None:
    """Show one case with its messages and events.

    Example: stopit cases show 17 --json
    """
    detail = _open_desk(ctx).store.case_detail(case_id)
    if detail is None:
        raise click.ClickException(f"no case #{case_id}")
    if as_json:
        click.echo(json.dumps(detail, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"case #{detail['id']} [{detail['status']}] queue {detail['queue']}{' URGENT' if detail['urgent'] else ''}"
    )
    click.echo(f"reporter: {detail['reporter']}\nsubject: {detail['subject']}")
    click.echo("messages:")
    for m in detail["messages"]:
        click.echo(f"  {m['at']} {m['direction']:3} {m['kind']:8} {m['sha256'][:12]} {m['size']:>8} B  {m['subject']}")
    click.echo("events:")
    for e in detail["events"]:
        click.echo(f"  {e['at']} {e['type']}: {e['detail']}")


@main.group()
def audit() -> None:
    """Check the tamper-evident event log."""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Recompute the hash chain of every event; exit 1 if any was altered or removed.

    Example: stopit audit verify
    """
    check = _open_desk(ctx).store.verify_chain()
    if check.ok:
        click.echo(f"event log intact: {check.count} events")
        return
    click.echo(f"event log BROKEN at event {check.first_bad_id}: {check.problem}")
    sys.exit(1)


@main.group()
def quarantine() -> None:
    """See and release messages that could not be processed."""


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def quarantine_list(ctx: click.Context, as_json: bool) -> None:
    """List quarantined messages with the stage that failed.

    Example: stopit quarantine list
    """
    rows = _open_desk(ctx).store.quarantined()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"#{row['id']} {row['at']} {row['sha256'][:12]} {row['stage']}: {row['error']}")
    if not rows:
        click.echo("quarantine is empty")


@quarantine.command("release")
@click.argument("entry", type=int)
@click.pass_context
def quarantine_release(ctx: click.Context, entry: int) -> None:
    """Put a quarantined message back for processing (the daemon picks it up at start).

    Example: stopit quarantine release 3
    """
    from stopit.desk import resume_unfinished

    desk = _open_desk(ctx)
    try:
        desk.store.release(entry)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in resume_unfinished(desk):
        click.echo(outcome.log_line())


def _files(paths: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        out.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return out


@main.group()
def rules() -> None:
    """Check and list the routing rules."""


@rules.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.pass_context
def rules_check(ctx: click.Context, dirs: tuple[str, ...]) -> None:
    """Check rule files: every mistake as file:line: key: what is wrong; exit 1 on any.

    Without DIRs, checks the shipped rules with the configured site directories layered on top.

    Example: stopit rules check /etc/stopit/rules
    """
    from stopit.route.rules import read_rules, rule_dirs

    cfg = _load(ctx) if ctx.obj["config_path"] else config_mod.from_text("")
    site = list(dirs) or list(cfg["desk.rules_dirs"])
    ruleset, problems = read_rules(rule_dirs(site), set(cfg.queues))
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo(
        f"{len(ruleset.rules)} rules and {len(ruleset.lexicons)} word lists are valid: "
        + ", ".join(r.name for r in ruleset.rules)
    )


@main.command("trace")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.option("--trusted", multiple=True, metavar="CIDR", help="Also trust this network (repeatable).")
@click.option("--offline", is_flag=True, help="No DNS: DKIM, ARC and SPF are reported as not checked.")
@click.pass_context
def trace_command(
    ctx: click.Context, paths: tuple[str, ...], as_json: bool, trusted: tuple[str, ...], offline: bool
) -> None:
    """Trace where each message came from, as it is (no extraction). Directories are walked.

    Example: stopit trace --json --offline --trusted 18.9.28.0/24 message.eml
    """
    from dataclasses import replace

    from stopit.desk import network_lookups
    from stopit.extract.mime import split_head
    from stopit.pipeline import trace_settings
    from stopit.trace import Lookups, header_fields, originating_ips, sa_untrusted, trace

    cfg = _load(ctx) if ctx.obj["config_path"] else config_mod.from_text("")
    try:
        settings = trace_settings(cfg)
        settings = replace(settings, trusted_networks=(*settings.trusted_networks, *trusted))
        settings.networks()
    except ValueError as exc:
        raise click.ClickException(f"--trusted: {exc} (expected a network such as 192.0.2.0/24)") from exc
    lookups = Lookups() if offline else network_lookups(cfg)
    for path in _files(paths):
        try:
            data = path.read_bytes()
            result = trace(data, settings, lookups)
        except (OSError, RecursionError, ValueError) as exc:
            click.echo(json.dumps({"file": str(path), "error": f"{type(exc).__name__}: {exc}"}))
            continue
        if not as_json:
            click.echo(f"{path}: {result.conclusion}")
            continue
        # SpamAssassin's view of the same relays, for side-by-side comparison with sa_relays.
        pairs = header_fields(split_head(data)[0])
        originating = [ip for _, ip in originating_ips(pairs)]
        untrusted = sa_untrusted(list(result.hops), originating, settings.trusted_networks)
        click.echo(
            json.dumps({"file": str(path), **result.to_json(), "untrusted_relays": untrusted}, ensure_ascii=False)
        )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--offline", is_flag=True, help="No DNS lookups (DKIM, ARC, SPF not checked).")
@click.pass_context
def explain(ctx: click.Context, file: str, as_json: bool, offline: bool) -> None:
    """Dry run over one message: how it is classified and what would be done. Writes nothing.

    Example: stopit explain report.eml --json
    """
    from stopit.ingest.parse import envelope_of
    from stopit.models import Facts
    from stopit.pipeline import describe_offending
    from stopit.pipeline import plan as make_plan

    cfg = _load(ctx) if ctx.obj["config_path"] else config_mod.from_text("")
    raw = RawMessage(Path(file).read_bytes(), f"file:{file}")
    env = envelope_of(raw)
    from stopit.desk import network_lookups
    from stopit.route.rules import load_rules
    from stopit.trace import Lookups

    try:
        rules = load_rules(list(cfg["desk.rules_dirs"]), set(cfg.queues))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    planned = make_plan(raw, env, Facts(), cfg, Lookups() if offline else network_lookups(cfg), rules)
    result = {
        "kind": planned.kind.value,
        "reason": planned.classification.reason,
        "sha256": raw.sha256,
        "offending": [o.to_json() for o in planned.offending],
        "route": planned.route.to_json() if planned.route else None,
        "actions": [
            {"type": "send", "audience": m.audience, "to": [str(a) for a in m.to], "template": m.template} for m in planned.mails
        ],
        "events": [{"type": e.type, "detail": e.detail} for e in planned.events],
    }
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(f"{file}: {result['kind']} ({result['reason']})")
    for item in planned.offending:
        click.echo(f"  offending: {describe_offending(item)}")
        if item.trace:
            click.echo(f"    trace: {item.trace['conclusion']}")
        for inner in item.chain:
            click.echo(f"    forwarded inside it: {describe_offending(inner)}")
    if not planned.offending:
        click.echo("  no offending message found")
    if planned.route is not None:
        decision = planned.route
        click.echo(
            f"  route: queue {decision.queue}{' URGENT' if decision.urgent else ''}, category "
            f"{decision.category!r}, rule {decision.rule or '(default)'}, notice {decision.notice}"
        )
        for tried in decision.tried:
            click.echo(f"    {'HIT ' if tried.hit else 'miss'} {tried.rule}: {tried.why}")
    for action in result["actions"]:
        click.echo(f"  would send {action['template']} to {', '.join(action['to'])}")
    for event in planned.events:
        if event.type in ("notice.blocked", "office.skipped", "ack.skipped"):
            click.echo(f"  note: {event.detail}")
