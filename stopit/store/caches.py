"""Owns caches of answers from the network (RDAP), kept so intake never waits for them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from stopit.store.db import Database, iso


class Caches(Database):
    def rdap_cached(self, ip: str, max_age: timedelta) -> dict[str, Any] | None:
        row = self._one("SELECT data, fetched_at FROM rdap_cache WHERE ip=?", (ip,))
        if row is None or datetime.fromisoformat(row[1]) < self.clock() - max_age:
            return None
        return json.loads(row[0])

    def rdap_save(self, ip: str, data: dict[str, Any]) -> None:
        """Own transaction."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO rdap_cache (ip, data, fetched_at) VALUES (?, ?, ?)",
                (ip, json.dumps(data), self.now()),
            )

    def handoffs_without_rdap(self, since: datetime, max_age: timedelta) -> list[tuple[int, str]]:
        """(case, handoff address) of recent offending messages whose network is not yet looked up."""
        out = []
        rows = self.conn.execute(
            "SELECT o.case_id, o.fields FROM offending o JOIN cases c ON c.id = o.case_id WHERE c.created_at >= ?",
            (iso(since),),
        )
        for case_id, fields in rows:
            ip = (json.loads(fields).get("trace") or {}).get("handoff_ip")
            if ip and self.rdap_cached(ip, max_age) is None and (case_id, ip) not in out:
                out.append((case_id, ip))
        return out
