"""Owns telling unsolicited bulk mail and phishing aimed at the desk itself from a person's report.

A report is a person writing to the desk about something that happened to them, in their own
words or by forwarding it. Spam sent straight to the desk address is neither: it must be recorded
but never answered, or the desk mails the spammer (backscatter). No single sign decides. Bulk-mail
headers, a spam filter's verdict, marketing or phishing structure and an impersonal address each
add weight; a person's own account of what happened to them and an internal sender take weight
away; and a message that carries another message (forwarded, attached, pasted, redirected) is
always a report. Pure: the message's bytes and facts in, the signs that fired out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from stopit.extract.mime import RawPart
from stopit.models import Envelope, Offending

# Weight at or above which a message without any carried message is unsolicited mail.
JUNK_THRESHOLD = 4
_CARRIED = ("attachment", "inline", "pasted", "redirect")

# Headers that bulk senders (email service providers, campaign tools) put on their mail.
ESP_HEADERS = (
    "X-SG-EID",
    "X-SG-ID",
    "X-Mailgun-Sid",
    "X-Mailgun-Variables",
    "X-SES-Outgoing",
    "X-MC-User",
    "X-Mandrill-User",
    "X-Mailchimp-Campaign",
    "X-Campaign",
    "X-Campaign-Id",
    "X-CampaignID",
    "X-Mailin-Campaign",
    "X-Mailjet-Campaign",
    "X-CSA-Complaints",
    "X-Report-Abuse",
    "X-SFMC-Stack",
    "X-Emarsys-Identify",
    "X-Marketo-Campaign",
    "X-Newsletter",
    "Feedback-ID",
    "X-Feedback-ID",
)
ESP_MAILERS = ("phpmailer", "mailchimp", "sendinblue", "brevo", "mailjet", "sendgrid", "acumbamail", "mass mail")

# Words of a sender's local part that no person uses for a personal message.
BULK_LOCAL_PARTS = (
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "newsletter",
    "news",
    "marketing",
    "promo",
    "offers",
    "deals",
    "mailer",
    "notifications",
    "campaign",
    "bounce",
)

# Footer words of marketing mail, in the desk's languages.
UNSUBSCRIBE_WORDS = (
    "unsubscribe",
    "opt out",
    "opt-out",
    "manage your preferences",
    "email preferences",
    "view in browser",
    "view this email in your browser",
    "abmelden",
    "abbestellen",
    "im browser ansehen",
    "se désabonner",
    "désinscription",
    "désabonnement",
    "darse de baja",
    "darte de baja",
    "cancelar suscripción",
    "anular suscripción",
    "to be removed from",
    "removed from our mailing list",
    "removed from this list",
    "no longer wish to receive",
    "you are receiving this email because",
    "you received this email because",
    "this email was sent to",
    "this message was sent to",
)

# Mass-mail sales language: one phrase is weak (weight 1), several together stronger (2).
MARKETING_PHRASES = (
    "click here",
    "act now",
    "limited time",
    "special offer",
    "order now",
    "buy now",
    "money back",
    "risk free",
    "risk-free",
    "100% free",
    "free trial",
    "lowest price",
    "best price",
    "call now",
    "apply now",
    "no obligation",
    "earn money",
    "make money",
    "work from home",
    "extra income",
    "investment opportunity",
    "congratulations",
    "viagra",
    "casino",
    "jetzt bestellen",
    "nur für kurze zeit",
    "gratis",
    "offre spéciale",
    "cliquez ici",
    "oferta especial",
    "haga clic aquí",
)

# What phishing asks of its target, in the desk's languages.
PHISHING_PHRASES = (
    "verify your account",
    "verify your email",
    "confirm your identity",
    "confirm your account",
    "your mailbox is full",
    "mailbox storage",
    "mailbox quota",
    "password will expire",
    "password expires",
    "account will be suspended",
    "account has been suspended",
    "account will be closed",
    "account will be deactivated",
    "unusual sign-in activity",
    "unusual activity",
    "update your payment",
    "validate your account",
    "reactivate your account",
    "dear user",
    "dear customer",
    "dear valued",
    "you have won",
    "claim your prize",
    "konto bestätigen",
    "konto verifizieren",
    "ihr postfach ist voll",
    "ihr konto wird gesperrt",
    "vérifiez votre compte",
    "vérifier votre compte",
    "votre compte sera suspendu",
    "verifique su cuenta",
    "verificar su cuenta",
    "su cuenta será suspendida",
)

# A request for what phishing is after, and the pressure it puts on (en, de, fr, es).
CREDENTIALS = re.compile(
    r"\b(password|passwort|mot de passe|contraseña|credentials|log ?in|sign in|zugangsdaten|anmelden|"
    r"melden sie sich|identifiants|connectez-vous|inicie sesión|credenciales|verify your (?:account|identity)|"
    r"konto (?:zu )?verifizieren|vérifier votre compte|verificar su cuenta|bank details|direct deposit|"
    r"pay the|card number)\b"
)
URGENCY = re.compile(
    r"\b(within \d+ hours|\d+ hours|\d+ stunden|\d+ heures|\d+ horas|immediately|sofort|immédiatement|"
    r"suspend\w*|deactivat\w*|gesperrt|suspendu\w*|suspendid\w*|expires?|lose access|final notice|"
    r"unusual sign-in|security (?:alert|warning)|sicherheitswarnung|alerte de sécurité|alerta de seguridad|"
    r"mailbox (?:is )?full|postfach ist voll|boîte mail est pleine|buzón está lleno|will be (?:delayed|closed))\b"
)

# A person's own account: first person, and what happened to them or what they received (en, de, fr, es).
FIRST_PERSON = re.compile(r"\b(i|i'm|i’m|me|my|ich|mich|mir|mein|meine|je|j'|moi|mon|ma|yo|mi|mí)\b", re.I)
DISTRESS = re.compile(
    r"\b(harass\w*|threat\w*|stalk\w*|scared|afraid|frightened|fear|help me|please help|bull(?:y|ied|ying)|"
    r"keeps? (?:sending|writing|messaging|calling|texting)|sent me|wrote to me|won't stop|blackmail\w*|"
    r"nudes?|fake profile|received this|got this|keep getting|is this (?:real|legit|phishing|spam|a scam)|"
    r"(?:got|received|receive|get|getting) (?:an?|this|these|that|the|some) (?:e-?mails?|messages?|mails?|texts?)|"
    r"belästig\w*|bedroh\w*|angst|hilfe|erhalten|bekommen|harc[eè]l\w*|menac\w*|peur|aidez|reçu|"
    r"acos\w*|amenaz\w*|miedo|ayuda|recib\w*)\b",
    re.I,
)
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?(?P<href>[^"'\s>]+)[^>]*>(?P<text>.*?)</a\s*>""", re.I | re.S)
_PIXEL = re.compile(r"""<img\b[^>]*\b(?:width\s*=\s*["']?1["'\s>]|height\s*=\s*["']?1["'\s>])""", re.I)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.I)
_SHOWN_DOMAIN = re.compile(r"(?:https?://)?(?P<host>(?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?", re.I)
_SCL = re.compile(r"\bSCL:\s*(?P<n>-?\d+)", re.I)


@dataclass(frozen=True)
class Sign:
    """One reason to think the message is (positive weight) or is not (negative) unsolicited mail."""

    name: str
    weight: int
    reason: str


def unsolicited(
    env: Envelope,
    parts: Sequence[RawPart],
    text: str,
    offending: tuple[Offending, ...],
    desk_address: str,
    org_domains: tuple[str, ...] = (),
) -> str | None:
    """Why this is unsolicited bulk mail or phishing aimed at the desk, or None when it may be a report."""
    if any(o.source in _CARRIED for o in offending):
        return None
    found = signs(env, parts, text, desk_address, org_domains)
    score = sum(s.weight for s in found)
    if score < JUNK_THRESHOLD:
        return None
    return f"unsolicited mail to the desk (weight {score}): " + "; ".join(s.reason for s in found)


def signs(
    env: Envelope, parts: Sequence[RawPart], text: str, desk_address: str, org_domains: tuple[str, ...] = ()
) -> list[Sign]:
    """Every sign that fired, for the classification reason and for `stopit explain`."""
    markup = "\n".join(p.text() for p in parts if p.content_type == "text/html")[:500_000]
    # The words, without the addresses of links: "https://login.example" asks for nothing.
    words = _URL_IN_TEXT.sub(" ", f"{text}\n{_visible(markup)}").casefold()
    checks = (
        _spam_verdict(env),
        _esp_headers(env),
        _bulk_sender(env),
        _found(words, UNSUBSCRIBE_WORDS, "unsubscribe", 2, "a marketing footer"),
        _phishing(words, bool(_HREF.search(markup) or _URL_IN_TEXT.search(text))),
        _marketing(words),
        _html_only(parts),
        _links(markup, text),
        _impersonal(env, desk_address),
        _shouting(env.subject),
        _reply_elsewhere(env),
        _internal(env, org_domains),
        _own_account(text),
    )
    return [s for s in checks if s is not None]


def _spam_verdict(env: Envelope) -> Sign | None:
    """A spam filter on the way already judged it: SpamAssassin's flags, Microsoft's SCL."""
    flag = env.header("X-Spam-Flag").strip().lower()
    status = env.header("X-Spam-Status").strip().lower()
    plain = env.header("X-Spam").strip().lower()
    if flag == "yes" or status.startswith("yes") or plain in ("yes", "spam", "true"):
        return Sign("spam-verdict", 4, "a spam filter marked it as spam")
    for name in ("X-Forefront-Antispam-Report", "X-MS-Exchange-Organization-SCL"):
        value = env.header(name)
        match = _SCL.search(value) or re.fullmatch(r"\s*(?P<n>-?\d+)\s*", value)
        if match and int(match["n"]) >= 5:
            return Sign("spam-verdict", 4, f"{name} gives spam confidence {match['n']}")
    return None


def _esp_headers(env: Envelope) -> Sign | None:
    present = [name for name in ESP_HEADERS if env.has_header(name)]
    mailer = env.header("X-Mailer").lower()
    if any(tool in mailer for tool in ESP_MAILERS):
        present.append(f"X-Mailer: {env.header('X-Mailer')[:40]}")
    if not present:
        return None
    return Sign("bulk-headers", 2, "sent by a bulk-mail service (" + ", ".join(present[:3]) + ")")


def _bulk_sender(env: Envelope) -> Sign | None:
    sender = env.from_.address if env.from_ else ""
    local = sender.partition("@")[0].lower()
    if any(local == w or local.startswith((w + ".", w + "-", w + "_")) for w in BULK_LOCAL_PARTS):
        return Sign("bulk-sender", 1, f"an impersonal sender ({sender})")
    return None


def _found(words: str, table: tuple[str, ...], name: str, weight: int, what: str) -> Sign | None:
    hits = [w for w in table if w in words]
    return Sign(name, weight, f"{what} ({hits[0]!r})") if hits else None


def _phishing(words: str, linked: bool) -> Sign | None:
    """Known phishing phrases, or a request for credentials or money under a deadline or a threat
    of loss; a link to act on makes either stronger."""
    hits = [p for p in PHISHING_PHRASES if p in words]
    credentials, urgency = CREDENTIALS.search(words), URGENCY.search(words)
    if credentials and urgency:
        weight, what = 3, f"{credentials.group(0)!r} under pressure ({urgency.group(0)!r})"
    elif hits:
        weight, what = (2 if len(hits) == 1 else 3), ", ".join(hits[:3])
    else:
        return None
    if linked:
        weight, what = weight + 1, what + ", with a link to act on"
    return Sign("phishing", weight, f"what phishing asks for ({what})")


def _marketing(words: str) -> Sign | None:
    hits = [p for p in MARKETING_PHRASES if p in words]
    if not hits:
        return None
    return Sign("marketing", 1 if len(hits) == 1 else 2, "sales language (" + ", ".join(hits[:3]) + ")")


def _html_only(parts: Sequence[RawPart]) -> Sign | None:
    """Mass mailers often send HTML alone; mail clients people write with add a plain-text part."""
    types = {p.content_type for p in parts}
    if "text/html" in types and "text/plain" not in types:
        return Sign("html-only", 1, "HTML with no plain-text part")
    return None


def _links(markup: str, text: str) -> Sign | None:
    """Many links, a tracking pixel, or a link that shows one domain and goes to another."""
    anchors = [(m["href"], _visible(m["text"])) for m in _HREF.finditer(markup)]
    targets = {_host(href) for href, _ in anchors if href.lower().startswith("http")}
    targets |= {_host(url) for url in _URL_IN_TEXT.findall(text)}
    for href, shown in anchors:
        shown_host = _SHOWN_DOMAIN.fullmatch(shown.strip())
        real = _host(href)
        if shown_host and real and not _same_site(shown_host["host"].lower(), real):
            return Sign("deceptive-link", 3, f"a link shows {shown_host['host']} but goes to {real}")
    weight, why = 0, []
    if len(targets - {""}) >= 5 or len(anchors) >= 8:
        weight, why = 1, [f"{max(len(anchors), len(targets))} links"]
    if _PIXEL.search(markup):
        weight, why = weight + 1, [*why, "a tracking pixel"]
    return Sign("links", weight, " and ".join(why)) if weight else None


def _impersonal(env: Envelope, desk_address: str) -> Sign | None:
    """The desk is not named in To: undisclosed recipients, a list of strangers, or a blind copy."""
    to = [a.address.lower() for a in env.to]
    if desk_address and desk_address.lower() in to:
        return Sign("impersonal", 1, f"sent to {len(to)} addresses at once") if len(to) >= 5 else None
    if not to:
        return Sign("impersonal", 1, "no recipient named (undisclosed recipients)")
    return Sign("impersonal", 1, "the desk is not among the recipients named in To")


def _shouting(subject: str) -> Sign | None:
    """A subject in capitals, or with '!!!' or '$$$': how mass mail asks to be opened."""
    letters = [c for c in subject if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    if "!!!" in subject or "$$" in subject or (len(letters) >= 10 and upper / len(letters) > 0.6):
        return Sign("shouting", 1, f"a shouting subject ({subject[:40]!r})")
    return None


def _reply_elsewhere(env: Envelope) -> Sign | None:
    """Answers go to another domain than the sender's: scams collect replies elsewhere."""
    sender = (env.from_.address if env.from_ else "").rpartition("@")[2].lower()
    others = {a.address.rpartition("@")[2].lower() for a in env.reply_to} - {sender, ""}
    if sender and others and not any(_same_site(sender, d) for d in others):
        return Sign("reply-elsewhere", 1, f"replies go to {sorted(others)[0]}, not {sender}")
    return None


def _internal(env: Envelope, org_domains: tuple[str, ...]) -> Sign | None:
    domain = (env.from_.address if env.from_ else "").rpartition("@")[2].lower()
    if domain and any(domain == d or domain.endswith("." + d) for d in org_domains):
        return Sign("internal-sender", -3, f"the sender is at {domain}, one of our own domains")
    return None


def _own_account(text: str) -> Sign | None:
    """A person telling what happened to them: first person and harm or fear, in their own words."""
    own = " ".join(line for line in text[:4000].splitlines() if not line.lstrip().startswith(">"))
    # In one sentence: "we detected a threat to your account" is not about the writer.
    for sentence in re.split(r"(?<=[.!?])\s+", own):
        harm = DISTRESS.search(sentence)
        if harm and FIRST_PERSON.search(sentence):
            return Sign("own-account", -4, f"a person's own account ({harm.group(0)!r})")
    return None


def _visible(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", markup)).strip()


def _host(url: str) -> str:
    try:
        return (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
    except ValueError:
        return ""


@cache
def _site(host: str) -> str:
    """The registrable-looking part of a host name (last two labels; three for a.b.co.uk style)."""
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def _same_site(a: str, b: str) -> bool:
    return _site(a) == _site(b)
