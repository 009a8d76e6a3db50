"""Threats by class as a sixth author wrote them: a precedent, a photo of the door, the reader left alone.

Every phrasing here was written for this test (none is in the evaluation set). Each class comes in
English, German, French and Spanish, some in regional forms, beside ordinary messages that share its
words and must stay off the police desk.
"""

from __future__ import annotations

import pytest

from tests.test_threat import decide, report

NOTE = "Got this today, not sure what to do."

THREATS = {
    "what happened to the last one who reported": [
        "You remember the girl who reported me in first year? She had eight stitches in her lip by Christmas.",
        "Erinnerst du dich an den, der mich beim Dekan gemeldet hat? Der hat auch zu viel geredet. "
        "Jetzt läuft er mit gebrochenem Kiefer rum.",
        "Le dernier qui m'a signalé, il a fini avec le bras cassé. Réfléchis bien.",
        "El último que me denunció ya no puede andar bien. Pregúntale si quieres.",
        "Ask Sam why he's been on crutches since he reported me.",
        "Frag mal Jonas, warum er seit seiner Anzeige gegen mich humpelt.",
        "Demande à Inès pourquoi elle a le nez cassé depuis qu'elle m'a signalé.",
        "Pregúntale a Lucía por qué cojea desde que me denunció.",
    ],
    "a photo of the reader's home, and closer": [
        "Sent you a pic of your bedroom window last night. Next one will be from inside.",
        "Hab dir ein Foto von deiner Haustür geschickt. Das nächste mach ich von deinem Bett aus.",
        "Je t'ai envoyé une photo de ta fenêtre. La prochaine, je la prends depuis ton lit.",
        "Te mandé una foto de tu portal. La próxima será desde tu cuarto.",
    ],
    "the reader's things wrecked, and next the reader": [
        "Your tyres were slashed this morning, that was me. Next step: you.",
        "Deine Reifen zerstochen, das war ich. Nächster Schritt: du.",
        "Tes pneus crevés ce matin, c'était moi. Prochaine étape : toi.",
        "Tus ruedas pinchadas esta mañana, fui yo. Próximo paso: tú.",
    ],
    "when the reader is left alone": [
        "Once the semester is over and your friends all go home, we can settle the score properly.",
        "Sobald das Semester vorbei ist und dir keiner mehr hilft, komm ich vorbei.",
        "Quand le semestre sera fini et que le foyer est vide, on aura le temps de régler nos comptes.",
        "En cuanto se acabe el curso y te quedes sola en la residencia, voy a cobrarte todo lo que me debes.",
        "When exams finish and your flatmates leave, I'll come round and we'll settle things.",
        "Wenn die Klausuren vorbei sind und deine Mitbewohner weg, komm ich vorbei. Dann rechnen wir ab.",
    ],
    "protection ends, the writer stays": [
        "The cops won't be there every time you leave the library. I will.",
        "Die Polizei wird nicht immer da sein, wenn du aus der Bibliothek kommst. Ich schon.",
        "Tu crois que les flics vont te protéger toute ta vie ? Un jour ils seront plus là, et moi si.",
        "La policía no va a estar contigo siempre que salgas del gimnasio. Yo sí.",
        "Security won't always be by your side. I will be.",
        "Die Polizei ist nicht immer bei dir. Ich schon.",
        "Un jour la police te lâchera. Moi jamais.",
        "La policía no te puede cuidar para siempre. Yo tengo tiempo.",
    ],
    "on the reader's way, beside their schedule": [
        "Tuesday choir, Thursday pool, Friday your sister's place. One of these nights you won't make it to your door.",
        "Montags Chor, mittwochs Schwimmbad. An einem dieser Abende stehe ich auf deinem Heimweg. Ich warte.",
        "Mardi la chorale, jeudi la piscine. Un de ces soirs, je serai sur ton chemin.",
        "Los martes coro, los jueves piscina. Un día de estos te cruzo en el camino a casa, y estaré en tu camino.",
    ],
    "a friendly word: someone will wait, and it is me": [
        "Friendly tip: skip the underpass after dark. Someone might be waiting there, and that someone will be me.",
        "Kleiner Rat: Meid die Unterführung nachts. Da wartet vielleicht jemand, und dieser Jemand bin ich.",
        "Petit conseil : évite le passage souterrain le soir. Quelqu'un pourrait t'attendre, et ce quelqu'un, c'est moi.",
        "Un consejo: no pases por el túnel de noche. Alguien te podría esperar, y ese alguien seré yo.",
    ],
    "harm foreseen and made true": [
        "I dreamt you fell down the stairs at the library. My dreams have a way of coming true.",
        "Ich sehe es schon kommen: du im Rollstuhl, und niemand weiß, wer es war.",
        "J'ai rêvé que tu tombais dans l'escalier du métro. Et je vais m'assurer que ça arrive.",
        "Soñé que te caías por las escaleras de la facultad. Y me voy a encargar de que se cumpla.",
    ],
    "bones broken under a condition, whatever the game": [
        "Play on Sunday instead of me and I'll break both your ankles at practice.",
        "Wenn du am Sonntag im Spiel auflaufst, brech ich dir im Training die Knie.",
        "Si tu prends ma place au match, je te casse les deux genoux à l'entraînement.",
        "Si juegas el partido en mi puesto, te parto las rodillas en el entrenamiento.",
        "Spielst du am Sonntag, brech ich dir beim ersten Zweikampf die Beine.",
        "Juega el domingo y te parto las piernas en la primera entrada.",
    ],
    "the address, on the way to finish a quarrel in person": [
        "thought blocking me was enough? 7 Elm Crescent. coming round now to finish what started in voice chat",
        "dachtest, blockieren reicht? Gartenstraße 14, 3. Stock. ich find dich. bis gleich",
        "tu croyais que me bloquer suffisait ? 8 rue des Lilas. je passe ce soir t'expliquer la vie",
        "creías que bloquearme bastaba? Calle Pino 12, 3ºA. ahora voy para allá a terminar lo de la partida en persona",
    ],
    "at the door now, a condition and a menace": [
        "I'm outside your door with two mates. Open up in five minutes or it won't be a friendly chat.",
        "Ich steh vor deinem Haus mit meinen Jungs. Mach auf oder ich komm anders rein, das wird dir nicht gefallen.",
        "Je suis en bas de chez toi avec mes potes. Si tu descends pas, on monte et ça va mal finir.",
        "Estoy frente a tu casa con mis primos. Si no bajas ya, subimos y no te va a gustar.",
    ],
    "a key to the reader's home": [
        "Still got the spare key to your flat, you know. Sleep tight.",
        "Ich hab noch den Ersatzschlüssel zu deiner Wohnung. Schlaf gut.",
        "J'ai encore le double de ta chambre, au fait. Dors bien.",
        "Todavía tengo la llave de tu piso. Que duermas bien.",
        "I've still got a copy of your key to the flat. Lock the door all you want.",
        "Dein Ersatzschlüssel hängt immer noch an meinem Bund. Süße Träume.",
    ],
    "poison in the reader's food": [
        "Eat my yoghurt one more time and there'll be rat poison in yours.",
        "Iss noch einmal meinen Joghurt und es ist Rattengift in deinem Essen.",
        "Si tu touches encore à mon frigo, il y aura de la mort aux rats dans ta bouffe.",
        "Si vuelves a tocar mi comida, habrá matarratas en la tuya.",
        "Next time you nick my milk there'll be something extra in your tea.",
        "Bois encore mon jus et il y aura de la javel dans ton café.",
    ],
    "insurance before a hearing": [
        "Do you have decent accident insurance? You might want it before your hearing on Thursday.",
        "Hast du eigentlich eine gute Unfallversicherung? Vor der Anhörung nächste Woche wär die sinnvoll.",
        "T'as une bonne assurance ? Ce serait utile avant ton audition lundi.",
        "¿Tienes un buen seguro de accidentes? Te vendría bien antes de tu declaración.",
    ],
    "a weapon and a coffin, and a date": [
        "friday 🔪⚰️",
        "morgen 🔫⚰️",
        "ce soir 🔪⚰️",
        "mañana 🔫⚰️",
    ],
    "at the door now, with a weapon and a condition": [
        "It's me. I'm parked outside your building, crowbar on the back seat. Come down or I come up.",
        "Ich steh vor deiner Wohnung, hab was dabei. Mach die Tür auf, oder ich komm anders rein.",
        "Je suis devant ta résidence avec une batte de baseball. Descends, sinon je monte.",
        "Estoy aquí abajo con un bate de béisbol. Baja o subo yo.",
    ],
    "blamed for reporting, while still alive": [
        "You shouldn't have gone to the police. Enjoy the rest of your life while you're still breathing.",
        "Du hättest nicht zum Rektorat gehen sollen. Genieß den Sommer, solange du noch atmest.",
        "T'aurais pas dû aller voir les flics. Profite bien tant que t'es encore en vie.",
        "No debiste ir a denunciar. Disfruta mientras sigas respirando.",
    ],
    "harm put off, not renounced": [
        "relax i'm not going to hurt you yet. i'll wait till you're alone",
        "Keine Sorge, ich bring dich noch nicht um. Ich warte, bis du allein bist.",
        "t'inquiète je vais pas te frapper tout de suite, j'attends que tu sois seule",
        "tranqui, no te voy a pegar todavía, espero a que estés sola",
    ],
    "first exposure, then harm": [
        "First the whole course learns what a liar you are, and after that I smash your teeth in.",
        "Erst erfährt dein ganzes Seminar, was du für eine Lügnerin bist, und danach schlag ich dir die Zähne ein.",
        "D'abord toute la promo saura que t'es une menteuse, et ensuite je te casse les dents.",
        "Primero se entera toda la clase de lo mentirosa que eres, y después te rompo los dientes.",
    ],
    "regional forms": [
        "See when ah catch ye efter the match, yer gonnae need a new face.",
        "Wenn du nomal zum Dekan gosch, chunnsch nümm ganz hei. Das isch es Verspräche.",
        "Si tu parles encore de moi au coach, m'as te péter la yeule dans le stationnement. Chu pas en train de niaiser.",
        "Si volvés a ir con el cuento al director te cago a trompadas en la esquina. Avisado estás.",
        "Si sigues con la queja te vamos a chancar a la salida, ¿ya? Que te quede claro.",
        "u report me again n ur getting stabbed fr",
        "If ye grass on us again, we'll batter ye. Nae joke.",
        "Wenn du nomol go petze gosch, verschlan mir di. Das isch kei Witz.",
        "Si tu vas encore cafter chez le directeur, je te défonce, une fois. Tu peux compter dessus.",
        "Si le vuelves a decir al profe, te parto la madre saliendo de la escuela, güey. Neta.",
    ],
}


# Told by the reporter, with nothing forwarded: a weapon or harm promised under a condition.
TOLD = [
    "A guy from my tutorial told me he'll bring a knife next time if I complain about him again. I'm scared.",
    "Ein Kommilitone hat gesagt, er nimmt beim nächsten Mal ein Messer mit, falls ich ihn noch mal melde. "
    "Ich hab Angst.",
    "Une fille de mon TD m'a dit qu'elle ramènerait un couteau si je la signalais encore. J'ai peur.",
    "Una compañera me dijo que si la vuelvo a denunciar me va a tirar ácido a la cara. Tengo miedo.",
    "The man behind me in the lecture whispered that he'd bring a blade next week and sort me out.",
    "Un type de mon TD m'a montré son cutter et a murmuré « la prochaine fois c'est ta gorge ».",
]

# Forwarded under a short note or only told in the reporter's own words, each goes to the police.
REPORTS = [(NOTE, m) for ms in THREATS.values() for m in ms] + [(own, "") for own in TOLD]


@pytest.mark.parametrize(("note", "message"), REPORTS, ids=[(m or n)[:40] for n, m in REPORTS])
def test_threats_by_class_forwarded_or_told_go_to_the_police(note: str, message: str) -> None:
    decision = decide(report(note, message))
    assert decision.queue == "police", decision.danger


# The same words in ordinary mail: sports talk, a found wallet, a friend walking someone home, a stage
# fight, a history lecture, a spare key, a dream, insurance, a parcel at the door.
NEAR_MISSES = [
    "That crossover on Sunday was unreal, you broke his ankles! Same again at practice?",
    "Im Spiel am Sonntag hat der Stürmer dem Verteidiger die Knöchel gebrochen, so schnell war der. Wahnsinn.",
    "Found your wallet by the lockers. I know where you live, I'll drop it off tonight.",
    "Hab deinen Geldbeutel gefunden. Ich weiß, wo du wohnst, ich bring ihn heute Abend vorbei.",
    "J'ai trouvé ton portefeuille. Je sais où tu habites, je te le dépose ce soir.",
    "Encontré tu cartera. Sé dónde vives, te la llevo esta noche.",
    "It's dark after the seminar, I'll walk you home tonight so you're not alone.",
    "Nach dem Seminar ist es dunkel, ich bring dich heute nach Hause, dann bist du nicht allein.",
    "Après le cours il fait nuit, je te raccompagne ce soir, tu rentreras pas seule.",
    "Al salir de clase ya es de noche, te acompaño a casa para que no vayas sola.",
    "Stage combat rehearsal tonight: in scene 3 I break your arm, so bring the knee pads.",
    "Today's lecture: the Thirty Years' War, the sack of Magdeburg, and why the survivors needed stitches "
    "and coffins by the thousand.",
    "Still got the spare key to your flat, shall I water the plants while you're away? Sleep well!",
    "Ich hab noch den Ersatzschlüssel zu deiner Wohnung, soll ich die Blumen gießen? Schlaf gut!",
    "I had a dream you fell asleep in the exam haha, good luck tomorrow!",
    "Do you have good travel insurance? You'll want it before your trip to Peru.",
    "Sent you a photo of your front door, the parcel is on the step. See you tomorrow!",
    "Te mandé una foto de tu puerta, el paquete quedó ahí. ¡Nos vemos mañana!",
    "When the semester is over and everyone goes home, it'll just be you and me in the flat. Movie marathon?",
    "Quand les vacances commenceront, la résidence sera vide, toi et moi on pourra enfin dormir.",
    "The police can't be there every time you leave a party, so take a taxi and text me when you're home.",
    "Halloween party Friday 🔪⚰️🎃 costumes compulsory!",
    "Remember Jake who reported me for parking in his spot? He brought cake the next week.",
    "Coming round now to your place at 7 Elm Crescent to finish the group project.",
    "Hab deinen Zweitschlüssel gefunden, bring ihn dir heute vorbei. Schlaf gut!",
    "There'll be something extra in your coffee tomorrow: oat milk, as you asked.",
    "Can you cut me some slack on the deadline? If you don't, I'll cut you a deal on the tickets instead.",
    "I'm parked outside your building with the moving boxes. Come down or I'll bring them up.",
    "Estoy aquí abajo con la pizza. Baja o subo yo, ¿vale?",
    "You shouldn't have gone to the police about the bike, they never find anything. Enjoy your holiday!",
    "I'm not going to touch your cake yet, I'll wait till you're home so we can share it.",
    "Once the semester is over and everyone goes home, I'll come round to your place for tea.",
    "Wenn die Klausuren vorbei sind, komm ich vorbei und wir rechnen die Nebenkosten ab.",
    "Remember the guy who reported me for plagiarism last year? He ended up in hospital with appendicitis, poor thing.",
    "Tonight 🔪⚰️ carving pumpkins for the stew and the roast, come hungry!",
    "The recipe says to batter your fish and fry it for six minutes.",
    "Ask Grandma why she's on crutches, she fell skiing, poor thing!",
    "Over Christmas the halls will be empty, just you and me, let's cook a big dinner together!",
    "First we submit the draft, and after that I'll smash the presentation. Your call on the slides.",
]


@pytest.mark.parametrize("message", NEAR_MISSES, ids=lambda m: m[:40])
def test_ordinary_messages_with_the_same_words_stay_off_the_police_desk(message: str) -> None:
    decision = decide(report(NOTE, message))
    assert decision.queue != "police", decision.danger
