"""Config: the shipped example is valid and complete; every mistake names the key and what is expected."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from stopit import config as config_mod
from stopit.config import SETTINGS, from_text
from stopit.errors import ConfigError
from tests.conftest import ROOT


def test_example_config_is_valid_and_documents_every_setting() -> None:
    text = (ROOT / "config.example.toml").read_text()
    cfg = from_text(text, ROOT / "config.example.toml")
    raw = tomllib.loads(text)
    for setting in SETTINGS:
        section, key = setting.key.split(".")
        assert key in raw.get(section, {}), f"{setting.key} missing from config.example.toml"
        assert cfg[setting.key] == setting.default or setting.key == "desk.database"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[mailbox]\nurl = "imapx://h/INBOX"',
            'mailbox.url: unknown scheme "imapx" (expected imap, imaps, imap+starttls or maildir)',
        ),
        ('[smtp]\nurl = "http://relay"', 'smtp.url: unknown scheme "http"'),
        ('[desk]\nack_limit_per_hour = "five"', "desk.ack_limit_per_hour: expected a whole number"),
        (
            '[desk]\ntrusted_networks = ["18.9.28.0/33"]',
            'desk.trusted_networks: "18.9.28.0/33" is not a network',
        ),
        ('[desk]\naddress = "not-an-address"', 'desk.address: "not-an-address" is not an email address'),
        ('[desk]\nadress = "x@y.z"', "desk.adress: unknown setting"),
        ("[mailbox]\nidle = 1", "mailbox.idle: expected true or false"),
        ("[mailbox]\npoll_seconds = 0", "mailbox.poll_seconds: 0 must be greater than 0"),
        ('[mailbox]\nurl = "imap://:99999/INBOX"', "mailbox.url: "),
        ("desk = 3", "desk: expected a [desk] table"),
        ("[desk\n", "not valid TOML"),
    ],
)
def test_mistakes_name_the_file_key_and_expectation(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_text(text, Path("/etc/stopit/config.toml"))
    assert str(info.value).startswith("/etc/stopit/config.toml: ")
    assert message in str(info.value)


def test_config_is_found_by_flag_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "env.toml"
    env_file.write_text('[desk]\nname = "From env"\n')
    flag_file = tmp_path / "flag.toml"
    flag_file.write_text('[desk]\nname = "From flag"\n')
    monkeypatch.setenv("STOPIT_CONFIG", str(env_file))
    assert config_mod.load(None)["desk.name"] == "From env"
    assert config_mod.load(str(flag_file))["desk.name"] == "From flag"
    monkeypatch.delenv("STOPIT_CONFIG")
    assert config_mod.find_config_path(None) == Path("/etc/stopit/config.toml")
    with pytest.raises(ConfigError, match="no such file"):
        config_mod.load(str(tmp_path / "missing.toml"))


def test_password_sources_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.setenv("STOPIT_IMAP_PASSWORD", "from-env")
    cfg = from_text("", tmp_path / "c.toml")
    assert cfg.password("mailbox") == "from-env"
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "imap-password").write_text("from-systemd\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert cfg.password("mailbox") == "from-systemd"
    (tmp_path / "pw").write_text("from-file\n")
    cfg = from_text('[mailbox]\npassword_file = "pw"', tmp_path / "c.toml")
    assert cfg.password("mailbox") == "from-file"
    cfg = from_text('[mailbox]\npassword_file = "nope"', tmp_path / "c.toml")
    with pytest.raises(ConfigError, match=r"mailbox\.password_file: cannot read"):
        cfg.password("mailbox")


def test_endpoints_parse_with_default_ports_and_relative_maildirs(tmp_path: Path) -> None:
    cfg = from_text(
        '[mailbox]\nurl = "imaps://desk%40x@imap.example.edu/Reports"\n[smtp]\nurl = "maildir://out"',
        tmp_path / "c.toml",
    )
    assert (cfg.mailbox.host, cfg.mailbox.port, cfg.mailbox.user, cfg.mailbox.path) == (
        "imap.example.edu",
        993,
        "desk@x",
        "Reports",
    )
    assert cfg.smtp.path == str(tmp_path / "out")


def test_every_command_is_in_the_readme() -> None:
    from stopit.cli import main

    readme = (ROOT / "README.md").read_text()

    def walk(group, prefix: str):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from walk(cmd, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}"

    for command in walk(main, "stopit "):
        assert re.search(re.escape(command) + r"\b", readme), f"{command} is not documented in README.md"
