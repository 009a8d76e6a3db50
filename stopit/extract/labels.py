"""Owns the data that recognises forwards across mail clients and languages: labels, separators, prefixes.

Everything here is a table; the parser in inline.py reads it and has no per-client code paths. To teach
stopit a new client or language, add its words here (and a sample under tests/samples/forwards/).
"""

from __future__ import annotations

# Header labels that mail clients write above an inline-forwarded message, by field. Matched whole,
# case-insensitively, followed by ":" or "：", optionally wrapped in * or ** (bold in text/plain).
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "from": (
        "From", "Von", "De", "De la", "Da", "Van", "Fra", "Från", "Od", "Od koho", "Odesílatel",
        "Lähettäjä", "Feladó", "Šalje", "Pošiljatelj", "Expeditor", "Expeditorul", "Отправитель",
        "От", "Від", "Від кого", "Kimden", "Gönderen", "Saatja", "Mittente", "Nadawca",
        "Remitente", "Expéditeur", "Afzender", "Remetente", "Avsändare", "Afsender", "Avsender",
        "送信元", "差出人", "发件人", "寄件者", "寄件人", "보낸 사람", "Від:",
    ),
    "to": (
        "To", "An", "À", "A", "Para", "Aan", "Till", "Til", "Komu", "Do", "Pre", "Vastaanottaja",
        "Címzett", "Prima", "Primatelj", "Destinatarul", "Destinatar", "Către", "Кому", "Kime", "Alıcı",
        "Pour", "Adresat", "Adresát", "Saaja", "Destinatario", "Destinataire", "Ontvanger",
        "Mottaker", "Modtager", "Mottagare", "Prejemnik", "送信先", "宛先", "收件人", "받는 사람",
    ),
    "cc": (
        "Cc", "Kopie", "Kopie (CC)", "Kopio", "Másolat", "Másolatot kap", "Kopi", "Dw", "Копия",
        "Копія", "Kopia", "Kópia", "Kopija", "Koopia", "Bilgi", "Copie", "Copie à", "Copia",
        "抄送", "副本", "참조",
    ),
    "bcc": ("Bcc", "Blindkopie", "Cci", "CCO", "Ccn", "Bcc (hidden)", "Skrytá kopie", "Скрытая копия"),
    "subject": (
        "Subject", "Betreff", "Objet", "Sujet", "Asunto", "Oggetto", "Onderwerp", "Assunto",
        "Ämne", "Emne", "Aihe", "Temat", "Předmět", "Predmet", "Tárgy", "Тема", "Konu",
        "Subiect", "Subiectul", "Teema", "Naslov", "Tema", "件名", "主题", "主旨", "제목",
    ),
    "date": (
        "Date", "Sent", "Sent at", "Datum", "Dato", "Data", "Dată", "Fecha", "Päivämäärä",
        "Päiväys", "Dátum", "Дата", "Tarih", "Envoyé", "Envoyé le", "Gesendet", "Enviado",
        "Enviada", "Inviato", "Verzonden", "Skickat", "Sendt", "Lähetetty", "Wysłano",
        "Odesláno", "Odoslané", "Elküldve", "Отправлено", "Надіслано", "Відправлено",
        "Gönderildi", "Gönderilme", "Gönderilen", "Trimis", "Saadetud", "Kuupäev", "Poslano", "Poslané",
        "日付", "送信日時", "发送时间", "日期", "보낸 날짜",
    ),
    "reply_to": (
        "Reply-To", "Reply to", "Antwort an", "Répondre à", "Responder a", "Rispondi a",
        "Antwoord aan", "Odpovědět komu", "Svar til", "Svara till", "Odpowiedź do",
        "Ответить", "Yanıtla", "Responder para",
    ),
}

# Words that make a dashed separator line ("----- X -----"), or a line ending in ":" such as Apple
# Mail's "Begin forwarded message:", a forward rather than the quote of a reply.
FORWARD_WORDS: tuple[str, ...] = (
    "forward", "fwd", "weitergeleitet", "transféré", "transmis", "réexpédié", "reenviado",
    "inoltrato", "doorgestuurd", "encaminhada", "reencaminhada", "videresendt", "vidarebefordrat",
    "välitetty", "edelleenlähetetty", "przekazana", "przekazywanej", "přeposlaná", "přeposílané",
    "preposlaná", "preposlanej", "továbbított", "redirecționat", "proslijeđen", "iletilen",
    "ileti başlangıcı", "iletilmiş", "edastatud", "пересылаемое", "пересланное", "переадресованного",
    "пересилається", "пересланий", "転送", "转发", "轉寄", "전달",
)

# Words of a separator that introduces the quoted original of a reply (Outlook's "Original Message").
ORIGINAL_WORDS: tuple[str, ...] = (
    "original message", "ursprüngliche nachricht", "message d'origine", "message d’origine",
    "mensaje original", "messaggio originale", "oorspronkelijk bericht", "mensagem original",
    "originalmeddelande", "opprinnelig melding", "oprindelig meddelelse", "alkuperäinen viesti",
    "wiadomość oryginalna", "původní zpráva", "pôvodná správa", "eredeti üzenet",
    "mesaj original", "izvorna poruka", "orijinal ileti", "исходное сообщение",
    "оригінальне повідомлення", "元のメッセージ", "原始邮件",
)

# Subject prefixes, compared case-insensitively before the first ":" (repeated prefixes allowed).
FORWARD_PREFIXES: tuple[str, ...] = (
    "fwd", "fw", "wg", "tr", "rv", "i", "vs", "vb", "vl", "pd", "enc", "redir", "doorst",
    "videresend", "i̇lt", "ilt", "továbbítás", "pfwd", "пересл", "转发", "轉寄", "전달",
)
REPLY_PREFIXES: tuple[str, ...] = (
    "re", "aw", "sv", "antw", "odp", "ynt", "yanit", "vá", "res", "resp", "r", "rif", "отв",
    "ответ", "回复", "答复", "返信", "답장", "atb",
)

# Words some clients put between the date and the name in a "wrote:" line ("użytkownik" = user).
WROTE_CONNECTORS: tuple[str, ...] = ("użytkownik", "пользователь", "používateľ", "user", "utente")

# "On <date>, <who> wrote:" lines in the languages mail clients write them in. Outlook 2019 uses this
# form for forwards too, so it counts as a forward only when the subject says so. Each pattern
# names the groups `date` and `who` (display name and address as written).
WROTE_LINES: tuple[str, ...] = (
    r"On (?P<date>.+?),? (?P<who>[^,]*?<[^<>]+>|\S+@\S+) wrote:",
    r"Am (?P<date>.+?),? schrieb (?P<who>.+?):",
    r"Am (?P<date>.+?),? (?P<who>.+?) schrieb:",
    r"Le (?P<date>.+?),? (?P<who>.+?) a écrit ?:",
    r"El (?P<date>.+?),? (?P<who>.+?) escribió:",
    r"Il giorno (?P<date>.+?),? (?P<who>.+?) ha scritto:",
    r"Op (?P<date>.+?) heeft (?P<who>.+?) geschreven:",
    r"Op (?P<date>.+?) schreef (?P<who>.+?):",
    r"Em (?P<date>.+?),? (?P<who>.+?) escreveu:",
    r"Dne (?P<date>.+?),? (?P<who>.+?) napsal\(a\):",
    r"Dnia (?P<date>.+?),? (?:użytkownik )?(?P<who>.+?) napisał(?:\(a\))?:",
    r"D\. (?P<date>.+?) skrev (?P<who>.+?):",
    r"Den (?P<date>.+?) skrev (?P<who>.+?)(?: följande)?:",
    r"(?P<who>.+?) skrev følgende den (?P<date>.+?):",
    r"(?P<who>.+?) skrev (?:den )?(?P<date>.+?):",
    r"(?P<who>.+?) kirjoitti (?P<date>.+?):",
    r"(?P<date>.+?) időpontban (?P<who>.+?) ezt írta:",
    r"(?P<date>.+?),? (?:пользователь )?(?P<who>.+?) написал(?:\(а\))?:",
    r"(?P<date>.+?),? (?:používateľ )?(?P<who>.+?) napísal:",
    r"(?P<who>.+?), (?P<date>.+?) tarihinde şunu yazdı:",
    r"(?P<date>\d.+?)(?:、| )(?P<who>.+?) のメッセージ:",
)
