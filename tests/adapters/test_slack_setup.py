"""Building the Slack front end: clear configuration errors, no spurious warnings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.adapters.slack_app import SlackFrontEnd
from bot.base.errors import ConfigError
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService


def _build(settings: Settings, engine: Engine) -> SlackFrontEnd:
    service = SupportService(engine, settings)
    return SlackFrontEnd(
        settings,
        FrontDesk(service, RateLimiter(5, 60), settings),
        AdminActions(service.store, None),
    )


def test_no_token_unused_warning_when_the_token_is_in_the_environment(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bolt re-reads SLACK_BOT_TOKEN itself; its "token will be unused" warning is noise."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")
    settings = Settings(
        data_dir=tmp_path, database_url=None, slack_bot_token="xoxb-env", slack_app_token="xapp-1"
    )
    with caplog.at_level(logging.WARNING):
        front_end = _build(settings, engine)
    assert front_end.socket_mode
    assert not [r for r in caplog.records if "unused" in r.getMessage()]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slack_mode": "socket"}, "SLACK_APP_TOKEN"),
        ({"slack_mode": "http"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_credentials_name_the_variable(
    engine: Engine, tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    """Each mode says which variable it is missing."""
    settings = Settings(data_dir=tmp_path, database_url=None, slack_bot_token="xoxb-1", **fields)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message):
        _build(settings, engine)
