"""Threats by class as a seventh and an eighth author wrote them: others with a motive, a disclaimed safety, a hazard.

Every phrasing here was written for this test (none is in the evaluation set, none is a pattern's
term word for word). Each class comes in English, German, French and Spanish, beside ordinary messages
that share its words and must stay off the police desk.
"""

from __future__ import annotations

import pytest

from tests.test_threat import decide, report

NOTE = "Got this today, not sure what to do."

THREATS = {
    "others with a motive": [
        "My brother got out of jail last month and he still owes me a favour. Keep posting about me.",
        "Mein Kumpel ist frisch aus dem Knast raus und schuldet mir einen Gefallen. Red ruhig weiter über mich.",
        "Mon cousin vient de sortir de prison et il me doit un service. Continue à parler de moi.",
        "Mi hermano acaba de salir de la cárcel y me debe una. Sigue hablando de mí y verás.",
    ],
    "a joke taken back under a condition": [
        "haha kidding... unless you actually email the dean. then not kidding",
        "haha Spaß... außer du schreibst dem Dekan. dann kein Spaß mehr",
        "mdr je rigole... sauf si tu écris au doyen. là je rigole plus",
        "jaja broma... a menos que le escribas al decano. ahí ya no es broma",
    ],
    "the reader's people told to lock up, pointedly": [
        "tell your sister to lock her front door tonight. just a friendly tip",
        "sag deiner Schwester, sie soll heute Nacht die Haustür abschließen. nur ein guter Rat",
        "dis à ta sœur de bien fermer sa porte ce soir. c'est un conseil d'ami",
        "dile a tu hermana que cierre bien la puerta esta noche. es un consejo de amigo",
    ],
    "a hazard wished after a report": [
        "so you reported me. hope your car brakes hold up on the motorway tomorrow",
        "du hast mich also gemeldet. hoffentlich halten deine Bremsen morgen auf der Autobahn",
        "alors tu m'as signalé. j'espère que tes freins tiennent demain sur l'autoroute",
        "así que me denunciaste. ojalá tus frenos aguanten mañana en la autopista",
    ],
    "safety disclaimed under a deadline": [
        "If the rent is not paid by the 5th, I can no longer guarantee the safety of your things or your person. "
        "My friends are not as patient as I am.",
        "Wenn die Miete nicht bis zum 5. bezahlt ist, übernehme ich keinerlei Verantwortung für Ihre Sachen oder "
        "Ihre Person. Meine Freunde sind nicht so geduldig wie ich.",
        "Si le loyer n'est pas payé d'ici le 5, je décline toute responsabilité pour vos affaires et votre personne. "
        "Mes amis sont moins patients que moi.",
        "Si el alquiler no está pagado antes del 5, no puedo garantizar la seguridad de sus cosas ni de usted. "
        "Mis amigos no perdonan.",
    ],
    "a demand to withdraw beside a danger": [
        "I'd suggest you withdraw your complaint. The stairwell in your building is very poorly lit, and falls "
        "there are not unheard of.",
        "Ich würde Ihnen raten, die Beschwerde zurückzuziehen. Das Treppenhaus bei Ihnen ist schlecht beleuchtet, "
        "Stürze sind dort nicht selten.",
        "Je vous suggère de retirer votre plainte. La cage d'escalier de votre immeuble est mal éclairée, les "
        "chutes n'y sont pas rares.",
        "Le sugiero que retire su denuncia. La escalera de su edificio está mal iluminada y las caídas allí no "
        "son raras.",
    ],
    "a condition and a dark consequence": [
        "report me to the coach one more time and you'll be carried off that pitch",
        "meld mich noch einmal beim Trainer und du verlässt den Platz mit dem Krankenwagen raus",
        "signale-moi encore une fois au coach et tu sortiras du terrain en ambulance",
        "vuelve a acusarme con el entrenador y sales del campo en ambulancia",
    ],
    "not over, and what will be left of the reader": [
        "you really think changing your number ends it. when i'm finished there won't be enough of you left to bury",
        "du glaubst echt, dass es vorbei ist, weil du die Nummer gewechselt hast. wenn ich mit dir fertig bin, "
        "erkennt dich deine Mutter nicht mehr",
        "tu crois que c'est fini parce que t'as changé de numéro. ta propre mère te reconnaîtra plus",
        "crees que cambiando de número se acaba todo. cuando termine contigo ni tu propia madre te va a reconocer",
    ],
    "the reader and another, when met": [
        "if i catch you two together at the bar again i'll smash you both",
        "wenn ich euch zwei nochmal zusammen in der Bar sehe, mach ich euch beide fertig",
        "si je vous revois ensemble au bar, je vous défonce tous les deux",
        "si los vuelvo a ver juntos en el bar los reviento a los dos",
    ],
    "the reader's pet in a box": [
        "Cute dog. Be a real pity if someone had to return him to you in a shoebox.",
        "Süßer Hund. Wär schad, wenn er eines Tages in einer Schachtel zurückkäme.",
        "Joli chien. Ce serait dommage qu'on doive te le ramener dans une boîte.",
        "Lindo perro. Sería una pena que un día vuelva en una caja.",
    ],
    "their own life made short": [
        "Think again about that grade. Professors who wreck futures sometimes find their own lives get very short.",
        "Überdenken Sie die Note. Menschen, die Zukunft zerstören, haben manchmal selbst nicht mehr lange.",
        "Revoyez ma note. Ceux qui brisent des avenirs voient parfois leur vie s'arrêter net.",
        "Reconsidere mi nota. Los que arruinan futuros a veces descubren que su propia vida se acorta.",
    ],
    "no respawn after a ban": [
        "nice ban lol. too bad irl there's no respawn for you",
        "netter Ban. schade, im echten Leben gibts keinen Respawn",
        "joli ban. dommage, dans la vraie vie y a pas de respawn",
        "lindo ban. lástima que en la vida real no hay respawn",
    ],
    "a beating planned with a weapon": [
        "[Sam]: we should teach Omar a lesson after practice [Lee]: I've got my bat in the car "
        "[Sam]: Friday, he always leaves alone",
        "[Tim]: dem Ali sollte man nach dem Training eine Lektion erteilen [Jan]: hab meinen Baseballschläger im "
        "Auto [Tim]: Freitag, er geht immer allein",
        "[Max]: faut donner une bonne leçon à Karim après le match [Léo]: j'ai ma batte dans la voiture "
        "[Max]: vendredi, il part toujours seul",
        "[Toni]: hay que darle una paliza a Iván después del partido [Pepe]: tengo mi bate en el coche "
        "[Toni]: el viernes, siempre sale solo",
    ],
    "a blade sharpened for the reader": [
        "spent the night sharpening my blades, thinking of you. sweet dreams",
        "hab die ganze Nacht meine Messer geschliffen und an dich gedacht. Süße Träume",
        "j'ai passé la soirée à aiguiser mes couteaux en pensant à toi. fais de beaux rêves",
        "me pasé la noche afilando mis cuchillos pensando en ti. dulces sueños",
    ],
    "the writer's death, and the reader's": [
        "if you leave me i'll kill myself and you're coming with me",
        "wenn du mich verlässt, bring ich mich um, und du kommst mit",
        "si tu me quittes je me suicide et tu pars avec moi",
        "si me dejas me suicido y te vienes conmigo",
    ],
    "others asking where the reader is": [
        "Some of the lads are asking where you drink on Fridays. I haven't told them. Yet.",
        "Meine Brüder haben gefragt, wo du arbeitest. Ich hab's ihnen noch nicht gesagt.",
        "Mes potes sont curieux de savoir où tu habites. Je leur ai rien dit. Pour l'instant.",
        "Mis amigos quieren saber dónde trabajas. Todavía no les he dicho nada.",
    ],
    "a condition, and what the reader will wish": [
        "Keep it up and you'll be eating your meals through a tube.",
        "Wenn du noch einmal zur Gleichstellungsbeauftragten rennst, wirst du dir wünschen, du hättest es nicht getan.",
        "Si jamais tu parles au directeur, tu peux dire adieu à tes genoux.",
        "Como me vuelvas a denunciar te vas a acordar de mí toda la vida, y no para bien.",
    ],
    "a meeting ahead, alone or unwitnessed": [
        "ima find u after ur shift n we'll see how brave u are",
        "Ich hab Geduld bis Freitag. Dann ist Schluss mit lustig, für dich.",
        "On se croisera bien un jour sans témoins, t'inquiète.",
        "Tarde o temprano te vas a quedar sola en el laboratorio, y ahí hablamos tú y yo.",
    ],
    "someone close, alone, pointedly": [
        "Your little sister walks to school alone past the park, doesn't she? Think about that before Monday's hearing.",
        "Schöne Grüße an deine Oma im Seniorenheim am Stadtpark. Wäre doch schlimm, wenn ihr was zustößt.",
        "Ta copine rentre seule le mardi soir, non ? Ce serait bête qu'elle tombe sur de mauvaises personnes.",
        "Dile a tu abuela que tenga cuidado al cruzar la calle, que hay mucho loco suelto.",
    ],
    "whatever happens is the reader's fault, after a deadline": [
        "You've got two days to apologise publicly. After that, whatever happens to you is your own fault.",
        "Du hast zwei Tage, dich öffentlich zu entschuldigen. Danach bist du selbst schuld, was auch immer dir passiert.",
        "T'as deux jours pour t'excuser publiquement. Après, ce qui t'arrive, c'est ta faute.",
        "Tienes dos días para disculparte en público. Después, lo que te pase será culpa tuya.",
    ],
    "crime near the reader's people, pointedly": [
        "Your dad's shop closes at nine, right? Lot of break-ins on that street lately. Just thinking out loud.",
        "Dein Vater schließt den Kiosk um neun, oder? In der Gegend wird viel eingebrochen. Nur so ein Gedanke.",
        "Ton père ferme son magasin à 21h, non ? Il y a eu pas mal de cambriolages dans le coin. Je dis ça comme ça.",
        "Tu papá cierra la tienda a las nueve, ¿no? Ha habido muchos robos en esa calle. Solo comento.",
    ],
    "they know where the reader sleeps now": [
        "We found out which dorm you're in. See you soon.",
        "Wir wissen jetzt, in welchem Wohnheim du wohnst. Bis bald.",
        "On sait dans quelle résidence tu loges maintenant. À très vite.",
        "Ya sabemos en qué residencia vives. Nos vemos pronto.",
    ],
    "a question about the reader's body, and a demand": [
        "Do you enjoy being able to walk? Then stop messaging my girlfriend.",
        "Hast du Spaß daran, laufen zu können? Dann lass meine Freundin in Ruhe.",
        "Tu aimes pouvoir marcher ? Alors arrête d'écrire à ma copine.",
        "¿Te gusta poder caminar? Entonces deja de escribirle a mi novia.",
    ],
    "the family's honour, and the reader's brother": [
        "You embarrassed my family. In our culture that has a price, and your brother will pay it if you won't.",
        "Du hast meine Familie beschämt. Bei uns hat das einen Preis, und dein Bruder zahlt ihn, wenn du es nicht tust.",
        "Tu as déshonoré ma famille. Chez nous ça se paie, et ton frère paiera si toi tu refuses.",
        "Deshonraste a mi familia. Eso tiene un precio, y tu hermano lo va a pagar si tú no.",
    ],
    "the rest of the reader's life made quiet": [
        "Anyway, if you go to the ethics board with that story, I'll make the rest of your life very quiet. Take care!",
        "Wenn du zur Ethikkommission gehst, sorge ich dafür, dass es in deinem Leben sehr still wird.",
        "Si tu vas au comité d'éthique avec cette histoire, je ferai en sorte que le reste de ta vie soit très calme.",
        "Si vas al comité de ética con esa historia, me encargo de que el resto de tu vida sea muy tranquila.",
    ],
    "steep stairs where nobody is around": [
        "careful on those stairs tomorrow 😇 they're steep and nobody's around at 8am",
        "Vorsicht auf der Treppe morgen 😇 die ist steil und um 8 ist da keiner",
        "Attention aux escaliers demain 😇 ils sont raides et y a personne à 8h",
        "Cuidado con las escaleras mañana 😇 son empinadas y a las 8 no hay nadie",
    ],
    "the team knows the reader's car": [
        "Everyone on this team knows your car. Let it go.",
        "Jeder im Team kennt dein Auto. Jeder. Lass es gut sein.",
        "Tout le monde dans l'équipe connaît ta voiture. Tout le monde. Laisse tomber.",
        "Todo el equipo conoce tu coche. Todo el mundo. Déjalo estar.",
    ],
    "others invited to beat someone, with her way home": [
        "Someone should really teach that girl from 3B a lesson. She walks home through the park every night. "
        "Just saying.",
        "Jemand sollte der aus Zimmer 3B mal eine Lektion erteilen. Sie läuft jeden Abend allein durch den Park. Nur so.",
        "Quelqu'un devrait donner une leçon à la fille du 3B. Elle rentre à pied par le parc tous les soirs. Je dis ça.",
        "Alguien debería darle una lección a la del 3B. Vuelve a casa por el parque todas las noches. Solo digo.",
    ],
    "a weapon, and the skill to use it": [
        "I have a licence for my rifle and I know how to use it. Think about that before you testify.",
        "Ich hab einen Waffenschein und weiß, wie man damit umgeht. Denk daran, bevor du aussagst.",
        "J'ai un permis pour mon fusil et je sais m'en servir. Penses-y avant de témoigner.",
        "Tengo licencia para mi rifle y sé usarlo. Piénsalo antes de declarar.",
    ],
    "a surprise at an event, and keep your family away": [
        "There's going to be a surprise at the graduation ceremony. Don't bring your parents.",
        "Es gibt bei der Abschlussfeier eine Überraschung. Bring deine Eltern lieber nicht mit.",
        "Il y aura une surprise à la remise des diplômes. Ne viens pas avec tes parents.",
        "Va a haber una sorpresa en la graduación. No traigas a tus padres.",
    ],
    "watched asleep, and coming in": [
        "I watch you sleep sometimes. The curtains don't close properly. One night I'll come in.",
        "Ich seh dir manchmal beim Schlafen zu. Die Vorhänge gehen nicht richtig zu. Eines Nachts komm ich rein.",
        "Je te regarde dormir parfois. Tes rideaux ferment mal. Une nuit, j'entrerai.",
        "A veces te veo dormir. Las cortinas no cierran bien. Una noche voy a entrar.",
    ],
    "coming to the reader's work with a weapon": [
        "Next time you block me I'm coming to your work. With a bat.",
        "Wenn du mich nochmal blockierst, komm ich zu deiner Arbeit. Mit einem Schläger.",
        "La prochaine fois que tu me bloques, je viens à ton travail. Avec une batte.",
        "La próxima vez que me bloquees voy a tu trabajo. Con un bate.",
    ],
    "one word to the dean, and the reader is finished": [
        "Say one word to the dean and you're finished.",
        "Ein Wort zum Dekan und du bist fertig.",
        "Un mot au doyen et t'es fini.",
        "Una palabra al decano y estás acabado.",
    ],
    "the reader's flatmate cannot protect them for ever": [
        "Your roommate can't babysit you forever.",
        "Deine Mitbewohnerin kann nicht ewig auf dich aufpassen.",
        "Ta coloc pourra pas te surveiller éternellement.",
        "Tu compañera de piso no te puede cuidar para siempre.",
    ],
    "the reader's flat number, and lock up tonight": [
        "I know your flat number. Lock your door tonight.",
        "Ich kenne deine Zimmernummer. Schließ heute Nacht gut ab.",
        "Je connais le numéro de ton appart. Ferme bien à clé ce soir.",
        "Sé el número de tu piso. Cierra bien la puerta esta noche.",
    ],
    "paying for every word": [
        "You'll pay for what you said about me. Every word.",
        "Für das, was du über mich gesagt hast, wirst du zahlen. Für jedes Wort.",
        "Tu vas payer pour ce que t'as dit sur moi. Chaque mot.",
        "Vas a pagar por lo que dijiste de mí. Cada palabra.",
    ],
    "a weapon beside a grave or a school, in emoji": [
        "tonight 🔫🪦",
        "heute 🔪🪦",
        "ce soir 💣🏫",
        "hoy 💣🏫",
    ],
}

# Told by the reporter, with nothing forwarded: someone will "fix my face", or others will see to it.
TOLD = [
    "A girl from my seminar texted me saying she and her friends are going to fix my face at the party on Friday.",
    "Ein Mädchen aus meinem Seminar hat mir geschrieben, dass sie und ihre Freundinnen mir am Freitag auf der "
    "Party das Gesicht polieren.",
    "Une fille de mon TD m'a écrit qu'elle et ses copines allaient me refaire le portrait vendredi à la soirée.",
    "Una chica de mi clase me escribió que ella y sus amigas me van a arreglar la cara el viernes en la fiesta.",
    "Il m'a dit que si je témoigne, il connaît des gens qui feront en sorte que je ne finisse jamais mes études.",
    "Me dijo que si declaro conoce a gente que se va a encargar de que nunca termine la carrera.",
    "My neighbour told me that if I call the council about his dog again, his sons will pay me a visit and it won't "
    "be to chat.",
    "Mein Nachbar hat gesagt, wenn ich wegen seines Hundes noch einmal das Ordnungsamt anrufe, kommen seine Söhne "
    "vorbei, und zwar nicht zum Reden.",
    "Mi vecino me dijo que si vuelvo a llamar al ayuntamiento por su perro, sus hijos vendrán a visitarme, y no para "
    "charlar.",
    "my boss said if i report the harassment he will make sure i disappear, he said it like joke but his eyes no "
    "joke. i am scared to go work",
    "Mein Chef hat gesagt, wenn ich die Belästigung melde, sorgt er dafür, dass ich verschwinde. Er hat gelacht, aber "
    "ich habe Angst.",
    "My ex said he would come to my work and make a scene I will never forget, and that I should start looking over my shoulder. I'm really frightened.",
    "A guy in my seminar told me that people who lie about him end up regretting it, and then asked which bus I take home.",
    "My flatmate's boyfriend said that if I call the landlord again he'll throw my stuff out of the window, and me after it.",
    "Someone left a note under my door saying \"we know you're alone on weekends\". I'm scared.",
    "Mein Ex hat gesagt, er kommt zu meiner Arbeit und macht mir eine Szene, die ich nie vergesse, und ich soll mich ab jetzt öfter umdrehen. Ich habe solche Angst.",
    "Ein Typ aus meinem Seminar hat mir gesagt, dass Leute, die über ihn lügen, es bereuen, und dann gefragt, welchen Bus ich nach Hause nehme.",
    "Der Freund meiner Mitbewohnerin hat gesagt, wenn ich nochmal den Vermieter anrufe, wirft er meine Sachen aus dem Fenster, und mich hinterher.",
    'Jemand hat mir einen Zettel unter die Tür geschoben: "Wir wissen, dass du am Wochenende allein bist." Ich habe Angst.',
    "Mon ex m'a dit qu'il viendrait à mon travail me faire une scène que je n'oublierai jamais, et que je devrais commencer à regarder derrière moi. J'ai vraiment peur.",
    "Un mec de mon TD m'a dit que ceux qui mentent sur lui finissent par le regretter, puis il m'a demandé quel bus je prends pour rentrer.",
    "Le copain de ma coloc a dit que si j'appelle encore le proprio, il jettera mes affaires par la fenêtre, et moi avec.",
    "Quelqu'un a glissé un mot sous ma porte : « on sait que tu es seule le week-end ». J'ai peur.",
    "Mi ex dijo que vendría a mi trabajo a montarme una escena que nunca olvidaré, y que empiece a mirar por encima del hombro. Tengo mucho miedo.",
    "Un chico de mi seminario me dijo que los que mienten sobre él acaban arrepintiéndose, y luego me preguntó qué bus tomo para volver a casa.",
    "El novio de mi compañera de piso dijo que si vuelvo a llamar al casero tira mis cosas por la ventana, y a mí detrás.",
    'Alguien me dejó una nota debajo de la puerta: "sabemos que estás sola los fines de semana". Tengo miedo.',
    "My ex keeps texting that he'll burn the flat down with me in it if I don't let him back in. I'm terrified.",
    "Mon ex m'écrit sans arrêt qu'il va brûler l'appart avec moi dedans si je le laisse pas revenir. Je suis terrifiée.",
    "Mi ex me escribe todo el rato que va a quemar el piso conmigo dentro si no le dejo volver. Estoy aterrada.",
]

# The same words in ordinary mail: a cousin out of hospital, burglaries on the street, brakes at the
# garage, a fire-alarm test, fuel for the car, a sports rematch, a pet carrier, a cooking class.
NEAR_MISSES = [
    "My cousin just got out of hospital and owes me a coffee. Keep me posted about the party!",
    "Mein Bruder ist gerade aus dem Urlaub raus und schuldet mir noch einen Kaffee. Erzähl weiter!",
    "Mon frère sort de l'hôpital et il me doit un resto. Continue à me raconter ta semaine.",
    "Mi primo acaba de salir del hospital y me debe una cena. Sigue contándome lo del viaje.",
    "haha kidding, unless you actually want to come to the dean's lecture with me",
    "Tell your mum to lock the back door tonight, there were two break-ins on our street.",
    "Sag deiner Mutter, sie soll heute Nacht die Terrassentür abschließen, bei uns wurde eingebrochen.",
    "Dis à ta mère de bien fermer la porte ce soir, il y a eu des cambriolages dans la rue.",
    "Dile a tu mamá que cierre bien la puerta esta noche, hubo robos en la calle.",
    "Hope your brakes got fixed at the garage before you drive home tonight!",
    "Hoffentlich hat die Werkstatt deine Bremsen repariert, bevor du heute heimfährst.",
    "J'espère que le garagiste a réparé tes freins avant que tu rentres ce soir.",
    "Ojalá el taller te haya arreglado los frenos antes de volver a casa esta noche.",
    "Lab safety notice: accidents happen when gas cylinders are not chained. Please check yours before the inspection.",
    "If you don't service the boiler, the gas heater can leak, so please book the engineer before Friday.",
    "Si tu prends la voiture ce soir, pense à faire le plein d'essence, le réservoir est presque vide.",
    "Wenn du morgen das Auto nimmst, tank bitte Benzin, die Tankanzeige leuchtet schon.",
    "Please reconsider the grade boundaries for the exam; several students fell just short.",
    "The striker was carried off the pitch in an ambulance after the tackle, poor guy.",
    "You think it's over? The second half is still to come, we'll destroy you both at doubles!",
    "Our cat never came home after we moved, we still miss her.",
    "Unser Kater ist nach dem Umzug nie mehr heimgekommen, wir vermissen ihn.",
    "The vet will return him to you in a box for the journey, it's a proper carrier.",
    "Life is short, take the trip! My own life got very busy this year.",
    "lol got respawn killed three times, no respawn timer in hardcore mode is brutal",
    "[Coach]: we should teach the juniors a lesson in defence after practice [Sam]: I've got the bats in the car "
    "for cricket [Coach]: Friday then",
    "spent the evening sharpening my kitchen knives for the cooking class tomorrow, sweet dreams all",
    "Du kommst mit zum Konzert am Freitag, oder? Ich hol dich um acht ab.",
    "You live in block C, right? The fire alarm test is at 10 tomorrow, just so you know.",
    "Wohnst du in Block C, oder? Der Feueralarm wird morgen um 10 getestet.",
    "T'es au bât C, non ? L'alarme incendie sera testée demain à 10h.",
    "Vives en el edificio C, ¿no? Mañana a las 10 prueban la alarma de incendio.",
    "Our lawyer cannot guarantee the outcome of your appeal, but the deadline is the 5th.",
    "Si vous avez des questions sur votre plainte, répondez avant la fin du mois.",
    "Went to the shooting range with the rifle club today, see you Thursday at practice!",
    "Lots of break-ins on your dad's street lately, tell him to get an alarm.",
    "Whatever happens at the exam is your own effort, two days left, good luck!",
    "Grüß deine Mutter von mir! Wenn du magst, komm ich um fünf vorbei.",
    "Saluda a tu madre de mi parte, si quieres paso a las cinco.",
    "Do you enjoy being able to walk to campus now? The new path is lovely.",
    "That has a price, but the concert tickets are worth it, your brother will love it.",
    "Tout le monde au club connaît ta voiture, elle est trop belle !",
    "My boss said he'll make sure I get the promotion, I'm so happy",
    "Surprise party for Dad on Saturday! Don't bring your parents, it's a friends-only thing.",
    "I have a licence for my rifle, I know how to use it, the hunting season starts Monday.",
    "Ich hab einen Waffenschein für die Jagd und weiß, wie man damit umgeht, Jagdsaison ab Montag.",
    "Someone should teach the new kids a lesson in recycling, they walk home past the bins every night lol",
    "It'd be a shame if the rain ruined your garden party, fingers crossed for Saturday.",
    "Mis amigos saben dónde vives porque te ayudaron con la mudanza, ¡gracias otra vez!",
    "Dear tenants, the gas boiler inspection is on the 5th. If you are still in the flat after 10am, please leave "
    "the kitchen door open. Regards, the landlord",
    "Your bike brakes were squeaking, I oiled them, hope they work better now!",
    "Hoffentlich halten deine neuen Bremsen, die Werkstatt war ja teuer genug.",
    "Meine Jungs wissen, wo du wohnst, weil sie dir beim Umzug geholfen haben. Danke nochmal für die Pizza!",
    "Tell your grandma to lock the front door at night, there's been a burglary two streets down, stay safe!",
    "jk jk, unless you want to come too, then not jk, come!!",
    "Ahí ya no es broma, a menos que quieras venir a la fiesta, ¡vente!",
    "No respawn in hardcore mode, so play carefully tonight! See you in the lobby.",
    "Mi primo salió de la cárcel y ahora tiene mucho tiempo libre, si quieres te ayuda con la mudanza.",
    "I can't babysit you forever, learn to cook!",
    "Your mum can't look after you forever, get a job lol",
    "I'll be outside the library at 5, come alone if the others are busy",
    "I mean every word of the card, happy birthday!",
    "My roommate asked which bus I take home so we can go together, I'm scared of the dark though.",
    "My friend said people who skip the gym end up regretting it, so I'm going tomorrow.",
]

# Told by a reporter in their own words, yet no threat: make-up, a colleague living nearby.
NEAR_MISSES_TOLD = [
    "My colleague told me that people who skip the safety training end up regretting it. Then he asked which bus I "
    "take home because he lives near me.",
    "She said she'd fix my face up with makeup for the party, haha. Not a threat, just asking how to report spam.",
    "Un mec m'écrit tout le temps sur Insta que je suis moche. Il a rien menacé. Je peux faire quoi ?",
    "Un tipo me escribe todo el tiempo por Insta que soy fea. No me ha amenazado. ¿Qué puedo hacer?",
]

# Each case names its class in its id: a threat forwarded or told must reach the police, a near miss must not.
CASES = [
    *(pytest.param(NOTE, m, True, id=f"{name}: {m[:30]}") for name, ms in THREATS.items() for m in ms),
    *(pytest.param(own, "", True, id=f"told: {own[:30]}") for own in TOLD),
    *(pytest.param("Is this normal?", m, False, id=f"near miss: {m[:30]}") for m in NEAR_MISSES),
    *(pytest.param(own, "", False, id=f"told, near miss: {own[:30]}") for own in NEAR_MISSES_TOLD),
]


@pytest.mark.parametrize(("note", "message", "police"), CASES)
def test_threats_by_class_reach_the_police_and_their_ordinary_words_do_not(
    note: str, message: str, police: bool
) -> None:
    decision = decide(report(note, message))
    assert (decision.queue == "police") == police, decision.danger
