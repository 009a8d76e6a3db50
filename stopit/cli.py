"""Owns the command line: one click group whose commands call into the stages; nothing imports it."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stopit import config as config_mod
from stopit.config import Config
from stopit.errors import ConfigError, StopitError, StoreError, TransportError
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
    # No reporter's (or anyone's) address in the journal: only its domain (stopit.redact).
    from stopit import redact

    redact.install(logging.getLogger().handlers)
    # imapclient's debug log carries protocol lines, and so message content: never ours to print.
    logging.getLogger("imapclient").setLevel(logging.WARNING)
    # APScheduler says "Job … executed successfully" at INFO every few seconds: noise in the journal.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _load(ctx: click.Context, optional: bool = False) -> Config:
    """The one config loader: --config, else $STOPIT_CONFIG, else /etc/stopit/config.toml.

    `optional`: commands that only read files run on the built-in defaults when none of these exists.
    """
    try:
        return config_mod.load(ctx.obj["config_path"], optional=optional)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _existing_database(cfg: Config) -> Path:
    """Read-only commands never create a database: a mistyped path is an error, not an empty desk."""
    if not cfg.database.exists():
        where = f" (desk.database in {cfg.path})" if cfg.path else ""
        raise click.ClickException(f"no database at {cfg.database}{where}; `stopit run` creates it")
    return cfg.database


def _open_store(ctx: click.Context) -> Store:
    """The database of an existing desk, for commands that read it (no rules, templates or DNS)."""
    from stopit.store import Store

    cfg = _load(ctx)
    try:
        return Store(_existing_database(cfg))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def _open_desk(ctx: click.Context) -> Desk:
    from stopit.desk import Desk

    cfg = _load(ctx)
    _existing_database(cfg)
    try:
        return Desk.open(cfg)
    except (StoreError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stopit", message="stopit %(version)s")
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


def _moment(value: str | None) -> datetime | None:
    """An ISO 8601 time for --at; a time without a zone offset is taken as UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a time like 2026-12-24T09:00 or 2026-12-24T09:00+01:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@main.command()
@click.option("--once", is_flag=True, help="Process the mailbox, drain the outbox, then exit.")
@click.option("--at", "at", metavar="TIME", help="With --once: act as if it were TIME (a rehearsal tool).")
@click.pass_context
def run(ctx: click.Context, once: bool, at: str | None) -> None:
    """Run the desk: watch the mailbox, open cases, send mail.

    Refuses to start with anything check-config rejects, or when another daemon runs on the same
    database. After --once the exit status is 0 when everything was processed and sent, 1 when a
    message was quarantined, mail failed or the mailbox could not be reached, and 75 (EX_TEMPFAIL)
    when mail was deferred for a later try.

    --once --at TIME rehearses what the desk would do at TIME (follow-ups, reminders, check-ins):
    mail is really queued and sent, so use it on a copy of the database.

    Example: stopit --config demo/config.toml run --once
    """
    import asyncio

    from stopit.daemon import open_daemon

    cfg = _load(ctx)
    moment = _moment(at)
    if moment is not None and not once:
        raise click.UsageError("--at rehearses one run: use it with --once")
    try:
        daemon, lock = open_daemon(cfg)
    except (ConfigError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    if moment is not None:
        # Every timestamp, deadline and due row of this run is judged as if it were `moment`.
        daemon.desk.store.clock = lambda: moment
    try:
        stats = asyncio.run(daemon.run_once() if once else daemon.run_forever())
    finally:
        lock.release()
    click.echo(
        f"processed {stats.processed}, duplicates {stats.duplicates}, quarantined "
        f"{stats.quarantined}; mail sent {stats.sent}, deferred {stats.deferred}, "
        f"failed {stats.failed}",
        err=True,
    )
    if once and stats.exit_code:
        sys.exit(stats.exit_code)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_context
def ingest(ctx: click.Context, file: str | None) -> None:
    """Store one message piped in by the mail server (stdin when no FILE).

    Exits 0 once the message is stored, 75 (EX_TEMPFAIL) when it cannot be stored right now,
    so that the mail server tries again. A malformed message is never refused.

    Example (Postfix master.cf pipe, as user stopit; see README):
    argv=/opt/stopit/.venv/bin/stopit --config /etc/stopit/config.toml ingest
    """
    import sqlite3

    from stopit.store import Store
    from stopit.wake import poke

    try:
        data = sys.stdin.buffer.read() if file in (None, "-") else Path(file).read_bytes()
        raw = RawMessage(data, "pipe")
        cfg = config_mod.load(ctx.obj["config_path"])
        store = Store(cfg.database)
        stored = store.store_incoming(raw)
    except (ConfigError, StoreError, OSError, sqlite3.Error) as exc:
        # Whatever keeps the bytes from the disk, the mail server must keep them and try again.
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
    """No daemon listens: be the database's one processor for a moment, unless another process is.

    The processor lock makes sure that only one process plans and sends; a message stored while
    another ingest held it is found when that one releases the lock and looks again.
    """
    import sqlite3

    from stopit.desk import Desk, process_stored, resume_unfinished
    from stopit.lock import DaemonLock

    lock = DaemonLock(cfg.database)
    if not lock.try_acquire("ingest"):
        click.echo(f"stopit ingest: stored sha256={raw.sha256[:12]}; another stopit process takes it", err=True)
        return
    try:
        desk = Desk.open(cfg, store)
        store.requeue_interrupted()  # a sender that died mid-send (we hold the lock: none is alive)
        # Our own message from the bytes in hand (reading it back would hold a second copy), then the rest.
        click.echo(process_stored(desk, row_id, raw).log_line(), err=True)
        while True:
            for outcome in resume_unfinished(desk):
                click.echo(outcome.log_line(), err=True)
            try:
                _drain_now(desk)
            except StopitError as exc:
                click.echo(f"stopit ingest: stored; sending waits for the daemon: {exc}", err=True)
            lock.release()
            # Another ingest may have stored a message after our last look and found the lock taken.
            if not store.unfinished_incoming() or not lock.try_acquire("ingest"):
                return
    except ConfigError as exc:
        click.echo(f"stopit ingest: stored; processing waits for a valid config: {exc}", err=True)
    except (StoreError, sqlite3.Error) as exc:
        # The bytes are committed: the mail server is done, a later daemon or ingest processes them.
        click.echo(f"stopit ingest: stored; processing waits for the daemon: {exc}", err=True)
    finally:
        lock.release()


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
    """Validate the config, rules and templates, then try the IMAP login and the SMTP connection.

    Rules are loaded exactly as `run` loads them and every template is rendered under
    StrictUndefined; `run` refuses to start with anything reported here as a problem. Shipped
    placeholders still in reporter-facing texts are named too (a warning, not a refusal).

    Example: stopit --config /etc/stopit/config.toml check-config
    """
    from stopit import preflight

    cfg = _load(ctx)
    problems = preflight.problems(cfg)
    for problem in problems:
        click.echo(f"problem: {problem}")
    for warning in preflight.warnings(cfg):
        click.echo(f"warning: {warning}")
    if problems:
        click.echo(f"config {cfg.path}: {len(problems)} problem(s); `stopit run` would refuse to start")
        sys.exit(1)
    click.echo(f"config {cfg.path}: valid (rules and templates checked)")
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
    import aiosmtplib

    from stopit.act.send import make_transport

    endpoint = cfg.smtp
    if endpoint.is_maildir:
        Path(endpoint.path).mkdir(parents=True, exist_ok=True)
        return f"outgoing mail is written to the Maildir {endpoint.path}"
    transport = make_transport(cfg)
    try:
        await transport._connect()  # type: ignore[attr-defined]
    except (OSError, TimeoutError, aiosmtplib.SMTPException) as exc:
        raise TransportError(f"{endpoint.host}:{endpoint.port}: {exc}") from exc
    finally:
        await transport.close()
    return f"{endpoint.scheme}://{endpoint.host}:{endpoint.port} accepted the connection"


def _check_database(cfg: Config) -> str:
    """Read-only: an existing database and its pending migrations, or where `run` will create it."""
    import os

    from stopit.backup import pending_migrations

    if cfg.database.exists():
        pending = pending_migrations(cfg.database)
        return f"{cfg.database}, " + (f"{len(pending)} migration(s) pending" if pending else "schema current")
    parent = next(p for p in (cfg.database, *cfg.database.parents) if p.exists())
    if not os.access(parent, os.W_OK):
        raise StoreError(f"{cfg.database}: does not exist, and {parent} is not writable by this user")
    return f"{cfg.database} does not exist yet; `stopit run` creates it"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """How the desk is: daemon, mailbox contact, backlog, outbox, quarantine, follow-ups, database size.

    Exit status for a monitoring check: 0 healthy, 1 degraded (the reasons are printed), 2 down
    (no daemon runs on this database, or there is no database). Reads only; creates nothing.

    Example: stopit status --json
    """
    from stopit.status import describe as describe_health
    from stopit.status import gather

    cfg = _load(ctx)
    health = gather(cfg.database, cfg.mailbox_settings.poll_seconds)
    if as_json:
        click.echo(json.dumps(health.to_json(), indent=2))
    else:
        for line in describe_health(health):
            click.echo(line)
    sys.exit(health.verdict)


@main.command()
@click.argument("target", metavar="PATH", type=click.Path(file_okay=False))
@click.pass_context
def backup(ctx: click.Context, target: str) -> None:
    """Copy the database and its blobs into the new directory PATH, consistently, while the daemon runs.

    Restore: stop the daemon, put PATH's contents where desk.database points, start it (see README).

    Example: stopit backup /var/backups/stopit/$(date +%F)
    """
    from stopit.backup import backup as make_backup

    cfg = _load(ctx)
    try:
        result = make_backup(cfg.database, Path(target))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"backed up {cfg.database} to {result.database} ({result.db_bytes / 1e6:.1f} MB) "
        f"with {result.blobs} blob(s) ({result.blob_bytes / 1e6:.1f} MB)"
    )


@main.command()
@click.option("--dry-run", is_flag=True, help="Only list the migrations that would be applied.")
@click.pass_context
def migrate(ctx: click.Context, dry_run: bool) -> None:
    """Apply pending database migrations (`run` applies them too, at start, under a lock).

    Example: stopit migrate --dry-run
    """
    from stopit.backup import pending_migrations

    cfg = _load(ctx)
    try:
        pending = pending_migrations(_existing_database(cfg)) if cfg.database.exists() or dry_run else []
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        click.echo("\n".join(f"pending: {name}" for name in pending) or "the schema is current")
        return
    from stopit.store import Store

    try:
        Store(cfg.database).close()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"applied {len(pending)} migration(s)" if pending else "the schema is current")


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
    rows = _open_store(ctx).list_cases()
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
    detail = _open_store(ctx).case_detail(case_id)
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
    """Verify the tamper-evident event log."""


@audit.command("verify")
@click.option(
    "--anchor",
    "anchor_text",
    metavar="N:HASH|FILE",
    help="A head kept elsewhere (the 'audit head N:HASH' journal line, or a copy of audit.head); "
    "default: the audit.head file beside the database.",
)
@click.pass_context
def audit_verify(ctx: click.Context, anchor_text: str | None) -> None:
    """Recompute the keyed hash chain, the case seals and every blob's SHA-256, and check the
    chain still reaches its anchor; exit 1 if anything was altered, added or removed.

    Example: stopit audit verify --anchor 1234:5f0c…  (the last "audit head" line in the journal)
    """
    from stopit.store import Anchor

    store = _open_store(ctx)
    try:
        anchor = None
        if anchor_text:
            path = Path(anchor_text)
            anchor = Anchor.parse(path.read_text(encoding="ascii") if path.is_file() else anchor_text)
    except (StoreError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    check = store.verify_chain(anchor)
    if check.ok:
        head = f"; reaches its anchor, event {check.anchor.id}" if check.anchor else "; no anchor to check"
        click.echo(f"event log intact: {check.count} events, {check.cases} cases sealed, {check.blobs} blobs{head}")
        return
    where = f" at event {check.first_bad_id}" if check.first_bad_id else ""
    click.echo(f"event log BROKEN{where}: {check.problem}")
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
    rows = _open_store(ctx).quarantined()
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
    """Put a quarantined message back for processing: a running daemon takes it at once, as it
    takes a piped message; with none running, this command processes it.

    Example: stopit quarantine release 3
    """
    from stopit.wake import poke

    cfg = _load(ctx)
    store = _open_store(ctx)
    try:
        row_id = store.release(entry)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if poke(cfg.state_dir):
        click.echo(f"quarantine entry {entry} released; the daemon takes it from here")
        return
    _process_here(cfg, store, row_id, RawMessage(store.raw_bytes(row_id), "release"))


def _files(paths: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        out.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return out


@main.group()
def rules() -> None:
    """Check the routing rules."""


@rules.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.pass_context
def rules_check(ctx: click.Context, dirs: tuple[str, ...]) -> None:
    """Check rule files: every mistake as file:line: key: what is wrong; exit 1 on any.

    Without DIRs, checks the shipped rules with the configured site directories layered on top.

    Example: stopit rules check /etc/stopit/rules
    """
    from stopit.route.rules import read_rules, rule_dirs

    cfg = _load(ctx, optional=True)
    site = list(dirs) or list(cfg["desk.rules_dirs"])
    ruleset, problems = read_rules(rule_dirs(site), set(cfg.queues))
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo(
        f"{len(ruleset.rules)} rules, {len(ruleset.lexicons)} word lists and {len(ruleset.patterns.patterns)} "
        "danger patterns are valid: " + ", ".join(r.name for r in ruleset.rules)
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
    from stopit.trace.text import render as render_trace

    cfg = _load(ctx, optional=True)
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
            click.echo(render_trace(str(path), result))
            continue
        # SpamAssassin's view of the same relays, for side-by-side comparison with sa_relays.
        pairs = header_fields(split_head(data)[0])
        originating = [ip for _, ip in originating_ips(pairs)]
        untrusted = sa_untrusted(list(result.hops), originating, settings.trusted_networks)
        click.echo(
            json.dumps({"file": str(path), **result.to_json(), "untrusted_relays": untrusted}, ensure_ascii=False)
        )


def _refuse_non_message(ctx: click.Context, file: str, raw: RawMessage, as_json: bool) -> None:
    """A file that is no e-mail at all (a bare body, an image, nothing) is said to be one; exit 1."""
    from stopit.ingest.classify import not_a_message

    why = not_a_message(raw.data)
    if why is None:
        return
    if as_json:
        click.echo(json.dumps({"kind": "not-a-message", "reason": why, "sha256": raw.sha256}, indent=2))
    else:
        click.echo(f"{file}: {why}; the desk would open no case and send nothing.")
    ctx.exit(1)


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

    cfg = _load(ctx, optional=True)
    raw = RawMessage(Path(file).read_bytes(), f"file:{file}")
    _refuse_non_message(ctx, file, raw, as_json)
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
        "reason": planned.reason,
        "sha256": raw.sha256,
        "offending": [o.to_json() for o in planned.offending],
        "route": planned.route.to_json() if planned.route else None,
        "actions": [
            {"type": "send", "audience": m.audience, "to": [str(a) for a in m.to], "template": m.template}
            for m in planned.mails
        ],
        "events": [{"type": str(e.type), "detail": e.detail} for e in planned.events],
        "plan": planned.to_json(),
    }
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(f"{file}: {result['kind']} ({result['reason']})")
    for item in planned.offending:
        click.echo(f"  offending: {describe_offending(item)}")
        if item.trace:
            click.echo(f"    trace: {item.trace.conclusion}")
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
        for line in rules.patterns.explain(decision.danger):
            click.echo(f"  {line}")
    for mail in planned.mails:
        click.echo(f"  would send {mail.template} to {', '.join(str(m) for m in mail.to)}")
    for event in planned.events:
        if event.type in ("notice.blocked", "office.skipped", "ack.skipped"):
            click.echo(f"  note: {event.detail}")


# --- records: the annual report, evidence for the police, retention ---------------------------------------


@main.command("report")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, included.")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "csv"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.pass_context
def report_command(ctx: click.Context, start: Any, end: Any, fmt: str, output: str | None) -> None:
    """The annual statistics of the cases opened in a period: counts only, no names or addresses.

    Example: stopit report --from 2026-01-01 --to 2026-12-31 --format html -o report-2026.html
    """
    from stopit import report

    store = _open_store(ctx)
    text = report.render(report.build(store.conn, start.date(), end.date(), store.clock()), fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.group()
def evidence() -> None:
    """Export a case as evidence for the police, and check such an export."""


@evidence.command("export")
@click.argument("case_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The zip to write.")
@click.pass_context
def evidence_export(ctx: click.Context, case_id: int, output: str) -> None:
    """Write the case as a zip: messages byte-exact as .eml, SHA-256 manifest, trace, the hashed case log.

    The export is recorded in the case log (who, when, which file).

    Example: stopit evidence export 17 -o case-17.zip
    """
    from stopit import evidence as evidence_mod

    store = _open_store(ctx)
    try:
        done = evidence_mod.export(store, case_id, Path(output))
    except (StopitError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {done.path}: {done.files} files, manifest sha256 {done.manifest_sha256}")


@evidence.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def evidence_verify(ctx: click.Context, file: str) -> None:
    """Check an export: every file against the manifest, the log's hash links; on the desk that made it,
    also the keyed hashes and the custody record. Exit 0 only when all of it checks out.

    Example: stopit evidence verify case-17.zip
    """
    from stopit import evidence as evidence_mod

    store = None
    try:
        store = _open_store(ctx)
    except click.ClickException as exc:
        click.echo(f"note: {exc.message}; checking the file on its own", err=True)
    result = evidence_mod.verify(Path(file), store)
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.ok:
        click.echo(f"{file}: intact ({result.checked} files match the manifest)")
        return
    for problem in result.problems:
        click.echo(f"BROKEN: {problem}")
    sys.exit(1)


@main.command()
@click.option("--dry-run", is_flag=True, help="Only list the cases that would be removed.")
@click.option("--yes", is_flag=True, help="Remove them (nothing is removed without it).")
@click.pass_context
def purge(ctx: click.Context, dry_run: bool, yes: bool) -> None:
    """Remove closed cases older than desk.retention_years (messages, blobs, rows), keeping a tombstone
    with their report figures; the case log records each removal.

    Example: stopit purge --dry-run
    """
    from stopit import purge as purge_mod

    if dry_run == yes:
        raise click.UsageError("say --dry-run to list, or --yes to remove")
    cfg = _load(ctx)
    store = _open_store(ctx)
    now = store.clock()
    years = int(cfg["desk.retention_years"])
    found = purge_mod.candidates(store, now, years)
    for c in found:
        opened = c.opened[:10]
        click.echo(f"case #{c.case} {c.status} queue {c.queue} opened {opened}: {c.messages} messages, {c.bytes} bytes")
    if dry_run:
        click.echo(f"{len(found)} case(s) past {years} years would be removed")
        return
    for c in found:
        removed = purge_mod.purge_case(store, c.case, now)
        click.echo(f"case #{c.case} removed: " + ", ".join(f"{n} {k}" for k, n in removed.items() if n))
    click.echo(f"{len(found)} case(s) removed")


@main.group()
def followups() -> None:
    """What is due on cases: reminders, check-ins, auto-close."""


@followups.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{case, kind, due_at, state}].")
@click.option("--at", "at", metavar="TIME", help="What would be due at TIME (default: now).")
@click.pass_context
def followups_list(ctx: click.Context, as_json: bool, at: str | None) -> None:
    """The follow-ups still to do, and which of them are due now (or at TIME), with what would be sent.

    Example: stopit followups list --at 2026-12-24T09:00
    """
    from stopit.followups import DEADLINES

    moment = _moment(at) or datetime.now(UTC)
    store = _open_store(ctx)
    rows = [
        {"case": f.case_id, "kind": f.kind, "due_at": f.due_at, "state": f.state}
        for f in store.followups(state="due")
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("nothing is waiting")
    for row in rows:
        due = datetime.fromisoformat(str(row["due_at"])) <= moment
        what = DEADLINES.get(str(row["kind"]), str(row["kind"]))
        click.echo(f"case {row['case']:>5}  {row['kind']:<13} {row['due_at']}  {'DUE' if due else 'later'}  ({what})")
