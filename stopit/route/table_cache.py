"""Owns the sentence encoder's embedding table on disk: a copy in the cache directory, memory-mapped.

The encoder package keeps a 65 MB table of its word pieces (uint8) compressed inside the package, and
unpacks it into the process's own memory: a third of the daemon's resident memory. A text uses a few
hundred of its 128,010 rows. Mapped from an uncompressed copy, the table becomes file pages: only the
pages of the pieces a report uses are read in, the kernel may drop them again under pressure, and every
stopit process on the machine (the daemon, `stopit ingest` from the mail server, `stopit explain`) shares
one copy. The copy is checked against the package's table at every start (a SHA-256 of both, about 0.1 s)
and written again when it differs: a truncated or altered file is never used.

The directory: systemd's $CACHE_DIRECTORY (CacheDirectory=stopit in the unit), else $XDG_CACHE_HOME/stopit,
else ~/.cache/stopit. Where none can be written, the table stays in memory, as the package made it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

CHUNK = 1 << 20  # bytes hashed at a time: the file is read, never mapped, to check it


def directory() -> Path | None:
    """Where the copy is kept, or None when there is no home to fall back on."""
    systemd = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    if systemd:
        return Path(systemd)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg:
        return Path(xdg) / "stopit"
    home = os.environ.get("HOME", "")
    return Path(home) / ".cache" / "stopit" if home else None


def file_backed(table: np.ndarray, name: str, where: Path | None = None) -> np.ndarray:
    """`table` mapped read-only from `name` in the cache directory (written there when missing or different), else
    `table` itself. The caller drops its own `table` afterwards, which gives its memory back."""
    folder = where if where is not None else directory()
    if folder is None or not table.flags.c_contiguous:
        return table
    path = folder / name
    expected = hashlib.sha256(table.data).hexdigest()
    try:
        if _data_digest(path) != expected:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = folder / f".{name}.{os.getpid()}.partial"  # each writer its own: the rename is atomic
            with partial.open("wb") as out:
                np.lib.format.write_array(out, table, allow_pickle=False)
            os.replace(partial, path)
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):  # a read-only or full disk: the table stays in memory
        return table
    if mapped.shape != table.shape or mapped.dtype != table.dtype:
        return table
    return mapped


def _data_digest(path: Path) -> str | None:
    """SHA-256 of the array data in the .npy file at `path` (after its header), or None when it cannot be read."""
    try:
        with path.open("rb") as source:
            _skip_header(source)
            digest = hashlib.sha256()
            while block := source.read(CHUNK):
                digest.update(block)
            return digest.hexdigest()
    except (OSError, ValueError):
        return None


def _skip_header(source: BinaryIO) -> None:
    version = np.lib.format.read_magic(source)
    if version == (1, 0):
        np.lib.format.read_array_header_1_0(source)
    else:
        np.lib.format.read_array_header_2_0(source)
