"""Pattern classes that misread four new authors' harmless rows (session 11): wishes, where words were said, games.

Every phrasing here was written for this test (none is in the evaluation set). The patterns are judged on
their own, without the learned words and the sentence meaning, so that each test fails when its pattern
class does, whatever the models beside them read.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from stopit.route.danger import Danger, PatternSet
from stopit.route.learned import Evidence
from stopit.route.meaning import Meaning
from stopit.route.rules import load_rules
from tests.test_threat import QUEUES

VIOLENCE = {"harm announced", "harm meant", "harm to the reader"}


@cache
def patterns() -> PatternSet:
    """The shipped patterns without the learned words and the meaning."""
    shipped = load_rules([], QUEUES).patterns
    return replace(shipped, meaning=Meaning(), evidence=Evidence())


def judge(message: str, reporter: str = "") -> Danger:
    texts = [("reporter", reporter)] if reporter else []
    return patterns().judge([*texts, ("message", message)])


def named(danger: Danger) -> set[str]:
    return {r.pattern for r in danger.reasons}


# Harm wished on the reader by fate is an insult, not something the writer says they will do.
WISHES = [
    "I hope you get run over by a tram on your way to the viva, you smug idiot.",
    "hope u get hit by a bin lorry tbh, nobody at the society can stand u",
    "I hope you get stabbed on your way home one day, you pathetic snitch.",
    "Ich hoffe, du wirst vom Blitz erschlagen, du elender Heuchler.",
    "Hoffentlich fällst du die Treppe runter und brichst dir was, du Giftzwerg.",
    "J'espère que tu vas te faire renverser par un tram, espèce de lèche-bottes.",
    "Pourvu que tu te fasses écraser en rentrant, sale fayot.",
    "J'espère que tu vas te faire tabasser un de ces jours, pauvre type.",
    "Ojalá te atropelle el autobús de la línea 3, pesada.",
    "Espero que te caigas por las escaleras del metro, mentiroso.",
]

# The same openings, then the writer's own announced violence: still the police.
WISH_THEN_THREAT = [
    "I hope you slept well, because tonight I'm going to smash your face in.",
    "Ich hoffe, du hast gut gegessen, denn morgen brech ich dir die Beine.",
    "J'espère que t'as profité du week-end, lundi je vais te casser les jambes.",
    "Ojalá hayas disfrutado la fiesta, porque el lunes te voy a partir la cara.",
]


@pytest.mark.parametrize("message", WISHES)
def test_harm_wished_by_fate_is_not_violence_announced(message: str) -> None:
    danger = judge(message)
    assert not named(danger) & VIOLENCE, danger.reasons
    assert danger.band != "police"


@pytest.mark.parametrize("message", WISH_THEN_THREAT)
def test_a_wish_before_announced_violence_does_not_hide_it(message: str) -> None:
    danger = judge(message)
    assert named(danger) & VIOLENCE
    assert danger.band == "police", danger.reasons


# Where a threat was spoken (a locker room) is not intimate material; being filmed there is.
SPOKEN_IN_A_LOCKER_ROOM = [
    ("He said it in the changing room after training, in front of the whole squad.", "Keep your distance, weirdo."),
    ("Das hat er in der Umkleide nach dem Training vor allen gesagt.", "Halt bloß Abstand, du Spinner."),
    ("Il m'a dit ça au vestiaire après le match, devant tout le monde.", "Garde tes distances, le bizarre."),
    ("Me lo dijo en el vestuario después del partido, delante de todos.", "Mantén la distancia, rarito."),
]
FILMED_IN_A_LOCKER_ROOM = [
    "I filmed you in the locker room after practice. Send me 300 or the whole team sees it.",
    "Ich hab dich in der Umkleide gefilmt. 300 Euro oder das Video geht an dein ganzes Team.",
    "Je t'ai filmée au vestiaire après l'entraînement. 300 euros ou toute l'équipe verra la vidéo.",
    "Te grabé en el vestuario después del entrenamiento. 300 euros o todo el equipo ve el video.",
]


@pytest.mark.parametrize(("reporter", "message"), SPOKEN_IN_A_LOCKER_ROOM)
def test_where_words_were_said_is_not_intimate_material(reporter: str, message: str) -> None:
    danger = judge(message, reporter)
    assert danger.category != "sextortion" and danger.band != "police", danger.reasons


@pytest.mark.parametrize("message", FILMED_IN_A_LOCKER_ROOM)
def test_filmed_in_a_locker_room_stays_intimate_material(message: str) -> None:
    assert "intimate material" in named(judge(message))


# Laughter is written "haha", "lol" (and 😂, read as "haha") in every language, and board games are games.
GAME_NIGHT = [
    "Spieleabend am Freitag! Ich mach dich beim Scrabble so fertig, du wirst um Gnade betteln.",
    "Soirée jeux samedi : je vais te massacrer, tu vas me supplier d'arrêter 😂",
    "Noche de juegos el viernes: te voy a destrozar, vas a suplicar piedad 😂",
]



# A box is a pet's threat when something is returned in it, not when the reader's things are packed in one.
def test_things_packed_in_a_box_are_no_pet_threat() -> None:
    danger = judge("J'ai rangé tes livres dans un carton, je le laisse chez ton frère dimanche. Bonne route.")
    assert "the reader's pet" not in named(danger)
    assert danger.band == "none", danger.reasons


def test_a_pet_returned_in_a_box_is_still_one() -> None:
    danger = judge("Ton chat traîne encore dans ma cour. La prochaine fois, tu le récupéreras dans un carton.")
    assert "the reader's pet" in named(danger)


# "I'll kill you if you spoil the finale" is the commonest joke among friends in the labelled rows (written so by
# authors who never met) and the cause of no threat there: a spoiler keeps violence words and warnings off the police.
SPOILER_JOKES = [
    "I will strangle you if you spoil the last episode for me before Friday",
    "Si tu me spoiles le dernier tome, je vais t'étrangler, je te préviens",
    "Si me haces spoiler del último capítulo te voy a matar, te lo advierto",
]

JOKES_AMONG_FRIENDS = [("game night", m) for m in GAME_NIGHT] + [("spoiler", m) for m in SPOILER_JOKES]


@pytest.mark.parametrize(("kind", "message"), JOKES_AMONG_FRIENDS)
def test_violence_words_over_a_game_or_a_spoiler_are_no_emergency(kind: str, message: str) -> None:
    danger = judge(message)
    assert danger.band != "police", (kind, danger.reasons)


# A hostile sender's tries at hiding behind these classes (a reviewer wrote them against the first version of the
# change, which let each of them below the police): the wish made the writer's own, a spoiler or a game named in
# passing, a locker room where someone was caught, a pet to end up in a box.
HIDING_BEHIND_THE_CLASSES = [
    "I hope you get hurt, and I'll make sure of it myself on Friday.",
    "Hoffentlich bist du tot bevor die Polizei kommt, ich komme mit dem Messer.",
    "No spoilers, but I'll stab you tonight outside your flat.",
    "Spoiled little rich girl. I'll stab you tonight outside your flat.",
    "Fini les jeux. Je vais te tuer ce soir.",
    "Se acabaron los juegos. Te voy a matar esta noche.",
    "Keine Spiele mehr. Ich stech dich heute Nacht ab.",
    "I've got you in the changing room. Pay 500 or your whole team sees it.",
    "Ton chien va finir dans un sac poubelle si tu parles.",
]


@pytest.mark.parametrize("message", HIDING_BEHIND_THE_CLASSES)
def test_threats_dressed_in_these_classes_still_reach_the_police(message: str) -> None:
    danger = judge(message)
    assert danger.band == "police", danger.reasons
