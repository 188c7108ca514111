"""The Slack HTTP endpoint under hostile requests, over real HTTP into the served Bolt app:
nothing is parsed before the signature and timestamp are checked; malformed input gets 400 or
401, never 500; each rejection is one log line without the body; the bot keeps answering."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.slack_http_guard import check
from tests.fakes.slack_api import event_body
from tests.scenario.test_slack_http import SECRET, Factory, api, make_bot, mention

__all__ = ["api", "make_bot"]  # fixtures used here

MARK = "BODYMARKER"  # in every hostile body; must never reach the log
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
NOT_UTF8 = b"\xff\xfe{" + MARK.encode() + b"\xc3\x28"


def _event(**event: Any) -> str:
    base = {"type": "message", "user": "U0ALICE", "text": MARK, "ts": "1.2", "channel": "D1"}
    return json.dumps(event_body({**base, **event}, event_id=f"Ev{time.time_ns()}"))


def _command(**fields: str) -> str:
    form = {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/zt", "text": MARK}
    return urlencode({**form, **fields})


def _sign(body: bytes, content_type: str, stamp: str | None = None) -> dict[str, str]:
    """Headers signing the raw bytes (also bytes that are not UTF-8, and odd timestamps)."""
    ts = stamp if stamp is not None else str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


# (name, body, content type, signed?, timestamp override, expected status)
HOSTILE: list[tuple[str, bytes, str, bool, str | None, int]] = [
    (
        "unsigned truncated JSON",
        b'{"type": "event_callback", "' + MARK.encode(),
        JSON,
        False,
        None,
        401,
    ),
    ("unsigned null", b"null", JSON, False, None, 401),
    ("unsigned non-UTF-8", NOT_UTF8, JSON, False, None, 401),
    ("unsigned bad form payload", b"payload=%7Bbad" + MARK.encode(), FORM, False, None, 401),
    ("timestamp abc", _event().encode(), JSON, True, "abc", 401),
    ("timestamp empty", _event().encode(), JSON, True, "", 401),
    ("timestamp 1e10", _event().encode(), JSON, True, "1e10", 401),
    ("timestamp an hour old", _event().encode(), JSON, True, str(int(time.time()) - 3600), 401),
    ("timestamp 10^20", _event().encode(), JSON, True, "1" + "0" * 20, 401),
    (
        "signed truncated JSON",
        b'{"type": "event_callback", "' + MARK.encode(),
        JSON,
        True,
        None,
        400,
    ),
    ("signed null", b"null", JSON, True, None, 400),
    ("signed list", b"[1, 2]", JSON, True, None, 400),
    ("signed non-UTF-8", NOT_UTF8, JSON, True, None, 400),
    ("signed bad form payload", b"payload=%7Bbad" + MARK.encode(), FORM, True, None, 400),
    (
        "signed non-string url_private",
        _event(files=[{"id": "F1", "name": "x.txt", "url_private": {"x": MARK}}]).encode(),
        JSON,
        True,
        None,
        400,
    ),
    ("signed files not a list", _event(files=MARK).encode(), JSON, True, None, 400),
    ("signed text a number", _event(text=12345).encode(), JSON, True, None, 400),
    ("signed /zt without response_url", _command().encode(), FORM, True, None, 400),
    (
        "signed action with a non-list actions",
        urlencode({"payload": json.dumps({"type": "block_actions", "actions": MARK})}).encode(),
        FORM,
        True,
        None,
        400,
    ),
]


@pytest.mark.parametrize(
    ("body", "content_type", "signed", "stamp", "status"),
    [h[1:] for h in HOSTILE],
    ids=[h[0] for h in HOSTILE],
)
async def test_hostile_request_is_turned_away_in_one_log_line(
    make_bot: Factory,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    signed: bool,
    stamp: str | None,
    status: int,
) -> None:
    """400 or 401 as listed, one WARNING line without the body, nothing else logged; the bot
    still answers a genuine mention afterwards."""
    bot = await make_bot()
    headers = (
        _sign(body, content_type, stamp)
        if signed
        else {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time()))}
    )
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    async with bot.http.post(bot.url, data=body, headers=headers) as resp:
        await resp.read()
        assert resp.status == status
    rejected = [r for r in caplog.records if r.name == "bot.adapters.slack_http_guard"]
    assert len(rejected) == 1 and rejected[0].levelno == logging.WARNING
    assert "\n" not in rejected[0].getMessage()
    assert MARK not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await bot.event(mention("how do I update zerotier on ubuntu"), event_id="EvAfter")
    await bot.settle()
    assert bot.api.of("chat.postMessage"), "the bot stopped answering"


async def test_genuine_requests_pass_the_guard(make_bot: Factory) -> None:
    """A signed event and a signed /zt with its response_url are handled as before."""
    bot = await make_bot()
    await bot.event(mention("ping doesn't work on windows"), event_id="EvOk")
    await bot.command("how do I update zerotier")
    await bot.settle()
    assert len(bot.api.of("chat.postMessage")) >= 2


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b"{}", 401),
        ({"X-Slack-Request-Timestamp": "１２３"}, b"{}", 401),  # non-ASCII digits
        ({"X-Slack-Request-Timestamp": "-5"}, b"{}", 401),
    ],
)
def test_check_refuses_before_parsing(headers: dict[str, str], body: bytes, status: int) -> None:
    """The pure check: odd timestamps are refused before anything else is looked at."""
    rejected = check(headers, body, SECRET)
    assert rejected is not None and rejected.status == status


@given(
    body=st.binary(max_size=2000),
    stamp=st.text(max_size=20),
    signature=st.text(max_size=80),
    content_type=st.sampled_from([JSON, FORM, "text/plain", ""]),
    signed=st.booleans(),
)
def test_check_never_raises(
    body: bytes, stamp: str, signature: str, content_type: str, signed: bool
) -> None:
    """Any bytes and any headers: a verdict, never an exception; unsigned is always 401."""
    headers = (
        _sign(body, content_type)
        if signed
        else {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
            "Content-Type": content_type,
        }
    )
    verdict = check(headers, body, SECRET)
    assert verdict is None or verdict.status in (400, 401)
    if not signed:
        assert verdict is not None and verdict.status == 401


def test_ssl_check_probe_passes_to_bolt() -> None:
    """Slack's certificate probe for slash commands is left for Bolt to answer."""
    assert check({"Content-Type": FORM}, b"ssl_check=1&token=legacy", SECRET) is None
    assert check({"Content-Type": JSON}, b"ssl_check=1&token=legacy", SECRET) is not None


async def test_ssl_check_probe_is_answered(make_bot: Factory) -> None:
    """Over HTTP: the unsigned certificate probe gets Bolt's 200."""
    bot = await make_bot()
    body = b"ssl_check=1&token=legacy"
    async with bot.http.post(bot.url, data=body, headers={"Content-Type": FORM}) as resp:
        await resp.read()
        assert resp.status == 200
