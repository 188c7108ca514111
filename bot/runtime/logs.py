"""Logging for `ztbot serve`: text lines for people, JSON lines for log collectors.

`ZTBOT_LOG_FORMAT=json` gives one JSON object per line with the time, level, logger, message and
any structured fields the caller passed in `extra=` (the turn line carries turn_id, platform,
kind, topic, findings and latency_ms). Message text and secrets are never logged at INFO.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Final, TextIO

from bot.base.settings import Settings

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD: Final = frozenset(
    set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
)
# A line per HTTP request (health probes every few seconds) would drown the turn lines.
_NOISY: Final = ("aiohttp.access",)


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
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
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
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
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
