"""DKIM signing of our outgoing mail: RSA and Ed25519 keys, verified offline by dkimpy against the public key."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from stopit.act.arf import build_arf
from stopit.act.dkim import SIGNED_FIELDS, load_signer, signer_from_config
from stopit.act.headers import Headers
from stopit.act.render import TEXT_PART, text_body, with_exact_attachment
from stopit.config import from_text
from stopit.errors import ConfigError
from stopit.values import AutoSubmitted, Mailbox, MsgId

DOMAIN = "campus.example.edu"
SELECTOR = "s2026"
PEM = serialization.Encoding.PEM
NO_PASSWORD = serialization.NoEncryption()


def write_key(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def rsa_key(tmp_path: Path, fmt: serialization.PrivateFormat) -> tuple[Path, str]:
    """A fresh RSA key file and the TXT record a site would publish for it (computed by `cryptography`)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / ("rsa-pkcs8.pem" if fmt == serialization.PrivateFormat.PKCS8 else "rsa-pkcs1.pem")
    write_key(path, key.private_bytes(PEM, fmt, NO_PASSWORD))
    return path, "v=DKIM1; k=rsa; p=" + base64.b64encode(_spki(key.public_key())).decode()


def ed25519_key(tmp_path: Path, as_pem: bool) -> tuple[Path, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / ("ed25519.pem" if as_pem else "ed25519.key")
    if as_pem:
        write_key(path, key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, NO_PASSWORD))
    else:  # dknewkey's form: the base64 of the 32-byte seed
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, NO_PASSWORD)
        write_key(path, base64.b64encode(raw) + b"\n")
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return path, "v=DKIM1; k=ed25519; p=" + base64.b64encode(public).decode()


KEYS = {
    "rsa-pkcs1": lambda tmp: rsa_key(tmp, serialization.PrivateFormat.TraditionalOpenSSL),
    "rsa-pkcs8": lambda tmp: rsa_key(tmp, serialization.PrivateFormat.PKCS8),
    "ed25519-pkcs8": lambda tmp: ed25519_key(tmp, as_pem=True),
    "ed25519-dknewkey": lambda tmp: ed25519_key(tmp, as_pem=False),
}


def verifies(message: bytes, record: str) -> bool:
    """dkimpy's verdict, offline: the only DNS name it may ask for is our selector's."""
    asked: list[bytes] = []

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        asked.append(name)
        return record.encode() if name.rstrip(b".") == f"{SELECTOR}._domainkey.{DOMAIN}".encode() else None

    verdict = bool(dkim.verify(message, dnsfunc=dnsfunc))
    assert asked, "dkimpy never looked the key up"
    return verdict


def desk_headers(to: str, subject: str, **threading: object) -> Headers:
    """The header section of one of our messages for case 17, as stopit.act.headers builds it."""
    return Headers(
        from_=Mailbox(f"stopit@{DOMAIN}"),
        from_name="Stopit desk",
        to=(Mailbox(to),),
        subject=subject,
        date=datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
        message_id=MsgId(f"<stopit.17.0123456789abcdef@{DOMAIN}>"),
        auto_submitted=AutoSubmitted.GENERATED,
        case_id=17,
        **threading,  # type: ignore[arg-type]
    )


def outgoing(attachment: bytes | None) -> bytes:
    """A message shaped as stopit.act.render.compose writes it: CRLF, quoted-printable text, maybe a report."""
    headers = desk_headers(
        "sender@mail.example.net",
        "[stopit #17] Please stop — Bitte hören Sie auf",
        in_reply_to=MsgId("<r1@mail.example.net>"),
        references=(MsgId("<r0@mail.example.net>"), MsgId("<r1@mail.example.net>")),
        reply_to=Mailbox(f"stopit@{DOMAIN}"),
    )
    body = text_body("Hello,\n\nsomeone in our community found your messages unwelcome. Grüße.\n" + "x" * 120 + "\n")
    if attachment is None:
        mime = (("MIME-Version", "1.0"), *TEXT_PART)
        return headers.to_bytes(mime) + b"\r\n" + body
    return with_exact_attachment(headers, body, attachment, "report-17.eml")[0]


ATTACHED = (
    b"Received: from mx.example.net by mx.campus.example.edu; Mon, 30 Nov 2026 14:00:00 +0000\r\n"
    b"From: X <x@mail.example.net>\r\nSubject: hi\r\n\r\n8-bit body \xe9\xe8 and a long line " + b"y" * 1200 + b"\r\n"
)


@pytest.mark.parametrize("kind", sorted(KEYS))
@pytest.mark.parametrize("attachment", [None, ATTACHED], ids=["text", "multipart"])
def test_signed_mail_verifies_offline_and_any_changed_byte_breaks_it(
    tmp_path: Path, kind: str, attachment: bytes | None
) -> None:
    key_file, record = KEYS[kind](tmp_path)
    signer = load_signer(SELECTOR, key_file, DOMAIN)
    data = outgoing(attachment)
    signed = signer.sign(data)

    assert signed.endswith(data) and signed.startswith(b"DKIM-Signature:")
    assert verifies(signed, record)
    # Everything after the signature is what we built: flip one byte of the body, then of a signed field.
    head_end = signed.index(b"\r\n\r\n") + 4
    body_at = head_end + (len(signed) - head_end) // 2
    changed_body = signed[:body_at] + bytes([signed[body_at] ^ 0x01]) + signed[body_at + 1 :]
    assert not verifies(changed_body, record)
    subject_at = signed.index(b"Subject: ") + len(b"Subject: ") + 3
    changed_subject = signed[:subject_at] + b"X" + signed[subject_at + 1 :]
    assert not verifies(changed_subject, record)


def _tags(signed: bytes) -> dict[str, str]:
    """The tags of the first field (the DKIM-Signature), unfolded and without whitespace."""
    first = re.match(rb"DKIM-Signature:((?:[^\r\n]*\r\n[ \t])*[^\r\n]*)\r\n", signed)
    assert first is not None
    value = re.sub(r"\s+", "", first.group(1).decode("ascii"))
    return dict(tag.split("=", 1) for tag in value.split(";") if tag)


@pytest.mark.parametrize("kind", ["rsa-pkcs8", "ed25519-dknewkey"])
def test_signature_is_relaxed_without_length_and_covers_the_fields_present(tmp_path: Path, kind: str) -> None:
    key_file, _ = KEYS[kind](tmp_path)
    signed = load_signer(SELECTOR, key_file, DOMAIN).sign(outgoing(ATTACHED))
    tags = _tags(signed)
    assert tags["c"] == "relaxed/relaxed"
    assert tags["a"] == ("rsa-sha256" if kind.startswith("rsa") else "ed25519-sha256")
    assert (tags["d"], tags["s"]) == (DOMAIN, SELECTOR)
    assert "l" not in tags
    signed_names = tags["h"].split(":")
    # Every listed field the message holds is signed, as often as it occurs; nothing else is.
    head = signed.split(b"\r\n\r\n")[0].decode()
    present = [
        line.split(":")[0].lower()
        for line in head.split("\r\n")[1:]
        if line[:1] not in (" ", "\t") and ":" in line and not line.lower().startswith("dkim-signature")
    ]
    expected = sorted(n for n in present if n in {f.lower() for f in SIGNED_FIELDS})
    assert sorted(signed_names) == expected
    assert {"from", "to", "subject", "date", "message-id", "in-reply-to", "references", "reply-to"} <= set(signed_names)
    assert "x-stopit-case" not in signed_names and "x-auto-response-suppress" not in signed_names


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_the_published_record_the_signer_names_is_the_public_key(tmp_path: Path, kind: str) -> None:
    key_file, record = KEYS[kind](tmp_path)
    signer = load_signer(SELECTOR, key_file, DOMAIN)
    assert signer.dns_record() == record
    assert signer.record_name == f"{SELECTOR}._domainkey.{DOMAIN}"
    assert "PRIVATE" not in repr(signer) and signer.key.decode("ascii", "replace")[:20] not in repr(signer)


def _ec_pem(tmp_path: Path) -> Path:
    path = tmp_path / "ec.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    write_key(path, key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, NO_PASSWORD))
    return path


def _encrypted_pem(tmp_path: Path) -> Path:
    path = tmp_path / "encrypted.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = serialization.BestAvailableEncryption(b"secret")
    write_key(path, key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, encryption))
    return path


def _truncated_pem(tmp_path: Path) -> Path:
    good, _ = rsa_key(tmp_path, serialization.PrivateFormat.TraditionalOpenSSL)
    lines = good.read_bytes().splitlines(keepends=True)
    path = tmp_path / "truncated.pem"
    write_key(path, b"".join(lines[:5] + lines[-1:]))
    return path


def _public_only(tmp_path: Path) -> Path:
    path = tmp_path / "public.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    write_key(path, key.public_bytes(PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def _write(name: str, data: bytes):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        write_key(path, data)
        return path

    return make


BAD_KEYS = {
    "empty": (_write("empty.key", b"\n"), "the file is empty"),
    "prose": (_write("notes.txt", b"my dkim key is in the vault\n"), "neither a PEM private key"),
    "short seed": (_write("short.key", base64.b64encode(b"k" * 16)), "32 bytes"),
    "truncated PEM": (_truncated_pem, "not an RSA or Ed25519 private key"),
    "EC key": (_ec_pem, "not an RSA or Ed25519 private key"),
    "encrypted": (_encrypted_pem, "ENCRYPTED PRIVATE KEY"),
    "public key": (_public_only, "PUBLIC KEY"),
    "missing": (lambda tmp: tmp / "absent.pem", "cannot read"),
}


@pytest.mark.parametrize("case", sorted(BAD_KEYS))
def test_a_bad_key_file_is_a_config_error_naming_the_file_and_the_fault(tmp_path: Path, case: str) -> None:
    make, fault = BAD_KEYS[case]
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_signer(SELECTOR, path, DOMAIN)
    assert str(path) in str(caught.value)
    assert "smtp.dkim_key_file" in str(caught.value)
    assert fault in str(caught.value)


def test_selector_and_domain_must_be_dns_names(tmp_path: Path) -> None:
    key_file, _ = KEYS["ed25519-dknewkey"](tmp_path)
    with pytest.raises(ConfigError, match=r"smtp\.dkim_selector"):
        load_signer("bad selector", key_file, DOMAIN)
    with pytest.raises(ConfigError, match=r"smtp\.dkim_domain"):
        load_signer(SELECTOR, key_file, "campus.example.edu\r\nX-Evil: 1")


def test_a_message_without_from_is_not_signed(tmp_path: Path) -> None:
    key_file, _ = KEYS["ed25519-dknewkey"](tmp_path)
    with pytest.raises(ValueError, match="From"):
        load_signer(SELECTOR, key_file, DOMAIN).sign(b"To: a@b.example\r\nSubject: x\r\n\r\nbody\r\n")


def test_config_turns_signing_on_only_with_selector_and_key(tmp_path: Path) -> None:
    key_file, record = KEYS["rsa-pkcs1"](tmp_path)
    (tmp_path / "keys").mkdir()
    key_file.rename(tmp_path / "keys" / "dkim.pem")
    config_path = tmp_path / "config.toml"
    desk = f'[desk]\naddress = "stopit@{DOMAIN}"\n'

    assert signer_from_config(from_text(desk, config_path)) is None
    with pytest.raises(ConfigError, match=r"smtp\.dkim_key_file"):
        signer_from_config(from_text(desk + f'[smtp]\ndkim_selector = "{SELECTOR}"\n', config_path))
    with pytest.raises(ConfigError, match=r"smtp\.dkim_selector"):
        signer_from_config(from_text(desk + '[smtp]\ndkim_key_file = "keys/dkim.pem"\n', config_path))
    with pytest.raises(ConfigError, match=r"smtp\.dkim_selector"):
        from_text(desk + '[smtp]\ndkim_selector = "no spaces"\n', config_path)

    # The key path is relative to the config file; the domain defaults to the desk address's.
    text = desk + f'[smtp]\ndkim_selector = "{SELECTOR}"\ndkim_key_file = "keys/dkim.pem"\n'
    signer = signer_from_config(from_text(text, config_path))
    assert signer is not None and signer.domain == DOMAIN and signer.key_file == tmp_path / "keys" / "dkim.pem"
    assert verifies(signer.sign(outgoing(None)), record)
    other = signer_from_config(from_text(text + 'dkim_domain = "example.org"\n', config_path))
    assert other is not None and other.domain == "example.org"


def test_an_abuse_report_under_our_headers_signs_and_verifies(tmp_path: Path) -> None:
    key_file, record = KEYS["rsa-pkcs8"](tmp_path)
    report = build_arf(ATTACHED, ["reporter@campus.example.edu"], text="Abuse report.", source_ip="192.0.2.7")
    headers = desk_headers("abuse@mail.example.net", "[stopit #17] Abuse report")
    signed = load_signer(SELECTOR, key_file, DOMAIN).sign(headers.to_bytes(report.mime_fields) + b"\r\n" + report.body)
    assert "content-type" in _tags(signed)["h"].split(":")
    assert verifies(signed, record)


def test_a_key_every_user_can_read_is_refused(tmp_path: Path) -> None:
    key_file, _ = KEYS["ed25519-pkcs8"](tmp_path)
    key_file.chmod(0o640)
    assert load_signer(SELECTOR, key_file, DOMAIN).algorithm == "ed25519-sha256"
    key_file.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by every user") as caught:
        load_signer(SELECTOR, key_file, DOMAIN)
    assert str(key_file) in str(caught.value)
