"""Sextortion and stalking by class as a seventh and an eighth author wrote them, in new words.

Every phrasing here was written for this test (none is in the evaluation set or in the pattern files).
Each class comes in English, German, French and Spanish, some in regional or texting forms. Sextortion
goes to the police as sextortion; stalking is read as stalking and stays off the police desk; ordinary
messages that share the words stay off the police desk too.
"""

from __future__ import annotations

import pytest

from tests.test_threat import decide, report

NOTE = "Got this today, not sure what to do."
POLICE = "sextortion, to the police"
STALKING = "stalking, not the police"
CALM = "not the police"

SEXTORTION = {
    "pity if they saw it": [
        "kept a copy of our facetime ;) it'd be a pity if your teammates saw it. 200 in btc and it's gone",
        "hab unseren Videoanruf gespeichert. Wär echt peinlich, wenn deine Eltern den sehen. 200 Euro und er ist weg.",
        "J'ai gardé notre visio. Ce serait vraiment gênant que tes parents la voient. 200 balles et je l'efface.",
        "Guardé nuestra videollamada. Sería una lástima que tus padres la vieran. 200 euros y la borro.",
    ],
    "in the cloud, codes, made public": [
        "I got access to your Google Drive and saw the album. Send me the codes of three Steam cards by Friday, otherwise the album becomes public with your name on it.",
        "Ich hab Zugriff auf deine Fotos. Schick mir bis Freitag die Codes von drei Paysafecards, sonst wird das Album mit deinem Namen öffentlich.",
        "J'ai accès à ta galerie. Envoie-moi les codes de trois cartes Neosurf avant vendredi, sinon l'album sera public avec ton nom.",
        "Tengo acceso a tu galería. Mándame los códigos de tres tarjetas Steam antes del viernes o el álbum será público con tu nombre.",
    ],
    "think before reporting: they would remember too": [
        "Think twice before you call the police. You remember the photos from the lake house. Everyone in your office would remember them too, if it ever came to that.",
        "Denk zweimal nach, bevor du zur Polizei gehst. Du erinnerst dich an die Fotos vom Seehaus. Deine Kollegen würden sich auch erinnern, wenn es so weit kommt.",
        "Réfléchis bien avant de porter plainte. Tu te rappelles les photos du chalet. Tes collègues s'en rappelleraient aussi, si on en arrive là.",
        "Piénsalo bien antes de denunciar. Te acuerdas de las fotos de la cabaña. En tu oficina también se acordarían, si llega el caso.",
    ],
    "a release said politely": [
        "I only ask that you sign off my thesis chapter. Should you be unable to, I might find it hard to keep certain recordings private much longer.",
        "Ich bitte Sie lediglich, meine Verlängerung zu genehmigen. Andernfalls werde ich gewisse Aufnahmen nicht länger für mich behalten können.",
        "Je vous demande seulement de valider mon stage. Faute de quoi il me serait difficile de garder certaines photos pour moi.",
        "Solo le pido que firme mi informe. De lo contrario me será difícil guardar ciertas fotos para mí.",
    ],
    "withdraw, or what you sent is forwarded": [
        "You will drop the complaint against Mr Ross by Monday. Otherwise the pictures you sent him last year will be forwarded to your head of department and your parents.",
        "Sie werden Ihre Anzeige gegen Herrn Roth bis Montag zurücknehmen. Andernfalls werden die Bilder, die Sie ihm letztes Jahr geschickt haben, an Ihre Abteilung und Ihre Familie weitergeleitet.",
        "Vous retirerez votre plainte contre M. Roux avant lundi. À défaut, les photos que vous lui avez envoyées l'an dernier seront transmises à votre laboratoire et à votre famille.",
        "Usted retirará su denuncia contra el señor Ruiz antes del lunes. De lo contrario, las fotos que le envió el año pasado serán remitidas a su facultad y a sus padres.",
    ],
    "one click from everywhere": [
        "Your private videos sit on a server only I have access to. One click and they're all over Reddit. Behave and do what I say on Friday.",
        "Deine privaten Videos liegen auf einem Server. Ein Klick und sie sind überall. Mach am Freitag, was ich sage.",
        "Tes vidéos privées sont sur un serveur. Un clic et elles sont partout. Fais ce que je dis vendredi.",
        "Tus videos privados están en un servidor. Un clic y están en todas partes. Haz lo que te digo el viernes.",
    ],
    "what you sent, and who would love it": [
        "still got the vids u sent me last summer. ur new gf would love them. unblock me then we talk",
        "hab noch die fotos die du mir geschickt hast. deine neue freundin würde sich sicher freuen. entblock mich dann reden wir",
        "j'ai encore les vidéos que tu m'envoyais cet été. ta nouvelle copine adorerait. débloque moi et on en parle",
        "sigo teniendo los videos que me mandabas el verano pasado. a tu nueva novia le encantarían. desbloquéame y hablamos",
    ],
    "one more, or they get an email": [
        "send 1 more without your shirt and i delete the album. if not ur mum gets a nice email x",
        "noch eins ohne shirt und ich lösch das album. sonst kriegt deine mama ne nette mail",
        "encore une sans t-shirt et je supprime l'album. sinon ta mère reçoit un mail sympa",
        "una más sin camiseta y borro el álbum. si no tu mamá recibe un correo bonito",
    ],
    "your face and the rest, or your club sees it": [
        "haha not a real girl 😂 got your face and the rest. 300 on paypal or your rowing club sees it",
        "keine echte frau lol. hab dein gesicht und alles andere. 300 euro per paypal oder dein ruderverein sieht's",
        "pas une vraie meuf mdr. j'ai ta tête et tout le reste. 300€ en paypal ou ton club d'aviron voit tout",
        "no era una chica real jaja. tengo tu cara y todo lo demás. 300 euros por paypal o tu club de remo lo ve",
    ],
    "kept, and see what happens": [
        "Your nudes are saved on my laptop. Keep ignoring me and see what happens to them.",
        "Deine Nacktbilder sind auf meinem Laptop gespeichert. Ignorier mich ruhig weiter, mal sehen, was mit ihnen passiert.",
        "Tes nudes sont sauvegardés sur mon ordi. Continue de m'ignorer et on verra ce qui leur arrive.",
        "Tus nudes están guardados en mi laptop. Sigue ignorándome y ya verás lo que les pasa.",
    ],
    "do you want them to see it? then answer": [
        "Your pics are still on my phone. Want your dad to see them? Then answer me.",
        "Willst du, dass dein Vater die Fotos sieht, die du mir geschickt hast? Dann antworte mir.",
        "Tu veux que ton père voie les photos que tu m'as envoyées ? Alors réponds-moi.",
        "¿Quieres que tu papá vea las fotos que me mandaste? Entonces contéstame.",
    ],
    "silence or a favour, and it stays with me": [
        "Keep your mouth shut about what happened at the party and the video stays on my phone.",
        "Halt den Mund über die Party, dann bleibt das Video auf meinem Handy.",
        "Tu te tais pour la soirée et la vidéo reste sur mon tel.",
        "Tengo la grabación de la noche del viernes. Nadie tiene por qué enterarse si me haces un favor.",
        "Pay 300 or I post everything on your uni's confessions page.",
    ],
    "what they would think, and an arrangement": [
        "Curious what your provost would say about those pictures. I'm sure we can work out an arrangement.",
        "Was wohl deine Dekanin zu diesen Bildern sagen würde? Vielleicht arrangieren wir uns.",
        "Je me demande ce que ta directrice penserait de ces images. On peut trouver un arrangement.",
        "Me pregunto qué diría tu directora de esas fotos. Seguro que llegamos a un acuerdo.",
    ],
    "they don't know yet: keep it that way, for a price": [
        "Your husband doesn't know about our secret videos. Keep it that way: 300 should do it.",
        "Dein Mann weiß nichts von unseren geheimen Videos. Soll so bleiben, 300 Euro reichen.",
        "Ton mari est pas au courant pour nos petites vidéos. Restons-en là, 300 euros suffiront.",
        "Tu marido no sabe nada de nuestros videitos. Que siga así. Con 300 basta.",
    ],
    "one more, or the last one goes to the group": [
        "Easy: one more pic tonight or the old ones go on the team chat.",
        "Einfach: heute noch ein Foto oder die alten landen im Teamchat.",
        "Simple : encore une photo ce soir ou les anciennes finissent sur le groupe de l'équipe.",
        "Fácil: otra foto hoy o las viejas terminan en el grupo del equipo.",
    ],
    "everything you sent: a shame if it leaked": [
        "got every pic u ever sent me. be a pity if they got out. u know what to do",
        "hab jedes Bild, das du mir je geschickt hast. wär blöd, wenn die rauskommen. du weißt, was zu tun ist",
        "j'ai toutes les photos que tu m'as envoyées. dommage si ça sortait. tu sais ce que t'as à faire",
        "tengo todas las fotos que me mandaste. sería una lástima que se filtraran. sabes lo que tienes que hacer",
    ],
}

STALKING_CLASSES = {
    "clothes compared with yesterday": [
        "cute scarf today. suits u better than the one from yesterday",
        "schöne Mütze heute, steht dir besser als die von gestern",
        "joli bonnet aujourd'hui, il te va mieux que celui d'hier",
        "lindo gorro hoy, te queda mejor que el de ayer",
    ],
    "a change of route noticed": [
        "I noticed you've stopped cycling along the river. Taking the long way past the stadium now?",
        "Mir ist aufgefallen, dass du nicht mehr am Fluss entlang fährst. Nimmst jetzt den Umweg übers Stadion?",
        "J'ai remarqué que tu passes plus par le canal. Tu prends le pont maintenant ?",
        "Me fijé que ya no vas por el parque. Ahora cruzas por el puente, ¿no?",
    ],
    "the light watched at night": [
        "Your lights stayed on till 3 again. Everything ok up there?",
        "Ich stand wieder vor deinem Fenster. Bist du auch so spät noch wach?",
        "Ta lumière est restée allumée tard. Tu bossais ?",
        "Tu luz seguía encendida a la 1. ¿Estudiando?",
    ],
    "a log of comings and goings": [
        "I have kept notes on your movements since March. I will keep this log.",
        "Ich führe seit März ein Protokoll über Ihr Kommen und Gehen.",
        "Je tiens un journal de vos allées et venues depuis mars.",
        "Llevo un registro de sus idas y venidas desde marzo.",
    ],
    "a visitor remarked on": [
        "Was in to read the meter yesterday. Saw that you had someone staying over, interesting.",
        "War gestern zum Ablesen drin. Sie hatten wohl Herrenbesuch über Nacht.",
        "Passé relever le compteur hier. Il y avait un homme qui dormait là, apparemment.",
        "Pasé a leer el contador ayer. Había un hombre durmiendo ahí, por lo visto.",
    ],
    "the car looked for, the new address found": [
        "Your car wasn't at the pool today. Saw it outside the climbing wall though.",
        "Bin deinem Bus bis zur Endstation nachgefahren. Wollte nur wissen, wo du jetzt wohnst.",
        "T'as changé d'appart ? Ça m'a pris une soirée pour trouver. Jolie porte bleue.",
        "Ayer seguí tu autobús. Solo quería saber dónde vives. Bonita ventana.",
    ],
    "where the reader is: asked, demanded": [
        "why's your location off again? i like knowing where u are",
        "pourquoi ta localisation est désactivée ? j'aime savoir où t'es",
        "¿por qué tienes la ubicación apagada? me gusta saber dónde estás",
    ],
    "watched from close by": [
        "at the gig too. ur near the bar w the green jacket. dont turn around",
        "bin auch im Club. Nicht umdrehen.",
        "je suis au concert aussi. ne te retourne pas",
        "estoy en el concierto también. no te voltees",
        "I asked your housemate when your shift ends. I'll just watch from the corner.",
        "your garmin says you swim at 7 every tuesday. nice pool",
    ],
    "a new account after the block": [
        "made another acc since u blocked me. not that easy to get rid of me",
        "neues Profil, weil du mich blockiert hast. So leicht wirst du mich nicht los.",
        "nouveau profil parce que t'as bloqué l'autre. tu vas pas te débarrasser de moi comme ça",
        "perfil nuevo porque me bloqueaste. no te vas a deshacer de mí así de fácil",
    ],
    "the reader's home seen from outside, their people's habits known": [
        "You left your blinds up last night. Your bedroom looks nice from across the street.",
        "Du hattest gestern die Rollläden offen. Deine Wohnung sieht von unten hübsch aus.",
        "T'avais les volets ouverts hier soir. Ton salon a l'air sympa depuis la rue.",
        "Dejaste las persianas subidas anoche. Tu habitación se ve linda desde la calle.",
        "Your boyfriend drops you off at 8 every Monday, right?",
        "Dein Freund bringt dich montags um 8, oder?",
        "Tu novio te deja los lunes a las 8, ¿no?",
    ],
    "a movement or a routine told back": [
        "You walked out of the bar at 12:40 with the girl in the yellow dress.",
        "Du hast die Bar um 0:40 mit der Frau im gelben Kleid verlassen.",
        "T'es sortie du bar à 23:40 avec la fille en robe jaune.",
        "Te saliste del bar a las 23:40 con la chica del vestido amarillo.",
        "Spotted you at the pool again. You always take lane 3.",
        "Hab dich wieder im Schwimmbad gesehen. Du nimmst immer Bahn 3.",
        "Je t'ai vue à la piscine encore. Tu prends toujours la ligne 3.",
        "Te vi en la piscina otra vez. Siempre tomas el carril 3.",
    ],
}

# Told by the reporter: what they know of the pictures, or all of it, above a short message.
TOLD = [
    (
        POLICE,
        "My ex sent me a screenshot of a folder of intimate photos of me. The only text:",
        "see me sunday or i hit upload",
    ),
    (
        POLICE,
        "Mein Ex hat mir einen Screenshot von einem Ordner mit Nacktbildern von mir geschickt. Nur der Text:",
        "sonntag treffen sonst lad ich alles hoch",
    ),
    (
        POLICE,
        "Mon ex m'a envoyé une capture d'un dossier de photos intimes de moi. Seul texte :",
        "on se voit demain sinon j'upload tout",
    ),
    (
        POLICE,
        "A guy on my floor secretly filmed me in the shower. He sent me this:",
        "👀 you clean my room all month or this goes in the halls chat. your call",
    ),
    (
        POLICE,
        "Ein Typ aus dem Wohnheim hat mich heimlich beim Duschen gefilmt. Er schreibt:",
        "du putzt mein zimmer den ganzen monat oder das landet in der wg gruppe. deal?",
    ),
    (
        POLICE,
        "Un gars de mon étage m'a filmée sous la douche sans que je le sache. Il m'écrit :",
        "tu fais mon ménage tout le mois ou ça part sur le groupe de la résidence. deal ?",
    ),
    (POLICE, "My ex says he'll post the nudes I sent him on a forum unless I give him back the car.", ""),
    (STALKING, "Since I blocked him he keeps texting my flatmate and my cousin asking where I am.", ""),
    (STALKING, "Every time I block her she opens new profiles to write to me, 12 by now.", ""),
    (STALKING, "Er legt ständig neue Profile an, um mir zu schreiben, nachdem ich ihn blockiert habe.", ""),
    (STALKING, "Il ouvre de nouveaux profils pour m'écrire dès que je le bloque.", ""),
    (STALKING, "Abre perfiles nuevos para escribirme cada vez que lo bloqueo.", ""),
    (STALKING, "My ex keeps walking past my flat and stands opposite for hours at night.", ""),
    (STALKING, "Mein Ex läuft jeden Abend an meiner Wohnung vorbei und parkt dann gegenüber.", ""),
    (STALKING, "Il passe devant chez moi tous les soirs et se gare en face.", ""),
    (STALKING, "Pasa por delante de mi casa cada noche y se estaciona enfrente.", ""),
    (POLICE, "Someone filmed our video chat and now demands money or he'll send it to my whole course.", ""),
    (STALKING, "She keeps turning up at my lab and asking my supervisor when I leave.", ""),
    (STALKING, "Sie taucht ständig in meinem Labor auf und fragt meinen Betreuer, wann ich gehe.", ""),
    (STALKING, "Elle débarque sans arrêt à mon labo et demande à mon directeur quand je pars.", ""),
    (STALKING, "Aparece todos los días en mi laboratorio y le pregunta a mi jefe cuándo salgo.", ""),
]

NEAR_MISSES = [
    "Could you send the pictures from the christening to your gran? And pay me back for the prints when you can.",
    "Ich schick die Bilder vom Sommerfest an deine Oma, wenn du mir die 8 Euro für die Abzüge gibst.",
    "Wär doch schade, wenn deine Eltern die Fotos vom Abschluss nicht sehen. Schick sie ihnen!",
    "Ce serait dommage que tes parents ne voient pas les photos de la remise des diplômes, envoie-les-leur.",
    "Tu sais ce que t'as à faire pour le TP, envoie-moi les photos du montage avant vendredi.",
    "I saw you leave the library at 6, you forgot your scarf, I have it.",
    "Saw you at the library today! You always sit by the window, I'll join you tomorrow.",
    "Why's your location off? We're at the festival entrance, come find us!",
    "You left your umbrella at the library at 5, I put it in lost property.",
    "Reminder: upload your project video to the class page by midnight or you lose points.",
    "Think carefully before posting photos of your friends online; your employer might see them.",
    "Your parents would love to see the graduation video, send it to them before Sunday!",
    "It would be sad if the rain ruined the picnic photos, print them before Friday!",
    "Your mum would love these graduation photos, send them to her!",
    "I delete the folder on Friday unless you tell me you still need the files.",
    "Ich lösch den Ordner mit den alten Fotos, sonst ist die Cloud voll.",
    "Sería triste perder las fotos del viaje; mándaselas a tu familia.",
    "Un clic et les photos des vacances sont sur le drive familial, trop pratique. Ta mère va adorer.",
    "Think carefully before choosing your modules; everyone at your department is happy to help.",
    "Dear tenant, I will let myself in on Tuesday with the plumber for the boiler check. No need for you to be in.",
    "Nice coat today! Where did you get it?",
    "Turn your location on for the festival so we can find each other.",
    "Hi, just wanted to ask before I report anything: if I forward a message where someone threatens to post my nudes, who sees the pictures?",
]

Case = tuple[str, str, str]  # what it must become, the reporter's own words, the message forwarded below them


def cases(
    sextortion: dict[str, list[str]], stalking: dict[str, list[str]], told: list[Case], calm: list[str]
) -> list[Case]:
    """Forwarded classes under the usual note, the reporter's own accounts, and the look-alikes, as cases."""
    return (
        [(POLICE, NOTE, m) for ms in sextortion.values() for m in ms]
        + [(STALKING, NOTE, m) for ms in stalking.values() for m in ms]
        + told
        + [(CALM, NOTE, m) for m in calm]
    )


CASES = cases(SEXTORTION, STALKING_CLASSES, TOLD, NEAR_MISSES)


@pytest.mark.parametrize(("expected", "note", "message"), CASES, ids=[(m or n)[:40] for _, n, m in CASES])
def test_sextortion_and_stalking_by_class_and_their_look_alikes(expected: str, note: str, message: str) -> None:
    check(expected, note, message)


def check(expected: str, note: str, message: str) -> None:
    """The report routed as `expected` says: sextortion at the police, stalking kept off it, the rest off it."""
    decision = decide(report(note, message))
    if expected == POLICE:
        assert (decision.queue, decision.category) == ("police", "sextortion"), decision.danger
    elif expected == STALKING:
        assert decision.category == "stalking" and decision.queue != "police", decision.danger
    else:
        assert decision.queue != "police", decision.danger
