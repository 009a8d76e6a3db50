"""Owns the raw bytes: small ones inline in their row, large ones as private files named by SHA-256."""

from __future__ import annotations

import os

from stopit.store.db import Database

INLINE_BLOB_LIMIT = 1024 * 1024


class Blobs(Database):
    def _put_blob(self, sha256: str, data: bytes) -> tuple[bytes | None, str | None]:
        """(inline bytes, None) or (None, path relative to the state dir); content-addressed, so idempotent."""
        if len(data) <= INLINE_BLOB_LIMIT:
            return data, None
        target = self.blob_dir / sha256[:2] / sha256
        if not target.exists():
            # Each level created 0700 (mkdir's parents=True would leave blobs/ at the umask's 0755).
            self.blob_dir.mkdir(exist_ok=True, mode=0o700)
            target.parent.mkdir(exist_ok=True, mode=0o700)
            tmp = target.with_suffix(".tmp")
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        return None, str(target.relative_to(self.path.parent))

    def _blob_bytes(self, blob: bytes | None, blob_path: str | None) -> bytes:
        if blob is not None:
            return bytes(blob)
        return (self.path.parent / str(blob_path)).read_bytes()
