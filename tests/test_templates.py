"""Templates render with every variable defined, and the acknowledgement says what it must."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import jinja2
import pytest

from stopit.act.render import compose, template_environment, template_names
from stopit.config import from_text
from stopit.models import PlannedMail
from stopit.pipeline import ACK_SUBJECT, ACK_TEMPLATE
from stopit.preflight import sample_contexts
from stopit.resources import shipped_dir
from stopit.values import Mailbox, MsgId, msg_ids


def render_ack(**extra: str) -> tuple[str, object]:
    cfg = from_text('[desk]\nemergency_text = "Call 911 or campus police at 617-253-1212."\n')
    mail = PlannedMail(
        "reporter",
        ACK_TEMPLATE,
        (Mailbox("v@campus.example.edu"),),
        ACK_SUBJECT,
        MsgId.parse("<r@x>"),
        msg_ids(["<r@x>"]),
    )
    out = compose(
        template_environment(cfg),
        cfg,
        mail,
        17,
        {"reporter_name": "Maria", "report_subject": "Fwd: x", **extra},
        datetime.now(UTC),
    )
    msg = message_from_bytes(out.data, policy=default)
    return " ".join(msg.get_content().split()), msg


def test_acknowledgement_is_kind_plain_and_complete() -> None:
    body, msg = render_ack()
    assert msg["Subject"] == "[stopit #17] We received your report"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == "<r@x>"
    assert "Dear Maria," in body
    assert "case number 17" in body
    assert "Call 911 or campus police at 617-253-1212." in body
    assert "reply to this message" in body
    assert "never tell the sender who reported them" in body
    assert "[stopit #17]" in body


# check-config's own sample context (every optional part present), with the assertions' queue name.
FULL_CONTEXT = {**sample_contexts()[0], "queue_name": "Campus Police"}


def test_every_shipped_template_renders_and_names_only_defined_variables() -> None:
    from stopit.act.render import desk_context

    cfg = from_text("")
    env = template_environment(cfg)
    names = template_names(shipped_dir("templates"))
    assert {ACK_TEMPLATE, "reporter/ack_threat.txt.j2", "reporter/ack_idhr.txt.j2", "office/new_case.txt.j2"} <= set(
        names
    )
    for name in names:
        if name.split("/")[-1].startswith("_"):
            continue  # partials are rendered inside the templates that include them
        with pytest.raises(jinja2.UndefinedError):
            env.get_template(name).render()
        text = env.get_template(name).render(**desk_context(cfg), **FULL_CONTEXT)
        assert "17" in text


def test_threat_acknowledgement_puts_emergency_help_first() -> None:
    from stopit.act.render import desk_context

    cfg = from_text('[desk]\nemergency_text = "Call 911 or campus police at 617-253-1212."\n')
    text = (
        template_environment(cfg).get_template("reporter/ack_threat.txt.j2").render(**desk_context(cfg), **FULL_CONTEXT)
    )
    assert text.startswith("Call 911 or campus police at 617-253-1212.")
    assert "passed it to Campus Police straight away" in " ".join(text.split())
    assert "as an attachment" in " ".join(text.split())  # the headers request still comes when needed


def test_site_templates_are_sandboxed(tmp_path) -> None:
    """A site template that reaches for Python internals is stopped, not rendered."""
    from jinja2.exceptions import SecurityError

    (tmp_path / "reporter").mkdir()
    (tmp_path / "reporter" / "ack.txt.j2").write_text("{{ desk_name.__class__.__mro__[1].__subclasses__() }}\n")
    cfg = from_text(f'[desk]\ntemplates_dir = "{tmp_path}"\n')
    with pytest.raises(SecurityError):
        template_environment(cfg).get_template(ACK_TEMPLATE).render(desk_name="Stopit")
