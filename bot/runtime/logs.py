"""Logging for `ztbot serve`: text lines for people, JSON lines for log collectors.

`ZTBOT_LOG_FORMAT=json` gives one JSON object per line with the time, level, logger, message and
any structured fields the caller passed in `extra=` (the turn line carries turn_id, platform,
kind, topic, findings and latency_ms). Message text and secrets are never logged at INFO.

Both formats escape newlines and other control characters in the message and in every field
(a user value logged anywhere cannot start a fake log line), mask secrets, and a traceback's
lines are indented in the text format so none of them reads as a record of its own.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Final, TextIO

from bot.base.secrets import mask_secrets
from bot.base.settings import Settings

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD: Final = frozenset(
    set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
)
# A line per HTTP request (health probes every few seconds) would drown the turn lines.
_NOISY: Final = ("aiohttp.access",)


# C0 controls (but tab), DEL, C1 controls, line and paragraph separators, bidi overrides.
_ESCAPES: Final = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [
        *range(0x09),
        *range(0x0A, 0x20),
        *range(0x7F, 0xA0),
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
} | {0x0A: "\\n", 0x0D: "\\r"}
# Libraries that put a request body in a log line; the body is cut off at this marker.
_BODY_MARKERS: Final = ("body: ", "body=")


def escape(value: str) -> str:
    """`value` on one line: control characters, separators and bidi overrides escaped."""
    return value.translate(_ESCAPES)


def safe(value: str) -> str:
    """`value` escaped and with secrets masked: fit for a log line."""
    return escape(mask_secrets(value))


def _message(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if record.name.startswith(("slack_bolt", "slack_sdk")) or record.levelno <= logging.INFO:
        for marker in _BODY_MARKERS:
            cut = message.find(marker)
            if cut != -1:
                message = message[:cut] + marker + "(not logged)"
    return safe(message)


class SafeFormatter(logging.Formatter):
    """The text format, one line per record: see the module docstring."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's line (and indented traceback), never another handler's cached text."""
        cached = record.exc_text
        record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatStack(self, stack_info: str) -> str:
        """The stack, every line indented and escaped."""
        return "\n".join("    " + safe(line) for line in stack_info.splitlines())

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The line for `record`, with its message made safe."""
        record.message = _message(record)
        return super().formatMessage(record)

    def formatException(self, ei: object) -> str:
        """The traceback, every line indented and escaped."""
        text = super().formatException(ei)  # type: ignore[arg-type]
        return "\n".join("    " + safe(line) for line in text.splitlines())


class _KnownNoise(logging.Filter):
    """Drops discord.py's start-up warnings that voice support is missing: ztbot has no voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "discord.client" and "voice will NOT be supported" in str(record.msg)
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, msg, the `extra=` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": _message(record),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = safe(value) if isinstance(value, str) else value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def setup_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send the root logger to `stream` (stderr) in the configured format and level."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(SafeFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_ztbot", False):
            root.removeHandler(old)
    handler.addFilter(_KnownNoise())
    handler._ztbot = True  # type: ignore[attr-defined]  # so a second setup replaces, not adds
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    if settings.log_level != "DEBUG":
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.WARNING)
    return handler
