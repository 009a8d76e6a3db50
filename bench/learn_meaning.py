"""Learn the meaning evidence of the danger score (rules/patterns/meaning.tsv) and say how well it generalises.

Each labelled row of the tuning part of bench/data/route_eval/ is turned into its message's and its
reporter's sentence vectors (stopit/route/meaning.py); ordinary mail (the SpamAssassin ham of the
third-party corpus, in windows of up to three sentences) is learned as benign and its spam as
phishing, so that everyday mail and advertising do not read as threats. A multinomial logistic
regression over the six labels, by full-batch gradient descent from zero: the same inputs write the
same model. The held-back part is never read here.

Run: .venv/bin/python -m bench.learn_meaning              (write rules/patterns/meaning.tsv)
     .venv/bin/python -m bench.learn_meaning --leave-out WORDS
         (learn without the tuning batch whose comment line contains WORDS, e.g. "sixth author", and half the
          ordinary mail; print how the meaning alone judges what was left out, at several thresholds)
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import ROOT, leave_out_parser
from bench.route_quality import DANGEROUS, LABELS, Row, read
from stopit.route.meaning import (
    DIMENSIONS,
    FILE_NAME,
    Meaning,
    Tuning,
    encode,
    encoder_version,
    rows,
    sentences,
    windows,
    write,
)
from tests.corpus import corpus_files, corpus_root
from tests.test_danger_corpus import text_of

TARGET = ROOT / "rules" / "patterns" / FILE_NAME
TUNED = TARGET.with_name("meaning-encoder.npz")  # python -m bench.tune_encoder --save
INPUTS = (ROOT / "bench" / "data" / "route_eval" / "tuning.tsv",)
DIGEST_LINE = "Inputs (sha256 of tuning.tsv, first 16 hex digits): "
# From FLAG_AT a report is a possible threat; from JOINED_AT it goes to the police when the patterns found a possible
# threat too; from POLICE_AT it goes to the police on its own (a whole message, see Meaning.weight). Chosen on the two
# session 7 authors' rows, each measured with a model learned without it and patterns never tuned on it: 0.5, 0.5
# and 0.9 sent 78% of their threats and extortion to the police instead of 46% but 7.4% of their other rows instead
# of 5.1%, and the near misses of the tests (tests/test_threat*.py, test_sextortion*.py), ordinary messages with a
# threat's words, went there too ("Ich lösch den Ordner mit den alten Fotos, sonst ist die Cloud voll." read 0.95 as
# extortion). With these, the lowest under which none of those near misses does: 68% and 5.4%, and 94% of threats
# and extortion flagged or sent to the police (71% before), 22% of the others (15% before).
# POLICE_AT 0.97 -> 0.95 and PART_JOINED_AT 0.9 -> 0.95 in session 10, with the tuned encoder (meaning-encoder.npz),
# chosen on the four session 8 authors with the encoder tuned and the meaning learned without them
# (`bench.tune_encoder --leave-out "session 8 additions" --seeds 3 --save F`, then the whole verdict):
# 395 of their 576 threats and extortion to the police (388 at the old thresholds; 339 with the packaged
# encoder), 33 of their 704 other rows (32; 27), and 1 of the 6,046 SpamAssassin mails (3; 3 with the packaged
# encoder: half of them were never learned from there); none of 1,601 other corpus mails.
# FLAG_AT 0.7 -> 0.75 then too, so that no more of the others are flagged or sent to the police than with the packaged
# encoder (20.9% of those authors' other rows, 21.3% before; at 0.7, 21.7%), while more threats and extortion are
# (85.9%, 84.5% before; at 0.7, 87.2%). `bench.meaning_thresholds --leave-out ... --tuning F` prints both sides.
# Session 11, the encoder tuned on four more authors (5,952 rows), checked on those four left out (encoder tuned and
# meaning learned without them, two seeds averaged): the police thresholds as they were sent 411 of their 576 threats
# and extortion to the police, 27 of their 704 other rows, 1 of 7,647 corpus mails; police_at 0.93 would send 418,
# 29 and 1, 0.9 421, 34 and 1; part_police_at 0.98 six more threats and three more corpus mails: kept. FLAG_AT
# 0.75 -> 0.8: flagged or to the police 505 of the threats and extortion (511 at 0.75), 123 of the others (136), 167
# corpus mails (171); at 0.75 the retuned meaning flagged plain impersonation again ("Someone made a fake account
# with my photos", 0.77 of extortion).
FLAG_AT = 0.8
JOINED_AT = 0.8
POLICE_AT = 0.95
# A part of a long mail (a window) sends to the police from PART_POLICE_AT on its own, from PART_JOINED_AT with the
# patterns' possible threat. Chosen in session 9 on the four session 8 authors, with the meaning learned without them
# (their pattern and word verdicts were never tuned on them either): a part that only flags sent 53.0% of their
# threats and extortion and 3.6% of their other rows to the police. A part from 0.97 on its own would reach about
# 60%, but it sent two of the 6,046 SpamAssassin ham and spam mails there too (0.985: a car-warranty advert; 0.982:
# "Figure it out yourself. over and out."); with these, none.
# PART_POLICE_AT 0.99 -> 0.995 in session 12, when a message of up to 80 words came to be read whole (meaning.py,
# WHOLE_WORDS): a part is then a part of a long mail only, none of the 1,152 session 8 and 11 threats and extortion
# is read so any more (4 rows of all 7,223 labelled are that long), and the part thresholds decide ordinary long
# mail alone: at 0.99 a mailing-list post ("I have the satisfaction of knowing that the former is now raving bald")
# read 0.99 and went to the police; with the meaning learned without the session 8 authors, 3 corpus mails at
# 0.99, 2 at 0.995.
PART_JOINED_AT = 0.95
PART_POLICE_AT = 0.995
# From JOINED_WORDS_AT of the learned words' own score (learned.tsv, a log-odds: at 1 the words alone read a threat
# about three times as likely as not) a chance of JOINED_AT (a part's PART_JOINED_AT) sends to the police beside them,
# as beside the patterns' possible threat (Meaning.joined). Chosen in session 12 on the four session 8 and the four
# session 11 authors in turn, whom the learned words never learned from (bench.learn_evidence NOT_LEARNED), with the
# encoder tuned and the meaning learned without them (`bench.meaning_thresholds` prints the line). Threats and
# extortion to the police / other rows / corpus mails, session 8 then session 11 authors (576 threats and extortion
# and 704 others each):
#   without (as before)  385 / 25 / 2    411 / 27 / 1
#   from 2               398 / 25 / 2    421 / 29 / 1
#   from 1 (chosen)      401 / 25 / 2    422 / 31 / 1
#   from 0               408 / 29 / 2    430 / 31 / 1
#   from -1              412 / 32 / 2    434 / 31 / 1
# From 1, 27 more threats for 4 more other rows over both; lowering POLICE_AT to 0.9 bought 10 threats for 7 others on
# the second. From 0, 15 more threats again, but 4 more others, stalking and harassment the reporter told or a
# supervisor wrote ("A guy from my part-time job ... has turned up at my accommodation three times", "Fermez la porte
# la prochaine fois"), and a reporter's account of stalking tests/test_sextortion_session6.py keeps off the police
# ("My ex keeps driving past my parents' house ..."): not chosen.
JOINED_WORDS_AT = 1.0
L2 = 0.3  # on the weights, against the mean loss per example weight (an sklearn C of about 3 on 3,000 rows)
STEPS = 600
RATE = 5.0  # the step on the mean gradient (the loss is averaged over example weight, so gradients are small)
MOMENTUM = 0.9
ORDINARY_SHARE = 0.5  # ordinary mail weighs, all together, this share of the labelled rows
NOTED = 3  # every third window of ordinary mail is read beside a harmless reporter's words (see plain_texts)
HARMLESS = ("benign", "phishing")  # labels whose reporters' words say nothing of danger


@dataclass(frozen=True)
class Examples:
    features: np.ndarray  # rows x 2*DIMENSIONS
    labels: np.ndarray  # index into LABELS
    weights: np.ndarray


def inputs_digest() -> str:
    return " ".join(hashlib.sha256(path.read_bytes()).hexdigest()[:16] for path in INPUTS)


@dataclass(frozen=True)
class Text:
    """One example as text: its message (or a window of it) and its reporter's words ("" for none), label, weight."""

    message: str
    reporter: str
    label: int  # index into LABELS
    weight: float


def row_texts(labelled: list[Row]) -> list[Text]:
    """Each row's message read whole and its reporter's words, as meaning.sense reads a short report."""
    return [Text(" ".join(sentences(r.message)), r.note, LABELS.index(r.label), 1.0) for r in labelled]


def window_texts(labelled: list[Row]) -> list[Text]:
    """Each window of the longer messages that threaten no one, labelled as their row, together weighing one row.

    A long message is read in windows and counts by its most threatening one, so every window of a
    message that threatens no one must read so; a threat's windows are not learned (not each holds it).
    """
    out = []
    for row in labelled:
        parts = windows(row.message) if row.label not in DANGEROUS else []
        if len(parts) > 1:
            out += [Text(part, row.note, LABELS.index(row.label), 1.0 / len(parts)) for part in parts]
    return out


def plain_texts(labelled: list[Row], ham: list[str], spam: list[str]) -> list[Text]:
    """Ordinary mail's windows, every NOTED-th beside the words of a reporter who forwarded something harmless.

    In the labelled rows reporters wrote words beside threats more often than beside benign mail (23% and
    9%), so that without this a reporter's words of any kind raised the chance of a threat: a report of a
    study-group mail with "just checking this is not spam" beside it was flagged.
    """
    notes = sorted({r.note for r in labelled if r.note and r.label in HARMLESS})
    plain = ham + spam
    weight = ORDINARY_SHARE * len(labelled) / len(plain) if plain else 0.0
    return [
        Text(
            text,
            notes[(n // NOTED) % len(notes)] if notes and n % NOTED == 0 else "",
            LABELS.index("benign" if n < len(ham) else "phishing"),
            weight,
        )
        for n, text in enumerate(plain)
    ]


def texts(labelled: list[Row], ham: list[str], spam: list[str]) -> list[Text]:
    """Every example learned from: the rows whole, the windows of the long harmless ones, ordinary mail."""
    return row_texts(labelled) + window_texts(labelled) + plain_texts(labelled, ham, spam)


def features(items: list[Text], tuning: Tuning | None = None) -> np.ndarray:
    """Each example's message vector beside its reporter's, zeros for an empty one (meaning.rows)."""
    read = [t for item in items for t in (item.message, item.reporter) if t]
    vectors = encode(tuning)(read) if read else np.zeros((0, DIMENSIONS), dtype=np.float32)
    out = np.zeros((len(items), 2 * DIMENSIONS), dtype=np.float32)
    n = 0
    for i, item in enumerate(items):
        for side, text in enumerate((item.message, item.reporter)):
            if text:
                out[i, side * DIMENSIONS : (side + 1) * DIMENSIONS] = vectors[n]
                n += 1
    return out


def ordinary(kind: str, half: int | None = None) -> list[str]:
    """Windows of the SpamAssassin ham or spam mails (every other mail when `half` is 0 or 1)."""
    if corpus_root() is None:
        raise SystemExit("the third-party corpus is needed (ordinary mail is learned as benign): set STOPIT_CORPUS")
    files = sorted(
        (f for f in corpus_files() if f.source == "spamassassin-public-corpus" and kind in f.path.parent.name),
        key=lambda f: f.path.name,
    )
    if half is not None:
        files = files[half::2]
    # Every window a report's message would be read in: with only the first three of each mail learned, 20 of the
    # 4,150 ham mails reached the police by a later window.
    return [w for f in files for w in windows(text_of(f.path.read_bytes()))]


def examples(labelled: list[Row], ham: list[str], spam: list[str], tuning: Tuning | None = None) -> Examples:
    items = texts(labelled, ham, spam)
    return Examples(
        features(items, tuning).astype(np.float64),
        np.array([item.label for item in items]),
        np.array([item.weight for item in items], dtype=np.float64),
    )


def learn(data: Examples, tuning: Tuning | None = None) -> Meaning:
    """Multinomial logistic regression with L2, by gradient descent with momentum (Nesterov), from zero."""
    n, d = data.features.shape
    k = len(LABELS)
    target = np.zeros((n, k))
    target[np.arange(n), data.labels] = 1.0
    share = data.weights / data.weights.sum()
    w = np.zeros((k, d))
    b = np.zeros(k)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(STEPS):
        lw, lb = w - MOMENTUM * vw, b - MOMENTUM * vb  # look ahead
        logits = data.features @ lw.T + lb
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - target) * share[:, None]
        gw = error.T @ data.features + L2 * lw / n
        gb = error.sum(axis=0)
        vw = MOMENTUM * vw + RATE * gw
        vb = MOMENTUM * vb + RATE * gb
        w -= vw
        b -= vb
    return Meaning(
        LABELS,
        w.astype(np.float32),
        b.astype(np.float32),
        encoder_version(),
        FLAG_AT,
        JOINED_AT,
        POLICE_AT,
        PART_JOINED_AT,
        PART_POLICE_AT,
        tuning,
        JOINED_WORDS_AT,
    )


def tuned(path: Path | None) -> Tuning | None:
    """The encoder's tuned layers in `path` (bench.tune_encoder --save), named by their SHA-256 as meaning.tsv does."""
    return Tuning.of(path) if path else None


def measure(leave_out: str, tuning: Tuning | None) -> None:
    labelled = read("tuning")
    kept = [r for r in labelled if leave_out not in r.block]
    left = [r for r in labelled if leave_out in r.block]
    if not left:
        raise SystemExit(f"no tuning batch's comment line contains {leave_out!r}")
    model = learn(examples(kept, ordinary("ham", 0), ordinary("spam", 0), tuning), tuning)
    columns = [LABELS.index(label) for label in DANGEROUS]
    chance = model.chances(features(row_texts(left), tuning))[:, columns].sum(axis=1)
    dangerous = np.array([r.label in DANGEROUS for r in left])
    ham = model.chances(rows(encode(tuning)(ordinary("ham", 1)), None))[:, columns].sum(axis=1)
    batches = len({r.block for r in left})
    print(f"learned without the {len(left)} rows of {batches} batch(es) naming {leave_out!r}, and half the ordinary")
    print("mail:")
    for at in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        print(
            f"  from {at:.2f}: threat+sextortion {int((chance[dangerous] >= at).sum())}/{int(dangerous.sum())}, "
            f"others {int((chance[~dangerous] >= at).sum())}/{int((~dangerous).sum())}, "
            f"ham windows {int((ham >= at).sum())}/{len(ham)}"
        )


def main(argv: list[str]) -> int:
    parser = leave_out_parser("python -m bench.learn_meaning")
    parser.add_argument("--tuning", type=Path, help=f"the encoder's tuned layers (default: {TUNED.name} if present)")
    args = parser.parse_args(argv)
    tuning = tuned(args.tuning or (TUNED if TUNED.is_file() else None))
    if args.leave_out:
        measure(args.leave_out, tuning)
        return 0
    if args.tuning and args.tuning.resolve() != TUNED.resolve():
        parser.error(f"meaning.tsv names its tuning file beside it: copy {args.tuning} to {TUNED} first")
    labelled = read("tuning")
    ham, spam = ordinary("ham"), ordinary("spam")
    model = learn(examples(labelled, ham, spam, tuning), tuning)
    header = (
        "Meaning evidence for the danger score (see stopit/route/meaning.py). Written by\n"
        "`python -m bench.learn_meaning`; do not edit by hand. Learned from the tuning part of\n"
        f"bench/data/route_eval/ ({len(labelled)} rows) and ordinary mail ({len(ham)} windows of SpamAssassin ham\n"
        f"as benign, {len(spam)} of its spam as phishing). Each line: a label, its bias and its weights over the\n"
        f"message's {DIMENSIONS} sentence-vector numbers, then the reporter's {DIMENSIONS}. The chance of threat plus\n"
        "extortion flags a possible threat from @flag_at and sends to the police from @police_at (a part of a long\n"
        "mail from @part_police_at), from @joined_at (@part_joined_at) beside the patterns' possible threat or\n"
        "learned words scoring @joined_words_at. @tuning names the encoder's layers as tuned on the same rows\n"
        "(`python -m bench.tune_encoder --save`), which these weights were learned over.\n"
        f"{DIGEST_LINE}{inputs_digest()}"
    )
    write(TARGET, model, header)
    print(f"wrote {TARGET} ({len(labelled)} rows, {len(ham)} ham and {len(spam)} spam windows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
