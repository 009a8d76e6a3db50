"""Pattern classes of session 16: a spoiler named far from the joke, the reporter told they'd pay, split German verbs.

Every phrasing here was written for this test (none is in the evaluation set or the review files). The patterns are
judged on their own, without the learned words and the sentence meaning (tests/test_threat_session11.py), so that
each test fails when its pattern class does, whatever the models beside them read.
"""

from __future__ import annotations

import pytest

from tests.test_threat_session11 import judge, named

# The spoiler that makes "I'll kill you" a joke is often named a few words after "if you" ("wenn du das Ende vom
# Buch spoilerst", "como me hagas spoiler"): three words of reach sent such jokes to the police.
FAR_SPOILERS = [
    "I'll murder you if you post one more spoiler about the finale",
    "Ich bring dich um, wenn du das Ende vom Buch spoilerst!!",
    "Ich bring dich um, wenn du wieder Spoiler zum Finale postest",
    "Si tu oses encore me spoiler la saison, je te tue",
    "Como me hagas spoiler del final te mato, lo juro",
]


# The word alone is no joke: a spoiler must be what the violence is conditioned on.
SPOILER_IN_PASSING = [
    "Spoiler: I'll stab you tonight outside your flat.",
    "Kleiner Spoiler: ich stech dich heute Nacht ab.",
    "Petit spoiler : je vais te planter ce soir devant chez toi.",
    "Te hago spoiler: esta noche te mato en tu portal.",
]


# "He said I'd regret it": the message's "you'll regret it" as the reporter tells it, in reported speech. Like the
# message's, it is a possible threat on its own (a person looks at once), not an emergency.
TOLD_THEY_WOULD_PAY = [
    ("He told me in the car park I would regret it if I kept complaining.", "ok see you Monday"),
    ("Sie hat gesagt, dass ich dafür noch bezahlen werde, wenn ich zum Dekanat gehe.", "Bis morgen"),
    ("Elle m'a dit que j'allais le regretter si je parlais à la directrice.", "Tu viens jeudi ?"),
    ("Me dijo en el pasillo que me iba a arrepentir si hablaba con la tutora.", "¿Vienes mañana?"),
]


@pytest.mark.parametrize(("reporter", "message"), TOLD_THEY_WOULD_PAY)
def test_the_reporter_told_they_would_pay_is_a_possible_threat(reporter: str, message: str) -> None:
    danger = judge(message, reporter)
    assert "the reporter told they would pay" in named(danger) and danger.band == "flag", danger.reasons


def test_the_same_words_in_the_message_are_not_the_reporters_account() -> None:
    # the pattern reads the reporter's own words only: a friend retelling a bet is not a report of a threat
    danger = judge("He said I'd regret it if I didn't try the ramen place, so I went.")
    assert "the reporter told they would pay" not in named(danger)


def test_a_joke_told_so_is_not_a_threat() -> None:
    danger = judge("ok", "my brother said I'd pay for it if I ate his fries again lol")
    assert "the reporter told they would pay" not in named(danger)


# German verbs of violence split around the time and place ("ich stech dich heute Nacht vor deiner Wohnung ab"):
# read only when the two halves stood at most three words apart; and a bare "vor" within six words (listed as
# ordinary talk for "vor Lachen sterben", dying of laughter) kept every German threat told "vor der Mensa" off.
SPLIT_VERBS = [
    "Ich stech dich morgen früh vor der Bibliothek ab.",
    "Wir knallen euch beim nächsten Treffen im Keller einfach ab.",
    "Ich mach dich nach dem Seminar vor dem Hörsaal kalt.",
    "Ich prügel dich heute Abend vor deinem Wohnheim tot.",
]


HARMLESS_TWINS = [
    "Ich sterbe vor Langeweile in diesem Seminar, bring mich um",
    "Wir machen euch beim Turnier am Samstag platt 😂",
    "Wir machen euch am Sonntag auf dem Platz kalt, Jungs 😂⚽",
    "Ich lach mich tot vor Lachen, du bringst mich noch um",
]


@pytest.mark.parametrize(
    ("kind", "message"),
    [("spoiler in passing", m) for m in SPOILER_IN_PASSING] + [("split verb", m) for m in SPLIT_VERBS],
)
def test_these_threats_reach_the_police(kind: str, message: str) -> None:
    danger = judge(message)
    assert danger.band == "police", (kind, danger.reasons)


@pytest.mark.parametrize(
    ("kind", "message"),
    [("spoiler after if you", m) for m in FAR_SPOILERS] + [("dying of laughter, a match", m) for m in HARMLESS_TWINS],
)
def test_these_jokes_stay_off_the_police(kind: str, message: str) -> None:
    danger = judge(message)
    assert danger.band != "police", (kind, danger.reasons)
