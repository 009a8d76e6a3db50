"""Real mail servers for the tests: Dovecot IMAP in a temp dir, and an aiosmtpd sink with scripted answers.

Also what tests and benchmarks hand a desk around them: its config, Maildirs, numbered reports, and a
poll for a condition (never a fixed sleep)."""

from __future__ import annotations

import contextlib
import email
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import TypeVar

import imapclient
from aiosmtpd.controller import Controller

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
Server = TypeVar("Server", "Dovecot", "SmtpSink")
# How long a wait may last before the test calls it a hang. Generous: the suite runs on two workers, and a
# test that starts forty `stopit` processes at once starves the other worker for seconds. A test that
# means to bound a delay passes its own timeout.
HANG = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mail_user() -> tuple[str, str]:
    if os.geteuid() == 0:
        return "nobody", "nogroup"
    user = pwd.getpwuid(os.geteuid()).pw_name
    import grp

    return user, grp.getgrgid(os.getegid()).gr_name


@dataclass
class Dovecot:
    """A private Dovecot with one user, `stopit`, on loopback."""

    root: Path
    port: int
    proc: subprocess.Popen
    user: str = "stopit"
    password: str = "desk-pw"
    imaps_port: int = 0

    @property
    def certificate(self) -> Path:
        return self.root / "cert.pem"

    @property
    def url(self) -> str:
        return f"imap://{self.user}@127.0.0.1:{self.port}/INBOX"

    def client(self) -> imapclient.IMAPClient:
        c = imapclient.IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        c.login(self.user, self.password)
        return c

    @contextlib.contextmanager
    def session(self) -> Iterator[imapclient.IMAPClient]:
        c = self.client()
        try:
            yield c
        finally:
            c.logout()

    def append(self, data: bytes, folder: str = "INBOX") -> None:
        with self.session() as c:
            c.append(folder, data)

    @staticmethod
    def _live(c: imapclient.IMAPClient, folder: str) -> list[int]:
        """The UIDs in `folder` not flagged deleted (none when the folder is not there), read-only."""
        if not c.folder_exists(folder):
            return []
        c.select_folder(folder, readonly=True)
        return list(c.search(["NOT", "DELETED"]))

    def uids(self, folder: str) -> list[int]:
        with self.session() as c:
            return self._live(c, folder)

    def messages(self, folder: str) -> list[bytes]:
        with self.session() as c:
            uids = self._live(c, folder)
            return [d[b"BODY[]"] for _, d in sorted(c.fetch(uids, ["BODY.PEEK[]"]).items())] if uids else []

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """The server, stopped when the block ends however it ends."""
    try:
        yield server
    finally:
        server.stop()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, as the recipe verified."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    os.chmod(key, 0o644)
    return cert, key


def start_dovecot(extra: str = "", tls: bool = False) -> Dovecot:
    """A fresh Dovecot on free ports; when a port was taken between choosing and binding it (tests run in
    parallel workers), it is started again on others."""
    for _ in range(3):
        server = _try_dovecot(extra, tls)
        if server is not None:
            return server
    raise RuntimeError("dovecot did not start on three sets of free ports")


def _try_dovecot(extra: str, tls: bool) -> Dovecot | None:
    root = Path(tempfile.mkdtemp(prefix="stopit-dovecot-"))
    os.chmod(root, 0o755)
    user, group = _mail_user()
    port = free_port()
    imaps_port = free_port() if tls else 0
    ssl_lines = "ssl = no"
    if tls:
        cert, key = make_certificate(root)
        ssl_lines = (
            f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\nssl_dh = </usr/share/dovecot/dh.pem\n"
            "ssl_min_protocol = TLSv1.2"
        )
    (root / "mail").mkdir()
    shutil.chown(root / "mail", user, group)
    users = root / "users"
    users.write_text("stopit:{PLAIN}desk-pw::::::\n")
    os.chmod(users, 0o640)
    if os.geteuid() == 0:
        shutil.chown(users, "root", group)
    conf = root / "dovecot.conf"
    greeting = f"stopit-test-{os.urandom(6).hex()}"  # tells our server from another worker's on the same port
    conf.write_text(f"""
instance_name = stopit-test-{port}
login_greeting = {greeting}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {users}
  default_fields = uid={user} gid={group} home={root}/mail/%n
}}
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
{ssl_lines}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
{extra}
""")
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID")}
    log = open(root / "stdout.log", "wb")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    server = Dovecot(root, port, proc)
    server.imaps_port = imaps_port
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if greeting.encode() in s.makefile("rb").readline(4096):
                    return server
        except OSError:
            time.sleep(0.02)
    log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
    server.stop()
    if "Address already in use" in log:
        return None
    raise RuntimeError(f"dovecot did not start: {log}")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float
    wall: float

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.data)


@dataclass
class SinkHandler:
    """Records what arrives; `script` holds answers to give instead of 250, one per DATA."""

    received: list[Received] = field(default_factory=list)
    script: deque[str] = field(default_factory=deque)
    attempts: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.attempts += 1
        if self.script:
            answer = self.script.popleft()
            if not answer.startswith("250"):
                return answer
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                time.monotonic(),
                time.time(),
            )
        )
        return "250 OK queued"


@dataclass
class SmtpSink:
    controller: Controller
    handler: SinkHandler
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = HANG) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.handler.received) < count:
            time.sleep(0.02)
        return self.handler.received

    def stop(self) -> None:
        self.controller.stop()


def start_smtp_sink() -> SmtpSink:
    handler = SinkHandler()
    controller, port = start_controller(handler)
    return SmtpSink(controller, handler, port)


def start_controller(handler: object) -> tuple[Controller, int]:
    """An aiosmtpd server for `handler` on a free port (another one if a parallel worker took it first)."""
    for _ in range(3):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=5)
        try:
            controller.start()
        except OSError:  # EADDRINUSE: taken between choosing and binding
            continue
        return controller, port
    raise RuntimeError("aiosmtpd did not start on three free ports")


def write_config(directory: Path, mailbox_url: str, smtp_url: str, extra: str = "") -> Path:
    """A config for one test; `extra` adds [desk] keys. The IMAP password sits in a file beside it."""
    path = directory / "config.toml"
    (directory / "imap.password").write_text("desk-pw\n")
    path.write_text(f"""
[desk]
address = "stopit@campus.example.edu"
org_domains = ["campus.example.edu"]
trusted_networks = ["18.9.28.0/24"]
database = "{directory / "state" / "stopit.db"}"
offline = true
{extra}

[mailbox]
url = "{mailbox_url}"
password_file = "imap.password"
poll_seconds = 5

[smtp]
url = "{smtp_url}"
retry_base_seconds = 1
""")
    return path


def maildir(path: Path) -> Path:
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def report_head(n: int, subject: str, extra: str = "", sender: str = "") -> bytes:
    """The header section of report `n`, from its own reporter (else `sender`) and with a Message-ID never
    seen before; `extra` adds header lines (CRLF-terminated); the blank line and the body are the caller's."""
    return (
        f"From: Student {n} <{sender or f'student{n}@campus.example.edu'}>\r\nTo: stopit@campus.example.edu\r\n"
        f"Subject: {subject}\r\nMessage-ID: <report-{n}-{time.time_ns()}@campus.example.edu>\r\n"
        f"Date: Mon, 16 Nov 2026 10:00:00 -0500\r\n{extra}"
    ).encode()


def wait_for(predicate, timeout: float = HANG, what: str = "condition"):
    """Poll `predicate` every 0.1 s until it returns something true, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
