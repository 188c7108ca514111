"""One settings object, read once from the environment (secrets come only from there)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, cast

from bot.errors import ConfigError

StoreText = Literal["full", "redacted", "none"]
_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """'90d' -> seconds; accepts s, m, h, d, w (no unit: seconds). ValueError when malformed."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90d, 2h, 30m)")
    return float(m.group(1)) * _UNIT[m.group(2)]


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """$XDG_DATA_HOME/ztbot, else ~/.local/share/ztbot."""
    base = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "ztbot"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, with defaults that work on a laptop with no setup."""

    data_dir: Path
    database_url: str | None  # None: logging disabled
    store_text: StoreText = "full"
    user_salt: str | None = None  # None: a random salt kept in the data dir
    context_idle_s: float = 6 * 3600.0
    buffer_size: int = 10_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ZTBOT_* variables; a wrong value raises ConfigError naming the variable."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("ZTBOT_DATA_DIR") or default_data_dir(env))
        url: str | None = env.get("ZTBOT_DATABASE_URL") or f"sqlite:///{data_dir / 'ztbot.db'}"
        if url in ("none", "off", "disabled"):
            url = None
        store_text = env.get("ZTBOT_STORE_TEXT", "full")
        if store_text not in ("full", "redacted", "none"):
            raise ConfigError(
                f"ZTBOT_STORE_TEXT must be full, redacted or none, not {store_text!r}"
            )
        try:
            idle = parse_duration(env.get("ZTBOT_CONTEXT_IDLE", "6h"))
        except ValueError as exc:
            raise ConfigError(f"ZTBOT_CONTEXT_IDLE: {exc}") from None
        try:
            buffer_size = int(env.get("ZTBOT_BUFFER_SIZE", "10000"))
        except ValueError:
            raise ConfigError("ZTBOT_BUFFER_SIZE must be a whole number") from None
        return cls(
            data_dir=data_dir,
            database_url=url,
            store_text=cast(StoreText, store_text),
            user_salt=env.get("ZTBOT_USER_SALT") or None,
            context_idle_s=idle,
            buffer_size=max(1, buffer_size),
        )
