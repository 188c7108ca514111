"""Settings: environment, TOML file, precedence, one-line errors, and `ztbot config show`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.errors import ConfigError
from bot.base.settings import ENV_NAMES, Settings
from bot.cli.main import main


def test_environment_values_are_parsed() -> None:
    """Durations, id lists, shard ids, 'off' and 'none' are read from their variables (from a
    mapping: the process environment is not touched)."""
    env = {
        "ZTBOT_RATE_WINDOW": "2m",
        "ZTBOT_CONTEXT_IDLE": "1h",
        "SLACK_SUPPORT_CHANNELS": "C1, C2 C3",
        "DISCORD_SHARD_IDS": "0,2",
        "DISCORD_SHARD_COUNT": "4",
        "ZTBOT_HTTP_PORT": "off",
        "ZTBOT_DATABASE_URL": "none",
        "ZTBOT_LOG_LEVEL": "debug",
        "ZTBOT_LOG_FORMAT": "json",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s3",
        "ZTBOT_EMPTY_IS_IGNORED": "",
        "ZTBOT_RATE_LIMIT": "",  # empty means default
    }
    s = Settings.from_env(env)
    assert s.rate_window_s == 120 and s.context_idle_s == 3600
    assert s.slack_support_channels == ("C1", "C2", "C3")
    assert s.discord_shard_ids == (0, 2) and s.discord_shard_count == 4
    assert s.http_port is None and s.database_url is None
    assert s.log_level == "DEBUG" and s.log_format == "json"
    assert s.rate_limit == 10
    assert s.slack_enabled and not s.slack_socket_mode and not s.discord_enabled
    assert s.secret("slack_bot_token") == "xoxb-1"


def test_defaults_need_no_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variables: SQLite in the data dir, health on 8080, no platform."""
    monkeypatch.setenv("ZTBOT_DATA_DIR", str(tmp_path))
    s = Settings.from_env()
    assert s.database_url == f"sqlite:///{tmp_path / 'ztbot.db'}"
    assert s.http_port == 8080 and s.log_format == "text"
    assert not s.slack_enabled and not s.discord_enabled


def test_config_file_and_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The TOML file takes variable or field names; the environment wins; arguments win most."""
    config = tmp_path / "ztbot.toml"
    config.write_text(
        'ZTBOT_RATE_LIMIT = 3\nrate_window = "30s"\nDISCORD_TOKEN = "file-token"\n'
        'slack_support_channels = ["C9"]\nhttp_port = 9100\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ZTBOT_CONFIG", str(config))
    s = Settings.from_env()
    assert s.rate_limit == 3 and s.rate_window_s == 30 and s.http_port == 9100
    assert s.secret("discord_token") == "file-token" and s.slack_support_channels == ("C9",)
    monkeypatch.setenv("ZTBOT_RATE_LIMIT", "7")
    assert Settings.from_env().rate_limit == 7
    assert Settings(rate_limit=1).rate_limit == 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ZTBOT_HTTP_PORT": "99999"}, "ZTBOT_HTTP_PORT: Input should be less than or equal"),
        ({"ZTBOT_RATE_LIMIT": "lots"}, "ZTBOT_RATE_LIMIT: Input should be a valid integer"),
        ({"ZTBOT_RATE_WINDOW": "soon"}, "ZTBOT_RATE_WINDOW: Value error, not a duration"),
        ({"ZTBOT_STORE_TEXT": "all"}, "ZTBOT_STORE_TEXT: Input should be 'full', 'redacted'"),
        ({"ZTBOT_LOG_FORMAT": "xml"}, "ZTBOT_LOG_FORMAT: Input should be 'text' or 'json'"),
        ({"SLACK_MODE": "rtm"}, "SLACK_MODE: Input should be 'auto', 'socket' or 'http'"),
        ({"SLACK_HTTP_PORT": "-1"}, "SLACK_HTTP_PORT: Input should be greater than or equal"),
        ({"ZTBOT_LOG_LEVEL": "loud"}, "ZTBOT_LOG_LEVEL: Input should be 'DEBUG', 'INFO'"),
        ({"ZTBOT_CONTEXT_IDLE": "3 days"}, "ZTBOT_CONTEXT_IDLE: Value error, not a duration"),
        ({"DISCORD_SHARD_IDS": "0,x"}, "DISCORD_SHARD_IDS: Value error, invalid literal"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT: Input should be greater than"),
        ({"ZTBOT_CONFIG": "/no/such/ztbot.toml"}, "ZTBOT_CONFIG: no such file: /no/such"),
    ],
)
def test_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    """A wrong value raises ConfigError: one line, starting with the variable's name."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        Settings.from_env()
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_malformed_config_file_and_secret_not_echoed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A broken TOML file names ZTBOT_CONFIG; a rejected secret is never echoed back."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[oops\n", encoding="utf-8")
    monkeypatch.setenv("ZTBOT_CONFIG", str(bad))
    with pytest.raises(ConfigError, match=r"^ZTBOT_CONFIG: "):
        Settings.from_env()
    good = tmp_path / "good.toml"
    good.write_text('ZTBOT_USER_SALT = ["not", "a", "string-s3cret"]\n', encoding="utf-8")
    monkeypatch.setenv("ZTBOT_CONFIG", str(good))
    with pytest.raises(ConfigError) as caught:
        Settings.from_env()
    assert str(caught.value).startswith("ZTBOT_USER_SALT: ")
    assert "s3cret" not in str(caught.value)


def test_config_show_masks_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ztbot config show` prints every setting as NAME=value, secrets and passwords masked."""
    config = tmp_path / "ztbot.toml"
    config.write_text('SLACK_APP_TOKEN = "xapp-file-secret"\n', encoding="utf-8")
    monkeypatch.setenv("ZTBOT_CONFIG", str(config))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("ZTBOT_DATABASE_URL", "postgresql+psycopg://bot:hunter2@db:5432/ztbot")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0,1")
    monkeypatch.setenv("ZTBOT_CONTEXT_IDLE", "2h")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "xoxb-very-secret" not in out and "xapp-file-secret" not in out
    assert "hunter2" not in out
    lines = out.splitlines()
    assert lines[0] == f"# config file: {config} (from ZTBOT_CONFIG)"
    values = dict(line.split("=", 1) for line in lines if not line.startswith("#"))
    assert set(values) == set(ENV_NAMES.values())
    assert values["SLACK_BOT_TOKEN"] == "********"
    assert values["SLACK_APP_TOKEN"] == "********"
    assert values["DISCORD_TOKEN"] == "(not set)"
    assert values["ZTBOT_DATABASE_URL"] == "postgresql+psycopg://bot:***@db:5432/ztbot"
    assert values["DISCORD_SHARD_IDS"] == "0,1"
    assert values["ZTBOT_HTTP_PORT"] == "8080"
    assert values["ZTBOT_CONTEXT_IDLE"] == "7200s"  # a form the variable accepts again


def test_config_show_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    """Without ZTBOT_CONFIG the first line says how to use a file."""
    assert main(["config", "show"]) == 0
    assert capsys.readouterr().out.startswith("# config file: none (set ZTBOT_CONFIG")


@pytest.mark.parametrize("command", [["serve"], ["config", "show"], ["ask", "hi"]])
def test_bad_setting_stops_every_command_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A wrong value: exit 2 and one line on stderr naming the variable, before anything runs."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("ZTBOT_HTTP_PORT", "http")
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("ztbot: ZTBOT_HTTP_PORT: Input should be a valid integer")
    assert err.count("\n") == 1


def test_the_knowledge_directory_has_one_variable_and_a_deprecated_alias(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ZTBOT_KNOWLEDGE_DIR names it; the old ZTBOT_KNOWLEDGE still works, with a warning, and
    loses to the new name; with neither, ./knowledge or the shipped copy."""
    new, old = tmp_path / "new", tmp_path / "old"
    assert Settings.from_env({"ZTBOT_KNOWLEDGE_DIR": str(new)}).knowledge_path == new
    with caplog.at_level("WARNING", "bot.base.settings"):
        assert Settings.from_env({"ZTBOT_KNOWLEDGE": str(old)}).knowledge_path == old
    assert "ZTBOT_KNOWLEDGE is deprecated: use ZTBOT_KNOWLEDGE_DIR" in caplog.text
    both = {"ZTBOT_KNOWLEDGE": str(old), "ZTBOT_KNOWLEDGE_DIR": str(new)}
    assert Settings.from_env(both).knowledge_path == new
    assert Settings.from_env({}).knowledge_path.name == "knowledge"
    assert ENV_NAMES["knowledge_dir"] == "ZTBOT_KNOWLEDGE_DIR"


def test_from_env_reads_only_the_mapping_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable in the process environment does not leak into settings read from a mapping."""
    monkeypatch.setenv("ZTBOT_RATE_LIMIT", "99")
    assert Settings.from_env({"ZTBOT_RATE_LIMIT": "5"}).rate_limit == 5
    assert Settings.from_env({}).rate_limit == 10
    assert Settings.from_env().rate_limit == 99
