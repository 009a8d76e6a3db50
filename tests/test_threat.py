"""Danger judged like a careful person: graded, structural, normalised, reading the right words only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import pytest

from stopit.config import from_text
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, RawMessage
from stopit.pipeline import plan
from stopit.route import Route
from stopit.route.rules import RuleSet, load_rules, read_rules, rule_dirs
from tests.conftest import ROOT, stopit
from tests.servers import write_config

QUEUES = {"stopit", "police", "idhr", "abuse"}
CONFIG = from_text('[desk]\norg_domains = ["campus.example.edu"]\n')


def report(own_words: str, message: str = "", subject: str = "message") -> bytes:
    """A report as a student sends it: their own words, and the message forwarded inline below."""
    head = (
        "From: Robin Ode <robin.ode@campus.example.edu>\nTo: stopit@campus.example.edu\n"
        "Message-ID: <threat-test@campus.example.edu>\nDate: Tue, 17 Nov 2026 10:00:00 -0500\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    )
    if not message:
        return f"{head}Subject: help\n\n{own_words}\n".encode()
    return (
        f"{head}Subject: Fwd: {subject}\n\n{own_words}\n\n---------- Forwarded message ---------\n"
        f"From: x <x@freemail.example>\nDate: Mon, Nov 16, 2026 at 8:52 PM\nSubject: {subject}\n"
        f"To: <robin.ode@campus.example.edu>\n\n{message}\n"
    ).encode()


def decide(data: bytes, rules=None) -> Route:
    raw = RawMessage(data, "test")
    return plan(raw, envelope_of(raw), Facts(), CONFIG, rules=rules or load_rules([], QUEUES)).route


# Fresh phrasings, in none of the word lists and none of the evaluation set: each names no weapon
# or killing, yet each is a threat a careful person sends to the police.
FRESH_THREATS = [
    "Tell your advisor one more word about me and you will regret ever coming to this school.",
    "I know what time your seminar ends. Walk home alone tonight and see what happens.",
    "Pay me 200 dollars by Sunday or your intimate photos go to your whole department.",
    "Wenn du mich noch einmal meldest, wirst du es bitter bereuen.",
    "Ich weiß genau, wo du wohnst. Du solltest heute Nacht lieber vorsichtig sein.",
    "Si tu continues à parler de moi, il va t'arriver quelque chose de grave.",
    "Sé cuál es tu habitación y a qué hora vuelves. Mejor ten cuidado esta noche.",
    "O me mandas más fotos o todas tus amigas van a ver las que ya tengo.",
]


# One phrasing per class the patterns describe, in words written for this test (none is in the evaluation
# set): each carries two signs of danger, so each must reach the police.
CLASS_THREATS = [
    # a danger in the reader's surroundings, beside exactly where they live
    "Nice ground floor flat you've got on Elm Street 14. Those locks look cheap.",
    "Jolie voiture. Ce serait dommage que les freins lâchent un jour.",
    # a condition joined to a dark consequence
    "Wenn du zur Polizei gehst, landest du im Rollstuhl.",
    "Si vas al decano acabas en una silla de ruedas.",
    # harm said to be certain: "your last days"
    "Profite de tes derniers jours. Tu ne verras pas la fin du semestre.",
    # what awaits the reader, under a condition
    "Si declaras, nadie te oye. No sabes lo que te espera.",
    # escalation: the property first, next the reader
    "Rede noch einmal mit der Gleichstellungsstelle und danach ist dein Gesicht dran.",
    # passive pursuit joined to paying for it
    "You will be found, and you will be made to pay for what you said.",
    # the condition last
    "Ich brech dir den Arm, wenn du irgendwem von Freitag erzählst.",
    # a pet named beside "a shame if" and a demand
    "Tu perro sale mucho, ¿no? Sería una pena que comiera algo malo. Retira la denuncia.",
    # sextortion as a business offer: a hacked camera, crypto and a deadline
    "Business proposal: I recorded you through your webcam. 0.1 BTC to this wallet within 48 hours and the video is deleted.",
    # the deal: one more picture, and the others stay private
    "Encore une photo, un peu plus osée, et les autres restent entre nous. À toi de voir.",
    # money, or the reader's people receive the material
    "Zahl 300 Euro oder dein Trainer bekommt das Video bis Montag.",
    # someone close to the reader placed exactly, and a demand to drop the complaint
    "Ta sœur loge au bâtiment B, chambre 214, non ? Retire ta plainte.",
    # a buried threat in a friendly letter, the condition first
    "Hallo Lea, wie läuft's im Praktikum? Übrigens, wenn du jemandem von der Party erzählst, schlag ich dir die Zähne aus.",
    # an injury named by what follows it, under a condition
    "Sigue hablando de mí y vas a comer con pajita.",
    # nobody would notice the reader gone
    "Personne ne remarquerait si tu ne revenais pas du labo un soir.",
    # a secret recording, a payment and a deadline, or the team sees it
    "Ich habe die Aufnahme von dir unter der Dusche. Überweis 400 bis Freitag, sonst geht sie an die ganze Mannschaft.",
    # a question about the reader's body, with a demand
    "How many of your fingers do you plan to keep? Delete the post.",
    "¿Cuántos dientes quieres conservar? Piénsalo antes de ir otra vez a la comisión.",
    # an accident that someone would help along
    "Steep steps down to the lake behind your hall. People slip there, especially when someone gives them a little push.",
    # the writer will not go alone
    "Wenn ich von der Uni fliege, gehe ich nicht allein. Denk an deinen Heimweg.",
    # "you're next", left where the reader lives
    "Someone wrote YOU'RE NEXT on your door last night? Funny how that works.",
    # a lonely spot on the reader's way, with a pointed aside
    "Le chemin derrière la résidence est mal éclairé le soir. À bon entendeur.",
    # others set on the reader: the address handed over
    "Mi primo sale de la cárcel el lunes. ¿Le paso tu dirección? Él no habla mucho, actúa.",
    # "this is not a threat", then harm
    "This is not a threat, just a fact: you will end up in the hospital.",
]


@pytest.mark.parametrize("message", FRESH_THREATS + CLASS_THREATS)
def test_fresh_threats_go_to_the_police_urgently(message: str) -> None:
    decision = decide(report("I got this and I don't know what to do.", message))
    assert (decision.queue, decision.urgent, decision.notice) == ("police", True, "never"), decision.danger


@pytest.mark.parametrize(
    ("own", "queue"),
    [
        (
            "Mein Ex hat gesagt, er wartet mit einem Messer vor meinem Haus, wenn ich nicht zurückkomme. Ich habe Angst.",
            "police",
        ),
        ("L'ex de ma coloc raconte partout qu'il va me planter quand il me croisera sur le campus.", "police"),
        ("He posted in a group chat that he would burn my car and that I should watch my back.", "police"),
        ("My advisor told everyone he would find me a new lab and follow my progress.", "stopit"),
    ],
)
def test_what_the_reporter_tells_of_is_read(own: str, queue: str) -> None:
    assert decide(report(own)).queue == queue


# The same words in ordinary messages: advice about a flat, a deadline said in earnest, a photo of a poster,
# a fee, a friend seen at the library. None of them may reach the police.
NEAR_MISSES = [
    "Nice flat you've got! The windows open easily, great for airing it out in summer.",
    "Schöne Wohnung hast du! Die Fenster gehen leicht auf, perfekt zum Lüften.",
    "Si tu ne t'inscris pas avant lundi, tu ne pourras plus choisir ton TD, je suis sérieux.",
    "Si no te inscribes antes del lunes, no vas a poder elegir grupo. Va en serio.",
    "Send me one more photo of the poster draft and the old ones can be deleted. Your call.",
    "Schick mir noch ein Foto vom Plakat, dann lösche ich die alten. Du entscheidest.",
    "Pay 20 euros for the trip or your parents get the invoice by Monday.",
    "I saw you at the library yesterday, want to study together tomorrow?",
    "Grandma fell down the stairs last week, she is okay now. Say hi to your mom from me.",
    "Enjoy your last few days of vacation before the semester starts!",
    "My brothers will come over to your place on Saturday to help you move the sofa.",
    "Careful walking home tonight, the sidewalks are icy. Text me when you're home.",
    "Si me haces spoiler te mato jajaja",
    "Si tu me spoiles la fin je te tue mdr",
    "If you didn't come back from the trip, tell me and I'll feed your cat.",
    "My jaw surgery went fine, I'm eating through a straw for two weeks.",
    "Ich weiß, dass deine Schicht um 22 Uhr endet, soll ich dich abholen? Denk mal drüber nach.",
    "You're dead to me. Don't ever text me again, you liar.",
    "The path behind the gym is badly lit, so campus security now offers an escort after 10 pm.",
    "Der Weg zur Haltestelle ist schlecht beleuchtet, die Stadt stellt neue Laternen auf.",
    "I promise you the slides will be ready by Friday, or else I'll buy the coffee.",
    "You're next in line for the advising slot, please come to room 204.",
    "Tu es la prochaine sur la liste d'attente pour le logement, félicitations !",
    "My cousin just got out of the hospital, could you give him your notes from Tuesday?",
]


@pytest.mark.parametrize("message", NEAR_MISSES)
def test_ordinary_messages_with_the_same_words_stay_off_the_police_desk(message: str) -> None:
    decision = decide(report("Is this normal?", message))
    assert decision.queue != "police", decision.danger


SIGHTED, INSISTED = "He keeps doing this.", "He keeps insisting that I answer him."


@pytest.mark.parametrize(
    ("note", "message"),
    [
        # A sighting without a threat.
        (SIGHTED, "Saw your car outside the gym on Pine Road this morning. Small world."),
        (SIGHTED, "Du warst gestern bis 22 Uhr in der Bibliothek, am Fenster. Du solltest mehr schlafen."),
        (SIGHTED, "J'ai vu que t'étais passée au TD du jeudi pour m'éviter. Moi aussi du coup."),
        # Insisting on an answer.
        (INSISTED, "Answer me or else. I asked you a question."),
        (INSISTED, "Why won't you answer me?? Answer me now."),
        (INSISTED, "Antworte mir endlich!"),
        (INSISTED, "Réponds-moi, c'est la troisième fois que je demande."),
    ],
)
def test_a_sighting_or_insisting_without_a_threat_is_stalking_evidence_not_an_emergency(note: str, message: str) -> None:
    decision = decide(report(note, message))
    assert decision.queue != "police" and decision.category == "stalking", decision.danger
    assert "stalking" in decision.tags


def test_persistence_joined_to_where_the_reader_lives_goes_to_the_police() -> None:
    decision = decide(report("This keeps coming.", "Answer me. I know where you live."))
    assert (decision.queue, decision.urgent) == ("police", True)
    assert {r.pattern for r in decision.danger.reasons} >= {"insists on an answer", "persistence with menace"}


def test_the_reporters_own_words_are_read() -> None:
    decision = decide(report("My ex said he would wait for me after class tomorrow and I'm scared."))
    assert (decision.queue, decision.urgent) == ("police", True)
    assert all(r.where == "reporter" for r in decision.danger.reasons)


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [
        ("I w1ll k1ll y0u", "i will kill you"),
        ("I will k i l l you", "i will kill you"),
        ("y o u   w i l l   b l e e d", "you will bleed"),
        ("I will kiiiiill youuuu", "i will kill you"),
        ("Ich bRiNgE dIcH uM", "ich bringe dich um"),
        ("JE VAIS TE TUËR", "je vais te tuer"),
        ("Te v0y a m4t4r", "te voy a matar"),
        ("ur gonna regret it", "your going to regret it"),
        ("on se voit à 1h15 ou 18h30", "on se voit a 1h15 ou 18h30"),  # a French clock is no leetspeak
    ],
)
def test_disguises_are_undone_before_matching(disguised: str, plain: str) -> None:
    normaliser = load_rules([], QUEUES).patterns.normaliser
    assert normaliser.words(disguised) == plain.split()


def test_disguised_threat_is_routed_like_the_plain_one() -> None:
    assert decide(report("look", "I w1ll f i n d you and h.u.r.t you, count on it")).queue == "police"


# --- what is not evidence: the desk's own words, signatures, legal footers ------------------------


def quoted_acknowledgement() -> str:
    """The desk's threat acknowledgement as the shipped template renders it, quoted in a reply."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"))
    text = env.get_template("reporter/ack_threat.txt.j2").render(
        desk_name="Stopit", queue_name="Campus Police", case_id=12, office_notified=True, reporter_name="Robin"
    )
    quoted = "\n".join(f"> {line}" for line in ["[stopit #12] We received your report", *text.splitlines()])
    return f"Adding one more message from him below.\n\nOn Tue, 17 Nov 2026, Stopit <stopit@campus.example.edu> wrote:\n{quoted}\n"


def site_rules(tmp_path: Path, patterns: str) -> RuleSet:
    """The shipped rules with a site's own pattern file `patterns` (its TOML) beside them."""
    (tmp_path / "patterns").mkdir()
    (tmp_path / "patterns" / "site.toml").write_text(patterns)
    ruleset, problems = read_rules(rule_dirs([str(tmp_path)]), QUEUES)
    assert problems == []
    return ruleset


def test_the_desks_quoted_acknowledgement_is_not_read(tmp_path: Path) -> None:
    # A site pattern made of the acknowledgement's own words: it must not fire on the quoted ack,
    # and must fire when the reporter writes those words themselves.
    ruleset = site_rules(
        tmp_path,
        '[terms.desk-words]\nen = ["sent us may be a threat"]\n\n'
        '[[pattern]]\nname = "desk words"\ncategory = "threat"\nweight = 9\nall = ["desk-words"]\n',
    )
    ack = quoted_acknowledgement()
    assert "What you sent us may be a threat to your" in ack
    quoted = decide(report(ack, "see you tomorrow at the study group"), ruleset)
    assert quoted.danger.score == 0 and quoted.queue != "police"
    # Unquoted, pasted without its attribution line: each of its lines is still known as the desk's.
    pasted = decide(report(ack.replace("> ", "").replace("On Tue, 17 Nov 2026, Stopit", "Earlier"), "hi"), ruleset)
    assert pasted.danger.score == 0
    own = decide(report("I think what he sent us may be a threat to my roommate too.", "see you tomorrow"), ruleset)
    assert "desk words" in {r.pattern for r in own.danger.reasons}


SIGNED = 'See you at practice on Thursday.\n\n-- \nCoach Dana Miller\n"Watch your back on the field!"\n'
FOOTER = (
    "Minutes of today's meeting are attached.\n\n"
    "CONFIDENTIALITY NOTICE: this email and any attachments are for the intended recipient only. "
    "Anyone else who reads it had better watch your back: misuse will be prosecuted.\n"
)


@pytest.mark.parametrize("message", [SIGNED, FOOTER])
def test_signatures_and_legal_footers_are_not_read(message: str) -> None:
    assert decide(report("Is this a threat?", message)).danger.score == 0
    # The same words in the body itself are read: the exclusion is what keeps them out.
    body = message.replace("\n-- \n", "\n").replace("CONFIDENTIALITY NOTICE: this email and any attachments", "")
    body = body.replace("intended recipient", "group")
    assert decide(report("Is this a threat?", body)).queue == "police"


# --- staff see why; IT checks the pattern files -----------------------------------------------------


def test_explain_shows_score_band_and_each_pattern_with_its_words(tmp_path: Path) -> None:
    eml = tmp_path / "r.eml"
    eml.write_bytes(report("He wrote this.", "Drop the complaint or your little brother pays for it."))
    text = stopit(ROOT / "demo/config.toml", "explain", "--offline", str(eml)).output
    assert re.search(r"danger: score [\d.]+, band police \(police from 5, possible threat from 2.5\)", text), text
    assert "+3.5 they will regret it (threat, in the message): 'your little brother pays'" in text
    assert "+2 ultimatum with a threat (threat, in the message): 'drop the complaint' + 'your little brother pays'" in (
        text
    )
    route = json.loads(stopit(ROOT / "demo/config.toml", "explain", "--offline", "--json", str(eml)).output)["route"]
    assert route["danger"]["band"] == "police"
    assert route["danger"]["score"] == sum(r["weight"] for r in route["danger"]["reasons"])  # no category capped here
    assert f"danger: score {route['danger']['score']:g}," in text


BROKEN_PATTERNS = {
    "a.toml": (
        '[terms.x]\nen = ["(or else"]\n\n[terms.y]\nde = ["sonst"]\nklingon = ["x"]\n\n'
        '[[pattern]]\nname = "p1"\ncategory = "threat"\nweight = "heavy"\nall = ["x"]\n\n'
        '[[pattern]]\nname = "p2"\ncategory = "threat"\nweight = 1\nall = ["nowhere"]\ncolour = "red"\n',
        [
            "a.toml:2: terms.x.en: '(' is never closed with ')'",
            "a.toml:6: terms.y.klingon: unknown key",
            "a.toml:11: pattern[0].weight: expected a number, got 'heavy'",
            'a.toml:18: pattern[1].all: no term group "nowhere"',
            "a.toml:19: pattern[1].colour: unknown key",
        ],
    ),
    "bands.toml": ("police = 2\nflag = 3\n", ["bands.toml:2: flag: must be below police (2)"]),
}


def test_rules_check_validates_pattern_files_with_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "patterns").mkdir()
    for name, (text, _) in BROKEN_PATTERNS.items():
        (tmp_path / "patterns" / name).write_text(text)
    result = stopit(ROOT / "demo/config.toml", "rules", "check", str(tmp_path))
    assert result.exit_code == 1
    for _, expected in BROKEN_PATTERNS.values():
        for message in expected:
            assert f"{tmp_path / 'patterns'}/{message}" in result.output, f"{message}\n{result.output}"


def test_shipped_pattern_files_check_clean() -> None:
    _, problems = read_rules(rule_dirs([]), QUEUES)
    assert problems == []


# --- the flag reaches the case ------------------------------------------------------------------


def test_a_possible_threat_stays_with_its_office_flagged_urgent_and_notice_held(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{tmp_path / 'out'}")
    (inbox / "new" / "1.eml").write_bytes(report("From a teammate.", "You are useless. You'll regret telling on me."))
    assert stopit(config, "run", "--once").exit_code == 0
    (case,) = json.loads(stopit(config, "cases", "list", "--json").output)
    shown = json.loads(stopit(config, "cases", "show", str(case["id"]), "--json").output)
    assert (shown["queue"], shown["urgent"], shown["notice"]) == ("stopit", True, "hold")
    assert "possible threat" in shown["tags"]
    decided = next(e["detail"] for e in shown["events"] if e["type"] == "route.decided")
    assert "danger score 3.5 (possible threat): they will regret it" in decided
    blocked = [e["detail"] for e in shown["events"] if e["type"] == "notice.blocked"]
    assert blocked == ["possible threat: no notice may go to the sender until a person has cleared it"]
