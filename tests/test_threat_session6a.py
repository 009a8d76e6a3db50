"""Threats by class as a tenth author wrote them: history, false reports, faith, bravado, hired hands, staff notes.

The tenth author wrote for people targeted for who they are or what they said: lecturers, researchers,
minority and foreign students. Every phrasing here was written for this test (none is in the evaluation
set, none is a pattern's term word for word). Each class comes in English, German, French and Spanish,
beside ordinary messages and notes that share its words and must stay below the police band.
"""

from __future__ import annotations

import pytest

from tests.test_threat import decide, report

FORWARDED_WITH = "Got this today."

THREATS = {
    "the fate of the reader's kind": [
        "Folks like you used to get run out of town on a rail. Plenty of us would happily bring that back.",
        "Für Typen wie dich gab es damals Lager. Platz wäre da noch genug.",
        "On savait quoi faire des gens comme vous en 1942. Il reste encore de la place, croyez-moi.",
        "Franco sabía qué hacer con las profesoras como tú. Es cuestión de tiempo que vuelva.",
        "In the 30s they knew how to deal with professors like you. Trains still run, you know.",
        "Menschen wie Sie wurden früher abgeholt. Es ist nur eine Frage der Zeit, bis es wieder so weit ist.",
        "Les femmes comme toi, on les brûlait autrefois. Le bûcher peut revenir plus vite que tu crois.",
        "A las maestras como tú antes se las llevaban de noche. Tiempo al tiempo.",
    ],
    "a false report, under a condition": [
        "Withdraw the harassment report by Monday, or I call immigration and tell them your student visa is a sham.",
        "Zieh deine Aussage zurück, sonst melde ich dich bei der Ausländerbehörde. Dann bist du weg.",
        "Retire ton signalement ou j'appelle la préfecture pour ton titre de séjour. Ta carrière est finie.",
        "Si no retiras la queja, llamo a migración y te deportan antes de Navidad.",
        "Keep pushing this complaint and I'll tell the police you attacked me first. Your career ends this week.",
        "Wenn du weiter Ärger machst, erzähle ich dem Dekan, dass du mich begrapscht hast. Dein Studium ist dann vorbei.",
        "Si tu continues, je dirai au doyen que tu m'as agressée. Ta thèse est finie.",
        "Como sigas, le digo a la policía que me pegaste. Tu beca se acaba ya.",
    ],
    "bravado dared where the reader is alone": [
        "You're very brave on twitter. Let's see if you're just as brave when you're alone in the car park tonight.",
        "Mal sehen, ob du auch so mutig bist, wenn du nachts allein aus dem Labor kommst.",
        "On verra si t'es toujours aussi fière quand tu seras seule dans le parking ce soir.",
        "A ver si eres tan valiente cuando estés sola en el estacionamiento de noche.",
        "Big talk behind a keyboard. We'll see how big you are when it's just you and me in the stairwell.",
        "T'es une grande gueule derrière ton écran. On verra si t'es aussi maligne quand on sera seuls dans l'escalier.",
        "Muy valiente detrás de la pantalla. A ver si eres tan chulo cuando estemos solos en la escalera.",
    ],
    "a punishment from above, carried out": [
        "May God punish you for what you wrote about our faith. And if God is slow, my brothers are not.",
        "Gott wird dich strafen, und wenn er zu lange zögert, helfen meine Cousins nach.",
        "Dieu te punira pour ce que tu as fait. Et si Dieu tarde, mes frères s'en chargeront.",
        "Que Dios te castigue por lo que hiciste. Si Dios tarda, mis hermanos se encargarán de ti.",
        "God will judge you for this, and we will be His hands when the time comes.",
        "Gott soll dich strafen, und wenn er sich Zeit lässt, sind wir seine Hände.",
        "Que Dieu te juge pour ça. Et s'il prend son temps, nous serons ses mains.",
        "Dios te castigará por esto, y si se demora, seremos sus manos.",
    ],
    "harm imagined aloud": [
        "Hypothetically, how long would it take a fire to spread through a ground floor flat like yours? Just wondering.",
        "Rein hypothetisch: Wenn jemand etwas in deinen Tee kippt, würde das jemand merken? Frag ja nur.",
        "Admettons que quelqu'un glisse un produit dans ta gourde à la salle de sport. Simple question, hein.",
        "Pregunta inocente: si alguien echara algo en tu café del despacho, ¿alguien se daría cuenta? Solo pregunto.",
        "Hypothetically, if someone slipped something into your water bottle at training, would anyone notice? Asking for a friend.",
        "Nur mal angenommen, jemand schüttet was in deinen Kaffee im Büro. Würde das auffallen?",
        "Supposons que quelqu'un mette un truc dans ton verre à la soirée. Ça se verrait ? Je demande pour un ami.",
        "Imagínate que alguien pone algo en tu bebida en la fiesta. ¿Se notaría? Solo pregunto.",
    ],
    "someone invited to teach a lesson": [
        "Somebody really should give that lecturer a lesson he won't walk away from. He parks behind building C every Thursday.",
        "Irgendwer müsste dieser Dozentin mal eine Lektion erteilen. Sie geht donnerstags immer allein zum Parkplatz.",
        "Il faudrait que quelqu'un donne une bonne leçon à ce prof. Il sort seul du labo le jeudi soir.",
        "Alguien debería darle un escarmiento a esa profesora. Los martes sale sola de la facultad a las diez.",
    ],
    "others who ask no questions": [
        "My uncle knows people who don't ask questions. One call and your little brother won't feel safe on his way to school.",
        "Mein Onkel kennt Leute, die nicht lange fragen. Ein Anruf, und deine Schwester hat ein Problem auf dem Schulweg.",
        "J'ai des potes qui posent pas de questions. Un coup de fil et ta sœur aura des soucis en rentrant du lycée.",
        "Tengo amigos que no hacen preguntas. Una llamada y tu hermano no vuelve tranquilo del colegio.",
        "My brother knows guys who don't ask why. Say the word and your dad's garage gets visitors.",
        "Meine Cousins fragen nicht lange. Ein Anruf, und dein Vater bekommt Besuch in seinem Laden.",
        "Mes frères posent jamais de questions. Un coup de fil et ton père reçoit de la visite au magasin.",
        "Mis primos no hacen preguntas. Una llamada y tu papá recibe una visita en la tienda.",
    ],
    "a visit, and what follows": [
        "I'll be paying you a little visit at your office on Friday, and you won't be standing when I leave.",
        "Ich komme persönlich in Ihr Büro, und danach brauchen Sie selbst einen Krankenwagen.",
        "Je passerai te voir à ton bureau vendredi. Une visite que tu n'oublieras jamais.",
        "Le haré una visita a su despacho el lunes, y no va a ser para tomar un café.",
        "If my daughter fails because of you, I'll come to your office personally, and you'll need a doctor afterwards.",
        "Si ma fille redouble à cause de vous, je viendrai vous voir en personne, et vous ne l'oublierez jamais de votre vie.",
        "Si mi hija suspende por su culpa, iré a verla a su despacho, y esa visita no la olvidará en su vida.",
        "Wenn meine Tochter wegen Ihnen durchfällt, schaue ich persönlich bei Ihnen vorbei, und danach brauchen Sie einen Arzt.",
    ],
    "the writer's death, and the reader's": [
        "If you go I'm ending it tonight, but first I'll come over and make you understand what you did.",
        "Wenn du gehst, spring ich vom Dach. Aber vorher komm ich noch zu dir.",
        "Si tu pars je me jette sous un train, mais tu souffriras avant moi.",
        "Si me dejas me tiro del puente, pero antes vas a sufrir tú también.",
        "If you leave me I'll kill myself, but not before you suffer for it.",
        "Wenn du mich verlässt, bring ich mich um, aber vorher wirst du leiden.",
        "Si tu me quittes je me tue, mais avant tu vas souffrir toi aussi.",
        "Si me dejas me mato, pero antes te voy a hacer sufrir.",
    ],
    "the reader's things": [
        "Shame if that shiny new scooter of yours caught fire outside your halls one night.",
        "Wie lange dein Auto wohl noch heil bleibt, wenn du weiter so über mich redest?",
        "Continue à me mettre des zéros et tu vas voir ce qui arrive à ta bagnole sur le parking.",
        "Sigue hablando de mí y vamos a ver cuánto te dura el coche aparcado en la facultad.",
        "Pretty car you've got there. Be a pity if it went up in flames one night in that car park.",
        "Schönes Auto. Wäre schade, wenn es mal nachts in Flammen aufgeht.",
        "Belle voiture. Ce serait dommage qu'elle prenne feu une nuit sur le parking.",
        "Bonito coche. Sería una lástima que se incendiara una noche en el estacionamiento.",
    ],
    "the reader's address going round": [
        "One more video about me and your home address goes up on the group. What the lads do with it is not my problem.",
        "Noch ein Post über mich und deine Privatadresse landet online. Was die Leute dann machen, ist nicht meine Sache.",
        "Encore une story sur moi et ton adresse circule sur le serveur. Les gars feront le reste.",
        "Un tuit más sobre mí y tu dirección va a estar circulando en el foro. Mis muchachos harán el resto.",
        "Another post about me and your address goes online on the forum. The rest is up to the lads.",
        "Noch ein Video über mich und deine Adresse landet online. Den Rest erledigen andere.",
        "Encore une vidéo sur moi et ton adresse va circuler partout. Les autres feront le reste.",
        "Otro video sobre mí y tu dirección va a andar circulando. El resto lo harán otros.",
    ],
    "protection ends, pointedly": [
        "You'd better hope your boyfriend walks you home every night from now on.",
        "Du wirst nicht immer von Kollegen umgeben sein, Frau Professor. Abends ist das Institut leer.",
        "Vous ne serez pas toujours accompagnée, Madame. Le couloir est désert le soir.",
        "No siempre vas a estar rodeada de tus alumnos, profe. El pasillo queda vacío de noche.",
    ],
    "people who wish the reader harm, and a warning": [
        "There are people who want you hurt, just so you know. Watch yourself leaving the gym.",
        "Es gibt Leute, die dir was Böses wollen. Pass auf, wenn du aus der Bibliothek kommst.",
        "Y a du monde qui te veut du mal, fais attention en sortant de la bibliothèque.",
        "Hay gente que te quiere hacer daño. Ten cuidado al salir del gimnasio.",
    ],
}

# Staff or the reporter tell of a threat made to someone else, in the third person: no message forwarded.
TOLD = [
    "Note for the file: a caller asked for our Jewish lecturer and said she won't live to see Passover. Reception logged the time.",
    "Aktennotiz: Ein Anrufer sagte, man werde die Sache mit der Kollegin bald regeln, notfalls mit Gewalt.",
    "Note : un appelant a dit que la prof ne verra pas la fin de l'année. L'accueil a noté l'heure.",
    "Nota para el expediente: en la pizarra del aula apareció escrito 'TE QUEDAN POCOS DÍAS, PROFE'. Seguridad tomó fotos.",
    "Note to file: a man phoned the department and said the new lecturer won't see Christmas.",
    "Protokoll: Ein Anrufer sagte, die Dozentin werde Weihnachten nicht mehr erleben.",
    "Note au dossier : un homme a appelé et a dit que la maîtresse de conférences ne verra pas Noël.",
    "Nota: un hombre llamó y dijo que la profesora no llegará a ver la Navidad.",
]

# The same words in ordinary mail: a history lesson, an admin reminder, a blessing, banter, a parent's visit.
NEAR_MISSES = [
    "My grandparents used to talk about people like us getting sent to camps in 1942; the museum visit was moving.",
    "Leute wie du waren früher Bauern, heute studieren sie Informatik. Frage der Zeit, bis du Professorin bist!",
    "Tu finiras comme ta mère, médecin et heureuse, c'est tout ce que tu mérites !",
    "Los profesores como usted antes eran escasos; todavía hay sitio en el programa de mentoría, ¿se apunta?",
    "If you don't submit the visa form by Friday, the international office will call immigration to confirm your enrolment.",
    "Si no pagas la matrícula antes del viernes, la secretaría avisará a extranjería de tu baja.",
    "Si tu ne rends pas le dossier, la préfecture va te convoquer pour ton titre de séjour. Bon courage !",
    "Wenn du das Formular nicht abgibst, meldet die Uni das der Ausländerbehörde. Denk dran!",
    "Let's see if you're as brave at karaoke tonight as you were on twitter haha",
    "A ver si eres igual de valiente en la clase de escalada el viernes, ¡que la pared es alta!",
    "On verra si tu es aussi courageuse au cours de plongée samedi soir !",
    "Mal sehen, ob du beim Bungee-Sprung am Samstag auch so mutig bist!",
    "May God bless you and your family; if God is slow to answer, the community will help you move on Saturday.",
    "Que Dios te bendiga. Si Dios tarda, mis hermanos de la parroquia te ayudan con la mudanza.",
    "Hypothetically, how long would a fire alarm test take in the ground floor lab? Just wondering for the safety briefing.",
    "Admettons que quelqu'un renverse du café dans ta tasse, tu la laves toi-même ? Simple question pour la coloc.",
    "Someone should give the new intern a lesson on the coffee machine, she's on shift every Thursday.",
    "Irgendwer müsste den Erstis mal eine Lektion in Mülltrennung erteilen, die gehen donnerstags immer allein heim lol",
    "My cousins don't ask questions, they just help. One call and your move on Saturday is sorted!",
    "Mon oncle connaît des gens qui posent pas de questions, ils réparent ta voiture en une journée.",
    "I'll pay you a visit at your office on Friday to drop off the books, and I'll bring coffee.",
    "Je passerai te voir au bureau vendredi, une visite que tu n'oublieras pas : j'apporte des croissants !",
    "If you miss the bus I'm ending it here, the group project I mean. First I'll come over and finish the slides.",
    "Shame if your new scooter got a scratch in that tiny car park, park it in the garage instead.",
    "Combien de temps ta voiture va tenir avec ces pneus usés ? Passe au garage cette semaine !",
    "Your home address goes up on the alumni directory unless you opt out by Friday.",
    "You won't always be surrounded by your classmates, so learn to cook for yourself next year.",
    "No siempre vas a estar rodeada de tu familia, así que aprende a cocinar este verano.",
    "Y a des gens qui te veulent du bien, fais attention à toi et repose-toi après les partiels.",
    "Es gibt Leute, die dir helfen wollen. Pass auf dich auf, wenn du morgen aus dem Krankenhaus kommst.",
    "Les nuits sont longues en janvier, ma belle : fais attention à toi et prends un taxi après la soirée.",
    "Das Institut hat große Glasfenster und ich habe viele Freunde in dieser Stadt, komm doch vorbei!",
    "Pregunta inocente: ¿si se me cae el café en el portátil, quién paga? Solo pregunto, jaja.",
    "Students like you used to get sent to the headmaster in my day, haha. Now you get a gold star.",
    "They knew how to deal with students like you at my old school: extra tutoring every Friday at 4.",
    "Les femmes comme toi, on les adore au club de lecture. Ça peut revenir à la mode, les clubs !",
    "Los alumnos como tú antes acababan la carrera en cuatro años. Tiempo al tiempo, ya llegarás.",
    "Tiempo al tiempo, profe, ya verá que los alumnos como yo aprendemos.",
    "If my grade doesn't improve I'll tell the dean you were right all along, honestly.",
    "Si tu rates encore le bus, je dirai à maman que tu m'as aidé pour les devoirs, promis.",
    "Wenn du nicht kommst, rufe ich die Ausländerbehörde an wegen deines Termins, die wollten dich sprechen.",
    "The movie was about immigration: the heroine calls the Home Office and the officer says her life is over.",
    "Imaginons que quelqu'un mette du sucre dans ton café, tu le sentirais ? Simple question pour ma thèse.",
    "Que Dios te bendiga y te proteja. Si tarda, paciencia, hija.",
    "God sees what you did for the food bank and we will be His hands in the next drive, thank you!",
    "My uncle knows people who don't ask questions, they'll move your piano on Saturday for cash.",
    "Mis primos no hacen preguntas, te pintan el piso en un día y barato.",
    "A ver si eres tan valiente en la montaña rusa cuando estemos solos en la fila, jaja.",
    "My grandma won't see Christmas with us this year, she said she's staying in Spain. So sad.",
    "Mi abuela dijo que no llegará a ver la Navidad con nosotros, se queda en Chile este año.",
    "Pretty car! Be a pity if it got a scratch, park in the garage.",
    "Si ma fille redouble, je viendrai vous voir pour en parler calmement avec l'équipe pédagogique.",
    "If your daughter fails the year, I'll come to your office personally to discuss a support plan.",
    "Wenn meine Tochter durchfällt, komme ich persönlich in Ihre Sprechstunde, um die Förderung zu besprechen.",
    "Si mi hija suspende, iré a verla a su despacho para hablar de las recuperaciones.",
    "Your address goes online on the group chat for the secret santa, tell me if that's not ok!",
    "Tu dirección va a andar circulando en el grupo de la boda para las invitaciones, ¿ok?",
    "Rein theoretisch: Wie lange bräuchte ein Feuer im Kamin, bis das Wohnzimmer warm ist?",
    "Il reste encore de la place dans le bus pour la sortie, les gens comme toi sont les bienvenus !",
]

NEAR_MISSES_TOLD = [
    "Note for the file: the caller said she won't see the end of the quarter report until Friday.",
    "Signalement : le 4 mars un étudiant a dit que la prof ne verra pas sa copie avant lundi.",
]

CASES = [
    *(pytest.param("", FORWARDED_WITH, m, True, id=f"{kind}: {m[:30]}") for kind, ms in THREATS.items() for m in ms),
    *(pytest.param(own, "", "", True, id=f"told: {own[:30]}") for own in TOLD),
    *(pytest.param("", FORWARDED_WITH, m, False, id=f"near miss: {m[:30]}") for m in NEAR_MISSES),
    *(pytest.param(own, "", "", False, id=f"near miss, told: {own[:30]}") for own in NEAR_MISSES_TOLD),
]


@pytest.mark.parametrize(("told", "note", "message", "police"), CASES)
def test_tenth_author_classes_reach_the_police_band_and_their_near_misses_do_not(
    told: str, note: str, message: str, police: bool
) -> None:
    danger = decide(report(told or note, message)).danger
    assert (danger.band == "police") is police, danger.summary()
