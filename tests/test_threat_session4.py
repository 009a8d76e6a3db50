"""Sextortion and stalking by class, in words not called "intimate": held material and its price, and being watched.

Every phrasing here was written for this test (none is in the evaluation set). Each class comes in
English, German, French and Spanish, some in regional forms, beside ordinary messages that share its words.
"""

from __future__ import annotations

import pytest

from stopit.route.rules import load_rules
from tests.test_threat import QUEUES, decide, report

NOTE = "I got this and I don't know what to do."
FLAG = load_rules([], QUEUES).patterns.flag  # the possible-threat band, from rules/patterns/bands.toml

# Material that is never called intimate, that the writer still holds, and what they want for it.
SEXTORTION = {
    "held, money and a deadline": [
        "Still have the shots from your birthday weekend. 250 quid by Sunday or your flatmates see every one of them.",
        "Ich hab die Bilder vom Badesee noch. 200 Euro bis Freitag, sonst kriegt dein ganzer Jahrgang sie.",
        "J'ai encore les photos de la soirée chez Lucas. 300 euros d'ici dimanche, sinon toute ta promo les verra.",
        "Todavía conservo las fotos del viaje a la playa. Me pasas 200 euros antes del viernes o las ve toda tu facultad.",
    ],
    "a meeting or coming back": [
        "I kept the videos from our summer. Come to my flat alone on Saturday, or your parents get a link.",
        "Unsere Videos von damals hab ich noch. Wenn du nicht zu mir zurück kommst, sieht deine Familie sie.",
        "Tu viens chez moi vendredi soir, sinon les vidéos qu'on a faites partent sur le groupe de ta classe.",
        "Si no vuelves conmigo, las fotos que me mandaste llegan a tu jefe. Tú decides.",
    ],
    "release depending on a withdrawal or on silence": [
        "Dear Ms Novak, certain private recordings from our time together remain in my possession. Whether they "
        "circulate depends entirely on whether you withdraw your statement to the dean.",
        "Ob ich die Aufnahmen aus unserer Beziehung verbreite, hängt ganz davon ab, ob Sie Ihre Beschwerde bis Montag "
        "zurückziehen. Ich habe sie noch alle.",
        "Je garde toujours les clichés de nos vacances. Leur diffusion dépendra de votre silence devant la commission.",
        "Aún guardo los videos de nuestra relación. Que se difundan o no dependerá de que retires tu denuncia.",
    ],
    "a trade of silences": [
        "You keep quiet about the dorm party and the pictures stay on my laptop. Say a word and they won't.",
        "Du schweigst über den Abend im Club, und deine Fotos bleiben bei mir. Ganz einfach.",
        "Toi tu te tais sur le week-end d'intégration, et tes photos restent sur mon ordi.",
        "Tú te callas lo del viaje y tus fotos se quedan en mi móvil.",
    ],
    "not shown yet, and a price asked": [
        "The pictures from the hot tub came out great. Haven't shown them to anyone yet. What would that be worth to you?",
        "Die Fotos vom Whirlpool sind super geworden. Hab sie noch niemandem gezeigt. Was wäre dir das wert?",
        "Les photos du jacuzzi sont réussies. Je les ai montrées à personne. Ça vaut combien pour toi ?",
        "Las fotos del jacuzzi quedaron geniales. No se las he enseñado a nadie todavía. ¿Cuánto te vale?",
    ],
    "a hidden camera": [
        "There was a camera in the changing room at the pool. You're easy to recognise. Meet me alone tomorrow or the "
        "footage goes round your course.",
        "Ich habe in der Umkleide vom Fitnessstudio gefilmt. Komm allein zu mir, sonst sieht deine ganze Uni das Video.",
        "J'ai une vidéo de toi dans les vestiaires du gymnase. Viens me voir seule ce soir, sinon elle tourne dans toute la fac.",
        "Tengo un video tuyo en el vestuario del gimnasio. Ven sola a mi casa esta noche o lo ve toda la facultad.",
    ],
    "a fake account kept private": [
        "I made a fake profile in your name with your photos. It stays private as long as you do what I say.",
        "Ich habe ein Fake-Profil mit deinem Namen und deinen Nacktbildern gemacht. Es bleibt privat, solange du machst, "
        "was ich will.",
        "J'ai fait un faux profil avec tes photos. Il reste privé tant que tu fais ce que je demande.",
        "Hice un perfil falso con tu nombre y tus fotos. Sigue privado mientras me mandes lo que te pido.",
    ],
    "a hacked webcam": [
        "I know your password (it appeared in a data breach). Malware recorded you through your camera while you "
        "browsed. Send 900 USD in bitcoin within 48 hours or every contact in your address book receives the video.",
        "Ich kenne Ihr altes Passwort. Über Ihre Kamera habe ich Sie aufgenommen. Zahlen Sie 700 Euro in Bitcoin "
        "innerhalb von 48 Stunden, sonst erhalten alle Ihre Kontakte das Video.",
        "Je connais ton mot de passe. J'ai installé un logiciel qui a filmé ta webcam. 500 euros en bitcoin sous "
        "48 heures, sinon tous tes contacts recevront la vidéo.",
        "Conozco tu contraseña. Instalé un programa que grabó tu cámara. Paga 500 dólares en bitcoin en 48 horas o "
        "todos tus contactos recibirán el video.",
    ],
    "made with an app, said to look real": [
        "I generated pictures of you with an AI app, nobody would believe they're fake. 300 in Steam cards by Sunday or "
        "your team chat gets them.",
        "Mit einer KI-App hab ich Nacktbilder von dir gemacht. 300 Euro bis Sonntag, sonst bekommt dein Verein sie.",
        "J'ai fait des photos de toi avec une appli d'IA, personne ne croira que c'est faux. 300 euros avant dimanche, "
        "sinon ton club les reçoit.",
        "Hice fotos tuyas con una app de inteligencia artificial, nadie va a creer que son falsas. 300 euros antes del "
        "domingo o las recibe tu equipo.",
    ],
    "deleted if a complaint is dropped": [
        "Drop the harassment report and I'll delete the videos. Keep pushing and the whole department sees them.",
        "Zieh die Beschwerde zurück, dann lösche ich die Videos. Sonst sieht sie dein ganzer Studiengang.",
        "Retire ton signalement et j'efface les vidéos. Sinon toute ta promo les verra.",
        "Retira la denuncia y borro los videos. Si no, los ve toda tu facultad.",
    ],
    "one word and the photos are out": [
        "One word to your tutor and the photos from the lake house are public. You know exactly which ones.",
        "Ein Wort zu deiner Tutorin und die Fotos vom Seehaus sind öffentlich. Du weißt genau, welche.",
        "Un mot à ta tutrice et les photos du chalet sont en ligne. Tu sais très bien lesquelles.",
        "Una palabra a tu tutora y las fotos de la casa del lago son públicas. Sabes cuáles.",
    ],
    "more demanded, and who follows the writer": [
        "Three pictures aren't enough for me. I want a video tonight. Your cousin follows me on Insta, just saying.",
        "Drei Bilder reichen mir nicht. Ich will ein Video, heute noch. Deine Cousine folgt mir übrigens auf Insta.",
        "Trois photos ne me suffisent pas. Je veux une vidéo ce soir. Ta cousine me suit sur Insta, je dis ça comme ça.",
        "Tres fotos no me bastan. Quiero un video esta noche. Tu prima me sigue en Insta, solo digo.",
    ],
    "held, and a hint or a price in a question": [
        "Those videos from my room are still on my laptop. Meet me at the station Saturday, alone, and we'll talk "
        "about what happens to them.",
        "Ich hab noch alles von dir. Du weißt schon, was ich meine. Überweis mir 100 Euro, dann bleibt es unter uns.",
        "Tant que tu ne dis rien au doyen, tes photos restent chez moi.",
        "Tengo grabada nuestra videollamada. ¿Cuánto te vale que no la vea tu familia?",
        "Remember the beach pics you sent me in July? I kept every single one. 150 on PayPal tonight or your "
        "flatmates get the link.",
        "Ich hab die Videos von unserem Wochenende noch. Wenn du die Anzeige nicht zurückziehst, kriegt dein Chef sie.",
    ],
    "regional forms": [
        "Wennst ned bis morgn 200 Euro schickst, kriagt dei Chef de Bilder.",
        "Si tu me donnes pas 300 piasses, ton chum va voir les photos que tu m'as envoyées.",
        "O me depositas 2 mil pesos o tus papás ven el video que me mandaste.",
        "Send me a couple more tonight, no top this time, and nobody needs to know about the old ones.",
    ],
}


# Told by the reporter in their own words, with nothing forwarded: the material and its condition.
TOLD_SEXTORTION = [
    "My ex told me he'll upload the photos I sent him to an adult site unless I go back to him.",
    "Er hat gesagt, er schickt die Videos an meine Eltern, wenn ich nicht zu ihm zurückkomme.",
    "My coach says he filmed me changing after training and I have to go to his flat so he deletes it.",
    "Mi entrenador dice que me grabó cambiándome y que tengo que ir a su casa para que lo borre.",
]


# The same words in ordinary mail: a friend asking for holiday photos by Friday, a photographer's
# invoice, parents asking for pictures, photos kept for a surprise, a licence to share photos.
ORDINARY = [
    "Can you send me the holiday photos by Friday? I want to print them for grandma.",
    "Kannst du mir die Urlaubsfotos bis Freitag schicken? Ich will sie für Oma ausdrucken.",
    "Tu peux m'envoyer les photos des vacances avant vendredi ? Je veux les imprimer pour mamie.",
    "¿Me mandas las fotos del viaje antes del viernes? Quiero imprimirlas para la abuela.",
    "Invoice 2026-114: wedding shoot, 48 edited photos. Please pay 650 EUR by 30 November; the full gallery stays "
    "online for 90 days.",
    "Rechnung Nr. 2026-114: Hochzeitsreportage, 48 bearbeitete Fotos. Bitte überweisen Sie 650 Euro bis zum "
    "30. November, die Galerie bleibt 90 Tage online.",
    "Factura 114: reportaje de boda, 48 fotos editadas. Por favor pague 650 euros antes del 30 de noviembre; la "
    "galería sigue en línea 90 días.",
    "I still have the wedding photos on my drive; once the invoice is paid I'll send the full set to you and your parents.",
    "Hi sweetie, send us a few pictures of your new flat, your dad wants to see them! Call me tonight.",
    "Schatz, schick uns doch ein paar Fotos von deiner neuen Wohnung, Papa will sie sehen! Ruf mich heute Abend an.",
    "Ma chérie, envoie-nous quelques photos de ton nouvel appart, ton père veut les voir ! Appelle-moi ce soir.",
    "Mija, mándanos unas fotos de tu depa nuevo, tu papá quiere verlas. Llámame esta noche.",
    "Tu papá dice que si no le mandas fotos de la graduación se va a enojar jaja",
    "J'ai encore les photos de la soirée, je te les envoie ce soir si tu veux.",
    "Keep quiet about the surprise party! The photos stay on my phone until Saturday, then your mum gets the album.",
    "You can share the photos as long as you credit the photographer.",
    "Ich hab die Fotos vom Grillen noch, wenn du willst schick ich sie deiner Familie.",
    "Your photos from the shoot are ready. Payment of 120 EUR is due within 14 days; the gallery stays private until then.",
    "Vos photos sont prêtes. Le paiement de 120 euros est dû sous 14 jours, la galerie reste privée jusque-là.",
    "Wenn du mir die Bilder nicht bis Freitag schickst, wird das Fotobuch für deine Oma nicht fertig.",
    "Si tu ne m'envoies pas les photos avant ce soir, je ne pourrai pas finir le diaporama pour ton père.",
    "Si no me mandas las fotos hoy, no puedo terminar el álbum para tu abuela.",
    "I know your password for the shared Netflix account, do you want me to change it? Transfer me 5 euros for this month.",
    "Your account has been compromised. Change your password within 24 hours or it will be locked.",
    "If you don't come to my place on Friday we can't watch the videos from the trip together.",
    "Send one more photo of the flyer and I'll delete the old ones, your call.",
    "Don't tell anyone about the party pics, they stay between us, ok? lol",
    "Who else would be interested in the club photos? Your sister maybe? Call me and we can sort the prints.",
    "Envoie-moi encore une photo de l'affiche et j'efface les anciennes, à toi de voir.",
    "Mándame otra foto del cartel y borro las viejas, tú decides.",
    "I made some pictures of you with one of those AI apps, you look like a Renaissance painting haha",
    "Do you want to come to my place on Friday? I've got the videos from the trip, we can watch them with your roommates.",
]


# Being watched without a threat: evidence of stalking for the Stopit desk, never an emergency.
STALKING = {
    "a remark on how the reader looked, and where the writer watched from": [
        "That green scarf again today? You had it on Wednesday as well. I notice these things.",
        "Neue Jacke heute war schick. Ich hab von der Bibliothek aus zugeschaut, wie du zum Bus gegangen bist.",
        "Beau bonnet hier à la BU. Le vert te va bien, je te regardais depuis le banc.",
        "Esa chaqueta te queda bien. Te miraba desde la cafetería mientras leías, me fijo en todo.",
    ],
    "the reader's home watched": [
        "Your lights were still on at 3am again. I could see you walking around from across the street.",
        "Ich seh dein Fenster von hier. Dein Licht brennt noch, schlaf doch mal.",
        "Je vois ta fenêtre d'ici. Ta lumière était allumée toute la nuit.",
        "Veo tu ventana desde aquí. Apagas la luz siempre a la una, ¿no?",
    ],
    "the same bus or train, day after day": [
        "I've been on the same bus as you every morning for two weeks. You never look up.",
        "Ich sitze jeden Tag im selben Zug wie du, zweiter Wagen. Du merkst es nie.",
        "On prend le même tram tous les matins depuis deux semaines. Tu lis toujours.",
        "Tomo el mismo autobús que tú cada mañana. Siempre te sientas atrás.",
    ],
    "someone close gave the writer the reader's hours, or a new number": [
        "Your flatmate told me when your shifts are. Maybe I'll drop by and order a coffee.",
        "Dein Kollege hat mir verraten, wann du Dienst hast. Ich schau mal vorbei.",
        "Ta coloc m'a donné tes horaires du bar. Je passerai ce soir.",
        "Que cambies de número no sirve de nada, ya tengo el nuevo.",
    ],
    "what the reader wears, and another day the writer saw it": [
        "That blue coat suits you. You had it on in the library on Monday too.",
        "Die rote Jacke steht dir. Am Dienstag in der Mensa hattest du sie auch an.",
        "Ce pull te va bien. Tu l'avais déjà mardi en amphi.",
        "Qué bien te queda esa falda. La del jueves en clase también.",
    ],
    "the end of the reader's class, and the writer waiting there": [
        "Your seminar ends at 4 on Thursdays, so I'll be by the main entrance.",
        "Deine Vorlesung ist donnerstags um vier vorbei, ich steh dann vor dem Eingang.",
        "Tu sors de ton TD à 16 h le jeudi. Je serai devant l'entrée.",
        "Salís de clase a las 4 los jueves, ¿no? Estaré en la entrada.",
    ],
    "the reader's friends asked where they live": [
        "Hi, I'm an old friend of Mia's. She's changed her number, could you tell me which dorm she lives in now?",
        "Hallo, ich kenne Lea von früher. Sie hat ihre Nummer gewechselt, in welchem Wohnheim wohnt sie jetzt?",
        "Salut, Inès ne me répond plus. Tu sais où elle habite maintenant ?",
        "Hola, soy un amigo de Lucía. Ella cambió de número, ¿sabes dónde vive ahora?",
    ],
    "gifts at the door, and when the reader came home": [
        "Hope you liked the roses on your doorstep. Same ones you bought at the market on Sunday.",
        "Hab dir Blumen vor die Tür gelegt, die gleichen, die du samstags am Markt kaufst.",
        "Te dejé flores en tu puerta, como las que compras los domingos.",
        "You got home at 1:40 last night. Late for a Tuesday.",
        "Tu es rentrée à 2 h cette nuit. Tard pour un lundi.",
        "Llegaste a casa a las 2 anoche. Tarde para un lunes.",
    ],
    "the reader's evening, told back to them": [
        "Saw your kitchen light go off at 1am. Early night for you.",
        "Dein Licht war um drei noch an. Kannst du auch nicht schlafen?",
        "Du warst heute wieder in der Bibliothek bis zehn, dritter Stock, am Fenster.",
        "Your roommate told me you work the late shift on Fridays. I might swing by.",
        "I left a coffee on your bike saddle this morning, oat milk like you always order.",
    ],
    "messages unanswered, and the light switched off when the writer passes": [
        "Thirty messages and no answer, and now you switch off the light when I walk past your house.",
        "Cuarenta mensajes sin respuesta y ahora cierras la persiana cuando paso por tu calle.",
    ],
}


# Told by the reporter: a tracker found, a location shared against their will, someone waiting every day.
TOLD_STALKING = [
    "I found an AirTag in my coat pocket and the same evening he texted me where I had dinner.",
    "Ich habe einen GPS-Tracker unter meinem Auto gefunden, und er schreibt mir jetzt, wo ich war.",
    "Il a accès à mon compte Google, il connaît tous mes déplacements.",
    "Encontré un localizador en mi mochila y él sabe todos mis movimientos.",
    "My ex still has my location through a sharing app and comments on where I've been.",
    "Mon ex a installé une appli de localisation sur mon téléphone, il sait toujours où je suis.",
    "Il m'attend tous les soirs à la sortie du labo sans rien dire.",
    "Mi ex aparece cada día en la puerta de mi trabajo y se queda mirándome.",
]

# Each class goes to its queue as its category, whether the message is forwarded under a short note or
# only told in the reporter's own words.
ROUTED = [
    *((NOTE, m, "police", "sextortion") for messages in SEXTORTION.values() for m in messages),
    *((own, "", "police", "sextortion") for own in TOLD_SEXTORTION),
    *(("He keeps doing this.", m, "stopit", "stalking") for messages in STALKING.values() for m in messages),
    *((own, "", "stopit", "stalking") for own in TOLD_STALKING),
]


@pytest.mark.parametrize(("note", "message", "queue", "category"), ROUTED, ids=[(m or n)[:40] for n, m, *_ in ROUTED])
def test_held_material_goes_to_the_police_and_being_watched_is_stalking_evidence(
    note: str, message: str, queue: str, category: str
) -> None:
    decision = decide(report(note, message))
    assert (decision.queue, decision.category) == (queue, category), decision.danger


# A friend at the door, a timetable asked about, a lift, a new number given, a compliment, a parcel: no stalking.
ORDINARY_NEAR_THE_READER = [
    "I'm outside your building with the pizza, come down!",
    "Ich bin vor deinem Haus, kommst du runter? Wir sind spät dran.",
    "Je suis devant chez toi, on y va ?",
    "Estoy afuera de tu casa con el coche, baja cuando puedas.",
    "You have lab on Tuesdays until 6, right? Want to grab dinner after?",
    "¿Los martes tienes laboratorio hasta las 6? ¿Cenamos después?",
    "I changed my number, here is the new one: 0176 5550123.",
    "Nouvelle coupe aujourd'hui ? Trop bien, ça te va !",
    "Your train gets in at 6, I'll be at the station to pick you up.",
    "I'm on the same train as you tomorrow, want to sit together?",
    "Wir sind morgen im selben Zug wie du, sollen wir zusammen sitzen?",
    "On prend le même train demain, on se met ensemble ?",
    "Vamos en el mismo tren mañana, ¿nos sentamos juntos?",
    "Your shift ends at 10, I'll be at the bar after, come have a drink with us!",
    "You got home at 2? Same, what a night haha",
    "That jacket suits you!",
    "I left your parcel on your doorstep.",
    "Ich hab dir das Paket vor die Tür gestellt.",
    "Te dejé el paquete en tu puerta.",
]


# Some ordinary photo talk may still be flagged for a person to read (a parent's "send us pictures"
# beside "your dad"); near the reader, the stalking patterns alone never reach the flag band (being
# outside the reader's home is context that a friend or a driver could give too).
@pytest.mark.parametrize(
    ("message", "near_the_reader"),
    [(m, False) for m in ORDINARY] + [(m, True) for m in ORDINARY_NEAR_THE_READER],
    ids=lambda m: str(m)[:40],
)
def test_ordinary_messages_are_neither_sextortion_nor_stalking(message: str, near_the_reader: bool) -> None:
    decision = decide(report("Is this normal?", message))
    assert decision.queue != "police" and decision.category not in ("sextortion", "stalking"), decision.danger
    watched = sum(r.weight for r in decision.danger.reasons if r.category in ("stalking", "context"))
    assert not near_the_reader or watched < FLAG, decision.danger
