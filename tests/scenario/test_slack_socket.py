"""The Slack app in Socket Mode, end to end: slack_sdk's aiohttp Socket Mode client asks the
Web API stand-in for its websocket URL (with the app token), the stand-in's websocket says hello
and pushes envelopes, and the test reads the client's acknowledgements."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack_app import SlackFrontEnd
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService
from bot.store import open_store
from tests.fakes.slack_api import TEAM, SlackApi, event_body

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    fake = await SlackApi().start()
    yield fake
    await fake.close()


@pytest.fixture
async def front(api: SlackApi, engine: Engine, tmp_path: Path) -> AsyncIterator[SlackFrontEnd]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'slack.db'}",
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=api.url,
    )
    assert settings.slack_socket_mode  # the default when an app token is set
    service = SupportService(engine, settings, store=open_store(settings.database_url), salt="s")
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    bot = SlackFrontEnd(
        settings, FrontDesk(service, limiter, settings), AdminActions(service.store, None)
    )
    await bot.start()
    yield bot
    await bot.stop()
    service.close()


async def next_ack(api: SlackApi) -> dict[str, Any]:
    return await asyncio.wait_for(api.acks.get(), 5)


async def test_socket_mode_connects_with_the_app_token(api, front):
    """apps.connections.open is called with the app token; the bot is ready after hello."""
    await api.wait_socket()
    (opened,) = api.of("apps.connections.open")
    assert opened.token == "xapp-test"
    assert [c.token for c in api.of("auth.test")][:1] == ["xoxb-test"]
    assert front.ready
    assert front.port is None  # no HTTP listener in Socket Mode


async def test_socket_mode_event_is_acked_and_answered_once(api, front):
    """An events_api envelope is acknowledged by id and answered in a thread; the same event
    delivered again (a retry envelope) is acknowledged but not answered twice."""
    await api.wait_socket()
    body = json.loads((FIXTURES / "app_mention_relayed.json").read_text())
    first = await api.send_envelope(body)
    assert await next_ack(api) == {"envelope_id": first}
    second = await api.send_envelope(body, retry=1)
    assert await next_ack(api) == {"envelope_id": second}
    await front.wait_processed(2)
    (post,) = api.of("chat.postMessage")
    assert post.args["channel"] == "C0SUPPORT"
    assert post.args["thread_ts"] == "1700000000.000100"
    assert "relayed (the 2 roots not counted): 0123456789" in post.args["blocks"][0]["text"]["text"]


async def test_socket_mode_slash_command_and_button(api, front):
    """A slash_commands envelope is acked and answered through its response URL; an
    interactive envelope (Solved) records the feedback and marks the thread."""
    await api.wait_socket()
    command = {
        "team_id": TEAM,
        "channel_id": "C0SUPPORT",
        "user_id": "U0ALICE",
        "command": "/zt",
        "text": "help",
        "response_url": api.response_url("help"),
        "trigger_id": "1.2.3",
    }
    env = await api.send_envelope(command, kind="slash_commands")
    assert (await next_ack(api))["envelope_id"] == env
    (shown,) = await api.wait_for("response_url:help")
    assert shown.args["response_type"] == "ephemeral"

    await api.send_envelope(
        event_body(
            {
                "type": "app_mention",
                "user": "U0ALICE",
                "text": "<@UBOT> ping doesn't work on linux",
                "ts": "1700000300.000100",
                "channel": "C0SUPPORT",
            },
            event_id="Ev0LINUX",
        )
    )
    await next_ack(api)
    (answer,) = await api.wait_for("chat.postMessage")
    turn_id = answer.args["blocks"][-1]["elements"][0]["value"]
    action = json.loads((FIXTURES / "block_actions_solved.json").read_text())
    action["actions"][0]["value"] = turn_id
    action["container"]["thread_ts"] = action["message"]["thread_ts"] = "1700000300.000100"
    env = await api.send_envelope(action, kind="interactive")
    assert (await next_ack(api))["envelope_id"] == env
    (check,) = await api.wait_for("reactions.add")
    assert check.args == {
        "channel": "C0SUPPORT",
        "timestamp": "1700000300.000100",
        "name": "white_check_mark",
    }


async def test_stop_closes_the_socket(api, front):
    """stop() closes the websocket and the bot reports not ready."""
    await api.wait_socket()
    await front.stop()
    assert not front.ready
    assert len(api.of("apps.connections.open")) == 1  # it did not reconnect
