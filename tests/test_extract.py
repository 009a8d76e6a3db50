"""Extraction: the offending message inside every kind of report, on third-party fixtures and our own reports."""

from __future__ import annotations

import email
import os
import re
from email.message import EmailMessage
from email.policy import SMTP, compat32

import pytest

from stopit.extract import extract, parse_date
from stopit.extract.inline import strip_prefixes, subject_says
from stopit.ingest.parse import envelope_of
from stopit.models import Address, Offending, RawMessage
from tests.corpus import DATA, corpus_files, fixture_bytes, manifest
from tests.forwards import DESK, cases, problems, run

# Cases we get wrong, with the reason; the test fails if one starts passing, so the list stays true.
KNOWN_MISSES: dict[str, str] = {}


def found_in(data: bytes, desk: str = DESK) -> tuple[Offending, ...]:
    return extract(data, envelope_of(RawMessage(data, "test")), desk)


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["file"].split("/")[-1] + ":" + c["upstream_test"][:12])
def test_forwards_jsonl_case(case: dict) -> None:
    errs = problems(case, run(case))
    if case["file"] in KNOWN_MISSES:
        assert errs, f"now passes: remove it from KNOWN_MISSES ({KNOWN_MISSES[case['file']]})"
    else:
        assert errs == []


def test_forwards_jsonl_score_meets_the_target() -> None:
    all_cases = cases()
    right = sum(1 for c in all_cases if not problems(c, run(c)))
    assert right / len(all_cases) >= 0.98, f"{right}/{len(all_cases)}"


@pytest.mark.parametrize(
    "subject", sorted({c["report_subject"].strip() for c in cases() if c.get("report_subject")}), ids=str
)
def test_upstream_subject_prefixes_say_forward_or_reply(subject: str) -> None:
    # The cases are wrapped with a neutral subject; crisp's own subject files still test the prefixes.
    assert subject_says(subject) == ("reply" if subject.startswith("Re:") else "forward")
    assert strip_prefixes(subject) == "Integer consequat non purus"


def _talon_messages() -> list[tuple[str, bytes]]:
    out = []
    for item in sorted((f for f in manifest(DATA) if f.source == "talon"), key=lambda f: f.path):
        path, data = item.path, fixture_bytes(item.path)
        out.append((path.name, data))
        # The same reply sent to the desk, as a person replying with stopit in To would.
        if path.suffix == ".eml":
            reply = email.message_from_bytes(data, policy=compat32)
            for name, value in (("To", DESK), ("Subject", "Re: " + str(reply["Subject"] or ""))):
                del reply[name]
                reply[name] = value
            out.append((path.name + " (to the desk)", reply.as_bytes()))
        else:
            kind = "html" if path.suffix == ".html" else "plain"
            head = f"From: r@campus.example.edu\nTo: {DESK}\nSubject: Re: Loop\nContent-Type: text/{kind}; charset=utf-8\n\n"
            out.append((path.name + " (to the desk)", head.encode() + data))
    return out


@pytest.mark.parametrize(("name", "data"), _talon_messages(), ids=lambda x: x if isinstance(x, str) else "")
def test_talon_replies_are_not_forwards(name: str, data: bytes) -> None:
    found = found_in(data)
    assert [f for f in found if f.source in ("inline", "attachment", "pasted")] == []


ATTACHED = [
    "mikel-mail/attachment_emails/attachment_message_rfc822.eml",
    "mikel-mail/attachment_emails/attachment_message_rfc822_inline_image.eml",
    "cpython-test-email/msg_05.txt",
    "cpython-test-email/msg_06.txt",
    "cpython-test-email/msg_11.txt",
    "cpython-test-email/msg_16.txt",
    "cpython-test-email/msg_28.txt",
    "cpython-test-email/msg_42.txt",
    "cpython-test-email/msg_46.txt",
    "mime4j/mimetools-testmsgs/mp-msg-rfc822.msg",
    "mime4j/mimetools-testmsgs/multi-nested.msg",
    *[f"stalwart-mail-auth/arf/00{n}.eml" for n in range(1, 6)],
]


def _stdlib_attached(msg: email.message.Message) -> list[email.message.Message]:
    """message/rfc822 parts as the stdlib sees them, not looking inside attached messages."""
    if msg.get_content_type() == "message/rfc822":
        return [msg]
    out = []
    for part in msg.get_payload() if msg.is_multipart() else []:
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            out.append(part)
        elif part.is_multipart():
            out.extend(_stdlib_attached(part))
    return out


@pytest.mark.parametrize("name", ATTACHED)
def test_attached_messages_are_found_byte_exact(name: str) -> None:
    data = (DATA / name).read_bytes()
    found = [f for f in found_in(data, desk="") if f.source == "attachment"]
    expected = _stdlib_attached(email.message_from_bytes(data, policy=compat32))
    assert len(found) == len(expected) > 0
    for offending, part in zip(found, expected, strict=True):
        assert offending.raw is not None
        cte = str(part.get("Content-Transfer-Encoding", "7bit")).lower()
        if cte in ("7bit", "8bit", "binary"):
            assert offending.raw in data, "the attached bytes are not a verbatim slice of the report"
        inner = part.get_payload(0) if part.get_content_type() == "message/rfc822" else None
        if inner is not None:
            assert offending.subject.split() == str(inner.get("Subject", "")).split() or inner["Subject"] is None


def test_digest_parts_are_messages_by_default_and_folded_boundaries_work() -> None:
    # The stdlib finds no parts here: the boundary parameter is folded over two lines.
    data = (DATA / "mime4j/mimetools-testmsgs/multi-digest.msg").read_bytes()
    found = found_in(data, desk="")
    assert [(f.source, f.subject) for f in found] == [
        ("attachment", "embedded message 1"),
        ("attachment", "embedded message 2"),
    ]
    assert all(f.raw in data for f in found)


def test_arf_report_yields_the_reported_message_with_its_headers() -> None:
    data = (DATA / "stalwart-mail-auth/arf/001.eml").read_bytes()
    found = [f for f in found_in(data, desk="") if f.source == "attachment"]
    assert found and found[0].from_ is not None


def test_whole_corpus_extracts_without_an_exception() -> None:
    count = 0
    for item in corpus_files():
        data = item.path.read_bytes()
        found_in(data)
        count += 1
    assert count > 7000


# --- our own reports, one per source --------------------------------------------------------


def report(body: str = "", subject: str = "Fwd: you again", html: str | None = None, **headers: str) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Maria Lopez <maria.lopez@campus.example.edu>"
    msg["To"] = headers.pop("to", DESK)
    msg["Subject"] = subject
    msg["Message-ID"] = "<r1@campus.example.edu>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    return msg


OFFENDER = (
    "Return-Path: <nightowl@freemail.example>\r\n"
    "Received: from smtp.freemail.example (smtp.freemail.example [198.51.100.23])\r\n"
    "\tby mx1.campus.example.edu (Postfix) with ESMTPS id 1A2B\r\n"
    "\tfor <maria.lopez@campus.example.edu>; Mon, 16 Nov 2026 20:52:10 -0500\r\n"
    "From: night owl <nightowl@freemail.example>\r\n"
    "To: maria.lopez@campus.example.edu\r\n"
    "Subject: {subject}\r\n"
    "Date: Mon, 16 Nov 2026 20:52:05 -0500\r\n"
    "Message-ID: <{n}@freemail.example>\r\n"
    "\r\n"
    "you are pathetic and everyone laughs at you ({n})\r\n"
)


def offender(n: int = 1, subject: str = "you again") -> bytes:
    return OFFENDER.format(n=n, subject=subject).encode()


def test_message_rfc822_attachment_keeps_exact_bytes_and_full_headers() -> None:
    msg = report("Attached, with headers.")
    msg.add_attachment(offender(), maintype="message", subtype="rfc822")
    data = msg.as_bytes()
    (found,) = found_in(data)
    assert found.source == "attachment" and found.headers_complete
    assert found.raw == offender()
    assert found.from_.address == "nightowl@freemail.example"
    assert found.date.startswith("2026-11-16T20:52:05")


def test_three_eml_attachments_are_three_offending_messages_in_order() -> None:
    msg = report("Three of them.")
    for n in range(1, 4):
        msg.add_attachment(offender(n), maintype="application", subtype="octet-stream", filename=f"msg{n}.eml")
    found = found_in(msg.as_bytes())
    assert [f.filename for f in found] == ["msg1.eml", "msg2.eml", "msg3.eml"]
    assert [f.raw for f in found] == [offender(n) for n in range(1, 4)]
    assert all(f.headers_complete for f in found)


def test_base64_wrapped_message_attachment() -> None:
    import base64

    data = (
        "From: a@campus.example.edu\r\nTo: " + DESK + "\r\nSubject: Fwd: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee\r\n'
        "--B\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(offender()).decode().replace("\n", "\r\n")
        + "--B--\r\n"
    ).encode()
    (found,) = found_in(data)
    assert found.raw == offender()


def test_twelve_megabyte_video_beside_the_offending_message() -> None:
    msg = report("The message and the video he sent.")
    msg.add_attachment(offender(), maintype="message", subtype="rfc822")
    msg.add_attachment(os.urandom(12 * 1024 * 1024), maintype="video", subtype="mp4", filename="clip.mp4")
    (found,) = found_in(msg.as_bytes())
    assert found.raw == offender()


def test_forward_nested_in_a_forward_keeps_the_chain() -> None:
    inner = EmailMessage(policy=SMTP)
    inner["From"] = "Sam Chen <sam.chen@campus.example.edu>"
    inner["To"] = "maria.lopez@campus.example.edu"
    inner["Subject"] = "Fwd: you again"
    inner["Date"] = "Tue, 17 Nov 2026 08:00:00 -0500"
    inner.set_content("He sent this to me too, passing it on.")
    inner.add_attachment(offender(), maintype="message", subtype="rfc822")
    msg = report("My friend got this and forwarded it to me.")
    msg.add_attachment(inner.as_bytes(), maintype="message", subtype="rfc822")
    (found,) = found_in(msg.as_bytes())
    assert found.from_.address == "sam.chen@campus.example.edu"
    assert [c.from_.address for c in found.chain] == ["nightowl@freemail.example"]


def test_inline_forward_nested_in_an_inline_forward() -> None:
    body = (
        "Look at this.\n\n---------- Forwarded message ---------\nFrom: Sam <sam@campus.example.edu>\n"
        "Date: Tue, Nov 17, 2026 at 8:00 AM\nSubject: Fwd: you again\nTo: <maria.lopez@campus.example.edu>\n\n"
        "Passing it on.\n\n---------- Forwarded message ---------\nFrom: night owl <nightowl@freemail.example>\n"
        "Date: Mon, Nov 16, 2026 at 8:52 PM\nSubject: you again\nTo: <sam@campus.example.edu>\n\nanswer me.\n"
    )
    (found,) = found_in(report(body).as_bytes())
    assert found.source == "inline" and not found.headers_complete
    assert found.from_.address == "sam@campus.example.edu" and found.note == "Look at this."
    assert [(c.from_.address, c.body) for c in found.chain] == [("nightowl@freemail.example", "answer me.")]


GMAIL_HTML = """<div dir="ltr">This keeps happening, please help.<br><br><div class="gmail_quote"><div dir="ltr"
class="gmail_attr">---------- Forwarded message ---------<br>From: <strong class="gmail_sendername" dir="auto">night
owl</strong> <span dir="auto">&lt;<a href="mailto:nightowl@freemail.example">nightowl@freemail.example</a>&gt;</span><br>
Date: Mon, Nov 16, 2026 at 8:52 PM<br>Subject: you again<br>To: Maria Lopez &lt;<a
href="mailto:maria.lopez@campus.example.edu">maria.lopez@campus.example.edu</a>&gt;<br></div><br><br><div
dir="ltr">saw you at the library tonight.<div>answer me.</div></div></div></div>"""

OUTLOOK_HTML = """<html><body><p>Please see below.</p><div id="divRplyFwdMsg" dir="ltr"><hr style="display:inline-block;width:98%">
<font face="Calibri" style="font-size:11pt" color="#000000"><b>From:</b> night owl &lt;nightowl@freemail.example&gt;<br>
<b>Sent:</b> Monday, November 16, 2026 8:52 PM<br><b>To:</b> Maria Lopez &lt;maria.lopez@campus.example.edu&gt;<br>
<b>Subject:</b> you again</font><div>&nbsp;</div></div><div>saw you at the library tonight.</div></body></html>"""

APPLE_HTML = """<html><body><div>Mensaje que recibí ayer.</div><div><br><blockquote type="cite"><div>Inicio del mensaje reenviado:</div><br>
<div><span><b>De: </b></span><span>night owl &lt;nightowl@freemail.example&gt;</span></div><div><span><b>Asunto: </b></span>
<span><b>you again</b></span></div><div><span><b>Fecha: </b></span><span>16 de noviembre de 2026, 20:52:05 GMT-5</span></div>
<div><span><b>Para: </b></span><span>maria.lopez@campus.example.edu</span></div><br><div>te estoy mirando</div></blockquote></div></body></html>"""


@pytest.mark.parametrize(
    ("html", "note", "body"),
    [
        (GMAIL_HTML, "This keeps happening, please help.", "saw you at the library tonight.\nanswer me."),
        (OUTLOOK_HTML, "Please see below.", "saw you at the library tonight."),
        (APPLE_HTML, "Mensaje que recibí ayer.", "te estoy mirando"),
    ],
)
def test_html_only_forwards(html: str, note: str, body: str) -> None:
    (found,) = found_in(report(html=html, subject="Fwd: you again").as_bytes())
    assert found.source == "inline"
    assert found.from_.address == "nightowl@freemail.example"
    assert found.subject == "you again"
    assert found.note == note and found.body == body
    assert found.to[0].address == "maria.lopez@campus.example.edu"


@pytest.mark.parametrize(
    ("separator", "labels"),
    [
        ("-------- Weitergeleitete Nachricht --------", ("Betreff", "Datum", "Von", "An")),
        ("-------- Message transféré --------", ("Sujet", "Date", "De", "Pour")),
        ("---------- Mensaje reenviado ---------", ("Asunto", "Fecha", "De", "Para")),
        ("-------- Пересылаемое сообщение --------", ("Тема", "Дата", "От", "Кому")),
        ("-------- 転送されたメッセージ --------", ("件名", "日付", "差出人", "宛先")),
        ("-------- Original message --------", ("Subject", "Date", "From", "To")),  # Android (Samsung)
    ],
)
def test_localised_forwards_from_other_clients(separator: str, labels: tuple[str, ...]) -> None:
    subject, date, from_, to = labels
    body = (
        f"{separator}\n{subject}: du schon wieder\n{date}: 16.11.2026 20:52\n"
        f"{from_}: night owl <nightowl@freemail.example>\n{to}: maria.lopez@campus.example.edu\n\n"
        "te estoy mirando\n"
    )
    (found,) = found_in(report(body, subject="Fwd: du schon wieder").as_bytes())
    assert found.from_.address == "nightowl@freemail.example"
    assert found.subject == "du schon wieder" and found.body == "te estoy mirando"
    assert found.date_raw == "16.11.2026 20:52"


THUNDERBIRD_ROW = '<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">{label}: </th><td>{value}</td></tr>'


@pytest.mark.parametrize(
    ("separator", "labels"),
    [
        ("-------- Forwarded Message --------", ("Subject", "Date", "From", "To")),
        ("-------- Weitergeleitete Nachricht --------", ("Betreff", "Datum", "Von", "An")),
        ("-------- Пересылаемое сообщение --------", ("Тема", "Дата", "От", "Кому")),
    ],
)
def test_thunderbird_html_header_table(separator: str, labels: tuple[str, ...]) -> None:
    values = (
        "du schon wieder",
        "16.11.2026 23:58",
        'night owl <a class="moz-txt-link-rfc2396E" href="mailto:nightowl@freemail.example">'
        "&lt;nightowl@freemail.example&gt;</a>",
        '<a class="moz-txt-link-abbreviated" href="mailto:maria.lopez@campus.example.edu">'
        "maria.lopez@campus.example.edu</a>",
    )
    rows = "\n".join(THUNDERBIRD_ROW.format(label=lab, value=val) for lab, val in zip(labels, values, strict=True))
    html = (
        '<html><body><p>He wrote to me again.<br></p>\n<div class="moz-forward-container"><br>\n<br>\n'
        f"      {separator}\n"
        '<table class="moz-email-headers-table" border="0" cellspacing="0" cellpadding="0">\n<tbody>\n'
        f"{rows}\n</tbody>\n</table>\n<br>\n<br>\n<div>saw you at the library tonight.</div>\n"
        "<div><br></div><div>answer me.</div></div></body></html>"
    )
    (found,) = found_in(report(html=html, subject="Fwd: see below").as_bytes())
    assert found.source == "inline" and found.note == "He wrote to me again."
    assert found.from_ == Address("nightowl@freemail.example", "night owl")
    assert found.to == (Address("maria.lopez@campus.example.edu"),)
    assert (found.subject, found.date) == ("du schon wieder", "2026-11-16T23:58:00")
    assert found.body == "saw you at the library tonight.\n\nanswer me."


def test_mail_ru_forward_with_its_own_labels() -> None:
    body = (
        "Вот что он прислал.\n\n\n-------- Пересылаемое сообщение --------\n"
        "От кого: Ночной Филин <nightowl@mail.ru>\nКому: maria.lopez@campus.example.edu\n"
        "Копия: Sam Chen <sam.chen@campus.example.edu>\nДата: Понедельник, 16 ноября 2026, 23:58 +03:00\n"
        "Тема: ты опять\n\nЯ знаю, где ты живёшь.\n"
        "-------- Конец пересылаемого сообщения --------\n\nПомогите, пожалуйста.\n"
    )
    (found,) = found_in(report(body, subject="Fwd: see below").as_bytes())
    assert found.from_ == Address("nightowl@mail.ru", "Ночной Филин")
    assert found.cc == (Address("sam.chen@campus.example.edu", "Sam Chen"),)
    assert (found.subject, found.date) == ("ты опять", "2026-11-16T23:58:00+03:00")
    assert found.body == "Я знаю, где ты живёшь." and found.note == "Вот что он прислал."


def test_yandex_forward_is_a_date_and_sender_line_under_its_separator() -> None:
    body = (
        "Посмотрите, пожалуйста.\n\n-------- Пересылаемое сообщение --------\n"
        '16.11.2026, 23:58, "Ночной Филин" <nightowl@yandex.ru>:\n\nЯ знаю, где ты живёшь.\n\n'
        "-------- Конец пересылаемого сообщения --------\n"
    )
    # No "Fwd:" in the subject: the separator alone says it is a forward.
    (found,) = found_in(report(body, subject="помогите").as_bytes())
    assert found.from_ == Address("nightowl@yandex.ru", "Ночной Филин")
    assert (found.date, found.body) == ("2026-11-16T23:58:00", "Я знаю, где ты живёшь.")
    assert found.note == "Посмотрите, пожалуйста."


@pytest.mark.parametrize(
    ("separator", "labels"),
    [
        ("---------- Προωθημένο μήνυμα ---------", ("Από", "Ημερομηνία", "Θέμα", "Προς")),  # Gmail el
        ("---------- הודעה שהועברה ----------", ("מאת", "תאריך", "נושא", "אל")),  # Gmail he
        ("---------- Thư đã chuyển tiếp ---------", ("Từ", "Ngày", "Chủ đề", "Tới")),  # Gmail vi
        ("---------- Pesan terusan ---------", ("Dari", "Tanggal", "Subjek", "Kepada")),  # Gmail id
        ("---------- Препратено съобщение ----------", ("От", "Дата", "Тема", "До")),  # Gmail bg
        ("---------- 轉寄的郵件 ----------", ("寄件者", "日期", "主旨", "收件者")),  # Gmail zh-TW
        ("---------- 전달된 메일 ---------", ("보낸사람", "Date", "Subject", "받는사람")),  # Gmail ko
        ("", ("De", "Enviado el", "Asunto", "Para")),  # Outlook es
        ("", ("Od", "Wysłane", "Temat", "Do")),  # Outlook pl
        ("", ("От", "Изпратено", "Относно", "До")),  # Outlook bg
        ("", ("Από", "Στάλθηκε", "Θέμα", "Προς")),  # Outlook el
    ],
)
def test_header_blocks_in_more_languages(separator: str, labels: tuple[str, ...]) -> None:
    from_, date, subject, to = labels
    rule = separator or "________________________________"
    body = (
        f"{rule}\n{from_}: night owl <nightowl@freemail.example>\n{date}: 16/11/2026 11:58 PM\n"
        f"{subject}: you again\n{to}: maria.lopez@campus.example.edu\n\nanswer me.\n"
    )
    (found,) = found_in(report(body, subject="Fwd: see below").as_bytes())
    assert found.from_.address == "nightowl@freemail.example"
    assert (found.subject, found.body) == ("you again", "answer me.")
    assert found.to == (Address("maria.lopez@campus.example.edu"),)
    assert found.date == "2026-11-16T23:58:00"


# Every date format a client in the label table writes, with AM/PM, 24-hour clocks and zones.
CLIENT_DATES = [
    ("Monday, November 16, 2026 11:58 PM", "2026-11-16T23:58:00"),  # Outlook desktop en-US
    ("Monday, November 16, 2026 11:58 AM", "2026-11-16T11:58:00"),
    ("Monday, 16 November 2026 23:58", "2026-11-16T23:58:00"),  # Outlook en-GB
    ("Mon, Nov 16, 2026 at 11:58 PM", "2026-11-16T23:58:00"),  # Gmail en
    ("Mon, Nov 16, 2026 at 12:05 AM", "2026-11-16T00:05:00"),
    ("November 16, 2026 at 11:58:05 PM EST", "2026-11-16T23:58:05-05:00"),  # Apple Mail
    ("Tuesday, November 2, 2021, 09:26:50 PM GMT+1", "2021-11-02T21:26:50+01:00"),  # Yahoo en
    ("Mon, 16 Nov 2026 23:58:05 -0500", "2026-11-16T23:58:05-05:00"),  # Thunderbird (RFC 5322)
    ("Mon 11/16/2026 11:58 PM", "2026-11-16T23:58:00"),  # Outlook Web
    ("16/11/2026 11:58 p.m.", "2026-11-16T23:58:00"),
    ("Dienstag, 2. November 2021, 09:26:50 MEZ", "2021-11-02T09:26:50+01:00"),  # Yahoo de
    ("Montag, 16. November 2026 23:58", "2026-11-16T23:58:00"),  # Outlook de
    ("lun. 16 nov. 2026 à 23:58", "2026-11-16T23:58:00"),  # Gmail fr
    ("mardi 2 novembre 2021, 09:26:50 UTC+1", "2021-11-02T09:26:50+01:00"),  # Yahoo fr
    ("lunes, 16 de noviembre de 2026 23:58", "2026-11-16T23:58:00"),  # Outlook es
    ("16 de noviembre de 2026, 11:58 p. m.", "2026-11-16T23:58:00"),  # Apple es
    ("mié, 27 oct 2021 a las 9:31", "2021-10-27T09:31:00"),  # Gmail es
    ("gio 28 ott 2021 alle ore 12:46", "2021-10-28T12:46:00"),  # Gmail it: "gio" is not giugno
    ("2021. okt. 27., Sze, 9:31", "2021-10-27T09:31:00"),  # Gmail hu: "Sze" is not szeptember
    ("tiistaina 2. marraskuuta 2021 klo 09.26.50 UTC+1", "2021-11-02T09:26:50+01:00"),  # Yahoo fi
    ("tirsdag den 2. november 2021 09.26.50 CET", "2021-11-02T09:26:50+01:00"),  # Yahoo da
    ("28/10/2021 12.46", "2021-10-28T12:46:00"),  # Outlook da/fi
    ("úterý 2. listopadu 2021 09:26:50 SEČ", "2021-11-02T09:26:50+01:00"),  # Yahoo cs
    ("wtorek, 2 listopada 2021, 09:26:50 CET", "2021-11-02T09:26:50+01:00"),  # Yahoo pl
    ("Понедельник, 16 ноября 2026, 23:58 +03:00", "2026-11-16T23:58:00+03:00"),  # Mail.ru
    ("вторник, 2 ноября 2021 г., 09:26:50 GMT+1", "2021-11-02T09:26:50+01:00"),  # Yahoo ru
    ("2 Kasım 2021 Salı 09:26:50 GMT+1", "2021-11-02T09:26:50+01:00"),  # Yahoo tr
    ("2026年11月16日(月) 午後11:58", "2026-11-16T23:58:00"),  # Gmail ja
    ("2026년 11월 16일 월요일 오후 11:58", "2026-11-16T23:58:00"),  # Outlook ko
    ("16.11.2026 kl. 23.58", "2026-11-16T23:58:00"),  # Apple da/no
]


@pytest.mark.parametrize(("raw", "iso"), CLIENT_DATES)
def test_client_dates_keep_their_half_of_the_day_and_their_zone(raw: str, iso: str) -> None:
    assert parse_date(raw) == iso


def test_an_unreadable_date_is_left_empty_rather_than_guessed() -> None:
    assert parse_date("mar 16 2026 11:58") == ""  # mar: March, marzo, or Finnish marraskuu (November)?
    assert parse_date("last Tuesday, I think") == ""


def test_every_crisp_forward_date_is_read_and_pm_stays_pm() -> None:
    found = [f for c in cases() if c["expected"]["forwarded"] for f in run(c) if f.source == "inline"]
    assert len(found) > 190
    assert [f.date_raw for f in found if f.date[:4] not in ("2021", "2022", "2023")] == []
    pm = [f for f in found if re.search(r"\d PM\b", f.date_raw)]
    assert len(pm) >= 9 and [f.date_raw for f in pm if int(f.date[11:13]) < 12] == []


def test_iphone_quoted_header_block() -> None:
    body = (
        "Sent from my iPhone\n\nBegin forwarded message:\n\n> From: night owl <nightowl@freemail.example>\n"
        "> Date: November 16, 2026 at 8:52:05 PM EST\n> To: maria.lopez@campus.example.edu\n"
        "> Subject: you again\n> \n> answer me.\n> I know your schedule.\n"
    )
    (found,) = found_in(report(body).as_bytes())
    assert found.body == "answer me.\nI know your schedule." and found.date.startswith("2026-11-16T20:52:05")


def test_pasted_full_headers() -> None:
    body = "Here are the full headers you asked for:\n\n" + offender().decode().replace("\r\n", "\n")
    (found,) = found_in(report(body, subject="headers for my report").as_bytes())
    assert found.source == "pasted" and found.headers_complete
    assert found.from_.address == "nightowl@freemail.example"
    assert found.message_id == "<1@freemail.example>"


def test_redirect_is_the_offending_message_itself() -> None:
    data = (
        b"Resent-From: maria.lopez@campus.example.edu\r\nResent-Date: Tue, 17 Nov 2026 08:00:00 -0500\r\n"
        b"Resent-To: " + DESK.encode() + b"\r\n" + offender()
    )
    (found,) = found_in(data)
    assert found.source == "redirect" and found.raw == data and found.headers_complete
    assert found.from_.address == "nightowl@freemail.example"


def test_mail_sent_to_the_desk_in_cc_is_the_offender_itself() -> None:
    msg = report("you will regret ignoring me", subject="last warning", to="maria.lopez@campus.example.edu", Cc=DESK)
    (found,) = found_in(msg.as_bytes())
    assert found.source == "self"


def test_report_in_own_words_with_screenshots_has_no_offending_message() -> None:
    msg = report(
        "Someone made a fake profile with my photos on a chat server. Screenshots attached.",
        subject="fake profile",
    )
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 100, maintype="image", subtype="png", filename="shot1.png")
    assert found_in(msg.as_bytes()) == ()


def test_outlook_msg_attachment() -> None:
    msg = report("Outlook file attached")
    data = (DATA / "spamscope-mail-parser/mail_outlook_1").read_bytes()
    msg.add_attachment(data, maintype="application", subtype="vnd.ms-outlook", filename="message.msg")
    (found,) = found_in(msg.as_bytes())
    assert found.raw == data and found.headers_complete
    assert found.message_id == "<20170918100018.6AE0948009C@www.w-vwa.de>"
