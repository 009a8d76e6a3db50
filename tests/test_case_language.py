"""A case keeps the language its reporter was first answered in: a check-in and a staff reply speak it too."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.policy import compat32

import pytest

from stopit.desk import Desk, handle
from stopit.followups import checkin_answer
from stopit.models import RawMessage
from stopit.schedule import run_clock
from tests import test_staff as staff

# The reporter's own words decide their language; the offending message stays in English throughout.
WORDS = {
    "en": "He keeps writing to me every night and I do not know who he is. Please help me make it stop.",
    "de": "Er schreibt mir jede Nacht, und ich weiß nicht, wer er ist. Bitte helfen Sie mir, dass es aufhört.",
    "fr": "Il m'écrit toutes les nuits et je ne sais pas qui il est. Aidez-moi à faire cesser cela, s'il vous plaît.",
    "es": "Me escribe todas las noches y no sé quién es. Por favor, ayúdenme a que esto pare.",
}
# Words each language's templates use that the others do not: the body is in the reporter's language.
MARK = {"en": "case number", "de": "Fallnummer", "fr": "dossier", "es": "caso"}


def subject_of(data: bytes) -> str:
    return str(make_header(decode_header(email.message_from_bytes(data, policy=compat32)["Subject"])))


def to_reporter(desk: Desk, since: int) -> list[bytes]:
    return [d for r, d in staff.outbox(desk)[since:] if r == [staff.REPORTER]]


@pytest.mark.parametrize("lang", list(WORDS))
def test_a_staff_reply_and_a_check_in_reach_the_reporter_in_the_language_of_their_report(
    tmp_path, lang: str
) -> None:
    desk: Desk = staff.make_desk(tmp_path)
    handle(desk, RawMessage(staff.report_with(staff.offending(), WORDS[lang]), "t"))
    assert len(to_reporter(desk, 0)) == 1  # the acknowledgement
    assert desk.store.case_state(1).language == lang

    start = len(staff.outbox(desk))
    note = "We have read your report and will write to the sender this week."
    handle(desk, RawMessage(staff.staff_reply(desk, staff.office_mail(desk), f"Stopit: reply\r\n\r\n{note}"), "t"))
    (reply,) = to_reporter(desk, start)
    assert subject_of(reply).endswith("About your report") is (lang == "en")
    assert note in staff.body_of(reply)
    others = [m for code, m in MARK.items() if code != lang and m.lower() not in MARK[lang].lower()]
    footer = staff.body_of(reply).split(note, 1)[1]
    assert MARK[lang].lower() in footer.lower() and not any(m.lower() in footer.lower() for m in others)

    body = "Stopit: consent yes\r\nStopit: notice send --unverified"
    handle(desk, RawMessage(staff.staff_reply(desk, staff.office_mail(desk), body), "t"))
    assert any(r == [staff.OFFENDER] for r, _ in staff.outbox(desk))
    start = len(staff.outbox(desk))
    due = datetime.fromisoformat({f.kind: f for f in desk.store.followups(1)}["checkin"].due_at)
    run_clock(desk, datetime(due.year, due.month, due.day, 10, 0, tzinfo=UTC) + timedelta(days=1))
    (checkin,) = to_reporter(desk, start)
    english = lang == "en"
    assert subject_of(checkin).endswith("Has it stopped?") is english
    assert ("STILL HAPPENING" in staff.body_of(checkin)) is english
    # The answers it offers (indented, in capitals) are ones the desk understands.
    msg = email.message_from_bytes(checkin, policy=compat32)
    lines = msg.get_payload(decode=True).decode().splitlines()
    offered = [re.split(r"\s{2,}", line.strip())[0] for line in lines if re.match(r"^  \w", line)]
    assert [checkin_answer(answer) for answer in offered[:2]] == ["stopped", "still happening"], offered


def test_a_case_from_before_languages_were_kept_is_answered_in_the_desks_language(tmp_path) -> None:
    desk: Desk = staff.make_desk(tmp_path)
    handle(desk, RawMessage(staff.report_with(staff.offending(), WORDS["de"]), "t"))
    with desk.store.transaction():
        desk.store.update_case(1, language="")
    desk.config.values["desk.language"] = "fr"
    start = len(staff.outbox(desk))
    handle(desk, RawMessage(staff.staff_reply(desk, staff.office_mail(desk), "Stopit: reply\r\n\r\nMerci."), "t"))
    (reply,) = to_reporter(desk, start)
    assert "dossier" in staff.body_of(reply).lower()
