"""Owns DKIM-signing the mail we send (RFC 6376; RSA, or Ed25519 per RFC 8463): the key read once, l= never.

The outbox stores what the signer returns, so what is stored is exactly what was sent. The key is read
and checked when the configuration is loaded — a bad key stops `check-config`, not the first notice. The
signature covers the fields a reader trusts (From, To, Subject, Date, the threading fields, the MIME
fields, Auto-Submitted), each as often as it occurs, and the whole body: without l=, nothing can be
appended under our signature.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dkim
import dkim.crypto
import nacl.exceptions
import nacl.signing
from dkim.asn1 import ASN1FormatError

from stopit.config import DNS_NAME, Config
from stopit.errors import ConfigError

SIGNED_FIELDS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
    "Auto-Submitted",
)
_SIGNED = frozenset(name.lower().encode("ascii") for name in SIGNED_FIELDS)
# RFC 8301: verifiers must reject RSA keys under 1024 bits; signers should use 2048.
MIN_RSA_BITS = 1024
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)
# PKCS#8 (RFC 8410) of an Ed25519 key, as `openssl genpkey -algorithm ed25519` writes it: this prefix, then the
# 32-byte seed.
_ED25519_PKCS8 = bytes.fromhex("302e020100300506032b657004220420")
_RSA_OID = bytes.fromhex("06092a864886f70d010101")


@dataclass(frozen=True)
class Signer:
    """One signing key with its selector and domain (d=); `key` is in the form dkimpy takes."""

    selector: str
    domain: str
    algorithm: str  # "rsa-sha256" or "ed25519-sha256"
    key_file: Path
    key: bytes = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        """`data` (a complete CRLF message) with a DKIM-Signature field prepended, relaxed/relaxed."""
        headers, _ = dkim.rfc822_parse(data)
        names = [name.lower() for name, _ in headers if name.lower() in _SIGNED]
        if b"from" not in names:
            raise ValueError("a message without a From field cannot be DKIM-signed")
        signature = dkim.sign(
            data,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=self.algorithm.encode("ascii"),
            include_headers=names,
            length=False,
            linesep=b"\r\n",
        )
        return bytes(signature) + data

    @property
    def record_name(self) -> str:
        """Where verifiers look for the public key."""
        return f"{self.selector}._domainkey.{self.domain}"

    def dns_record(self) -> str:
        """The TXT record to publish at `record_name` for this key."""
        if self.algorithm == "ed25519-sha256":
            public = nacl.signing.SigningKey(base64.b64decode(self.key)).verify_key.encode()
            return f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode('ascii')}"
        private = dkim.crypto.parse_pem_private_key(self.key)
        rsa_public = _der(0x30, _der_int(private["modulus"]) + _der_int(private["publicExponent"]))
        spki = _der(0x30, _der(0x30, _RSA_OID + b"\x05\x00") + _der(0x03, b"\x00" + rsa_public))
        return f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode('ascii')}"


def load_signer(selector: str, key_file: Path, domain: str) -> Signer:
    """Read and check the key in `key_file`: an RSA key (PKCS#1 or PKCS#8 PEM), or an Ed25519 key (PKCS#8 PEM,
    or the base64 seed that dkimpy's `dknewkey --ktype ed25519` writes). Every problem is a ConfigError
    that names the file and what is wrong."""
    for setting, value in (("smtp.dkim_selector", selector), ("smtp.dkim_domain", domain)):
        # RFC 6376 §3.1: a selector is dot-separated sub-domains, like the domain.
        if not DNS_NAME.match(value or ""):
            raise ConfigError(f"{setting}: {value!r} is not a DNS name (expected labels of letters, digits and -)")
    try:
        data = key_file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"smtp.dkim_key_file: {key_file}: cannot read the DKIM key: {exc.strerror}") from exc
    mode = key_file.stat().st_mode & 0o777
    if mode & 0o004:
        raise ConfigError(
            f"smtp.dkim_key_file: {key_file}: the private key is readable by every user (mode {mode:04o}); "
            "chmod 600 it (or 640 with stopit's group)"
        )
    algorithm, key = _read_key(data.replace(b"\r\n", b"\n").strip(), key_file)
    return Signer(selector=selector, domain=domain.lower().rstrip("."), algorithm=algorithm, key_file=key_file, key=key)


def signer_from_config(config: Config) -> Signer | None:
    """The signer the `[smtp] dkim_*` settings describe, or None when signing is off (both unset)."""
    selector, key_file = config["smtp.dkim_selector"], config["smtp.dkim_key_file"]
    if not selector and not key_file:
        return None
    if not (selector and key_file):
        missing = "smtp.dkim_key_file" if selector else "smtp.dkim_selector"
        raise ConfigError(f"{missing}: DKIM signing needs both smtp.dkim_selector and smtp.dkim_key_file")
    domain = config["smtp.dkim_domain"] or str(config["desk.address"]).rpartition("@")[2]
    return load_signer(selector, Path(key_file), domain)


def _read_key(data: bytes, path: Path) -> tuple[str, bytes]:
    def wrong(what: str) -> ConfigError:
        return ConfigError(f"smtp.dkim_key_file: {path}: {what}")

    if not data:
        raise wrong("the file is empty (expected an RSA or Ed25519 private key)")
    pem = _PEM.search(data)
    if pem is None:
        return "ed25519-sha256", _ed25519_seed_file(data, wrong)
    label = pem.group(1).decode("ascii")
    if label not in ("RSA PRIVATE KEY", "PRIVATE KEY"):
        raise wrong(f'a "{label}" PEM block (expected an unencrypted RSA or Ed25519 private key, file mode 0600)')
    try:
        der = base64.b64decode(pem.group(2), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise wrong("the PEM block is not valid base64") from exc
    if der.startswith(_ED25519_PKCS8) and len(der) >= len(_ED25519_PKCS8) + 32:
        seed = der[len(_ED25519_PKCS8) : len(_ED25519_PKCS8) + 32]
        return "ed25519-sha256", base64.b64encode(seed)
    pem_text = b"-----BEGIN RSA PRIVATE KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PRIVATE KEY-----\n"
    try:
        private = dkim.crypto.parse_pem_private_key(pem_text)
    except (dkim.crypto.UnparsableKeyError, ASN1FormatError, IndexError, TypeError, ValueError) as exc:
        raise wrong("not an RSA or Ed25519 private key dkimpy can read") from exc
    bits = int(private["modulus"]).bit_length()
    if bits < MIN_RSA_BITS:
        raise wrong(f"an RSA key of {bits} bits (verifiers reject keys under {MIN_RSA_BITS}; use 2048)")
    return "rsa-sha256", pem_text


def _ed25519_seed_file(data: bytes, wrong: Callable[[str], ConfigError]) -> bytes:
    try:
        seed = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise wrong("neither a PEM private key nor a base64 Ed25519 key") from exc
    if len(seed) != 32:
        raise wrong(f"a base64 Ed25519 key must hold 32 bytes, this one holds {len(seed)}")
    try:
        nacl.signing.SigningKey(seed)
    except nacl.exceptions.CryptoError as exc:
        raise wrong("not an Ed25519 key") from exc
    return base64.b64encode(seed)


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))
