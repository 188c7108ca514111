"""One settings object, read once from the environment and an optional TOML file.

Every field is read from its environment variable (``ZTBOT_*``, ``SLACK_*``, ``DISCORD_*``; see
``ENV_NAMES``) and may also be set in the file named by ``ZTBOT_CONFIG``, under either the
variable's name or the field's name. The environment wins over the file. Secrets are `SecretStr`
so they never appear in reprs, logs or ``ztbot config show``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

from bot.base.errors import ConfigError

log = logging.getLogger(__name__)

StoreText = Literal["full", "redacted", "none"]
LogFormat = Literal["text", "json"]
SlackMode = Literal["auto", "socket", "http"]
IdList = Annotated[tuple[str, ...], NoDecode]

_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DISABLED: Final = frozenset({"none", "off", "disabled"})

SLACK_API_DEFAULT: Final = "https://slack.com/api/"
DISCORD_API_DEFAULT: Final = "https://discord.com/api/v10"
FAQ_URL_DEFAULT: Final = "https://docs.zerotier.com/troubleshooting"
DISCORD_GATEWAY_DEFAULT: Final = "wss://gateway.discord.gg/"


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


def _env(name: str, field: str, *deprecated: str) -> Any:
    """Read from `name` in the environment; `field` also works in the config file and in code;
    `deprecated` names are still read, after `name`."""
    return AliasChoices(field, name, *deprecated)


# Old names still read, with a warning: old name -> the name to use.
DEPRECATED: Final = {"ZTBOT_KNOWLEDGE": "ZTBOT_KNOWLEDGE_DIR"}
# The default knowledge directories, in order: the working directory's, then the package's.
_KNOWLEDGE_DIRS: Final = (Path("knowledge"), Path(__file__).resolve().parents[2] / "knowledge")

# The environment being read: os.environ, or the mapping given to `Settings.from_env`.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("ztbot_environ", default=None)


def _environ() -> Mapping[str, str]:
    reading = _ENVIRON.get()
    return os.environ if reading is None else reading


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


class _MappingEnvSource(EnvSettingsSource):
    """The environment source, reading the mapping being read instead of os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            _environ(), self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


class Settings(BaseSettings):
    """Everything configurable, with defaults that work on a laptop with no setup."""

    model_config = SettingsConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # --- core -----------------------------------------------------------------------------
    data_dir: Path = Field(Path(), validation_alias=_env("ZTBOT_DATA_DIR", "data_dir"))
    # None: logging to a database is disabled (ZTBOT_DATABASE_URL=none).
    database_url: str | None = Field(
        "", validation_alias=_env("ZTBOT_DATABASE_URL", "database_url")
    )
    knowledge_dir: Path | None = Field(
        None, validation_alias=_env("ZTBOT_KNOWLEDGE_DIR", "knowledge_dir", "ZTBOT_KNOWLEDGE")
    )
    store_text: StoreText = Field("full", validation_alias=_env("ZTBOT_STORE_TEXT", "store_text"))
    user_salt: SecretStr | None = Field(None, validation_alias=_env("ZTBOT_USER_SALT", "user_salt"))
    context_idle_s: float = Field(
        6 * 3600.0, gt=0, validation_alias=_env("ZTBOT_CONTEXT_IDLE", "context_idle")
    )
    buffer_size: int = Field(
        10_000, ge=1, validation_alias=_env("ZTBOT_BUFFER_SIZE", "buffer_size")
    )
    # Per user and platform: at most `rate_limit` messages per `rate_window_s` seconds.
    rate_limit: int = Field(10, ge=0, validation_alias=_env("ZTBOT_RATE_LIMIT", "rate_limit"))
    rate_window_s: float = Field(
        60.0, gt=0, validation_alias=_env("ZTBOT_RATE_WINDOW", "rate_window")
    )
    max_attachment_bytes: int = Field(
        1_000_000, ge=1, validation_alias=_env("ZTBOT_MAX_ATTACHMENT_BYTES", "max_attachment_bytes")
    )
    # The published FAQ: chat answers link to its headings (`<url>#<anchor>`); none: no links.
    faq_url: str | None = Field(FAQ_URL_DEFAULT, validation_alias=_env("ZTBOT_FAQ_URL", "faq_url"))
    http_host: str = Field("0.0.0.0", validation_alias=_env("ZTBOT_HTTP_HOST", "http_host"))
    # Health and metrics listener; 0 picks a free port, None (ZTBOT_HTTP_PORT=off) disables it.
    http_port: int | None = Field(
        8080, ge=0, le=65535, validation_alias=_env("ZTBOT_HTTP_PORT", "http_port")
    )
    log_format: LogFormat = Field("text", validation_alias=_env("ZTBOT_LOG_FORMAT", "log_format"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_env("ZTBOT_LOG_LEVEL", "log_level")
    )

    # --- Slack ----------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_api_url: str = Field(
        SLACK_API_DEFAULT, validation_alias=_env("SLACK_API_URL", "slack_api_url")
    )
    # auto: Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode with SLACK_SIGNING_SECRET.
    slack_mode: SlackMode = Field("auto", validation_alias=_env("SLACK_MODE", "slack_mode"))
    slack_http_host: str = Field(
        "0.0.0.0", validation_alias=_env("SLACK_HTTP_HOST", "slack_http_host")
    )
    slack_http_port: int = Field(
        3000, ge=0, le=65535, validation_alias=_env("SLACK_HTTP_PORT", "slack_http_port")
    )
    slack_support_channels: IdList = Field(
        (), validation_alias=_env("SLACK_SUPPORT_CHANNELS", "slack_support_channels")
    )
    slack_admin_users: IdList = Field(
        (), validation_alias=_env("SLACK_ADMIN_USERS", "slack_admin_users")
    )
    slack_admin_group: str | None = Field(
        None, validation_alias=_env("SLACK_ADMIN_GROUP", "slack_admin_group")
    )
    slack_escalation_channel: str | None = Field(
        None, validation_alias=_env("SLACK_ESCALATION_CHANNEL", "slack_escalation_channel")
    )
    slack_escalation_group: str | None = Field(
        None, validation_alias=_env("SLACK_ESCALATION_GROUP", "slack_escalation_group")
    )

    # --- Discord --------------------------------------------------------------------------
    discord_token: SecretStr | None = Field(
        None, validation_alias=_env("DISCORD_TOKEN", "discord_token")
    )
    discord_api_url: str = Field(
        DISCORD_API_DEFAULT, validation_alias=_env("DISCORD_API_URL", "discord_api_url")
    )
    discord_gateway_url: str = Field(
        DISCORD_GATEWAY_DEFAULT, validation_alias=_env("DISCORD_GATEWAY_URL", "discord_gateway_url")
    )
    discord_support_channels: IdList = Field(
        (), validation_alias=_env("DISCORD_SUPPORT_CHANNELS", "discord_support_channels")
    )
    discord_admin_role: str | None = Field(
        None, validation_alias=_env("DISCORD_ADMIN_ROLE", "discord_admin_role")
    )
    discord_escalation_channel: str | None = Field(
        None, validation_alias=_env("DISCORD_ESCALATION_CHANNEL", "discord_escalation_channel")
    )
    discord_escalation_role: str | None = Field(
        None, validation_alias=_env("DISCORD_ESCALATION_ROLE", "discord_escalation_role")
    )
    discord_solved_tag: str = Field(
        "Solved", validation_alias=_env("DISCORD_SOLVED_TAG", "discord_solved_tag")
    )
    # Minutes a solved thread or forum post may stay idle before Discord archives it (Discord
    # allows 60, 1440, 4320 or 10080; 0 archives a solved help thread at once).
    discord_archive_solved_after: Literal[0, 60, 1440, 4320, 10080] = Field(
        1440,
        validation_alias=_env("DISCORD_ARCHIVE_SOLVED_AFTER", "discord_archive_solved_after"),
    )
    # Empty: one AutoShardedClient decides; else this process runs only these shard ids.
    discord_shard_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (), validation_alias=_env("DISCORD_SHARD_IDS", "discord_shard_ids")
    )
    discord_shard_count: int | None = Field(
        None, ge=1, validation_alias=_env("DISCORD_SHARD_COUNT", "discord_shard_count")
    )

    # --- screenshots and paste links ------------------------------------------------------
    # OCR of one image is stopped after this long; images above this many pixels are refused.
    ocr_timeout_s: float = Field(
        20.0, gt=0, validation_alias=_env("ZTBOT_OCR_TIMEOUT", "ocr_timeout")
    )
    ocr_max_pixels: int = Field(
        40_000_000, ge=1, validation_alias=_env("ZTBOT_OCR_MAX_PIXELS", "ocr_max_pixels")
    )
    paste_timeout_s: float = Field(
        10.0, gt=0, validation_alias=_env("ZTBOT_PASTE_TIMEOUT", "paste_timeout")
    )
    paste_max_bytes: int = Field(
        1_000_000, ge=1, validation_alias=_env("ZTBOT_PASTE_MAX_BYTES", "paste_max_bytes")
    )
    # Test only: one extra paste host (`host:port`) reached over plain http even on loopback,
    # so the tests can stand in for a paste site. Never set it in production.
    paste_test_host: str | None = Field(
        None, validation_alias=_env("ZTBOT_PASTE_TEST_HOST", "paste_test_host")
    )

    # --- validation -----------------------------------------------------------------------

    @field_validator("context_idle_s", "rate_window_s", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("ocr_timeout_s", "paste_timeout_s", mode="before")
    @classmethod
    def _fetch_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("http_port", mode="before")
    @classmethod
    def _port(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() in _DISABLED else value

    @field_validator("database_url", "faq_url", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() in _DISABLED else value

    @field_validator(
        "slack_support_channels", "slack_admin_users", "discord_support_channels", mode="before"
    )
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part for part in re.split(r"[\s,]+", value) if part)
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shards(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in re.split(r"[\s,]+", value) if part)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def model_post_init(self, __context: Any) -> None:
        """Fill the defaults that depend on other values (the data dir, the database path)."""
        if self.data_dir == Path():
            object.__setattr__(self, "data_dir", default_data_dir(_environ()))
        if self.database_url == "":
            url = f"sqlite:///{self.data_dir / 'ztbot.db'}"
            object.__setattr__(self, "database_url", url)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the ZTBOT_CONFIG file (TOML)."""
        path = _environ().get("ZTBOT_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, _MappingEnvSource(settings_cls)]
        if path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(path)))
        return tuple(sources)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read `environ` (default: the process environment) and the ZTBOT_CONFIG file it
        names; a wrong value raises a one-line ConfigError."""
        environ = os.environ if environ is None else environ
        path = environ.get("ZTBOT_CONFIG")
        # pydantic-settings skips a missing file silently; a typo in the path must not.
        if path and not Path(path).is_file():
            raise ConfigError(f"ZTBOT_CONFIG: no such file: {path}")
        for old, new in DEPRECATED.items():
            if environ.get(old):
                log.warning(
                    "%s is deprecated: use %s (it is read when %s is not set)", old, new, new
                )
        try:
            with _reading(environ):
                return cls()
        except ValidationError as exc:
            raise ConfigError(_one_line(exc)) from None
        except (OSError, ValueError) as exc:  # an unreadable or malformed config file
            raise ConfigError(f"ZTBOT_CONFIG: {exc}") from None

    @property
    def knowledge_path(self) -> Path:
        """The knowledge to answer from: ZTBOT_KNOWLEDGE_DIR, else ./knowledge, else the one
        shipped with ztbot."""
        if self.knowledge_dir is not None:
            return self.knowledge_dir
        return next((d for d in _KNOWLEDGE_DIRS if d.is_dir()), _KNOWLEDGE_DIRS[0])

    # --- views for the front ends ---------------------------------------------------------

    @property
    def slack_enabled(self) -> bool:
        """True when Slack credentials are set (a bot token plus an app token or a secret)."""
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @property
    def slack_socket_mode(self) -> bool:
        """Socket Mode unless asked for HTTP, or auto with no app token."""
        if self.slack_mode == "auto":
            return self.slack_app_token is not None
        return self.slack_mode == "socket"

    @property
    def discord_enabled(self) -> bool:
        """True when a Discord bot token is set."""
        return self.discord_token is not None

    def secret(self, name: str) -> str | None:
        """The plain value of a SecretStr field, for the one place that needs it."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else None

    def shown(self) -> dict[str, str]:
        """Every setting as ENV_NAME -> text, secrets masked (for `ztbot config show`)."""
        out: dict[str, str] = {}
        for field in type(self).model_fields:
            value = getattr(self, field)
            if isinstance(value, SecretStr):
                text = "********" if value.get_secret_value() else "(empty)"
            elif value is None:
                text = "(not set)"
            elif isinstance(value, tuple):
                text = ",".join(str(v) for v in value) or "(none)"
            elif field == "database_url":
                text = mask_url(str(value))
            elif field.endswith("_s"):  # durations, in the form the variables accept
                text = f"{value:g}s"
            else:
                text = str(value)
            out[ENV_NAMES[field]] = text
        return out


def mask_url(url: str) -> str:
    """A database URL with its password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        assert isinstance(alias, AliasChoices)
        names[field] = str(alias.choices[1])
    return names


ENV_NAMES: Final[dict[str, str]] = _names()
# Errors name the alias that matched (e.g. `rate_window` for rate_window_s): map those too.
_ALIAS_NAMES: Final[dict[str, str]] = {
    str(choice).lower(): ENV_NAMES[field]
    for field, info in Settings.model_fields.items()
    if isinstance(info.validation_alias, AliasChoices)
    for choice in info.validation_alias.choices
}


def _one_line(exc: ValidationError) -> str:
    """'ZTBOT_STORE_TEXT: Input should be 'full', 'redacted' or 'none' (got 'x')'."""
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    name = ENV_NAMES.get(field) or _ALIAS_NAMES.get(field.lower(), field or "configuration")
    got = err.get("input")
    shown = "" if "SECRET" in name or "TOKEN" in name or "SALT" in name else f" (got {got!r})"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{name}: {err['msg']}{shown}{more}"
