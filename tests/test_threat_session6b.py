"""Threats by class as an eleventh author wrote them: jealousy, custody, coercive control, debts, regional speech.

Every phrasing here was written for this test (none is in the evaluation set nor in the patterns word
for word). Each class comes in English, German, French and Spanish, beside ordinary messages that share
its words and must stay off the police desk.
"""

from __future__ import annotations

import pytest

from tests.test_threat import decide, report

NOTE = "Got this today, not sure what to do."

THREATS = {
    "jealousy and harm": [
        "If I catch you with that guy again I'll stab him and then you, I swear.",
        "Seh ich dich nochmal mit dem anderen, dann stech ich euch beide ab.",
        "Si je te revois avec ce mec, je vous crame tous les deux dans sa bagnole.",
        "Si te vuelvo a ver con ese pibe los atropello a los dos con la camioneta.",
        "Your new fella is going in the river if he stays over one more night.",
    ],
    "never see the children again": [
        "Take the kids to your sister's without my say so and you'll never see them again.",
        "Wenn du zur Anwältin gehst, siehst du die Kleinen nie wieder. Merk dir das.",
        "Si tu appelles l'avocate, tu ne les reverras plus jamais, les petits.",
        "Si vas con la trabajadora social, nunca más los vas a ver, a ninguno de los dos.",
    ],
    "nobody else will have you": [
        "If I can't have you nobody will, and whoever comes near you finds out what I mean.",
        "Du gehörst zu mir, und wenn ich dich nicht haben kann, soll dich kein anderer haben. Ich bring jeden um, der es versucht.",
        "Avec moi ou avec personne, et celui qui t'approche, je le tue.",
        "Mía o de nadie, aunque tenga que romperte para que nadie más te tenga.",
    ],
    "next time it won't be the door": [
        "Sorry about the wall. But if you talk back like that again, next time it won't be the wall.",
        "Tut mir leid wegen dem Teller. Aber wenn du mich noch einmal so anschreist, weiß ich nicht, was meine Fäuste machen.",
        "Désolé pour le miroir. Mais si tu recommences, ce sera pas le miroir que je casserai.",
        "Perdón por el espejo. Pero si me vuelves a gritar, el espejo va a ser lo de menos.",
    ],
    "collected, and not in cash": [
        "You owe me 300 for the sofa. Pay it by Friday or I come round with two mates, and not exactly in cash.",
        "Die 500 Euro bis Sonntag, sonst komm ich mit ein paar Jungs vorbei, und nicht unbedingt in bar.",
        "Tu me rends mes 400 balles avant samedi ou je passe avec deux potes, et pas forcément en liquide.",
        "Me pagas lo del alquiler antes del lunes o vengo con unos compas, y no precisamente en efectivo.",
    ],
    "had you kept quiet": [
        "Should have kept your mouth shut at the panel. Now your brother gets to look over his shoulder every night.",
        "Hättest du bei der Kommission den Mund gehalten, müsste dein Freund jetzt nicht dauernd über die Schulter schauen.",
        "Si tu t'étais tue devant le jury, ta soeur n'aurait pas à regarder derrière elle tous les soirs.",
        "Si te hubieras callado en el comité, tu hermana no tendría que mirar atrás cada vez que sale del gym.",
    ],
    "a hidden weapon hinted at": [
        "Pick up or I'm coming to your office with you know what in my bag.",
        "Geh ran, oder ich komm mit du weisst schon was im Rucksack zu deiner Arbeit.",
        "Décroche ou je viens à ton taf avec ce que tu sais dans la poche.",
        "Contesta o voy a tu oficina con lo que ya sabes en la mochila.",
    ],
    "a court order will not stop the writer": [
        "Your restraining order won't stop me, paper doesn't stop a knife.",
        "Dein Kontaktverbot hin oder her, so ein Papier hält kein Messer auf.",
        "Ton ordonnance, un papier ça n'arrête pas un couteau, tu le sais.",
        "Tu orden de alejamiento es un papel, y un papel no detiene un cuchillo.",
    ],
    "others near the reader's home": [
        "Report me if you like. My cousins hang around your street a lot, and your mum walks the dog alone at night.",
        "Zeig mich ruhig an. Meine Jungs hängen eh oft in deiner Gegend rum, und deine Mutter geht abends allein heim.",
        "Porte plainte si tu veux. Mes potes traînent souvent dans ton quartier, et ta mère rentre seule le soir.",
        "Denúnciame si quieres. Mis primos andan seguido por tu barrio y tu mamá sale sola de noche.",
    ],
    "when you least expect it": [
        "You'll pay for what you said to the dean, when you least expect it.",
        "Das wirst du bereuen, und zwar wenn du am wenigsten damit rechnest.",
        "Tu vas le payer, quand tu t'y attendras le moins.",
        "Me las vas a pagar, cuando menos te lo esperes.",
    ],
    "the reader's home or car is next": [
        "Watched the bins go up in flames last night, petrol works wonders. Your car is next.",
        "Der Müllcontainer hat gestern schön gebrannt, Benzin wirkt Wunder. Dein Auto ist als Nächstes dran.",
        "La poubelle a bien flambé hier, l'essence c'est magique. Ta bagnole, c'est la prochaine.",
        "Ayer ardió el contenedor, la gasolina hace milagros. Tu coche es el siguiente.",
    ],
    "not me, but others": [
        "I won't do anything to you, but my brother is not as patient as me and he knows where you park.",
        "Ich tu dir nichts, aber mein Bruder ist nicht so geduldig wie ich, und er weiß, wo du wohnst.",
        "Moi je te ferai rien, mais mon cousin est pas aussi patient que moi, et il sait où tu habites.",
        "Yo no te voy a hacer nada, pero mi hermano no es tan paciente como yo y sabe dónde vives.",
    ],
    "a shame, said of the reader's things or face": [
        "Nice bike. Wouldn't want you getting a flat tyre on the ring road some night.",
        "Wär wirklich schade um deinen Roller, wenn der mal brennt.",
        "Jolie vitrine. Dommage de la retrouver en miettes un matin.",
        "Linda carita, sería una lástima que le cayera ácido.",
    ],
    "the writer's death, and the reader's": [
        "If you go, I'll end it all, and I'm not going alone either.",
        "Wenn du gehst, bring ich mich um, und dann gehen wir zusammen.",
        "Si tu pars, je me tue, et on part tous les deux.",
        "Si te vas, me mato, y nos vamos los dos juntos.",
    ],
    "others were hurt for less": [
        "You laughed at me in front of my mates. Lads have lost teeth for less.",
        "Du hast mich vor allen ausgelacht. Andere sind für weniger im Krankenhaus gelandet.",
        "Tu m'as ridiculisé devant tout le monde. D'autres ont fini aux urgences pour bien moins que ça.",
        "Me dejaste en ridículo delante de todos. Otros acabaron en urgencias por mucho menos.",
    ],
    "a key or the door code, and the reader's bed": [
        "Still got the spare key. One of these nights you'll wake up and I'll be at the foot of your bed.",
        "Du hast mich blockiert, süß. Ich kenne deinen Türcode.",
        "Tu m'as bloqué partout. Pas grave, je connais le digicode de ton immeuble.",
        "Me bloqueaste, qué tierna. Todavía tengo la llave de tu depa y un día te despiertas y estoy ahí.",
    ],
    "never rid of the writer, and no talking": [
        "You'll never be rid of me. Wherever you move, one day I'm at the door, and then we won't be talking.",
        "Du wirst mich nie los. Irgendwann steh ich wieder vor deiner Tür, und dann reden wir nicht mehr.",
        "Tu crois qu'un nouvel appart va m'empêcher de te trouver? La prochaine fois je sonnerai pas.",
        "¿Crees que una cerradura nueva me va a detener? La próxima vez no toco el timbre.",
    ],
    "a suicide threat that takes the reader too": [
        "If you walk out, I'll do something stupid, and not just to myself.",
        "Wenn du gehst, tu ich mir was an, und nicht nur mir.",
        "Si tu me quittes, je fais une bêtise, et pas seulement sur moi.",
        "Si me dejas me mato, pero antes voy a pasar por tu casa a despedirme de ti.",
    ],
    "insurance before a testimony": [
        "If you testify next week, I hope your dad has good health insurance.",
        "Wenn du vor Gericht aussagst, hoffentlich ist deine Mutter gut versichert.",
        "Si tu témoignes lundi, j'espère que ton frère a une bonne mutuelle.",
        "Si declaras el martes, ojalá tu hermana tenga buen seguro médico.",
    ],
    "the next one found": [
        "Talk to the tutor again and you'll be the next one found at the bottom of the stairwell.",
        "Red noch einmal mit dem Dekan, dann wirst du die Nächste sein, die man unten an der Treppe findet.",
        "Parle encore au doyen et tu seras la prochaine qu'on retrouve en bas des escaliers.",
        "Habla otra vez con la decana y vas a ser la próxima en aparecer al pie de la escalera.",
    ],
    "the police take twenty minutes": [
        "Call the cops if you want. They take twenty minutes, I need two.",
        "Ruf doch die Polizei. Bis die da sind, bin ich längst fertig mit dir.",
        "Appelle les flics si tu veux. Ils mettent vingt minutes, moi il m'en faut deux.",
        "Llama a la policía si quieres. Tardan veinte minutos y a mí me sobran dos.",
    ],
    "the reader's pet taken for a long ride": [
        "Your cat keeps sitting on the wall by the road. Ignore me again and I'm taking her for a long ride.",
        "Dein Hund wartet immer allein im Hof. Noch einmal ignoriert, dann mach ich mit ihm eine lange Spazierfahrt.",
        "Ton chien attend tout seul dans la cour. Ignore-moi encore et je l'emmène faire une longue balade.",
        "Tu perrito se queda solo en el patio. Si me vuelves a ignorar lo llevo a dar un largo paseo.",
    ],
    "a hazard where the reader was seen": [
        "Yesterday I walked past your office. Lots of stairs there, aren't there? Be a shame to miss a step.",
        "Gestern war ich vor deinem Büro. Ganz schön viele Treppen, oder? Da stürzt man schnell.",
        "Hier je suis passé devant ton boulot. Beaucoup d'escaliers, hein. On glisse vite.",
        "Ayer estuve frente a tu oficina. Cuántas escaleras, ¿no? Uno se resbala fácil.",
    ],
    "just give me a reason": [
        "Got a can of petrol in the boot now. Just give me a reason.",
        "Der Kanister Benzin steht schon im Keller. Gib mir nur einen Grund.",
        "J'ai un couteau dans la boîte à gants. Donne-moi juste une raison.",
        "Tengo la pistola cargada en el cajón. Dame un motivo, nada más.",
    ],
    "a rope, and guess who for": [
        "Bought some rope at the hardware shop today. Guess who it's for.",
        "Heute einen Strick im Baumarkt gekauft. Rate mal, für wen.",
        "Acheté une corde ce matin au magasin. Devine pour qui.",
        "Hoy compré una soga en la ferretería. Adivina para quién.",
    ],
    "a lighter and the reader's things": [
        "Nice curtains you've got on the ground floor. Shame I always carry a lighter. Just saying.",
        "Hübsche Vorhänge hast du da unten. Mein Feuerzeug hab ich immer dabei, nur so gesagt.",
        "Jolis rideaux au rez-de-chaussée. J'ai toujours mon briquet sur moi, je dis ça comme ça.",
        "Lindas cortinas en la planta baja. Siempre llevo el mechero encima, solo digo.",
    ],
    "harm spelled out in other words": [
        "Disrespect me at the party again and you'll be picking your teeth up off the floor.",
        "Wenn du mich nochmal vor allen blamierst, kannst du deine Zähne vom Boden aufsammeln.",
        "Si tu témoignes contre moi, ta famille pleurera à ton enterrement.",
        "Si vuelves a hablar de mí, tu madre va a llorar en tu entierro.",
    ],
    "playing the victim, and a reason to be one": [
        "Keep playing the victim online and I'll give you a reason to cry.",
        "Mach nur so weiter mit der Opferrolle, dann geb ich dir einen Grund zum Heulen.",
        "Continue de faire la victime et tu vas vraiment en devenir une, promis.",
        "Segui haciéndote la víctima en Twitter y te voy a dar motivos de verdad.",
    ],
    "people who talk too much go quiet": [
        "People who talk too much always end up quiet. One way or another.",
        "Leute, die zu viel reden, werden irgendwann still. So oder so.",
        "Ceux qui parlent trop finissent toujours par se taire, d'une manière ou d'une autre.",
        "Los que hablan demasiado terminan callados, de una forma u otra.",
    ],
    "open up or the door comes off": [
        "I'm outside your building. Open the door or I'll kick it in.",
        "Ich steh vor deinem Haus. Mach auf, oder ich tret die Tür ein.",
        "Je suis en bas de chez toi. Ouvre ou je défonce la porte.",
        "Estoy abajo en tu portal. Abre o te tumbo la puerta.",
    ],
    "the reader's pet silenced for good": [
        "Your dog barks every night. Keep ignoring me and one day he'll go quiet for good.",
        "Dein Hund bellt jede Nacht. Wenn du mich weiter ignorierst, ist er eines Tages für immer still.",
        "Ton chien aboie toutes les nuits. Si tu continues à m'ignorer, un jour il se taira pour toujours.",
        "Tu perro ladra toda la noche. Si me sigues ignorando, un día se va a callar para siempre.",
    ],
    "the tongue cut out, the face ruined": [
        "Speak to my sister once more and I'll cut your tongue out.",
        "Sprich noch einmal mit meiner Schwester, dann schneid ich dir die Zunge ab.",
        "Reparle à ma soeur et je te coupe la langue.",
        "Vuelve a hablarle a mi hermana y te corto la lengua.",
    ],
    "paid in blood": [
        "You'll pay for what you said at the meeting, and you'll pay in blood.",
        "Du wirst dafür bezahlen, was du im Ausschuss gesagt hast, und zwar mit Blut.",
        "Tu vas payer ce que tu as dit au conseil, et tu le paieras de ton sang.",
        "Me las vas a pagar por lo del consejo, y con tu sangre.",
    ],
    "hunted anywhere, nothing left": [
        "Take the kids and run, I'll find you wherever you go and there'll be nothing left of you.",
        "Nimm die Kinder und hau ab, ich finde dich überall, und dann bleibt nichts von dir übrig.",
        "Pars avec les enfants et je te retrouverai partout, il ne restera rien de toi.",
        "Llévate a los niños y te busco por todas partes, no va a quedar nada de ti.",
    ],
    "your days are numbered": [
        "Keep talking to the press. Your days are numbered anyway.",
        "Red ruhig weiter mit der Presse. Deine Tage sind gezählt.",
        "Continue de parler aux journalistes. Tes jours sont comptés.",
        "Sigue hablando con la prensa. Tus días están contados.",
    ],
    "anyone could climb in": [
        "You sleep with the window open on the ground floor. Anyone could climb in, you know.",
        "Du schläfst im Erdgeschoss bei offenem Fenster. Jeder könnte einsteigen, weißt du.",
        "Tu dors au rez-de-chaussée avec la fenêtre ouverte. N'importe qui pourrait entrer.",
        "Duermes en la planta baja con la ventana abierta. Cualquiera podría entrar.",
    ],
}

# Told by the reporter in their own words, with nothing forwarded: coercive control, a car and a gun.
TOLD = [
    "My partner says if I go to the visa office alone he'll make sure I have an accident on the way. I'm scared.",
    "Mein Freund sagt, wenn ich zur Ausländerbehörde gehe, findet man mich im Graben. Ich habe Angst.",
    "Mon mari m'a dit que si je parle au consulat, ma famille au pays paiera. J'ai peur.",
    "Mi novio me dijo que si voy a migración me van a encontrar tirada en una cuneta. Tengo miedo.",
    "My ex texted that he is getting in the car right now to drive to my parents' and he has a gun at home.",
]

# The same words in ordinary mail: a new boyfriend, a debt, friends who help, a surprise party, a game, a door
# code for a party, a spare key, a seat on the plane, a climbing rope, a lighter for the candles, a library
# fine, a concert one would regret missing, a parcel for the reader's parents, a window left open for painters.
NEAR_MISSES = [
    "I saw you with your new boyfriend at the café, he's lovely! Bring him to the barbecue on Sunday.",
    "Hab dich mit deinem neuen Freund im Kino gesehen, ihr seid echt süß zusammen!",
    "Je t'ai vue avec ton nouveau copain au marché, il a l'air adorable.",
    "Te vi con tu nuevo novio en la feria, ¡qué bonita pareja!",
    "Lend him your umbrella and you'll never see it again, trust me.",
    "Die Kinder bleiben das Wochenende bei Oma, sie freuen sich schon riesig.",
    "Sorry about the mirror in the hallway, I'll buy a new one tomorrow.",
    "Entschuldige wegen dem Teller, ich kauf dir einen neuen.",
    "You owe me 20 for the pizza, pay me by Friday, cash or bank transfer, whatever's easier.",
    "Ich komm mit ein paar Freunden vorbei, wir bringen Kuchen mit.",
    "Je passe avec deux potes pour t'aider à monter l'armoire samedi.",
    "Paso con unos amigos a ayudarte con la mudanza el sábado.",
    "If you'd kept quiet during the film, your brother wouldn't have missed the ending, haha.",
    "The restraining order hearing is on Monday, the lawyer says the paperwork is ready.",
    "My cousins live around your area too, we should all get dinner sometime.",
    "Surprise party for Lea, she'll never guess it, when you least expect it the lights go out and everyone sings!",
    "The bonfire's on Saturday, bring petrol for the barbecue and your car is next to mine in the lot.",
    "I won't do anything about the noise, but my flatmate is not as patient as me, so maybe turn it down?",
    "Shame about your bike tyre, want me to patch it tonight?",
    "If you can't make it, nobody will take your seat, we'll keep it for you.",
    "Mi hijo no vuelve a ver esa serie, le dio pesadillas.",
    "Avec moi ou avec Paul, tu choisis ton binôme pour le TP.",
    "bro du bist so tot wenn wir nachher online zocken, headset laden!",
    "Para qué te quejas si luego no te quejas en la reunión, habla ahí.",
    "The new flat is on the ground floor, so keep the windows shut at night because of the mosquitoes.",
    "Door code is 4471, third floor, party starts at eight!",
    "Le digicode c'est 4471, troisième étage, on commence à 20h !",
    "I still have the spare key, shall I feed the cat on Sunday?",
    "You'll never be rid of me, I'm your sister! See you at Christmas.",
    "Du wirst mich nie los, ich bin deine beste Freundin. Bis Samstag!",
    "The police took twenty minutes to come to the break-in next door, so frustrating.",
    "If you testify at the tribunal, make sure you bring your health insurance card for the medical part.",
    "My grandpa lost teeth for less than a toffee, he says, so brush well!",
    "I'm taking the dog for a long walk after lunch, want to come?",
    "Yesterday I walked past your office, lots of stairs there, no wonder you're so fit!",
    "I seat you right behind me on the plane, row 14, seat C, so we can chat.",
    "Ich hab dir den Platz direkt hinter mir im Zug reserviert, Reihe 5.",
    "Bought some rope for the climbing trip on Saturday, are you coming?",
    "Ich hab ein Seil für die Kletterhalle gekauft, kommst du mit?",
    "J'ai pris le briquet pour les bougies de ton gâteau !",
    "Just give me a reason to skip the gym today lol",
    "Bring a lighter for the barbecue, your grill never lights.",
    "Stop playing the victim in the group project and do your part, please.",
    "People who talk too much in the library get shushed by the librarian, so careful!",
    "I'm outside your building with the pizza, open the door or it gets cold!",
    "Your dog barked all night, is he okay? Maybe the vet can help.",
    "Hoy compré una cuerda para tender la ropa, adivina qué color elegí.",
    "Tu vas le regretter si tu rates le concert ce soir, ils jouent toutes leurs vieilles chansons !",
    "Si tu rends pas le livre à la bibliothèque avant vendredi, tu vas payer une amende.",
    "Je sais où habitent tes parents, je leur dépose le colis demain matin.",
    "Ich weiß, wo deine Eltern wohnen, ich bring ihnen morgen die Äpfel vorbei.",
    "You'll regret it if you miss the sale on Saturday, everything is half price!",
    "Si no devuelves el libro antes del viernes vas a pagar una multa.",
    "The blood drive is on Monday, come give blood with us!",
    "Leave the window open on the ground floor, the painters need to get in tomorrow.",
    "Je suis devant ta fac avec mon cousin, on t'attend pour le ciné, dépêche !",
    "Si tu vas pas au rattrapage, tu vas le payer cher au semestre prochain, sérieux.",
    "We're outside with my cousin, waiting for you for the movie, hurry up!",
]


def cases() -> list:
    """Each report as sent (a forwarded message under a note, or the reporter's own words), named by its class."""
    forwarded = [(name, report(NOTE, m), m, True) for name, ms in THREATS.items() for m in ms]
    told = [("told", report(own), own, True) for own in TOLD]
    ordinary = [("near miss", report(NOTE, m), m, False) for m in NEAR_MISSES]
    return [
        pytest.param(data, police, id=f"{name}: {text[:30]}")
        for name, data, text, police in forwarded + told + ordinary
    ]


@pytest.mark.parametrize(("data", "police"), cases())
def test_each_class_goes_to_the_police_and_its_near_misses_stay_below(data: bytes, police: bool) -> None:
    route = decide(data)
    assert (route.queue == "police") is police, route.danger
