"""Tracing: Received lines of every common server, trust and handoff, origin, DKIM/ARC offline, signs."""

from __future__ import annotations

import base64
import json
import tomllib
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import dkim
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from stopit.cli import main
from stopit.config import from_text
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, RawMessage
from stopit.pipeline import plan
from stopit.trace import Lookups, TraceSettings, lookalike_of, trace
from stopit.trace.origin import looks_dynamic
from stopit.trace.received import parse_received
from tests.corpus import DATA, corpus

CHAINS = Path(__file__).parent / "data" / "chains"
ORG = TraceSettings(org_domains=("campus.example.edu",), trusted_networks=("18.9.28.0/24",))


# --- Received lines as real servers write them ----------------------------------------------

RECEIVED = tomllib.loads((Path(__file__).parent / "data" / "received-lines.toml").read_text(encoding="utf-8"))["line"]


@pytest.mark.parametrize("case", RECEIVED, ids=[case["name"] for case in RECEIVED])
def test_received_lines(case: dict) -> None:
    hop = parse_received(case["text"]).to_json()
    assert case.get("expect") or case.get("none"), "a line with nothing to check"
    for key, value in case.get("expect", {}).items():
        assert hop[key] == value, f"{case['name']}: {key}"
    for key in case.get("none", []):
        assert hop[key] is None, f"{case['name']}: {key}"


def test_very_long_received_header_does_not_hang() -> None:
    line = "from x (" + "a" * 200_000 + " [198.51.100.1]) by y with SMTP; Wed, 01 Nov 2023 10:00:00 +0000"
    assert parse_received(line).ip == "198.51.100.1"


# --- trust, handoff and origin --------------------------------------------------------------


def headers(*received: str, extra: str = "", sender: str = "Night Owl <nightowl@freemail.example>") -> bytes:
    lines = "".join(f"Received: {r}\r\n" for r in received)
    return (
        f"{lines}{extra}From: {sender}\r\nTo: maria@gmail.com\r\nSubject: hi\r\n"
        "Date: Mon, 16 Nov 2026 20:52:05 -0800\r\nMessage-ID: <1@freemail.example>\r\n\r\nhello\r\n"
    ).encode()


GMAIL_CHAIN = (
    "by 2002:a05:6a10:8c0c:b0:3a1:1234:5678 with SMTP id x; Mon, 16 Nov 2026 20:52:11 -0800 (PST)",
    "from smtp.freemail.example (smtp.freemail.example. [198.51.100.23]) by mx.google.com with ESMTPS id a1 "
    "for <maria@gmail.com>; Mon, 16 Nov 2026 20:52:10 -0800 (PST)",
    "from [203.0.113.77] (unknown [203.0.113.77]) by smtp.freemail.example (Postfix) with ESMTPSA id 99FF; "
    "Tue, 17 Nov 2026 04:52:08 +0000 (UTC)",
)


def test_gmail_received_chain_hands_off_at_the_sending_server() -> None:
    t = trace(headers(*GMAIL_CHAIN), ORG)
    assert t.handoff_ip == "198.51.100.23" and t.handoff_by == "mx.google.com"
    assert [h.trusted for h in t.hops] == [True, True, False]
    assert t.receiver.startswith("Google") and t.provider_domain == "freemail.example"
    # The line below the handoff was written by smtp.freemail.example itself (Google's reverse DNS of the
    # handoff names it), and it records a login: inferred, never as sure as a line a trusted server wrote.
    assert (t.origin_ip, t.origin.basis, t.origin.confidence) == ("203.0.113.77", "inferred", "medium")
    assert "received it from 198.51.100.23" in t.conclusion
    assert "probably 203.0.113.77" in t.conclusion and "not confirmed by a server we trust" in t.conclusion
    assert {
        "contact": "abuse@freemail.example",
        "for": "freemail.example",
        "basis": "RFC 2142 role address of the sending organization",
    } in t.abuse_contacts


def test_outlook_received_chain() -> None:
    chain = (
        "from DM6PR01MB1111.prod.exchangelabs.com (2603:10b6:5:1::1) by SN6PR01MB2222.prod.exchangelabs.com with "
        "HTTPS; Mon, 16 Nov 2026 20:52:12 +0000",
        "from BN8NAM11FT001.eop-nam11.prod.protection.outlook.com (2603:10b6:408:1::2) by "
        "DM6PR01MB1111.prod.exchangelabs.com (2603:10b6:5:1::1) with Microsoft SMTP Server id 15.20.1; "
        "Mon, 16 Nov 2026 20:52:11 +0000",
        "from mail.badguy.example (192.0.2.10) by BN8NAM11FT001.mail.protection.outlook.com (10.13.1.1) with "
        "Microsoft SMTP Server id 15.20.2 via Frontend Transport; Mon, 16 Nov 2026 20:52:10 +0000",
    )
    t = trace(headers(*chain), ORG)
    assert t.handoff_ip == "192.0.2.10"
    assert t.receiver.startswith("Microsoft")
    assert [h.trusted for h in t.hops] == [True, True, True]


def test_own_mx_chain_with_trusted_networks() -> None:
    chain = (
        "from mx1.campus.example.edu (mx1.campus.example.edu [18.9.28.5]) by mailbox.campus.example.edu with LMTP "
        "id 5; Mon, 16 Nov 2026 21:14:10 -0500",
        "from mail.example.org (mail.example.org [198.51.100.7]) by mx1.campus.example.edu (Postfix) with ESMTPS "
        "id 4Xk2p; Mon, 16 Nov 2026 21:14:09 -0500",
    )
    t = trace(headers(*chain), ORG)
    assert t.handoff_ip == "198.51.100.7" and t.receiver == "our own mail servers"


def test_forged_line_under_a_trusted_one_is_flagged() -> None:
    forged = (
        "from localhost (localhost [127.0.0.1]) by mx.google.com with ESMTP id fake; Mon, 16 Nov 2026 20:00:00 -0800"
    )
    t = trace(headers(*GMAIL_CHAIN[:2], forged), ORG)
    assert "forged_trusted_hop" in [i.code for i in t.indicators]


def test_untrusted_top_means_nothing_can_be_confirmed() -> None:
    t = trace(
        headers("from a.example (a.example [198.51.100.1]) by b.example with SMTP; Mon, 16 Nov 2026 20:00:00 -0800"),
        ORG,
    )
    assert t.handoff_ip == "" and "could be forged" in t.conclusion


def test_origin_from_authenticated_submission_inside_a_trusted_chain() -> None:
    chain = (
        "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx1.campus.example.edu (Postfix) "
        "with ESMTPS id q; Mon, 16 Nov 2026 20:52:12 -0800",
        "from laptop (c-203-0-113-5.isp.example [203.0.113.5]) by smtp.gmail.com with ESMTPSA id s; "
        "Mon, 16 Nov 2026 20:52:10 -0800 (PST)",
    )
    settings = TraceSettings(org_domains=("campus.example.edu",), trusted_networks=("18.9.28.0/24", "209.85.128.0/17"))
    t = trace(headers(*chain, sender="x <x@gmail.com>"), settings)
    assert t.origin_ip == "203.0.113.5" and "ESMTPSA" in t.origin_reason


def test_yahoo_webmail_says_the_address_is_not_disclosed() -> None:
    chain = (
        "from sonic301-2.consmr.mail.bf2.yahoo.com (sonic301-2.consmr.mail.bf2.yahoo.com [74.6.129.41]) by "
        "mx1.campus.example.edu (Postfix) with ESMTPS id y; Mon, 16 Nov 2026 21:14:09 -0500",
        "from sonic.gate.mail.ne1.yahoo.com by sonic301-2.consmr.mail.bf2.yahoo.com with HTTP; Tue, 17 Nov 2026 02:14:08 +0000",
    )
    t = trace(headers(*chain, sender="x <x@yahoo.com>"), ORG)
    assert t.handoff_ip == "74.6.129.41" and t.provider.startswith("Yahoo")
    assert t.origin_reason == "Yahoo Mail webmail does not disclose the sender's IP address"
    assert "Yahoo Mail webmail does not disclose" in t.conclusion


def test_x_originating_ip_is_the_origin() -> None:
    t = trace(headers(*GMAIL_CHAIN[:2], extra="X-Originating-IP: [203.0.113.44]\r\n"), ORG)
    assert t.origin_ip == "203.0.113.44"


# --- the origin a sending provider's own server recorded, beyond the provider table ------------

# Our MX receives from a server of an ISP stopit knows nothing about; that server's own line is below.
MX_FROM_ISP = (
    "from resomta-po-12v.sys.isp.example (resomta-po-12v.sys.isp.example [198.51.100.36]) "
    "by mx1.campus.example.edu (Postfix) with ESMTPS id 4Xk2p; Mon, 16 Nov 2026 21:14:09 -0500"
)


def isp_line(client: str, by: str = "resomta-po-12v.sys.isp.example", with_: str = "ESMTPA") -> str:
    return f"from {client} by {by} with {with_} id Gs3tkr; Tue, 17 Nov 2026 02:14:08 +0000"


def test_a_login_recorded_by_the_handoff_hosts_own_server_is_the_probable_origin() -> None:
    # The Comcast case: the ISP is in no table, but Postfix at our MX looked up the handoff host
    # (reverse DNS) and that very name wrote the line below, which records its user's login.
    t = trace(headers(MX_FROM_ISP, isp_line("[192.168.1.23] ([203.0.113.73])")), ORG)
    assert (t.origin_ip, t.origin.basis, t.origin.confidence) == ("203.0.113.73", "inferred", "medium")
    assert t.origin.recorded_by == "resomta-po-12v.sys.isp.example"
    assert "isp.example's server" in t.origin_reason and "ESMTPA" in t.origin_reason
    assert "The sender's own address was probably 203.0.113.73" in t.conclusion
    assert "not confirmed by a server we trust" in t.conclusion
    assert t.to_json()["origin_confidence"] == "medium" and t.to_json()["origin_basis"] == "inferred"


def test_a_match_by_the_senders_own_helo_name_is_low_confidence() -> None:
    handoff = (
        "from smtp.isp.example (unknown [198.51.100.36]) by mx1.campus.example.edu (Postfix) with ESMTPS id 1; "
        "Mon, 16 Nov 2026 21:14:09 -0500"
    )
    t = trace(headers(handoff, isp_line("laptop ([203.0.113.73])", by="smtp.isp.example")), ORG)
    assert (t.origin_ip, t.origin.confidence) == ("203.0.113.73", "low")
    assert "HELO name smtp.isp.example" in t.origin_reason


def test_a_client_address_without_a_login_is_low_confidence() -> None:
    t = trace(headers(MX_FROM_ISP, isp_line("unknown (HELO User) ([203.0.113.9])", with_="SMTP")), ORG)
    assert (t.origin_ip, t.origin.confidence) == ("203.0.113.9", "low")
    assert "as the connecting client (no login recorded)" in t.origin_reason


def test_a_header_that_only_repeats_the_handoff_address_is_no_origin() -> None:
    # Office 365 writes X-Sender-IP: the host that connected to it, which is the handoff itself.
    below = isp_line("User (unknown [203.0.113.77])", with_="SMTP")
    t = trace(headers(MX_FROM_ISP, below, extra="X-Sender-IP: 198.51.100.36\r\n"), ORG)
    assert (t.origin_ip, t.origin.basis) == ("203.0.113.77", "inferred")


# Below the handoff a line is believed only when the handoff host's own server wrote it: in each of
# these no origin is inferred, and the trace says why (which of its texts, in which words).
@pytest.mark.parametrize(
    ("received", "said"),
    [
        pytest.param(
            (MX_FROM_ISP, isp_line("mail.relay.example (mail.relay.example [203.0.113.25])", with_="ESMTPS")),
            {"origin_reason": "received it from another organization's mail server, mail.relay.example"},
            id="a mail server of another organization is no user's own address",
        ),
        pytest.param(
            (MX_FROM_ISP, isp_line("[192.168.1.23] ([203.0.113.73])", by="smtp.elsewhere.example")),
            {"conclusion": "written by smtp.elsewhere.example, a different name, so it is not believed"},
            id="the line below names another writer",
        ),
        # A home machine running its own mail server writes whatever it likes below the handoff.
        pytest.param(
            (
                "from c-203-0-113-40.hsd1.ma.isp.example (c-203-0-113-40.hsd1.ma.isp.example [203.0.113.40]) "
                "by mx1.campus.example.edu (Postfix) with ESMTPS id 1; Mon, 16 Nov 2026 21:14:09 -0500",
                isp_line("[10.0.0.2] ([198.51.100.99])", by="c-203-0-113-40.hsd1.ma.isp.example"),
            ),
            {"origin_reason": "looks like a home or dynamic connection", "conclusion": "not believed"},
            id="below a home or dynamic handoff host",
        ),
        pytest.param(
            (MX_FROM_ISP, "from resomta-po-12v.sys.isp.example garbled;;;"),
            {"origin_reason": "cannot be read"},
            id="a line that cannot be read",
        ),
    ],
)
def test_nothing_is_inferred_from_a_line_the_handoff_host_did_not_write(
    received: tuple[str, ...], said: dict[str, str]
) -> None:
    t = trace(headers(*received), ORG)
    assert (t.origin_ip, t.origin.basis) == ("", "none")
    for text, words in said.items():
        assert words in getattr(t, text), text


def test_the_providers_own_relays_are_followed_down_to_the_qmail_login() -> None:
    relays = (
        "from pro-237-121.isp.example (unknown [10.50.252.5]) by resomta-po-12v.sys.isp.example (Postfix) "
        "with ESMTP id D9; Wed, 1 Mar 2023 21:34:34 +0530",
        "(qmail 28819 invoked from network); 1 Mar 2023 16:04:34 -0000",
        "from unknown (HELO ?192.168.0.110?) (account@example.com@203.0.113.202) by pro-237-121.isp.example "
        "with SMTP; 1 Mar 2023 16:04:33 -0000",
    )
    t = trace(headers(MX_FROM_ISP, *relays), ORG)
    assert (t.origin_ip, t.origin.account, t.origin.confidence) == ("203.0.113.202", "account@example.com", "medium")


@pytest.mark.parametrize(
    ("name", "ip", "dynamic"),
    [
        ("c-98-239-145-235.hsd1.wv.comcast.net", "98.239.145.235", True),
        ("127.19.86.79.rev.sfr.net", "79.86.19.127", True),
        ("apn-31-0-2-65.dynamic.gprs.plus.pl", "31.0.2.65", True),
        ("pool-72-74-133-215.bstnma.fios.verizon.net", "72.74.133.215", True),
        ("resomta-h1p-027912.sys.comcast.net", "96.102.179.201", False),
        ("mail-wm1-x332.google.com", "209.85.128.50", False),
        ("relay8-d.mail.gandi.net", "217.70.183.201", False),
    ],
)
def test_home_and_dynamic_host_names(name: str, ip: str, dynamic: bool) -> None:
    assert looks_dynamic(name, ip) is dynamic


def test_a_real_isp_chain_through_its_own_relays() -> None:
    # A public kernel-list message (tests/data/chains/SOURCES): trusting the list's own servers, the
    # handoff is Comcast's resdmta, which handed over from resomta, whose line records the ESMTPA login.
    settings = TraceSettings(
        org_domains=("lfdr.de", "vger.kernel.org", "monkeyblade.net"),
        trusted_networks=("2620:137:e000::1:20/128", "23.128.96.0/24"),
    )
    t = trace((CHAINS / "lists" / "comcast-esmtpa.eml").read_bytes(), settings)
    assert t.handoff_ip == "2001:558:fd02:2446::d"
    assert (t.origin_ip, t.origin.confidence) == ("71.205.181.50", "medium")
    assert t.origin.recorded_by == "resomta-h1p-027912.sys.comcast.net"


# --- spoofing signs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "imitated"),
    [
        ("campus-example.edu", "campus.example.edu"),
        ("carnpus.example.edu", "campus.example.edu"),
        ("campus.examp1e.edu", "campus.example.edu"),
        ("xn--cmpus-4ra.example.edu", "campus.example.edu"),
        ("mail.campus.example.edu", ""),
        ("gmail.com", ""),
        ("example.org", ""),
    ],
)
def test_lookalike_domains(domain: str, imitated: str) -> None:
    assert lookalike_of(domain, ("campus.example.edu",)) == imitated


def test_spoofing_signs() -> None:
    data = headers(
        *GMAIL_CHAIN[:2],
        sender='"dean@campus.example.edu" <dean@carnpus.example.edu>',
        extra="Reply-To: collect@elsewhere.example\r\nReturn-Path: <bounce@bulk.example>\r\n",
    )
    codes = {i.code for i in trace(data, ORG).indicators}
    assert {"display_name_address", "lookalike_domain", "reply_to_differs", "return_path_differs"} <= codes


def test_date_far_from_the_receive_time() -> None:
    data = headers(*GMAIL_CHAIN[:2]).replace(b"Date: Mon, 16 Nov 2026", b"Date: Mon, 02 Nov 2026")
    assert "date_skew" in {i.code for i in trace(data, ORG).indicators}


# --- DKIM and ARC, offline ------------------------------------------------------------------


def _rsa_key() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _ed25519_key() -> tuple[bytes, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(private), b"v=DKIM1; k=ed25519; p=" + base64.b64encode(public)


@pytest.fixture(scope="module")
def signed() -> tuple[bytes, dict[bytes, bytes]]:
    message = headers(*GMAIL_CHAIN[:2])
    rsa_private, rsa_record = _rsa_key()
    ed_private, ed_record = _ed25519_key()
    include = [b"from", b"to", b"subject", b"date", b"message-id"]
    message = dkim.sign(message, b"s1", b"freemail.example", rsa_private, include_headers=include) + message
    message = (
        dkim.sign(
            message,
            b"e1",
            b"freemail.example",
            ed_private,
            include_headers=include,
            signature_algorithm=b"ed25519-sha256",
        )
        + message
    )
    dns = {b"s1._domainkey.freemail.example.": rsa_record, b"e1._domainkey.freemail.example.": ed_record}
    return message, dns


def attached_report(message: bytes) -> bytes:
    """A report to the desk with `message` forwarded as an attachment."""
    report = EmailMessage(policy=SMTP)
    report["From"] = "Maria <maria.lopez@campus.example.edu>"
    report["To"] = "stopit@campus.example.edu"
    report["Subject"] = "Fwd: hi"
    report.set_content("Attached.")
    report.add_attachment(message, maintype="message", subtype="rfc822")
    return report.as_bytes()


def _lookups(dns: dict[bytes, bytes]) -> Lookups:
    return Lookups(resolver=lambda name, timeout=5: dns.get(name, dns.get(name + b".", b"")))


def test_rsa_and_ed25519_signatures_verify_offline(signed: tuple[bytes, dict]) -> None:
    message, dns = signed
    t = trace(message, ORG, _lookups(dns))
    assert [(s.selector, s.result) for s in t.auth.dkim] == [("e1", "pass"), ("s1", "pass")]
    assert "DKIM signature by freemail.example verified" in t.conclusion


def test_one_changed_body_byte_fails_both_signatures(signed: tuple[bytes, dict]) -> None:
    message, dns = signed
    t = trace(message.replace(b"hello", b"hellp"), ORG, _lookups(dns))
    assert [s.result.startswith("fail") for s in t.auth.dkim] == [True, True]
    assert "did not verify" in t.conclusion


def test_offline_says_not_checked(signed: tuple[bytes, dict]) -> None:
    t = trace(signed[0], ORG)
    assert all(s.result == "not checked (offline)" for s in t.auth.dkim)


def test_signed_message_forwarded_as_attachment_verifies_in_the_pipeline(signed: tuple[bytes, dict]) -> None:
    message, dns = signed
    data = attached_report(message)
    config = from_text('[desk]\norg_domains = ["campus.example.edu"]\n')
    from stopit.route.rules import load_rules

    rules = load_rules([], set(config.queues))
    planned = plan(RawMessage(data, "t"), envelope_of(RawMessage(data, "t")), Facts(), config, _lookups(dns), rules)
    (item,) = planned.offending
    assert [d.result for d in item.trace.auth.dkim] == ["pass", "pass"]
    assert item.trace.handoff_ip == "198.51.100.23"


def _dns_from_preamble(text: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    preamble, _, message = text.partition(b"\n\n")
    records = {}
    for line in preamble.splitlines():
        name, _, record = line.partition(b" ")
        records[name.strip() + b"."] = record.strip()
    return message, records


def test_arc_chain_of_a_real_gmail_message_verifies() -> None:
    message, dns = _dns_from_preamble((DATA / "stalwart-mail-auth/arc/001.txt").read_bytes())
    assert trace(message, ORG, _lookups(dns)).auth.arc == "pass"


def test_authentication_results_are_believed_only_from_trusted_receivers() -> None:
    extra = (
        "Authentication-Results: mx.google.com; dkim=pass header.i=@freemail.example; spf=pass\r\n"
        "Authentication-Results: smtp.freemail.example; dkim=pass header.i=@bank.example\r\n"
    )
    results = trace(headers(*GMAIL_CHAIN, extra=extra), ORG).auth.authentication_results
    assert [(r["authserv_id"], r["believed"]) for r in results] == [
        ("mx.google.com", True),
        ("smtp.freemail.example", False),
    ]


# --- the command line, on the whole corpus --------------------------------------------------


def test_trace_cli_over_the_whole_corpus_raises_nothing() -> None:
    result = CliRunner().invoke(main, ["trace", "--json", "--offline", str(corpus())], catch_exceptions=False)
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert len(lines) > 7600
    assert not [x for x in lines if "error" in x]
    assert sum(1 for x in lines if x["hops"]) > 6000


def test_plain_trace_prints_the_hop_table_and_says_each_thing_once(tmp_path) -> None:
    message = tmp_path / "isp.eml"
    message.write_bytes(headers(MX_FROM_ISP, isp_line("[192.168.1.23] ([203.0.113.73])")))
    config = tmp_path / "config.toml"
    config.write_text('[desk]\norg_domains = ["campus.example.edu"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "trace", "--offline", str(message)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == str(message) and lines[1].split()[:3] == ["#", "trust", "from"]
    handoff_row, origin_row = lines[2].split(), lines[3].split()
    assert handoff_row[:4] == ["1", "handoff", "198.51.100.36", "resomta-po-12v.sys.isp.example"]
    assert origin_row[:3] == ["2", "203.0.113.73", "192.168.1.23"] and origin_row[-1] == "ESMTPA"
    assert "origin: 203.0.113.73 (inferred, confidence medium)" in result.output

    untrusted = tmp_path / "untrusted.eml"
    untrusted.write_bytes(headers("from a.example (a.example [198.51.100.1]) by b.example with SMTP; Mon, 16 Nov 2026"))
    result = CliRunner().invoke(main, ["trace", "--offline", str(untrusted)])
    assert "No server we trust wrote any of its Received lines" in result.output
    assert "No server we trust recorded" not in result.output  # said once, not twice


# --- SPF and RDAP, through injected lookups --------------------------------------------------


def test_spf_of_the_handoff_address_for_the_envelope_sender() -> None:
    asked = []

    def spf(i: str, s: str, h: str) -> tuple:
        asked.append((i, s, h))
        return ("fail", "SPF fail - not authorized")

    data = headers(*GMAIL_CHAIN, extra="Return-Path: <nightowl@freemail.example>\r\n")
    t = trace(data, ORG, Lookups(spf=spf))
    assert asked == [("198.51.100.23", "nightowl@freemail.example", "smtp.freemail.example")]
    assert t.auth.spf == "fail (SPF fail - not authorized)"
    assert trace(data, ORG).auth.spf == "not checked (offline)"


RDAP_ANSWER = {
    "objectClassName": "ip network",
    "handle": "NET-74-6-0-0-1",
    "startAddress": "74.6.0.0",
    "endAddress": "74.6.255.255",
    "ipVersion": "v4",
    "name": "A-YAHOO-US9",
    "type": "DIRECT ALLOCATION",
    "country": "US",
    "cidr0_cidrs": [{"v4prefix": "74.6.0.0", "length": 16}],
    "events": [{"eventAction": "registration", "eventDate": "2007-01-01T00:00:00Z"}],
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "NETWO857-ARIN",
            "roles": ["abuse"],
            "vcardArray": [
                "vcard",
                [
                    ["version", {}, "text", "4.0"],
                    ["fn", {}, "text", "Network Abuse"],
                    ["kind", {}, "text", "group"],
                    ["email", {}, "text", "network-abuse@yahooinc.com"],
                ],
            ],
        }
    ],
}


def test_rdap_answer_gives_the_networks_abuse_address() -> None:
    from stopit.trace.rdap import abuse_contact

    info = abuse_contact("74.6.129.41", response=RDAP_ANSWER)
    assert info["abuse_emails"] == ["network-abuse@yahooinc.com"] and info["network"] == "A-YAHOO-US9"
    assert abuse_contact("10.1.2.3")["abuse_emails"] == []


def test_trace_adds_the_cached_rdap_contact_of_the_handoff() -> None:
    chain = (
        "from a.example (a.example [74.6.129.41]) by mx1.campus.example.edu (Postfix) with ESMTPS id y; "
        "Mon, 16 Nov 2026 21:14:09 -0500",
    )
    answer = {"ip": "74.6.129.41", "network": "A-YAHOO-US9", "abuse_emails": ["network-abuse@yahooinc.com"]}
    t = trace(headers(*chain), ORG, Lookups(rdap=lambda ip: answer if ip == "74.6.129.41" else None))
    assert {
        "contact": "network-abuse@yahooinc.com",
        "for": "A-YAHOO-US9",
        "basis": "RDAP abuse contact of the network of 74.6.129.41",
    } in t.abuse_contacts


def test_rdap_backfill_caches_and_notes_the_contact_on_the_case(tmp_path) -> None:
    import asyncio

    from stopit.config import from_text as config_text
    from stopit.desk import Desk, handle
    from stopit.schedule import backfill_rdap

    config = config_text(
        f'[desk]\norg_domains = ["campus.example.edu"]\ntrusted_networks = ["18.9.28.0/24"]\n'
        f'offline = true\ndatabase = "{tmp_path}/s.db"\n[smtp]\nurl = "maildir://{tmp_path}/o"'
    )
    desk = Desk.open(config)
    inner = headers(
        "from a.example (a.example [74.6.129.41]) by mx1.campus.example.edu (Postfix) with ESMTPS id y; "
        "Mon, 16 Nov 2026 21:14:09 -0500"
    )
    outcome = handle(desk, RawMessage(attached_report(inner), "t"))
    calls = []

    async def fetch(ip: str) -> dict:
        calls.append(ip)
        return {"ip": ip, "network": "A-YAHOO-US9", "abuse_emails": ["network-abuse@yahooinc.com"]}

    assert asyncio.run(backfill_rdap(desk, fetch)) == 1
    assert asyncio.run(backfill_rdap(desk, fetch)) == 0  # cached now: nothing to do, nothing fetched again
    assert calls == ["74.6.129.41"]
    events = desk.store.case_detail(outcome.case_id)["events"]
    assert any(e["type"] == "trace.rdap" and "network-abuse@yahooinc.com" in e["detail"] for e in events)


def test_dmarc_style_alignment(signed: tuple[bytes, dict]) -> None:
    message, dns = signed
    aligned = trace(message, ORG, _lookups(dns)).auth.alignment
    assert aligned == {"from_domain": "freemail.example", "dkim_aligned": True, "spf_aligned": None}
    spoofed = message.replace(b"From: Night Owl <nightowl@freemail.example>", b"From: Dean <dean@campus.example.edu>")
    t = trace(spoofed, ORG, _lookups(dns))
    # The signature covered From, so it now fails too; either way nothing vouches for campus.example.edu.
    assert t.auth.alignment["dkim_aligned"] is False
    assert "not_aligned" in {i.code for i in t.indicators}
