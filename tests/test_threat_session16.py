"""Pattern classes of session 16: a spoiler named far from the joke, the reporter told they'd pay, split German verbs.

Every phrasing here was written for this test (none is in the evaluation set or the review files). The patterns are
judged on their own, without the learned words and the sentence meaning (tests/test_threat_session11.py), so that
each test fails when its pattern class does, whatever the models beside them read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_threat import site_rules
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


# A word of games or errands within six words keeps violence words off the police ("I'll kill you at ping pong").
# A hostile sender's words (written against the lists as they were): the common words in those lists ("round",
# "court", "score", "record", "heart", "Runde", "corazón") and a game *denied* ("this is not a game") hid plain
# threats, which the meaning does not catch either (it reads "I will kill you." as a joke among friends).
BESIDE_GAME_WORDS = [
    "I'll come round to yours tonight and kill you.",
    "See you at the court hearing. After that I'll kill you.",
    "I'll put a bullet in your heart, you snake.",
    "I'll settle the score tonight: I'll break your legs.",
    "For the record: I will kill you if you go to the dean.",
    "Das ist kein Spiel mehr, ich bring dich um.",
    "Ce n'est pas un jeu : je vais te tuer.",
    "Esto no es ningún juego, te voy a matar.",
    "Je te plante un couteau dans le cœur si tu parles.",
    # "at stake" says the opposite of a game
    "Deine Zukunft steht auf dem Spiel, ich stech dich ab.",
    "Ton avenir est en jeu, je vais te tuer.",
    "Tu carrera está en juego, te voy a matar.",
]

GAMES_STILL_GAMES = [
    "I'm going to destroy you in the final round tonight, get ready",
    "Wir machen euch in der nächsten Runde fertig, Jungs",
    "I'll crush you on the tennis court tomorrow, bring your racket",
    "You're killing me, my heart can't take this season",
]


# Words of errands, news, costs, kitchens… cancel a match only within its own clause (stopit/route/danger.py,
# CLAUSE_BOUND): in another clause they say nothing of it. Laughter, games and spoilers still reach across.
OTHER_CLAUSE = [
    "That was my last message, I'm going to kill you.",
    "I don't care if they arrest me. I will kill you.",
    "Bring your notes if you like, I'll stab you anyway.",
    "Tu peux appeler le journal, je vais te tuer.",
    "Me da igual salir en las noticias: te voy a matar.",
    "Das war meine letzte Nachricht. Ich bring dich um.",
]

SAME_CLAUSE = [
    "I'll shoot you the file before the meeting",
    "Ich schieß dir die Datei gleich rüber, versprochen",
    "I'm going to kill you. lol",
    "Te voy a matar. Jajaja, qué partido",
]


# Plain violence no pattern read at all (the hostile sender's words showed the kind): a throat cut, a car driven at
# the reader.
UNREAD_VIOLENCE = [
    "I'm going to cut your throat when you leave the library.",
    "Next time I see you on your bike I'll run you over.",
    "Ich schlitz dir nach der Schicht die Kehle auf.",
    "Je vais te trancher la gorge devant ta résidence.",
    "Te voy a rajar la garganta a la salida.",
]

ERRANDS_IN_THOSE_WORDS = [
    "Let me run you over the slides before class",
    "I'll walk you through the form tomorrow, no stress",
]


HARMLESS_TWINS = [
    "Ich sterbe vor Langeweile in diesem Seminar, bring mich um",
    "Wir machen euch beim Turnier am Samstag platt 😂",
    "Wir machen euch am Sonntag auf dem Platz kalt, Jungs 😂⚽",
    "Ich lach mich tot vor Lachen, du bringst mich noch um",
]


THREATS = (
    [("spoiler in passing", m) for m in SPOILER_IN_PASSING]
    + [("split verb", m) for m in SPLIT_VERBS]
    + [("beside a word of games", m) for m in BESIDE_GAME_WORDS]
    + [("an ordinary word in another clause", m) for m in OTHER_CLAUSE]
    + [("violence no pattern read", m) for m in UNREAD_VIOLENCE]
)
JOKES = (
    [("spoiler after if you", m) for m in FAR_SPOILERS]
    + [("dying of laughter, a match", m) for m in HARMLESS_TWINS]
    + [("a game", m) for m in GAMES_STILL_GAMES]
    + [("an errand or a laugh", m) for m in SAME_CLAUSE]
    + [("an errand", m) for m in ERRANDS_IN_THOSE_WORDS]
)


@pytest.mark.parametrize(
    ("police", "kind", "message"), [(True, *case) for case in THREATS] + [(False, *case) for case in JOKES]
)
def test_these_threats_reach_the_police_and_these_jokes_do_not(police: bool, kind: str, message: str) -> None:
    danger = judge(message)
    assert (danger.band == "police") is police, (kind, danger.reasons)


def test_a_word_denied_right_before_it_cancels_nothing(tmp_path: Path) -> None:
    # the rule itself, on a site's own pattern: its `unless_near` word cancels it, unless a word of `denial` stands
    # right before it
    ruleset = site_rules(
        tmp_path,
        '[terms.bang]\nen = ["bang bang"]\n\n[terms.toy]\nen = ["toy"]\n\n'
        '[[pattern]]\nname = "bang"\ncategory = "threat"\nweight = 1\nall = ["bang"]\nunless_near = ["toy"]\n',
    )

    def found(text: str) -> bool:
        return "bang" in named(ruleset.patterns.judge([("message", text)]))

    assert found("bang bang said the boy")
    assert not found("bang bang with a toy")
    assert found("bang bang and not a toy")
    assert not found("bang bang not with a toy")  # "not" is not right before the word
    assert not found("bang bang. a toy")  # a site's group sets the scene for the whole message (not CLAUSE_BOUND)
