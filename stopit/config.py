"""Owns the configuration: the settings table (each fact declared once), loading, validation, secrets."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from stopit.errors import ConfigError

DEFAULT_PATH = Path("/etc/stopit/config.toml")
_S = TypeVar("_S")
ENV_PATH = "STOPIT_CONFIG"

MAILBOX_SCHEMES = ("imap", "imaps", "imap+starttls", "maildir")
SMTP_SCHEMES = ("smtp", "smtps", "smtp+starttls", "maildir")

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# The texts every reporter reads are the site's to write: the shipped ones are placeholders in
# <angle brackets>, and `stopit check-config` names each one still unset (PLACEHOLDER_SETTINGS).
DEFAULT_IDHR = (
    "<The office that handles discrimination and harassment> can talk with you about your options:\n"
    "information only, supportive measures, an informal resolution, or a formal complaint. Reaching\n"
    "out does not start an investigation. You can write to <its address>."
)
DEFAULT_CONFIDENTIAL = (
    "If you would rather talk to someone in confidence first, <the confidential offices> do not\n"
    "share what you tell them with any other office without your permission."
)
DEFAULT_EMERGENCY = (
    "If you are in danger right now, call <your emergency number>, or <your campus police and their\n"
    "number>. You do not need to wait for us."
)
DEFAULT_ORGANIZATION = "<Your organization>"
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>@\n]*>")


@dataclass(frozen=True)
class Setting:
    """One configuration key: its name, default, expected type and the help shown to IT."""

    key: str
    default: Any
    help: str
    kind: str = "str"
    check: Callable[[Any], str | None] | None = None
    # A secret's source: the systemd credential and the environment variable read when the file is unset.
    credential: str = ""
    env: str = ""


def _url_check(schemes: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        scheme = urlsplit(str(value)).scheme
        if scheme not in schemes:
            listed = ", ".join(schemes[:-1]) + " or " + schemes[-1]
            return f'unknown scheme "{scheme}" (expected {listed})'
        return None

    return check


def _email_check(value: Any) -> str | None:
    return None if _EMAIL.match(str(value)) else f'"{value}" is not an email address'


def _language_check(value: Any) -> str | None:
    ok = re.fullmatch(r"[a-z]{2}", str(value))
    return None if ok else f'"{value}" is not a two-letter language code (en, de, fr, es are shipped)'


def _cidr_list_check(value: Any) -> str | None:
    for item in value:
        try:
            ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            return f'"{item}" is not a network in CIDR form (expected e.g. "192.0.2.0/24")'
    return None


# Dot-separated DNS labels (a DKIM selector or signing domain).
DNS_NAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$")


def _dns_name_check(value: Any) -> str | None:
    return None if DNS_NAME.match(str(value)) else f'"{value}" is not a DNS name (labels of letters, digits and -)'


def _timezone_check(value: Any) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return f'"{value}" is not a time zone name (expected e.g. "UTC" or "Europe/Berlin")'
    return None


_QUIET = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def _quiet_hours_check(value: Any) -> str | None:
    if value == "" or _QUIET.match(str(value)):
        return None
    return f'"{value}" is not a range of local times (expected e.g. "21:00-08:00", or "" for none)'


def _positive(value: Any) -> str | None:
    return None if value > 0 else f"{value} must be greater than 0"


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else f"{value} must be 0 or more"


def _count(key: str, default: int, help: str) -> Setting:
    """A setting that is a whole number greater than 0 (a limit, a period, a number of attempts)."""
    return Setting(key, default, help, "int", _positive)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "desk.address",
        "stopit@campus.example.edu",
        "The reporting address; the From of everything the desk sends.",
        check=_email_check,
    ),
    Setting("desk.name", "Stopit", "How the desk signs its messages."),
    Setting(
        "desk.language",
        "en",
        "The desk's own language (en, de, fr or es are shipped): office mail, and the reporter's when their words "
        "are too short or unclear to tell.",
        check=_language_check,
    ),
    Setting("desk.organization", DEFAULT_ORGANIZATION, "The organization's name, used in messages."),
    Setting("desk.org_domains", ["campus.example.edu"], "Our own mail domains: senders here are internal.", "list"),
    Setting(
        "desk.trusted_networks",
        [],
        "Our own MX and relays (CIDR); Received lines they add are trusted.",
        "list",
        _cidr_list_check,
    ),
    Setting(
        "desk.internal_networks",
        [],
        "Networks inside the organization (CIDR), as SpamAssassin's internal_networks.",
        "list",
        _cidr_list_check,
    ),
    Setting(
        "desk.database",
        "/var/lib/stopit/stopit.db",
        "The SQLite database; large raw messages live beside it in blobs/.",
    ),
    Setting(
        "desk.ack_limit_per_hour",
        5,
        "At most this many acknowledgements to one reporter mailbox per hour (case and +tag ignored).",
        "int",
        _non_negative,
    ),
    _count(
        "desk.office_limit_per_hour",
        30,
        "At most this many case notifications per office queue per hour; later ones go out as one digest.",
    ),
    Setting(
        "desk.supervisors",
        [],
        "Supervisors' addresses: told at once when an urgent office notification fails; staff everywhere.",
        "list",
        lambda value: next(filter(None, map(_email_check, value)), None),
    ),
    Setting(
        "desk.authserv_ids",
        [],
        "The authserv-ids our own MX writes in Authentication-Results: only those prove a staff sender.",
        "list",
    ),
    Setting(
        "desk.secret_file",
        "",
        "File with the secret that signs our Message-IDs; else $CREDENTIALS_DIRECTORY/stopit-secret, else generated.",
        credential="stopit-secret",
    ),
    Setting(
        "desk.plus_addressing",
        False,
        "Reply-To and envelope sender carry a case token (stopit+17.…@); only if the mail server delivers them.",
        "bool",
    ),
    Setting(
        "desk.abuse_report_format",
        "arf",
        'Abuse reports to a provider: "arf" (RFC 5965 multipart/report) or "plain" (one text part).',
        check=lambda value: None if value in ("arf", "plain") else f'"{value}" is not "arf" or "plain"',
    ),
    Setting(
        "desk.timezone",
        "UTC",
        "The desk's time zone (IANA name, e.g. Europe/Berlin): quiet hours and reminder times are local.",
        check=_timezone_check,
    ),
    Setting(
        "desk.quiet_hours",
        "21:00-08:00",
        "No mail to reporters in these local hours (check-ins wait); staff reminders are not held. Empty: none.",
        check=_quiet_hours_check,
    ),
    Setting(
        "desk.notice_requires_consent",
        True,
        "A notice to the sender needs the reporter's consent recorded first (as the acknowledgement promises).",
        "bool",
    ),
    _count(
        "desk.max_message_bytes",
        64 * 1024 * 1024,
        "Larger messages are still stored byte-exact, then quarantined for staff.",
    ),
    Setting("desk.default_queue", "stopit", "The queue a new case is opened in."),
    Setting(
        "desk.emergency_text",
        DEFAULT_EMERGENCY,
        "Emergency help, printed in every acknowledgement. Use your campus numbers.",
    ),
    Setting(
        "desk.idhr_text",
        DEFAULT_IDHR,
        "What the discrimination and harassment office offers, told to people routed there.",
    ),
    Setting(
        "desk.confidential_text",
        DEFAULT_CONFIDENTIAL,
        "The confidential resources, told to people routed to the harassment office.",
    ),
    _count(
        "desk.offender_deadline_days",
        7,
        "Days within which the offender is to be contacted (the policy's 7 days).",
    ),
    Setting(
        "desk.rules_dirs",
        [],
        "Site directories of rule files (and lexicons/); a rule here replaces a shipped one by name.",
        "list",
    ),
    Setting("desk.templates_dir", "", "A site directory of templates that override the shipped ones by name."),
    Setting("desk.offline", False, "Never make DNS or RDAP lookups.", "bool"),
    _count("desk.rdap_cache_days", 30, "How long an RDAP answer (the abuse contact of a network) is reused."),
    _count(
        "desk.link_ip_days",
        30,
        "A handoff or origin IP links two cases only when their messages were sent this close in time.",
    ),
    _count(
        "desk.retention_years",
        4,
        "Closed cases older than this are removed by `stopit purge` (the policy's 4 years); figures stay.",
    ),
    Setting(
        "mailbox.url",
        "maildir:///var/lib/stopit/inbox",
        "imap://user@host:port/FOLDER, imaps://, imap+starttls://, or maildir:///path.",
        check=_url_check(MAILBOX_SCHEMES),
    ),
    Setting(
        "mailbox.password_file",
        "",
        "File holding the IMAP password; else $CREDENTIALS_DIRECTORY/imap-password, else $STOPIT_IMAP_PASSWORD.",
        credential="imap-password",
        env="STOPIT_IMAP_PASSWORD",
    ),
    Setting("mailbox.processed_folder", "Processed", "Where a message goes once its report is stored."),
    Setting("mailbox.quarantine_folder", "Quarantine", "Where a message goes when it could not be processed."),
    Setting("mailbox.idle", True, "Use IMAP IDLE when the server offers it.", "bool"),
    _count("mailbox.poll_seconds", 60, "How often to look for new mail without IDLE (and as a fallback with it)."),
    _count("mailbox.timeout_seconds", 30, "Network timeout for IMAP commands."),
    Setting("mailbox.tls_ca_file", "", "A CA bundle to verify the IMAP server with."),
    Setting("mailbox.tls_verify", True, "Verify the IMAP server's certificate.", "bool"),
    Setting(
        "smtp.url",
        "maildir:///var/lib/stopit/outbox",
        "smtp://[user@]host:port, smtps://, smtp+starttls://, or maildir:///path.",
        check=_url_check(SMTP_SCHEMES),
    ),
    Setting(
        "smtp.password_file",
        "",
        "File holding the SMTP password; else $CREDENTIALS_DIRECTORY/smtp-password, else $STOPIT_SMTP_PASSWORD.",
        credential="smtp-password",
        env="STOPIT_SMTP_PASSWORD",
    ),
    _count("smtp.timeout_seconds", 30, "Network timeout for SMTP."),
    Setting("smtp.tls_ca_file", "", "A CA bundle to verify the SMTP server with."),
    Setting("smtp.tls_verify", True, "Verify the SMTP server's certificate.", "bool"),
    _count("smtp.max_attempts", 12, "Temporary failures are retried with backoff up to this many attempts."),
    _count("smtp.retry_base_seconds", 30, "First retry delay; each later one doubles, up to an hour."),
    Setting(
        "smtp.dkim_selector",
        "",
        "DKIM selector: with dkim_key_file, every message we send is signed (key at SELECTOR._domainkey.DOMAIN).",
        check=lambda value: _dns_name_check(value) if value else None,
    ),
    Setting(
        "smtp.dkim_key_file",
        "",
        "The DKIM private key (mode 0600): RSA PEM, 2048 bits advised, or Ed25519 (PKCS#8 PEM or dknewkey's).",
    ),
    Setting(
        "smtp.dkim_domain",
        "",
        "The DKIM signing domain (d=); empty: the domain of desk.address, which DMARC alignment wants.",
        check=lambda value: _dns_name_check(value) if value else None,
    ),
)

SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}

QUEUE_KEYS = {
    "display_name": str,
    "staff": list,
    "confidential": bool,
    "notice": str,
    "ack_template": str,
    "office_template": str,
    "first_action_days": int,
    "contact_days": int,
    "answer_days": int,
    "checkin_days": list,
    "auto_close_days": int,
}


# approval: staff may send a notice once the reporter consents; reporter: the reporter decides whether the
# sender is contacted at all (staff ask them first); never: no notice from this queue (police, threats).
QUEUE_NOTICE_POLICIES = ("approval", "reporter", "never")


@dataclass(frozen=True)
class Queue:
    """An office's queue: who gets its mail, and what they may see."""

    name: str
    display_name: str
    staff: tuple[str, ...] = ()
    confidential: bool = False
    notice: str = "approval"
    ack_template: str = ""
    office_template: str = "office/new_case.txt.j2"
    # Follow-up times, in days: first staff action after the case opens; contacting the sender (0: the
    # desk's offender_deadline_days); the sender's answer after a notice; check-ins with the reporter after
    # a notice; closing as "no reply" after the notice when the reporter never answers a check-in.
    first_action_days: int = 2
    contact_days: int = 0
    answer_days: int = 7
    checkin_days: tuple[int, ...] = (14, 60)
    auto_close_days: int = 90


DEFAULT_QUEUES = {
    "stopit": Queue("stopit", "The Stopit desk"),
    "police": Queue("police", "Campus Police", notice="never"),
    "idhr": Queue("idhr", "Discrimination and harassment office", notice="reporter"),
    "abuse": Queue("abuse", "IT security and abuse desk"),
}


def _queue(name: str, body: Any, where: str) -> Queue:
    key = f"queues.{name}"
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: {key}: expected a [{key}] table")
    for field_name, value in body.items():
        kind = QUEUE_KEYS.get(field_name)
        if kind is None:
            raise ConfigError(
                f"{where}: {key}.{field_name}: unknown setting (expected one of {', '.join(sorted(QUEUE_KEYS))})"
            )
        if not isinstance(value, kind):
            raise ConfigError(f"{where}: {key}.{field_name}: expected {_KIND_CHECKS[kind.__name__][1]}")
    staff = body.get("staff", [])
    for address in staff:
        problem = _email_check(address) if isinstance(address, str) else f"{address!r} is not an email address"
        if problem:
            raise ConfigError(f"{where}: {key}.staff: {problem}")
    notice = body.get("notice", "approval")
    if notice not in QUEUE_NOTICE_POLICIES:
        listed = ", ".join(QUEUE_NOTICE_POLICIES)
        raise ConfigError(f'{where}: {key}.notice: "{notice}" is not one of {listed}')
    checkins = body.get("checkin_days", [14, 60])
    if not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in checkins):
        raise ConfigError(f"{where}: {key}.checkin_days: expected a list of whole numbers of days, like [14, 60]")
    days = {k: body.get(k, default) for k, default in (("first_action_days", 2), ("contact_days", 0),
                                                        ("answer_days", 7), ("auto_close_days", 90))}  # fmt: skip
    for day_key, value in days.items():
        if value < 0 or (value == 0 and day_key != "contact_days"):
            raise ConfigError(f"{where}: {key}.{day_key}: {value} must be a positive number of days")
    return Queue(
        name,
        body.get("display_name", name),
        tuple(staff),
        body.get("confidential", False),
        notice,
        body.get("ack_template", ""),
        body.get("office_template", "office/new_case.txt.j2"),
        checkin_days=tuple(sorted(checkins)),
        **days,
    )


# The settings that name where a secret is read from (the secrets themselves never sit in the file).
SECRETS = tuple(s for s in SETTINGS if s.credential)
SECRET_SETTINGS = {s.key.split(".")[0]: s for s in SECRETS if s.key.endswith(".password_file")}
PLACEHOLDER_SETTINGS = ("desk.organization", "desk.emergency_text", "desk.idhr_text", "desk.confidential_text")

_KIND_CHECKS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "str": (str, "a string"),
    "int": (int, "a whole number"),
    "bool": (bool, "true or false"),
    "list": (list, "a list of strings"),
}
_KIND_CHECKS["str"] = (str, "a string")


@dataclass(frozen=True)
class Endpoint:
    """A parsed mailbox or SMTP URL."""

    scheme: str
    host: str
    port: int
    user: str
    path: str

    @property
    def is_maildir(self) -> bool:
        return self.scheme == "maildir"


@dataclass(frozen=True)
class DeskSettings:
    """[desk], typed. Each field is the setting `desk.<field>` (a test keeps them equal to SETTINGS)."""

    address: str
    name: str
    language: str
    organization: str
    org_domains: list[str]
    trusted_networks: list[str]
    internal_networks: list[str]
    database: str
    ack_limit_per_hour: int
    max_message_bytes: int
    default_queue: str
    emergency_text: str
    idhr_text: str
    confidential_text: str
    offender_deadline_days: int
    rules_dirs: list[str]
    templates_dir: str
    offline: bool
    rdap_cache_days: int
    office_limit_per_hour: int
    supervisors: list[str]
    authserv_ids: list[str]
    secret_file: str
    plus_addressing: bool
    notice_requires_consent: bool
    abuse_report_format: str
    timezone: str
    quiet_hours: str
    link_ip_days: int
    retention_years: int


@dataclass(frozen=True)
class MailboxSettings:
    """[mailbox], typed."""

    url: str
    password_file: str
    processed_folder: str
    quarantine_folder: str
    idle: bool
    poll_seconds: int
    timeout_seconds: int
    tls_ca_file: str
    tls_verify: bool


@dataclass(frozen=True)
class SmtpSettings:
    """[smtp], typed."""

    url: str
    password_file: str
    timeout_seconds: int
    tls_ca_file: str
    tls_verify: bool
    max_attempts: int
    retry_base_seconds: int
    dkim_selector: str
    dkim_key_file: str
    dkim_domain: str


SECTIONS: dict[str, type] = {"desk": DeskSettings, "mailbox": MailboxSettings, "smtp": SmtpSettings}


def _section(values: Mapping[str, Any], name: str, cls: type[_S]) -> _S:
    return cls(**{f.name: values[f"{name}.{f.name}"] for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Config:
    """The validated configuration. `values` holds every setting by its dotted key."""

    path: Path | None
    values: Mapping[str, Any]
    secrets: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def desk(self) -> DeskSettings:
        return _section(self.values, "desk", DeskSettings)

    @property
    def mailbox_settings(self) -> MailboxSettings:
        return _section(self.values, "mailbox", MailboxSettings)

    @property
    def smtp_settings(self) -> SmtpSettings:
        return _section(self.values, "smtp", SmtpSettings)

    @property
    def desk_address(self) -> str:
        return str(self.values["desk.address"])

    @property
    def database(self) -> Path:
        return Path(self.values["desk.database"])

    @property
    def state_dir(self) -> Path:
        return self.database.parent

    @property
    def mailbox(self) -> Endpoint:
        return parse_endpoint(self.values["mailbox.url"], "mailbox.url", 143, self.path)

    @property
    def smtp(self) -> Endpoint:
        return parse_endpoint(self.values["smtp.url"], "smtp.url", 25, self.path)

    @property
    def queues(self) -> dict[str, Queue]:
        return dict(self.values["queues"])

    def password(self, section: str) -> str | None:
        """The secret for `mailbox` or `smtp`, from the first of its sources that has one."""
        return resolve_password(self, section)


def _default_ports(scheme: str, fallback: int) -> int:
    return {
        "imaps": 993,
        "imap": 143,
        "imap+starttls": 143,
        "smtps": 465,
        "smtp+starttls": 587,
        "smtp": 25,
    }.get(scheme, fallback)


def parse_endpoint(url: str, key: str, fallback_port: int, base: Path | None) -> Endpoint:
    parts = urlsplit(url)
    if parts.scheme == "maildir":
        raw_path = unquote(parts.netloc + parts.path)
        if not raw_path:
            raise ConfigError(f"{key}: maildir URL has no path (expected maildir:///path)")
        path = Path(raw_path)
        if not path.is_absolute() and base is not None:
            path = base.parent / path
        return Endpoint("maildir", "", 0, "", str(path))
    if parts.password is not None:
        # Never echoed: the URL is shown without it in this and every later message.
        raise ConfigError(f"{key}: a password never goes in the URL; name a password_file (see config.example.toml)")
    try:
        port = parts.port or _default_ports(parts.scheme, fallback_port)
    except ValueError as exc:
        raise ConfigError(f"{key}: bad port in {url!r} (expected a number)") from exc
    if not parts.hostname:
        raise ConfigError(f"{key}: no host in {url!r} (expected {parts.scheme}://host:port)")
    return Endpoint(parts.scheme, parts.hostname, port, unquote(parts.username or ""), unquote(parts.path.lstrip("/")))


def _flatten(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{where}: {section}: expected a [{section}] table")
        for key, value in body.items():
            flat[f"{section}.{key}"] = value
    return flat


def _check_value(setting: Setting, value: Any) -> str | None:
    expected_type, words = _KIND_CHECKS[setting.kind]
    if setting.kind == "int" and isinstance(value, bool):
        return f"expected {words}, got {value!r}"
    if not isinstance(value, expected_type):
        return f"expected {words}, got {value!r}"
    if setting.kind == "list" and isinstance(value, list) and not all(isinstance(v, str) for v in value):
        return f"expected {words}, got {value!r}"
    return setting.check(value) if setting.check else None


def validate(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Merge `raw` over the defaults; every mistake is `where: key: what is wrong`."""
    raw = dict(raw)
    queues_raw = raw.pop("queues", None)
    if queues_raw is not None and not isinstance(queues_raw, dict):
        raise ConfigError(f"{where}: queues: expected [queues.NAME] tables")
    flat = _flatten(raw, where)
    values = {s.key: s.default for s in SETTINGS}
    for key, value in flat.items():
        section = key.split(".")[0]
        if key.endswith(".password") and section in SECRET_SETTINGS:
            secret = SECRET_SETTINGS[section]
            raise ConfigError(
                f"{where}: {key}: a password never goes in the config file; write it to a file readable by "
                f"stopit only and name it in {secret.key} (or use the systemd credential {secret.credential})"
            )
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            raise ConfigError(f"{where}: {key}: unknown setting (see config.example.toml)")
        problem = _check_value(setting, value)
        if problem:
            raise ConfigError(f"{where}: {key}: {problem}")
        values[key] = value
    values["queues"] = {n: _queue(n, b, where) for n, b in queues_raw.items()} if queues_raw else dict(DEFAULT_QUEUES)
    default = values["desk.default_queue"]
    if default not in values["queues"]:
        raise ConfigError(
            f'{where}: desk.default_queue: "{default}" is not a configured queue '
            f"(configured: {', '.join(sorted(values['queues']))})"
        )
    return values


def find_config_path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_PATH)
    return Path(env) if env else DEFAULT_PATH


def load(explicit: str | None = None, optional: bool = False) -> Config:
    """Read and validate the config named by --config, $STOPIT_CONFIG or the default path.

    With `optional`, a default path that does not exist gives the built-in defaults (commands that
    only read files, such as `trace` and `rules check`); a path someone named must always exist.
    """
    path = find_config_path(explicit)
    if optional and not explicit and not os.environ.get(ENV_PATH) and not path.exists():
        return from_text("")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file (give --config PATH or set ${ENV_PATH})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return from_text(text, path)


def from_text(text: str, path: Path | None = None) -> Config:
    where = str(path) if path else "<config>"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    values = validate(raw, where)
    values["desk.database"] = str(_relative_to(path, values["desk.database"]))
    if values["desk.templates_dir"]:
        values["desk.templates_dir"] = str(_relative_to(path, values["desk.templates_dir"]))
    if values["smtp.dkim_key_file"]:
        values["smtp.dkim_key_file"] = str(_relative_to(path, values["smtp.dkim_key_file"]))
    values["desk.rules_dirs"] = [str(_relative_to(path, d)) for d in values["desk.rules_dirs"]]
    config = Config(path=path, values=values)
    for key in ("mailbox.url", "smtp.url"):
        parse_endpoint(values[key], f"{where}: {key}", 0, path)
    return config


def _relative_to(config_path: Path | None, value: str) -> Path:
    p = Path(value)
    if p.is_absolute() or config_path is None:
        return p
    return config_path.parent / p


def resolve_password(config: Config, section: str) -> str | None:
    """The secret for `section`: its password_file, else its systemd credential, else its variable."""
    secret = SECRET_SETTINGS[section]
    file_name = config.values.get(secret.key, "")
    if file_name:
        path = _relative_to(config.path, file_name)
        try:
            return path.read_text(encoding="utf-8").strip("\r\n")
        except OSError as exc:
            raise ConfigError(f"{secret.key}: cannot read {path}: {exc.strerror}") from exc
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir and (Path(cred_dir) / secret.credential).is_file():
        return (Path(cred_dir) / secret.credential).read_text(encoding="utf-8").strip("\r\n")
    return os.environ.get(secret.env)


def placeholders(config: Config) -> list[str]:
    """`key: …` for every reporter-facing text that still holds a shipped <placeholder>."""
    found = []
    for key in PLACEHOLDER_SETTINGS:
        match = PLACEHOLDER.search(str(config.values[key]))
        if match:
            found.append(f"{key}: still the shipped placeholder {match.group(0)}; set your own (config.example.toml)")
    return found
