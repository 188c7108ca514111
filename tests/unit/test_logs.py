"""Logging: JSON lines with the turn's fields, text lines, levels, and no message text at INFO."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming, Reply
from bot.runtime.logs import JsonFormatter, setup_logging
from bot.runtime.service import SupportService

SECRET_QUESTION = "my token is 9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u how do i update zerotier"


@pytest.fixture
def restore_root() -> Iterator[None]:
    """setup_logging changes the root logger; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _turn(engine: Engine, tmp_path: Path) -> Reply:
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    reply = service.handle(
        Incoming(SECRET_QUESTION, platform="slack", user="U1", conversation="c", event_id="Ev1")
    )
    assert reply is not None and reply.turn_id is not None
    return reply


@pytest.mark.usefixtures("restore_root")
def test_json_turn_line_has_ids_and_timings_not_text(engine: Engine, tmp_path: Path) -> None:
    """ZTBOT_LOG_FORMAT=json: one parseable object per line; the turn line carries its fields."""
    out = io.StringIO()
    setup_logging(Settings(data_dir=tmp_path, log_format="json"), out)
    reply = _turn(engine, tmp_path)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    turn = next(x for x in lines if x.get("turn_id") == reply.turn_id)
    assert turn["level"] == "INFO" and turn["logger"] == "bot.runtime.service"
    assert turn["platform"] == "slack" and turn["event_id"] == "Ev1"
    assert turn["kind"] == reply.kind and turn["topic"] == reply.topic
    assert turn["findings"] == len(reply.findings) and isinstance(turn["latency_ms"], float)
    assert turn["msg"].startswith(f"turn {reply.turn_id} platform=slack kind={reply.kind}")
    assert turn["ts"].endswith("+00:00")
    assert "9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u" not in out.getvalue()
    assert "update zerotier" not in out.getvalue()


@pytest.mark.usefixtures("restore_root")
def test_text_format_and_level(engine: Engine, tmp_path: Path) -> None:
    """Text lines by default; ZTBOT_LOG_LEVEL=WARNING drops the INFO turn lines."""
    out = io.StringIO()
    setup_logging(Settings(data_dir=tmp_path), out)
    turn_id = _turn(engine, tmp_path).turn_id
    assert turn_id is not None
    line = next(x for x in out.getvalue().splitlines() if turn_id in x)
    assert " INFO bot.runtime.service: turn " in line
    assert "9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u" not in out.getvalue()

    quiet = io.StringIO()
    setup_logging(Settings(data_dir=tmp_path, log_level="warning"), quiet)
    _turn(engine, tmp_path)
    logging.getLogger("bot.test").warning("still shown")
    assert quiet.getvalue().splitlines()[-1].endswith("WARNING bot.test: still shown")
    assert "turn " not in quiet.getvalue()
    # A second setup replaced the first handler instead of adding another one.
    assert len([h for h in logging.getLogger().handlers if getattr(h, "_ztbot", False)]) == 1


def test_json_formatter_keeps_exceptions_and_odd_values() -> None:
    """Exceptions become an `exc` field; values JSON cannot encode are turned into text."""
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, "f", 1, "failed %s", ("here",), exc_info=sys.exc_info()
        )
    record.path = Path("/tmp/p")
    data = json.loads(JsonFormatter().format(record))
    assert data["msg"] == "failed here" and data["level"] == "ERROR"
    assert data["path"] == "/tmp/p"
    assert "ValueError: boom" in data["exc"]


@pytest.mark.usefixtures("restore_root")
def test_discord_voice_warnings_are_dropped(tmp_path: Path) -> None:
    """discord.py's 'voice will NOT be supported' warnings do not reach the log; others do."""
    out = io.StringIO()
    setup_logging(Settings(data_dir=tmp_path), out)
    logging.getLogger("discord.client").warning(
        "PyNaCl is not installed, voice will NOT be supported"
    )
    logging.getLogger("discord.client").warning("Shard 0 disconnected")
    assert out.getvalue().splitlines()[-1].endswith("WARNING discord.client: Shard 0 disconnected")
    assert "voice" not in out.getvalue()
