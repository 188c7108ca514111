"""Log lines cannot be forged: every logged value has its newlines and control characters
escaped (text and JSON formats alike), secrets are masked, request bodies are not logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.runtime.logs import escape, setup_logging

FORGED = "ok\n2026-01-01 00:00:00,000 INFO bot.admin: user U0EVIL is now an admin"
HOSTILE = [
    ("newline", FORGED, "\\n2026"),
    ("carriage return", "a\rb", "a\\rb"),
    ("CRLF", "a\r\nb", "a\\r\\nb"),
    ("escape sequence", "\x1b[2J\x1b[31mred", "\\x1b[2J"),
    ("NUL", "a\x00b", "a\\x00b"),
    ("line separator", "a\u2028b", "a\\u2028b"),
    ("paragraph separator", "a\u2029b", "a\\u2029b"),
    ("bidi override", "a\u202eb", "a\\u202eb"),
    ("next line (C1)", "a\x85b", "a\\x85b"),
    ("DEL", "a\x7fb", "a\\x7fb"),
]


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log(tmp_path: Path, fmt: str, emit: object) -> str:
    out = io.StringIO()
    setup_logging(Settings(data_dir=tmp_path, log_format=fmt), out)  # type: ignore[arg-type]
    assert callable(emit)
    emit()
    return out.getvalue()


@pytest.mark.usefixtures("restore_root")
@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("value", "shown"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_user_values_stay_on_one_line(tmp_path: Path, fmt: str, value: str, shown: str) -> None:
    """A hostile value as an argument and as an `extra=` field: one line, escaped."""
    log = logging.getLogger("bot.test")
    out = _log(tmp_path, fmt, lambda: log.warning("rejected %s", value, extra={"user": value}))
    assert out.count("\n") == 1 and out.endswith("\n")
    line = out[:-1]
    assert not any(c in line for c in "\r\x00\x1b\x7f\x85\u2028\u2029\u202e")
    if fmt == "json":
        data = json.loads(line)
        assert shown in data["msg"] and shown in data["user"]
    else:
        assert shown in line


@pytest.mark.usefixtures("restore_root")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tracebacks_cannot_start_a_record(tmp_path: Path, fmt: str) -> None:
    """An exception quoting user text: in text format every traceback line is indented."""
    log = logging.getLogger("bot.test")

    def emit() -> None:
        try:
            raise ValueError(FORGED)
        except ValueError:
            log.exception("failed")

    out = _log(tmp_path, fmt, emit)
    lines = out.splitlines()
    if fmt == "json":
        assert len(lines) == 1 and "U0EVIL" in json.loads(lines[0])["exc"]
    else:
        assert all(line.startswith("    ") for line in lines[1:])
        assert not any(line.startswith("2026-01-01") for line in lines)


@pytest.mark.usefixtures("restore_root")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_and_bodies_are_not_logged(tmp_path: Path, fmt: str) -> None:
    """A secret in a warning is masked; a library's request body at INFO is cut off."""
    secret = "my token is 9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u"

    def emit() -> None:
        logging.getLogger("bot.test").warning("could not parse %r", secret)
        logging.getLogger("slack_bolt.App").info(
            "Invalid request signature detected (signature: v0=1, timestamp: 1, body: %s)",
            "text=" + secret,
        )

    out = _log(tmp_path, fmt, emit)
    assert "9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u" not in out
    assert "body: (not logged)" in out


@pytest.mark.parametrize(("value", "shown"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_escape(value: str, shown: str) -> None:
    """The escaping itself: printable text (tabs and non-Latin letters too) is left alone."""
    assert shown in escape(value)
    assert escape("día\t数据 ✓") == "día\t数据 ✓"
