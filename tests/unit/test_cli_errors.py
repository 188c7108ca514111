"""Errors a user can cause: one line on stderr, the documented exit code, --debug for more."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.cli.errors import database_problem, one_line
from bot.cli.main import main
from bot.cli.serve import half_configured, serve
from tests.unit.test_serve import BrokenFrontEnd, FakeFrontEnd, _settings

KNOWLEDGE = str(Path(__file__).resolve().parents[2] / "knowledge")


def _run(args: list[str], capsys: pytest.CaptureFixture[str], **env: str) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        code = main(["--knowledge", KNOWLEDGE, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args",
    [["db", "current"], ["db", "upgrade"], ["report"], ["db", "prune", "--older-than", "9d"]],
)
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("foo://bar", "is not a database URL ztbot can use"),
        ("not a url at all", "is not a database URL ztbot can use"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/x", "unavailable: OperationalError"),
    ],
)
def test_bad_database_urls_are_one_line(
    args: list[str], url: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(args, capsys, ZTBOT_DATABASE_URL=url)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert said in err and "Traceback" not in err


def test_one_line_drops_library_boilerplate() -> None:
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("SELECT 1", {}, Exception("connection refused\nIs the server up?"))
    line = one_line(exc)
    assert "\n" not in line and "Background on this error" not in line
    assert line == "OperationalError: connection refused"
    assert database_problem(exc, "postgresql://h/db").startswith("database postgresql://h/db")


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: object, text: str) -> None:
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr("bot.core.engine.Engine.diagnose", boom)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"200 info")))
    code, _, err = _run(["diagnose"], capsys)
    assert code == 1
    assert err == "ztbot: error: RuntimeError: something broke (run with --debug for the details)\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"200 info")))
    code, _, err = _run(["--debug", "diagnose"], capsys)
    assert code == 1 and "Traceback" in err and "something broke" in err


class _Interrupted(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise KeyboardInterrupt


class _Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_ctrl_c_in_diagnose_is_one_line_exit_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(_Interrupted()))
    code, _, err = _run(["diagnose"], capsys)
    assert code == 130
    assert "Traceback" not in err and err.strip().endswith("ztbot: interrupted")


def test_diagnose_on_a_terminal_says_what_it_waits_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(io.BytesIO(b"")))
    _, _, err = _run(["diagnose"], capsys)
    assert "paste the zerotier-cli output, then press Ctrl-D" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    _, _, err = _run(["diagnose"], capsys)
    assert "Ctrl-D" not in err  # piped: no hint in the way of scripts


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"slack_bot_token": "xoxb-1"}, "Slack needs SLACK_APP_TOKEN (Socket Mode) or"),
        ({"slack_app_token": "xapp-1"}, "Slack needs SLACK_BOT_TOKEN"),
        ({"slack_signing_secret": "s"}, "as well as SLACK_SIGNING_SECRET"),
        ({"discord_support_channels": "123"}, "Discord needs DISCORD_TOKEN"),
        ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}, None),
        ({"discord_token": "t", "discord_support_channels": "123"}, None),
        ({}, None),
    ],
)
def test_partial_platform_settings_say_what_is_missing(
    env: dict[str, str], said: str | None
) -> None:
    problems = half_configured(Settings(**env))  # type: ignore[arg-type]
    if said is None:
        assert problems == []
    else:
        assert len(problems) == 1 and said in problems[0]


def test_serve_with_a_bot_token_only_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(["serve"], capsys, SLACK_BOT_TOKEN="xoxb-1")
    assert code == 2
    assert err.strip().splitlines() == [
        "ztbot serve: Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET "
        "(HTTP mode) as well as SLACK_BOT_TOKEN"
    ]
    assert "no chat platform is configured" not in err


async def test_unreachable_platform_is_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    FakeFrontEnd.instances.clear()
    with caplog.at_level(logging.INFO, logger="bot.cli.serve"):
        code = await asyncio.wait_for(
            serve(
                _settings(tmp_path, database_url=None),
                factories=[BrokenFrontEnd],
                handle_signals=False,
                err=io.StringIO(),
            ),
            30,
        )
    assert code == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "no route to the platform" in errors[0].getMessage()
    assert "check the network" in errors[0].getMessage()
