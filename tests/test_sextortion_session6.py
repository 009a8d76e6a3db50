"""Sextortion and stalking by class as a tenth and an eleventh author wrote them, in new words.

Every phrasing here was written for this test (none is in the evaluation set or in the pattern files
verbatim). Each class comes in English, German, French and Spanish, some in regional forms. Sextortion
goes to the police as sextortion; stalking is read as stalking and stays off the police desk; ordinary
messages that share the words (an exhibition, a lease, a hearing about an accident) stay off the police.
"""

from __future__ import annotations

import pytest

from tests.test_sextortion_session5 import CALM, NOTE, POLICE, check

SEXTORTION = {
    "material before a crowd, unless": [
        "Unless you come back to me, the whole of Castlebridge will see your beach pics. You know the ones.",
        "If you don't drop the complaint, every person at the awards night gets to see those videos of you.",
        "Wenn du nicht zurückkommst, sieht bald das ganze Dorf deine Fotos vom Campingplatz. Du weißt welche.",
        "Wenn du de Azeig ned zruggziehsch, gsehnd alli im Verein dini Videos vom Skilager.",
        "Si tu ne retires pas ta plainte, tout Villeurbanne verra tes photos de la piscine. Tu sais lesquelles.",
        "Retire ton signalement ou la vidéo circule dans tout le labo dès lundi.",
        "Si no vuelves conmigo, las fotos de la playa las ve todo el pueblo. Tú sabrás.",
        "Firma el acuerdo o el video lo ve toda la oficina el lunes.",
    ],
    "the price named in other words: a grade, a signature, what to say at a hearing": [
        "Give me an A on the term paper and the photos from the conference stay between us. Nobody else has to know.",
        "At the disciplinary hearing you just say it was consensual, and nobody ever sees the recordings from that night.",
        "Du bestätigst bei der Anhörung, dass alles einvernehmlich war, und die Videos sieht keiner. Ganz einfach.",
        "Unterschreib mir die Bescheinigung für das Praktikum, dann vergess ich die Bilder aus dem Hostel.",
        "Validez ma note de stage et les photos du séminaire resteront entre nous, personne n'a besoin de les voir.",
        "Tu dis au conseil de discipline que tu étais consentante, et la vidéo ne verra ni ton mari ni ton patron.",
        "Apruebe mi tesis y las fotos de la cena de Navidad quedan entre nosotros. Aquí no ha pasado nada.",
        "En la audiencia solo tienes que decir que fue consentido, y nadie tiene por qué ver los videos.",
    ],
    "a meeting, or the material, in regional words": [
        "Ye'll come round mine Friday night, or the whole street gets a wee look at that video fae the party.",
        "Kummst am Freitag zu mir, sunst landen de Fotos vom Feuerwehrfest im Vereinschat. Überlegs da guad.",
        "Tu passes à mon bureau vendredi soir, seule, sinon la vidéo de la soirée part sur le groupe de la promo.",
        "Pasas por mi despacho el viernes, sola, o las fotos de la fiesta van directo al grupo de la facu.",
    ],
    "paid, or it goes out": [
        "£300 on PayPal by tonight or your nudes land in your whole uni's confessions page.",
        "300 Franken per Twint bis heute Abend, sonst kriegen deine Eltern die Nacktfotos.",
        "200 € en PCS avant ce soir, sinon tes photos de nu partent à tes parents.",
        "Me depositas 3 mil pesos hoy mismo o tus fotos encuerada le llegan a tu mamá.",
    ],
    "not blackmail, just a hint": [
        "I'm not blackmailing you. I'm just saying I still have the videos from Ibiza, and your fiancé would "
        "surely enjoy them. Your call.",
        "Ich erpresse dich nicht. Ich hab halt noch die Videos aus Ibiza, und dein Verlobter fände die bestimmt "
        "spannend. Liegt ganz an dir.",
        "Je te fais pas de chantage. J'ai encore les vidéos d'Ibiza, et ton fiancé les trouverait très "
        "intéressantes. Ça dépend de toi.",
        "No te estoy chantajeando. Todavía tengo los videos de Ibiza y a tu prometido le parecerían interesantes. "
        "Depende de ti.",
    ],
}

# The same words in ordinary mail: an invitation, an exhibition, a print order, a lease, an accident.
NEAR_MISSES = [
    "If you come to the party on Saturday, everyone will see the photos from the trip!",
    "Si tu viens samedi, tout le monde verra les photos du voyage, j'ai fait un album.",
    "Si no vienes a la fiesta, te mando las fotos al grupo de WhatsApp para que las veas.",
    "Tengo las fotos del viaje. ¿Vienes a mi casa esta noche o te las mando por correo?",
    "Ich hab noch die Fotos von Silvester. Kommst du heute Abend vorbei oder soll ich sie dir schicken?",
    "J'ai toujours les photos de la soirée, tu viens chez moi samedi ou je te les envoie par mail ?",
    "Das ganze Institut kennt die Bilder von der Weihnachtsfeier schon, die sind echt lustig.",
    "Please pay 20 euros for the graduation photos by Friday, otherwise I can't order the prints.",
    "Merci de me payer 10 euros pour les photos de classe avant vendredi, sinon je ne peux pas commander.",
    "Remember to upload your video by midnight, otherwise everyone in the class will see an empty slot.",
    "Eine Eins auf die Hausarbeit! Die Fotos von der Exkursion schicke ich dir morgen, dann ist die Sache erledigt.",
    "Half of the town will see your photos at the gallery on Friday unless you'd rather keep them private. Congrats!",
    "Das ganze Institut sieht deine Fotos in der Ausstellung, außer du sagst noch ab. Wir freuen uns!",
    "Tout Lyon verra tes photos à l'expo samedi, bravo ! Si tu ne viens pas au vernissage, je t'envoie le catalogue.",
    "Todo el pueblo verá tus fotos en la exposición del sábado, a menos que prefieras no exponerlas. ¡Enhorabuena!",
    "Ich hab halt noch die Fotos vom Ausflug, dein Verlobter fände die bestimmt lustig. Soll ich sie ihm schicken?",
    "Aquí no ha pasado nada, tranquila: firma el contrato y te mando las fotos del piso.",
    "Du bestätigst bei der Anhörung nur, was du gesehen hast. Die Fotos vom Unfall hat die Versicherung, "
    "keiner muss sie sonst sehen.",
    "Sign the lease by Friday and the keys are yours; the photos of the flat stay in the listing until then.",
    "Eres fea y nadie va a querer ver tus fotos nunca. Haznos un favor y deja de subir selfies.",
]

# Each case: what it must become, the reporter's own words, the message forwarded below them.
CASES = [(POLICE, NOTE, m) for ms in SEXTORTION.values() for m in ms] + [(CALM, NOTE, m) for m in NEAR_MISSES]


@pytest.mark.parametrize(("expected", "note", "message"), CASES, ids=[(m or n)[:40] for _, n, m in CASES])
def test_session6_classes_and_their_look_alikes(expected: str, note: str, message: str) -> None:
    check(expected, note, message)
