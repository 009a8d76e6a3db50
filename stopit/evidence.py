"""Owns the evidence package for the police: one case as a zip that proves its own integrity.

    case-N/manifest.sha256     SHA-256 of every other file (`sha256sum -c` reads it too)
    case-N/case.json           the case as `stopit cases show --json` prints it
    case-N/messages/*.eml      every message received on the case, byte-exact (the report first)
    case-N/offending/*.eml     every offending message kept with its bytes, byte-exact
    case-N/trace.json|.txt     where each offending message came from
    case-N/log.json|.txt       the case's events with their keyed hashes, and the hash links of the
                               events between them (ids and hashes only: other cases stay private)
    case-N/README.txt          how to check all this

`verify` checks the manifest, that each received message's SHA-256 is named by its
`message.received` event, and that the log's hash links run unbroken; given the desk's store it
also recomputes each event's keyed hash and finds the export's own custody event.
"""

from __future__ import annotations

import getpass
import hashlib
import itertools
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stopit.errors import StopitError

if TYPE_CHECKING:
    from stopit.store import Store

MANIFEST = "manifest.sha256"
CUSTODY_EVENT = "evidence.exported"

README = """Evidence for case #{case}, exported by stopit on {at}.

Every file here is listed in manifest.sha256 with its SHA-256; check with
    sha256sum -c manifest.sha256        (inside this folder)
or  stopit evidence verify case-{case}.zip
The .eml files are the messages exactly as they reached the desk, byte for byte.
log.json holds the case's events as recorded in the desk's tamper-evident log: each event's hash
covers the previous event's hash, so the "chain" links show nothing was removed in between. The
hashes are keyed; the desk that exported this file can recompute them (stopit evidence verify on
that desk). The export itself is recorded in the desk's log as an "{event}" event naming the
SHA-256 of manifest.sha256.
"""


@dataclass(frozen=True)
class Export:
    path: Path
    files: int
    manifest_sha256: str


@dataclass
class Verification:
    ok: bool = True
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _trace_text(traces: list[dict[str, Any]]) -> str:
    lines = []
    for item in traces:
        trace = item["trace"] or {}
        lines.append(f"offending message {item['file'] or '(no bytes kept)'}")
        lines.append(f"  conclusion: {trace.get('conclusion', '')}")
        for name in ("handoff_ip", "handoff_by", "origin_ip", "origin_reason", "provider"):
            lines.append(f"  {name}: {trace.get(name) or '-'}")
        auth = trace.get("auth") or {}
        for sig in auth.get("dkim", []):
            lines.append(f"  dkim d={sig.get('domain')} s={sig.get('selector')}: {sig.get('result')}")
        lines.append(f"  spf: {auth.get('spf', '-')}, arc: {auth.get('arc', '-')}")
        for n, hop in enumerate(trace.get("hops", []), 1):
            lines.append(f"  hop {n}: {json.dumps(hop, ensure_ascii=False, sort_keys=True)}")
        lines.append("")
    return "\n".join(lines)


def package(store: Store, case_id: int) -> dict[str, bytes]:
    """Every file of the export, by its name inside case-N/ (the manifest and README excepted)."""
    detail = store.case_detail(case_id)
    if detail is None:
        raise StopitError(f"no case #{case_id}")
    files: dict[str, bytes] = {}
    incoming = store.case_incoming(case_id, detail.get("report_sha256") or "")
    for n, (row_id, sha) in enumerate(incoming, 1):
        files[f"messages/{n:02d}-{sha[:12]}.eml"] = store.raw_bytes(row_id)
    traces = []
    for n, (digest, data, fields) in enumerate(store.case_offending(case_id), 1):
        attached: str | None = None
        if digest is not None and data is not None:
            attached = f"offending/{n:02d}-{digest[:12]}.eml"
            files[attached] = data
        traces.append({"file": attached, "trace": json.loads(fields).get("trace")})
    files["case.json"] = json.dumps(detail, indent=2, ensure_ascii=False).encode("utf-8")
    files["trace.json"] = json.dumps(traces, indent=2, ensure_ascii=False).encode("utf-8")
    files["trace.txt"] = _trace_text(traces).encode("utf-8")
    events = store.case_log(case_id, [sha for _, sha in incoming])
    chain = store.chain_links(events[0]["id"], events[-1]["id"]) if events else []
    files["log.json"] = json.dumps({"case": case_id, "events": events, "chain": chain}, indent=2).encode("utf-8")
    files["log.txt"] = "".join(
        f"{e['id']:>8} {e['at']} {e['type']}: {e['detail']}\n{'':>8} hash {e['hash']} (previous {e['prev_hash']})\n"
        for e in events
    ).encode("utf-8")
    return files


def manifest(files: dict[str, bytes]) -> bytes:
    return "".join(f"{_sha(data)}  {name}\n" for name, data in sorted(files.items())).encode("utf-8")


def export(store: Store, case_id: int, target: Path, who: str = "") -> Export:
    """Write the zip (privately, then renamed into place) and record who exported it where, in the log.

    The custody event is written after the zip is complete: it names the manifest's SHA-256.
    """
    files = package(store, case_id)
    at = store.now()
    files["README.txt"] = README.format(case=case_id, at=at, event=CUSTODY_EVENT).encode("utf-8")
    listing = manifest(files)
    digest = _sha(listing)
    target = target.resolve()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        root = f"case-{case_id}"
        zf.writestr(f"{root}/{MANIFEST}", listing)
        for name, data in sorted(files.items()):
            zf.writestr(f"{root}/{name}", data)
    os.replace(tmp, target)
    who = who or _who()
    with store.transaction():
        store.add_event(case_id, CUSTODY_EVENT, f"by {who} to {target}: {len(files)} files, manifest sha256 {digest}")
    return Export(target, len(files), digest)


def _who() -> str:
    """The person at the keyboard: the login behind sudo when there is one."""
    user = os.environ.get("SUDO_USER") or getpass.getuser()
    return f"{user}@{os.uname().nodename}"


def _read(path: Path, result: Verification) -> tuple[dict[str, bytes], bytes]:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            result.fail(f"expected one case-N/ folder, found {sorted(roots)}")
        files = {n.split("/", 1)[1]: zf.read(n) for n in names if "/" in n}
    return files, files.pop(MANIFEST, b"")


def verify(path: Path, store: Store | None = None) -> Verification:
    """Check the zip on its own; with `store` (the desk that exported it), check the keyed hashes too."""
    result = Verification()
    try:
        files, listing = _read(path, result)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        result.fail(f"cannot read {path}: {exc}")
        return result
    if not listing:
        result.fail(f"no {MANIFEST}")
        return result
    _check_manifest(listing, files, result)
    try:
        log = json.loads(files.get("log.json", b"{}"))
    except ValueError as exc:
        result.fail(f"log.json is not JSON: {exc}")
        return result
    _check_chain(log, files, result)
    if store is not None:
        _check_with_store(store, log, _sha(listing), result)
    else:
        result.notes.append("keyed hashes not recomputed: run verify on the desk that exported it for that")
    return result


def _check_manifest(listing: bytes, files: dict[str, bytes], result: Verification) -> None:
    listed = set()
    for line in listing.decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        data = files.get(name)
        if data is None:
            result.fail(f"{name}: listed in the manifest but missing")
        elif _sha(data) != digest:
            result.fail(f"{name}: SHA-256 differs from the manifest (changed)")
        else:
            result.checked += 1
    for name in sorted(set(files) - listed):
        result.fail(f"{name}: not in the manifest (added)")


def _check_chain(log: dict[str, Any], files: dict[str, bytes], result: Verification) -> None:
    """The links run unbroken from the first exported event to the last, and each event sits on them."""
    chain = log.get("chain", [])
    for (_, _, prev_hash), (id_, link, _) in itertools.pairwise(chain):
        if link != prev_hash:
            result.fail(f"log: event {id_} does not follow the one before it (chain broken)")
    links = {row[0]: (row[1], row[2]) for row in chain}
    received = set()
    for event in log.get("events", []):
        if links.get(event["id"]) != (event["prev_hash"], event["hash"]):
            result.fail(f"log: event {event['id']} is not the one on the chain (edited?)")
        if event["type"] == "message.received":
            received.add(event["detail"].split(" ", 1)[0])
    for name, data in sorted(files.items()):
        if name.startswith("messages/") and _sha(data) not in received:
            result.fail(f"{name}: no message.received event in the log names its SHA-256")


def _check_with_store(store: Store, log: dict[str, Any], manifest_sha: str, result: Verification) -> None:
    from stopit.store import event_problem

    for event in log.get("events", []):
        fields = (event["prev_hash"], event["at"], event["case_id"], event["type"], event["detail"])
        digest, redacted = event.get("detail_sha"), event.get("redacted_at")
        problem = event_problem(fields, event["hash"], event["keyed"], digest, redacted, store.audit_key)
        if problem:
            result.fail(f"log: event {event['id']}: keyed hash: {problem}")
        if store.event_hash_of(event["id"]) != event["hash"]:
            result.fail(f"log: event {event['id']} differs from the desk's log")
    custody = store.event_naming(CUSTODY_EVENT, f"manifest sha256 {manifest_sha}")
    if custody is None:
        result.fail("the desk's log has no record of exporting this manifest")
    else:
        result.notes.append(f"export recorded in the desk's log as event {custody}")
