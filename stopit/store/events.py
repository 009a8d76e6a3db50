"""Owns the append-only, hash-chained event log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from stopit.store.db import Database

GENESIS_HASH = "0" * 64


def event_hash(prev_hash: str, at: str, case_id: int | None, type_: str, detail: str) -> str:
    payload = json.dumps([prev_hash, at, case_id, type_, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    first_bad_id: int | None
    problem: str


class Events(Database):
    def add_event(self, case_id: int | None, type_: str, detail: str = "") -> None:
        """Append one event; its hash covers the previous one, so any later edit shows. Caller's transaction."""
        self._require_tx()
        row = self._one("SELECT hash FROM events ORDER BY id DESC LIMIT 1")
        prev = row[0] if row else GENESIS_HASH
        at = self.now()
        self.conn.execute(
            "INSERT INTO events (at, case_id, type, detail, prev_hash, hash) VALUES (?,?,?,?,?,?)",
            (at, case_id, type_, detail, prev, event_hash(prev, at, case_id, type_, detail)),
        )

    def verify_chain(self) -> ChainCheck:
        prev = GENESIS_HASH
        count = 0
        for id_, at, case_id, type_, detail, prev_hash, hash_ in self.conn.execute(
            "SELECT id, at, case_id, type, detail, prev_hash, hash FROM events ORDER BY id"
        ):
            count += 1
            if prev_hash != prev:
                return ChainCheck(False, count, id_, "previous-hash link broken (row removed?)")
            if event_hash(prev, at, case_id, type_, detail) != hash_:
                return ChainCheck(False, count, id_, "contents do not match their hash (edited?)")
            prev = hash_
        return ChainCheck(True, count, None, "")
