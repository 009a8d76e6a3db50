"""Sextortion and stalking by class as a tenth and an eleventh author wrote them, in new words.

Every phrasing here was written for this test (none is in the evaluation set or in the pattern files
verbatim). Each class comes in English, German, French and Spanish, some in regional forms. Sextortion
goes to the police as sextortion; stalking is read as stalking and stays off the police desk; ordinary
messages that share the words (an exhibition, a lease, a hearing about an accident) stay off the police.
"""

from __future__ import annotations

import pytest

from tests.test_sextortion_session5 import POLICE, STALKING, cases, check

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
    "someone close would love it; a call before a day": [
        "Reckon your boss at the bank would love that video from the hen do. Ring me before Monday.",
        "Dein Chef in der Bank würde das Video vom Junggesellinnenabschied sicher lieben. Ruf mich vor Montag an.",
        "Ton patron à la banque adorerait la vidéo de ton enterrement de vie de jeune fille. Appelle-moi avant lundi.",
        "A tu jefe del banco le encantaría el video de tu despedida de soltera. Llámame antes del lunes.",
    ],
    "a date, or they are in the group by morning": [
        "Still have the screenshots of our sexts. Come to the formal with me or they're on the rugby lads' group by morning.",
        "Ich hab die Screenshots von unserem Sexting. Komm mit mir zum Ball, sonst sind sie morgen früh in der Gruppe vom Fußballverein.",
        "J'ai les captures de nos sextos. Viens au gala avec moi ou elles sont sur le groupe de l'équipe de rugby demain matin.",
        "Tengo las capturas de nuestros sextos. Ven a la gala conmigo o mañana están en el grupo del equipo de rugby.",
    ],
    "pay what I ask, or the material lands in a place of the reader's people": [
        "You'll pay what I ask or those bathroom pics end up in your church newsletter, simple as.",
        "Du zahlst, was ich verlange, oder die Badezimmerfotos landen im Gemeindeblatt. So einfach ist das.",
        "Tu paies ce que je demande ou les photos de la salle de bain finissent dans le bulletin de ta paroisse.",
        "Pagas lo que te pido o las fotos del baño acaban en la hoja parroquial, así de simple.",
        "Kindly do the needful and transfer 20000 rupees by evening, otherwise your pictures will be viral in your college.",
        "Clock's ticking babe. 150 quid or the footage of you in the hot tub goes to every contact in your phone.",
    ],
    "silence kept while the reader keeps coming": [
        "I'll keep quiet about your little video as long as you keep coming over on Fridays.",
        "Ich halt die Klappe über dein kleines Video, solange du freitags zu mir kommst.",
        "Je garde le silence sur ta petite vidéo tant que tu viens chez moi le vendredi.",
        "Me callo lo de tu videíto mientras sigas viniendo a mi casa los viernes.",
    ],
    "a word to the panel, and the ex gets the tapes": [
        "One word to the panel about me and your ex husband gets the bedroom tapes. Your choice.",
        "Un mot à la commission sur moi et ton ex-mari reçoit les vidéos de la chambre. À toi de choisir.",
        "Una palabra al tribunal sobre mí y tu exmarido recibe los videos del cuarto. Tú eliges.",
    ],
    "would they still respect you if they saw it": [
        "Think your students would still respect you if they saw what's on my hard drive? Five grand and they never will.",
        "Glaubst du, deine Studenten würden dich noch respektieren, wenn sie sehen, was auf meiner Festplatte ist? "
        "Fünftausend und sie sehen es nie.",
        "Tu crois que tes étudiants te respecteraient encore s'ils voyaient ce qu'il y a sur mon disque dur ? "
        "Cinq mille et ils le verront jamais.",
        "¿Crees que tus alumnos te seguirían respetando si vieran lo que hay en mi disco duro? Cinco mil y nunca lo verán.",
    ],
    "one more picture a week, and the partner never finds out": [
        "I'm not asking much. One more pic every week and your husband never finds out about the others.",
        "Ich verlange nicht viel. Jede Woche ein Foto mehr, und dein Mann erfährt nie von den anderen.",
        "Je demande pas grand-chose. Une photo de plus chaque semaine et ton mari n'apprendra jamais pour les autres.",
        "No pido mucho. Una foto más cada semana y tu marido nunca se entera de las otras.",
    ],
    "a deadline, then every porn site": [
        "You have 48 hours. After that, your nudes are on every porn site with your full name.",
        "Du hast 48 Stunden. Danach sind deine Nacktbilder auf jeder Pornoseite, mit vollem Namen.",
        "Tu as 48 heures. Après ça, tes nudes sont sur tous les sites porno avec ton nom complet.",
        "Tienes 48 horas. Después, tus desnudos estarán en todas las páginas porno con tu nombre completo.",
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

STALKING_CLASSES = {
    "watched unseen": [
        "I was two tables behind you at the pub on Friday. You bit your nails the whole evening.",
        "Ich saß gestern im Kino zwei Reihen hinter dir. Du hast bei der Szene am See geweint.",
        "J'étais au fond de la boulangerie ce matin, tu as pris deux croissants. Tu ne m'as pas remarqué.",
        "Ayer en la biblioteca estabas en la mesa del fondo con los auriculares. Yo estaba sentado detrás. No me viste.",
    ],
    "the reader's people asked": [
        "Dropped in on your gran at the care home, lovely lady. She told me you're living in Bristol now.",
        "Deine Schwester hat mir erzählt, dass du jetzt in Graz wohnst. Ich hab sie im Supermarkt getroffen.",
        "Ta voisine m'a dit que tu habites maintenant à Nantes, chez ta cousine.",
        "Tu abuela me contó que vives ahora en Valencia, en el piso de tu prima.",
    ],
    "a change noticed": [
        "You switched your gym to the one on Hill Street. Hiding from me?",
        "Du parkst jetzt neuerdings in der Tiefgarage statt vor der Uni. Versteckst du dich vor mir?",
        "T'as changé de boulangerie, celle du coin c'est plus loin pour toi, non ?",
        "Ya no vas al gimnasio de la plaza. ¿Te escondes de mí?",
    ],
    "joins the reader's places": [
        "I've signed up for your Tuesday yoga class. See you on the mat.",
        "Hab mich in deinem Spanischkurs angemeldet. Dienstag um sechs, ich freu mich.",
        "Je me suis inscrit à ton atelier de poterie, on se verra tous les jeudis.",
        "Me he apuntado a tu club de lectura. Nos vemos el miércoles.",
    ],
    "another train, and the writer waited anyway": [
        "You took the 7:42 instead of the 7:12 this morning. Sleep in? I waited on the platform anyway.",
        "Du bist heute die 7:42 gefahren statt der 7:12. Verschlafen? Ich hab trotzdem am Gleis gewartet.",
        "T'as pris le train de 7h42 au lieu de 7h12 ce matin. Panne de réveil ? J'ai attendu sur le quai quand même.",
        "Hoy cogiste el tren de las 7:42 en vez del de las 7:12. ¿Te dormiste? Yo te esperé en el andén igual.",
    ],
    "the reader's window, their new address, their seat": [
        "Your curtains were open again last night. Purple duvet, nice.",
        "Deine Vorhänge waren gestern Nacht wieder offen. Lila Bettdecke, schön.",
        "Tes rideaux étaient encore ouverts hier soir. Couette violette, joli.",
        "Anoche otra vez tenías las cortinas abiertas. Edredón morado, qué bonito.",
        "Found your new address through your cousin's wedding photos. Number 14, blue door.",
        "I know which seat you take in the library, third floor, by the radiator.",
        "Ich weiß, wo du in der Bibliothek sitzt, dritter Stock, an der Heizung.",
        "Je sais à quelle place tu t'assois à la BU, troisième étage, près du radiateur.",
        "Sé en qué sitio te sientas en la biblioteca, tercera planta, junto al radiador.",
    ],
    "a flatmate said when the reader is back": [
        "Your flatmate said you're back from Madrid on the 3rd. I'll be around.",
        "Deine Mitbewohnerin sagt, du kommst am 3. aus Madrid zurück. Ich bin in der Nähe.",
        "Ta coloc m'a dit que tu rentres de Madrid le 3. Je serai dans le coin.",
        "Tu compañera de piso me dijo que vuelves de Madrid el 3. Andaré por ahí.",
    ],
    "asks who the reader was with": [
        "Who was the guy in the red scarf with you at the station last night?",
        "Wer war der Typ, mit dem du gestern am Bahnhof standest? Ihr habt lange geredet.",
        "C'était qui, le mec avec toi au parc hier soir ? Vous aviez l'air proches.",
        "¿Quién era el chico de la camisa azul con el que hablabas en el parque el sábado?",
    ],
}

# Told by the reporter, nothing forwarded: pictures held over them (sextortion); he turns up, his people write
# for him (stalking).
TOLD = [
    "He sends me screenshots of my own nudes and says my dad's church gets them unless I keep sending him new ones.",
    "Er schickt mir Screenshots meiner eigenen Nacktbilder und sagt, die Gemeinde meines Vaters bekommt sie, wenn ich ihm nicht weiter neue schicke.",
    "Il m'envoie des captures de mes propres nudes et dit que la paroisse de mon père les aura si je ne lui en envoie pas d'autres.",
    "Me manda capturas de mis propios desnudos y dice que la iglesia de mi papá las va a recibir si no le sigo mandando nuevos.",
    "Since I ended it he turns up at my gym and stands across the street after my shift.",
    "Seit der Trennung schreibt seine Mutter mir jeden Tag, und er wartet im Foyer, wenn ich gehe.",
    "Depuis que je l'ai bloqué, sa sœur m'écrit et un ami à lui est venu à mon cours de danse.",
    "Desde que lo bloqueé, su hermana me escribe y él espera cada día en la puerta de mi trabajo.",
    "My ex keeps driving past my parents' house and now my little brother says he saw him at the school gate.",
    "Mein Ex fährt ständig am Haus meiner Eltern vorbei, und mein kleiner Bruder hat ihn am Schultor gesehen.",
    "Mon ex passe sans arrêt devant chez mes parents et mon petit frère l'a vu à la sortie de l'école.",
    "Mi ex pasa todo el rato por delante de casa de mis padres y mi hermano pequeño lo vio en la puerta del colegio.",
]

# The same words in ordinary mail: an invitation, an exhibition, a print order, a lease, an accident; a friend
# who sat behind, news of a move with congratulations, a class taken together, a party guest asked about.
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
    "I was two rows behind you at the concert, waved but you didn't see me! Want to grab lunch tomorrow?",
    "Ich saß im Kino zwei Reihen hinter dir, du hast mich nicht gesehen, haha. Kommst du morgen mit zum Essen?",
    "Estaba en la mesa de atrás en la cafetería, no me viste. ¿Te guardo un sitio mañana?",
    "Deine Mutter hat mir erzählt, dass du jetzt in Graz wohnst. Glückwunsch zur neuen Stelle!",
    "Ta mère m'a dit que tu habites maintenant à Nantes, félicitations pour le boulot !",
    "Tu madre me contó que vives ahora en Valencia, ¡enhorabuena por el trabajo!",
    "T'as changé de salle de sport ? Celle de la rue Victor Hugo est mieux, je trouve.",
    "¿Ya no vas al gimnasio de la plaza? El nuevo está genial, me apunto contigo.",
    "Hab mich auch für den Spanischkurs angemeldet, dann können wir zusammen lernen.",
    "Je me suis inscrite au même atelier que toi, on pourra y aller ensemble !",
    "Who was the guy in the red scarf at the party? He's cute, introduce me!",
    "Saw your light on till late, hope the essay went well! Coffee tomorrow?",
    "Turn on find my friends for the festival so we can find each other.",
    "Wenn du heute nicht mitkommst, schick ich dir die Fotos vom Ausflug in den Klassenchat.",
    "Your flatmate said you're back on the 3rd, welcome-back drinks on Friday?",
    "I know which seat you take in the library, I'll save it for you tomorrow.",
    "Ta coloc m'a dit que tu rentres le 3, on fête ça ?",
    "Tu compañera de piso me dijo que vuelves el 3, ¡quedamos para celebrarlo!",
    "Found your new address through the alumni list, sending your wedding invitation this week!",
    "Your students would love the photos from the field trip; they're on my laptop, I'll post them Friday.",
    "Drinks with me Friday? Just us, I miss you. Also I finally printed the photos from Lisbon!",
    "Tus alumnos verán las fotos de la excursión el viernes, están en mi portátil. ¿Una copa conmigo luego?",
    "The photos from the gala will be on every page of the alumni site next week, you look great!",
    "Send me your address or the photos go to your old flat by mistake!",
    "Pay the 15 euros for the yearbook or the photos go to the printer without your page.",
    "I'll keep quiet about your surprise video as long as you keep coming to rehearsals, deal?",
    "Me callo lo del video sorpresa mientras sigas viniendo a los ensayos, ¿vale?",
    "Deine Fotos landen im Gemeindeblatt, der Pfarrer fand sie so schön. Oder die im Jahrbuch.",
    "Tu paies ce que tu veux, ou les photos de la salle de bain rénovée finissent dans le bulletin de la paroisse !",
]

CASES = cases(
    SEXTORTION,
    STALKING_CLASSES,
    [(POLICE, own, "") for own in TOLD[:4]] + [(STALKING, own, "") for own in TOLD[4:]],
    NEAR_MISSES,
)


@pytest.mark.parametrize(("expected", "note", "message"), CASES, ids=[(m or n)[:40] for _, n, m in CASES])
def test_session6_classes_and_their_look_alikes(expected: str, note: str, message: str) -> None:
    check(expected, note, message)
