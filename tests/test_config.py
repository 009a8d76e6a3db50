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


@pytest.mark.parametrize("section", ["mailbox", "smtp"])
def test_an_inline_password_is_refused_with_where_it_goes(section: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_text(f'[{section}]\npassword = "hunter2"', Path("/etc/stopit/config.toml"))
    message = str(info.value)
    assert message.startswith(f"/etc/stopit/config.toml: {section}.password: ")
    assert f"{section}.password_file" in message and "hunter2" not in message


def test_every_secret_is_a_documented_setting_with_its_credential_and_variable() -> None:
    from stopit.config import SECRET_SETTINGS, SECRETS

    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "config.example.toml").read_text()
    assert set(SECRET_SETTINGS) == {"mailbox", "smtp"}
    for section, setting in SECRET_SETTINGS.items():
        assert setting.key == f"{section}.password_file" and setting.credential and setting.env
    for setting in SECRETS:
        for name in filter(None, (setting.credential, setting.env)):
            assert name in setting.help and name in readme and name in example, (setting.key, name)


def test_typed_sections_hold_exactly_the_settings_table() -> None:
    from dataclasses import fields

    from stopit.config import SECTIONS

    cfg = from_text('[desk]\nname = "Desk"\n[mailbox]\npoll_seconds = 7\n[smtp]\nmax_attempts = 3\n')
    declared = {f"{name}.{f.name}" for name, cls in SECTIONS.items() for f in fields(cls)}
    assert declared == {s.key for s in SETTINGS}
    assert (cfg.desk.name, cfg.mailbox_settings.poll_seconds, cfg.smtp_settings.max_attempts) == ("Desk", 7, 3)


def test_without_any_config_file_only_file_reading_commands_use_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STOPIT_CONFIG", raising=False)
    monkeypatch.setattr(config_mod, "DEFAULT_PATH", tmp_path / "absent.toml")
    assert config_mod.load(None, optional=True).path is None
    with pytest.raises(ConfigError, match="no such file"):
        config_mod.load(None)
    monkeypatch.setenv("STOPIT_CONFIG", str(tmp_path / "named-but-missing.toml"))
    with pytest.raises(ConfigError, match="named-but-missing"):
        config_mod.load(None, optional=True)


def test_a_site_copy_of_every_shipped_template_passes_the_checks(tmp_path: Path) -> None:
    """check-config must not reject what the desk can render: a site override using exactly the
    variables of the shipped template it replaces is valid, whatever the template."""
    import shutil

    from stopit.preflight import template_problems
    from stopit.resources import shipped_dir

    shutil.copytree(shipped_dir("templates"), tmp_path / "site")
    cfg = from_text(f'[desk]\ntemplates_dir = "{tmp_path / "site"}"\n')
    assert template_problems(cfg) == []
    (tmp_path / "site" / "reporter" / "ack.txt.j2").write_text("{{ reporter_name }} {{ case_number }}\n")
    (tmp_path / "site" / "office" / "new_case.txt.j2").write_text("{{ offending[0].subjekt }}\n")
    # A staff-side template is rendered too, with what the clock gives it: a misspelt field shows.
    (tmp_path / "site" / "office" / "reminder.txt.j2").write_text(
        "{% for r in reminders %}{{ r.case_id }} {{ r.dedline }}{% endfor %}\n"
    )
    problems = sorted(template_problems(cfg))
    assert len(problems) == 3, problems
    assert "office/new_case.txt.j2 (site): UndefinedError" in problems[0] and "subjekt" in problems[0]
    assert "office/reminder.txt.j2 (site): UndefinedError" in problems[1] and "dedline" in problems[1]
    assert "reporter/ack.txt.j2 (site): undefined variable(s) case_number" in problems[2]
