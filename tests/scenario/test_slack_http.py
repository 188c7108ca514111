"""The Slack app in HTTP mode, end to end: signed HTTP requests into the real Bolt app served on
127.0.0.1, the Web API played by a loopback stand-in, turns logged to a real SQLite file."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from bot.adapters.slack_app import SlackFrontEnd
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService
from bot.store import open_store
from tests.fakes.slack_api import TEAM, FakeFile, SlackApi, event_body, signed_headers

SECRET = "test-signing-secret"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


class Harness:
    """A running SlackFrontEnd plus helpers to send it signed requests."""

    def __init__(self, front: SlackFrontEnd, api: SlackApi, service: SupportService, db: str):
        self.front = front
        self.api = api
        self.service = service
        self.db = db
        self.http = aiohttp.ClientSession()
        self.sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.front.port}/slack/events"

    async def post(self, body: str, headers: dict[str, str]) -> aiohttp.ClientResponse:
        async with self.http.post(self.url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            return resp

    async def send(
        self, body: str, content_type: str = "application/json", **headers: str
    ) -> aiohttp.ClientResponse:
        """Post a correctly signed request and count it as one to be processed."""
        signed = signed_headers(SECRET, body, content_type=content_type)
        resp = await self.post(body, {**signed, **headers})
        self.sent += 1
        return resp

    async def event(self, event: dict[str, Any], event_id: str, **headers: str) -> None:
        resp = await self.send(json.dumps(event_body(event, event_id=event_id)), **headers)
        assert resp.status == 200

    async def command(self, text_: str, user: str = "U0ALICE", channel: str = "C0SUPPORT"):
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": user,
            "command": "/zt",
            "text": text_,
            "response_url": self.api.response_url("cmd"),
            "trigger_id": "1.2.3",
        }
        resp = await self.send(urlencode(form), "application/x-www-form-urlencoded")
        assert resp.status == 200

    async def action(self, payload: dict[str, Any]) -> None:
        form = urlencode({"payload": json.dumps(payload)})
        resp = await self.send(form, "application/x-www-form-urlencoded")
        assert resp.status == 200

    async def settle(self) -> None:
        """Wait until every request sent so far has been handled to the end."""
        await self.front.wait_processed(self.sent, timeout=10)

    def rows(self, sql: str) -> list[Any]:
        self.service.close()
        engine = create_engine(self.db)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql)))
        finally:
            engine.dispose()


Factory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    fake = await SlackApi().start()
    yield fake
    await fake.close()


@pytest.fixture
async def make_bot(api: SlackApi, engine: Engine, tmp_path: Path) -> AsyncIterator[Factory]:
    made: list[Harness] = []

    async def make(**overrides: Any) -> Harness:
        db = f"sqlite:///{tmp_path / 'slack.db'}"
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "database_url": db,
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SECRET,
            "slack_mode": "http",
            "slack_http_host": "127.0.0.1",
            "slack_http_port": 0,
            "slack_api_url": api.url,
            "slack_escalation_channel": "C0ESCALATE",
            "slack_escalation_group": "S0SUPPORT",
            "faq_url": "https://docs.example.com/faq",
        }
        values.update(overrides)
        settings = Settings(**values)
        service = SupportService(engine, settings, store=open_store(db), salt="s")
        limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
        front = SlackFrontEnd(
            settings, FrontDesk(service, limiter, settings), AdminActions(service.store, None)
        )
        await front.start()
        harness = Harness(front, api, service, db)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.front.stop()
        await harness.http.close()
        harness.service.close()


def mention(text_: str, ts: str = "1700000000.000100", channel: str = "C0SUPPORT") -> dict:
    return {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": f"<@UBOT> {text_}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def value_of(message: dict[str, Any], action_id: str) -> str:
    """The value (a turn id) of the button `action_id` in a posted message."""
    return next(
        e["value"]
        for b in message["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == action_id
    )


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in a message's blocks, joined (for 'does it say X' checks)."""
    return json.dumps(blocks, ensure_ascii=False)


# --- the bars -----------------------------------------------------------------------------


async def test_relayed_peers_mention_gets_one_threaded_reply_and_a_logged_turn(make_bot):
    """A signed app_mention with a relayed peers paste: one threaded reply naming the relayed
    peer and linking the High Latency & Relaying section, 👀 while working, the turn in the DB."""
    bot = await make_bot()
    body = json.dumps(fixture("app_mention_relayed.json"))
    resp = await bot.send(body)
    assert resp.status == 200
    await bot.settle()

    posts = bot.api.of("chat.postMessage")
    assert len(posts) == 1
    post = posts[0]
    assert post.token == "xoxb-test"
    assert post.args["channel"] == "C0SUPPORT"
    assert post.args["thread_ts"] == "1700000000.000100"
    blocks = post.args["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "1 of 1 peers are relayed (the 2 roots not counted): 0123456789.",
        },
    }
    assert "`0123456789: LEAF 1.14.1 RELAY 12 ms" in blocks[1]["text"]["text"]
    link = "<https://docs.example.com/faq#high-latency--relaying|High Latency &amp; Relaying>"
    assert any(
        b["type"] == "context" and any(link in e["text"] for e in b["elements"]) for b in blocks
    )
    feedback = blocks[-1]
    assert feedback["type"] == "actions"
    assert [e["action_id"] for e in feedback["elements"]] == ["zt_solved", "zt_not_helpful"]
    turn_id = feedback["elements"][0]["value"]

    eyes = {"channel": "C0SUPPORT", "timestamp": "1700000000.000100", "name": "eyes"}
    assert [c.args for c in bot.api.of("reactions.add")] == [eyes]
    assert [c.args for c in bot.api.of("reactions.remove")] == [eyes]

    rows = bot.rows(
        "SELECT t.id, t.platform, t.event_id, t.kind, t.topic, c.key FROM turns t "
        "JOIN conversations c ON c.id = t.conversation_id"
    )
    assert rows == [
        (
            turn_id,
            "slack",
            "Ev0RELAYED1",
            "diagnosis",
            "high-latency-relaying",
            "slack:T0001:C0SUPPORT:1700000000.000100",
        )
    ]
    findings = bot.rows(f"SELECT code FROM findings WHERE turn_id = '{turn_id}'")
    assert ("peer-relayed",) in findings


@pytest.mark.parametrize(
    "how",
    ["unsigned", "stale", "wrong-secret"],
)
async def test_unsigned_or_stale_requests_are_rejected_with_401(make_bot, how):
    """Bolt verifies the signature and the timestamp: forged or replayed requests get 401."""
    bot = await make_bot()
    body = json.dumps(fixture("app_mention_relayed.json"))
    if how == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif how == "stale":
        headers = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    else:
        headers = signed_headers("not-the-secret", body)
    resp = await bot.post(body, headers)
    assert resp.status == 401
    assert bot.api.of("chat.postMessage") == []


async def test_retried_event_is_answered_once(make_bot):
    """The same event delivered three times (Slack retries) gives one reply and one turn."""
    bot = await make_bot()
    body = json.dumps(fixture("app_mention_relayed.json"))
    await bot.send(body)
    await bot.send(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await bot.send(body, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    await bot.settle()
    assert len(bot.api.of("chat.postMessage")) == 1
    assert bot.rows("SELECT count(*) FROM turns") == [(1,)]


async def test_redelivery_after_restart_is_not_answered_again(make_bot, api):
    """A retry reaching a fresh process is refused by the event ids logged in the database."""
    first = await make_bot()
    body = json.dumps(fixture("app_mention_relayed.json"))
    await first.send(body)
    await first.settle()
    first.service.close()
    await first.front.stop()
    second = await make_bot()
    await second.send(body, **{"X-Slack-Retry-Num": "1"})
    await second.settle()
    assert len(api.of("chat.postMessage")) == 1


async def test_thread_follow_up_after_a_restart_is_still_answered(make_bot, api):
    """The bot's threads are known from the database, so a fresh process answers follow-ups."""
    first = await make_bot()
    await first.event(mention("ping doesn't work"), "Ev1")
    await first.settle()
    first.service.close()
    await first.front.stop()
    second = await make_bot()
    follow = {
        "type": "message",
        "channel_type": "channel",
        "user": "U0ALICE",
        "text": "I'm on windows",
        "ts": "1700000000.000300",
        "thread_ts": "1700000000.000100",
        "channel": "C0SUPPORT",
    }
    other = {**follow, "ts": "1700000000.000400", "thread_ts": "1700000000.000099"}
    await second.event(follow, "Ev2")
    await second.event(other, "Ev3")  # someone else's thread: not answered
    await second.settle()
    posts = api.of("chat.postMessage")
    assert [p.args["thread_ts"] for p in posts] == ["1700000000.000100"] * 2
    assert second.rows("SELECT section FROM turns ORDER BY created_at") == [(None,), ("windows",)]


async def test_stop_lets_a_reply_in_progress_finish(make_bot, api):
    """stop() right after Slack got its 200: the reply is still posted before it returns."""
    bot = await make_bot()
    await bot.event(mention("ping doesn't work on windows"), "Ev1")
    await bot.front.stop()
    (post,) = api.of("chat.postMessage")
    assert post.args["thread_ts"] == "1700000000.000100"
    assert not bot.front.ready


async def test_url_verification_challenge_is_echoed(make_bot):
    """Slack's endpoint check gets its challenge back."""
    bot = await make_bot()
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "abc123"})
    headers = signed_headers(SECRET, body)
    async with bot.http.post(bot.url, data=body, headers=headers) as resp:
        assert resp.status == 200
        assert (await resp.json()) == {"challenge": "abc123"}


# --- listening ----------------------------------------------------------------------------


async def test_thread_follow_up_uses_the_conversation(make_bot):
    """A plain reply in a thread the bot answered in is answered with that thread's context."""
    bot = await make_bot()
    await bot.event(mention("ping doesn't work"), "Ev1")
    await bot.settle()
    follow = {
        "type": "message",
        "channel_type": "channel",
        "user": "U0ALICE",
        "text": "I'm on windows",
        "ts": "1700000000.000300",
        "thread_ts": "1700000000.000100",
        "channel": "C0SUPPORT",
    }
    await bot.event(follow, "Ev2")
    await bot.settle()
    posts = bot.api.of("chat.postMessage")
    assert len(posts) == 2
    assert posts[1].args["thread_ts"] == "1700000000.000100"
    assert bot.rows("SELECT topic, section FROM turns ORDER BY created_at") == [
        ("ping-not-working", None),
        ("ping-not-working", "windows"),
    ]


async def test_messages_not_for_the_bot_are_ignored(make_bot):
    """Other bots, channels that are not support channels, and threads the bot is not in."""
    bot = await make_bot(slack_support_channels=("C0HELP",))
    await bot.event(fixture("message_from_bot.json"), "Ev1")
    await bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0ALICE",
            "text": "ping doesn't work",
            "ts": "1.1",
            "channel": "C0RANDOM",
        },
        "Ev2",
    )
    await bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0ALICE",
            "text": "ping doesn't work",
            "ts": "1.3",
            "thread_ts": "1.2",
            "channel": "C0RANDOM",
        },
        "Ev3",
    )
    await bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "UBOT",
            "text": "ping doesn't work",
            "ts": "1.4",
            "channel": "C0HELP",
        },
        "Ev4",
    )
    bot.sent -= 1  # Bolt drops the app's own message before any listener (and before answering)
    await bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0ALICE",
            "text": "ping doesn't work",
            "ts": "1.5",
            "channel": "C0HELP",
        },
        "Ev5",
    )
    # Requests for nothing ztbot handles are acknowledged and ignored.
    await bot.event({"type": "reaction_added", "user": "U0ALICE", "reaction": "eyes"}, "Ev6")
    other = fixture("block_actions_solved.json")
    other["actions"][0]["action_id"] = "another_apps_button"
    await bot.action(other)
    await bot.settle()
    posts = bot.api.of("chat.postMessage")
    assert [(p.args["channel"], p.args["thread_ts"]) for p in posts] == [("C0HELP", "1.5")]


async def test_dm_with_a_log_file_is_diagnosed(make_bot, api):
    """A .log upload in a DM is fetched with the bot token and goes through diagnosis."""
    bot = await make_bot()
    paste = (FIXTURES / "app_mention_relayed.json").read_text()
    raw = json.loads(paste)["event"]["text"].split("```")[1]
    content = raw.replace("&lt;", "<").replace("&gt;", ">").encode()
    file = api.add_file(FakeFile("F0LOG", "peers.log", content))
    payload = fixture("message_im_log_file.json")
    payload["event"]["files"] = [file]
    await bot.send(json.dumps(payload))
    await bot.settle()
    gets = api.of("GET file")
    assert [(g.args["id"], g.token) for g in gets] == [("F0LOG", "xoxb-test")]
    post = api.of("chat.postMessage")[0]
    assert post.args["channel"] == "D0BOB"
    assert "thread_ts" not in post.args  # DMs are answered inline
    assert "0123456789" in all_text(post.args["blocks"])
    assert [c.args["name"] for c in api.of("reactions.add")] == ["eyes"]


async def test_file_stub_is_looked_up_and_oversized_files_are_skipped(make_bot, api):
    """A file sent as a stub is resolved with files.info; one over the limit is not downloaded."""
    bot = await make_bot(max_attachment_bytes=100)
    api.add_file(FakeFile("F0BIG", "big.txt", b"x" * 500))
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "user": "U0BOB",
        "text": "ping doesn't work",
        "ts": "1.1",
        "channel": "D0BOB",
        "files": [{"id": "F0BIG", "file_access": "check_file_info"}],
    }
    await bot.event(event, "Ev1")
    await bot.settle()
    assert [c.args["file"] for c in api.of("files.info")] == ["F0BIG"]
    assert api.of("GET file") == []
    [answer] = api.of("chat.postMessage")  # the question itself is still answered
    assert "I didn't read big.txt: over 100 bytes" in json.dumps(answer.args["blocks"])


async def test_secret_in_a_paste_gets_a_rotate_warning_first(make_bot, api):
    """A pasted authtoken.secret: the first block tells the user to rotate it."""
    bot = await make_bot()
    await bot.event(
        mention("my node is offline, authtoken.secret: abcdefghijklmnopqrstuvwx"), "Ev1"
    )
    await bot.settle()
    blocks = api.of("chat.postMessage")[0].args["blocks"]
    first = blocks[0]["text"]["text"]
    assert first.startswith(":rotating_light:")
    assert "Rotate it now" in first
    assert "abcdefghijklmnopqrstuvwx" not in all_text(blocks)


# --- slash command ------------------------------------------------------------------------


async def test_slash_command_question_is_answered_in_a_thread(make_bot, api):
    """/zt <question>: the question is posted in the channel and answered under it."""
    bot = await make_bot()
    await bot.command("ping doesn't work on windows")
    await bot.settle()
    question, answer = api.of("chat.postMessage")
    assert question.args["channel"] == "C0SUPPORT"
    assert question.args["text"] == "<@U0ALICE> asked: ping doesn't work on windows"
    assert "thread_ts" not in question.args
    assert answer.args["thread_ts"] == question.response["ts"]
    assert "Windows" in all_text(answer.args["blocks"])
    assert bot.rows("SELECT topic, section FROM turns") == [("ping-not-working", "windows")]


async def test_slash_command_where_the_app_cannot_post_answers_privately(make_bot, api):
    """not_in_channel on the question: the answer comes back through the response URL."""
    bot = await make_bot()
    api.fail("chat.postMessage", "not_in_channel")
    await bot.command("ping doesn't work on windows", channel="G0PRIVATE")
    await bot.settle()
    (private,) = api.of("response_url:cmd")
    assert private.args["response_type"] == "ephemeral"
    assert "Windows" in all_text(private.args["blocks"])


async def test_slash_help_is_private(make_bot, api):
    """/zt help answers ephemerally with usage and the topics."""
    bot = await make_bot()
    await bot.command("help")
    await bot.settle()
    (help_,) = api.of("response_url:cmd")
    assert help_.args["response_type"] == "ephemeral"
    assert "High Latency &amp; Relaying" in all_text(help_.args["blocks"])
    assert api.of("chat.postMessage") == []


async def test_admin_commands_are_refused_to_others_and_logged(make_bot, api, caplog):
    """A non-admin gets a polite refusal; the attempt is logged."""
    bot = await make_bot(slack_admin_users=("U0ADMIN",))
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack_app"):
        await bot.command("admin reload", user="U0MALLORY")
        await bot.settle()
    (refusal,) = api.of("response_url:cmd")
    assert refusal.args["response_type"] == "ephemeral"
    assert "only for the bot's admins" in refusal.args["text"]
    assert any(
        "refused admin command" in r.message and "U0MALLORY" in r.message for r in caplog.records
    )


async def test_admin_reload_for_a_configured_admin(make_bot, api):
    """An admin user id may run admin commands (here, no reloader is wired: it says so)."""
    bot = await make_bot(slack_admin_users=("U0ADMIN",))
    await bot.command("admin reload", user="U0ADMIN")
    await bot.settle()
    (answer,) = api.of("response_url:cmd")
    assert answer.args["text"] == "Reloading is not available in this process."
    assert api.of("usergroups.users.list") == []


async def test_admin_report_for_a_member_of_the_admin_group(make_bot, api):
    """A member of the admin user group (usergroups.users.list) gets the report."""
    api.usergroups["S0ADMINS"] = ["U0CAROL"]
    bot = await make_bot(slack_admin_group="S0ADMINS")
    await bot.event(mention("ping doesn't work"), "Ev1")
    await bot.settle()
    bot.service.close()  # flush the turn so the report sees it
    await bot.command("admin report 7d", user="U0CAROL")
    await bot.settle()
    assert [c.args["usergroup"] for c in api.of("usergroups.users.list")] == ["S0ADMINS"]
    (report,) = api.of("response_url:cmd")
    assert report.args["response_type"] == "ephemeral"
    shown = report.args["blocks"][0]["text"]["text"]
    assert shown.startswith("```\nztbot report")
    assert "ping-not-working" in shown


async def test_admin_html_report_is_sent_to_the_admin_as_a_file(make_bot, api):
    """/zt admin report html: the page with charts is uploaded in a DM to the admin."""
    bot = await make_bot(slack_admin_users=("U0ADMIN",))
    await bot.command("admin report html 7d", user="U0ADMIN")
    await bot.settle()
    (opened,) = api.of("conversations.open")
    assert opened.args["users"] == "U0ADMIN"
    (complete,) = api.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DU0ADMIN"
    [upload] = [c for c in api.calls if c.method.startswith("upload:")]
    assert upload.args["content"].startswith(b"<!doctype html>")
    (told,) = api.of("response_url:cmd")
    assert "in a direct message" in all_text(told.args["blocks"])


# --- buttons ------------------------------------------------------------------------------


def pressed(action_id: str, value: str, message: dict[str, Any], user: str = "U0ALICE") -> dict:
    payload = fixture("block_actions_solved.json")
    payload["user"]["id"] = user
    payload["message"] = copy.deepcopy(message)
    payload["container"]["message_ts"] = message["ts"]
    payload["container"]["thread_ts"] = message.get("thread_ts")
    payload["actions"][0].update(action_id=action_id, value=value)
    return payload


def posted(call) -> dict[str, Any]:
    """The message Slack would deliver in a block_actions payload for a recorded post."""
    return {
        "type": "message",
        "bot_id": "BBOT",
        "text": call.args["text"],
        "ts": f"1700000000.9{len(call.args['text']) % 1000:03d}",
        "thread_ts": call.args["thread_ts"],
        "blocks": call.args["blocks"],
    }


async def test_solved_marks_the_thread_resolved(make_bot, api):
    """Solved: feedback recorded, ✅ on the question, buttons replaced, a short message."""
    bot = await make_bot()
    await bot.event(mention("ping doesn't work on windows"), "Ev1")
    await bot.settle()
    reply = posted(api.of("chat.postMessage")[0])
    turn_id = value_of(reply, "zt_solved")
    await bot.action(pressed("zt_solved", turn_id, reply))
    await bot.settle()
    assert [c.args for c in api.of("reactions.add")] == [
        {"channel": "C0SUPPORT", "timestamp": "1700000000.000100", "name": "white_check_mark"}
    ]
    (update,) = api.of("chat.update")
    assert update.args["ts"] == reply["ts"]
    assert all(b["type"] != "actions" for b in update.args["blocks"])
    assert "Solved" in update.args["blocks"][-1]["elements"][0]["text"]
    assert "marked this as solved" in api.of("chat.postMessage")[-1].args["text"]
    assert bot.rows("SELECT turn_id, helpful FROM feedback") == [(turn_id, True)]


async def test_not_helpful_offers_next_topics_then_escalates_with_a_summary(make_bot, api):
    """Not helpful once: the next topics as buttons; twice: a hand-over summary in the support
    channel mentioning the support group, with a permalink, the question (secret masked)."""
    bot = await make_bot()
    await bot.event(mention("ping doesn't work on windows"), "Ev1")
    await bot.settle()
    follow = {
        "type": "message",
        "channel_type": "channel",
        "user": "U0ALICE",
        "text": "still failing, my authtoken.secret: abcdefghijklmnopqrstuvwx",
        "ts": "1700000000.000300",
        "thread_ts": "1700000000.000100",
        "channel": "C0SUPPORT",
    }
    await bot.event(follow, "Ev2")
    await bot.settle()
    first = posted(api.of("chat.postMessage")[1])
    turn_id = value_of(first, "zt_not_helpful")
    await bot.action(pressed("zt_not_helpful", turn_id, first))
    await bot.settle()
    offer = api.of("chat.postMessage")[2]
    assert offer.args["thread_ts"] == "1700000000.000100"
    choices = next(b for b in offer.args["blocks"] if b.get("block_id") == "zt_choices")
    labels = [e["text"]["text"] for e in choices["elements"]]
    assert "System Firewalls and Security Software" in labels
    assert [e["action_id"] for e in choices["elements"]] == [
        f"zt_choice_{n}" for n in range(1, len(labels) + 1)
    ]
    second = posted(offer)
    second_turn = value_of(second, "zt_not_helpful")
    await bot.action(pressed("zt_not_helpful", second_turn, second))
    await bot.settle()

    escalations = [c for c in api.of("chat.postMessage") if c.args["channel"] == "C0ESCALATE"]
    assert len(escalations) == 1
    summary = all_text(escalations[0].args["blocks"])
    first_text = escalations[0].args["blocks"][0]["text"]["text"]
    permalink = "https://example.slack.com/archives/C0SUPPORT/p1700000000000100"
    assert first_text.startswith(
        f"<!subteam^S0SUPPORT> *Support needed* for <@U0ALICE>: <{permalink}|open the thread>"
    )
    assert "[redacted authtoken]" in summary
    assert "abcdefghijklmnopqrstuvwx" not in summary
    assert "Ping is not working › Windows" in summary
    assert "secret-exposed" in summary
    assert [c.args["message_ts"] for c in api.of("chat.getPermalink")] == ["1700000000.000100"]
    told = api.of("chat.postMessage")[-1].args
    assert told["thread_ts"] == "1700000000.000100"
    assert (
        told["text"] == "I've alerted the support team with a summary; someone will follow up here."
    )
    # The support group is pinged once, by the summary, not again in the user's thread.
    pings = [c for c in api.of("chat.postMessage") if "subteam" in json.dumps(c.args)]
    assert pings == escalations
    assert bot.rows("SELECT helpful FROM feedback") == [(False,), (False,)]


async def test_escalation_without_a_support_channel_goes_in_the_thread(make_bot, api):
    """With no escalation channel configured, the summary is posted in the user's thread."""
    bot = await make_bot(slack_escalation_channel=None, slack_escalation_group=None)
    await bot.event(mention("my peers show RELAY"), "Ev1")
    await bot.settle()
    for n in range(2):
        reply = posted(api.of("chat.postMessage")[n])
        turn_id = value_of(reply, "zt_not_helpful")
        await bot.action(pressed("zt_not_helpful", turn_id, reply))
        await bot.settle()
    summaries = [
        c for c in api.of("chat.postMessage") if "*Support needed*" in all_text(c.args["blocks"])
    ]
    assert [(c.args["channel"], c.args["thread_ts"]) for c in summaries] == [
        ("C0SUPPORT", "1700000000.000100")
    ]
    told = api.of("chat.postMessage")[-1].args["text"]
    assert told == "I've alerted the support team with a summary; someone will follow up here."


async def test_did_you_mean_button_answers_the_chosen_topic(make_bot, api):
    """A close match offers buttons; pressing one answers that topic in the thread."""
    bot = await make_bot()
    await bot.event(mention("udp 9993 router"), "Ev1")
    await bot.settle()
    offer = api.of("chat.postMessage")[0]
    choices = next(b for b in offer.args["blocks"] if b.get("block_id") == "zt_choices")
    second = choices["elements"][1]
    assert second["action_id"] == "zt_choice_2"
    chosen = second["text"]["text"]
    assert chosen in {"Should I forward any ports in my router?", "What ports does ZeroTier use?"}
    await bot.action(pressed("zt_choice_2", second["value"], posted(offer)))
    await bot.settle()
    answer = api.of("chat.postMessage")[1]
    assert answer.args["thread_ts"] == "1700000000.000100"
    assert answer.args["blocks"][0]["text"]["text"] == chosen


# --- safety -------------------------------------------------------------------------------


async def test_per_user_rate_limit_sends_a_private_note(make_bot, api):
    """Over the per-user limit, the user gets an ephemeral note instead of an answer."""
    bot = await make_bot(rate_limit=2, rate_window_s=60)
    for n in range(3):
        await bot.event(mention("ping doesn't work", ts=f"1.{n}"), f"Ev{n}")
    await bot.settle()
    assert len(api.of("chat.postMessage")) == 2
    (note,) = api.of("chat.postEphemeral")
    assert note.args["user"] == "U0ALICE"
    answered = {c.args["thread_ts"] for c in api.of("chat.postMessage")}
    assert note.args["thread_ts"] in {"1.0", "1.1", "1.2"} - answered  # events run concurrently
    assert "faster than I can answer" in note.args["text"]


async def test_rate_limited_web_api_is_retried_after_retry_after(make_bot, api):
    """chat.postMessage answered `ratelimited` (429, Retry-After) is retried and delivered."""
    bot = await make_bot()
    api.fail("chat.postMessage", "ratelimited", retry_after=0)
    await bot.event(mention("ping doesn't work"), "Ev1")
    await bot.settle()
    posts = api.of("chat.postMessage")
    assert len(posts) == 2
    assert posts[0].args == posts[1].args


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel"])
async def test_web_api_errors_are_logged_not_raised(make_bot, api, caplog, error):
    """A refused post is one clear log line; the app keeps answering afterwards."""
    bot = await make_bot()
    api.fail("chat.postMessage", error)
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack_app"):
        await bot.event(mention("ping doesn't work", ts="1.1"), "Ev1")
        await bot.settle()
    assert any(f"chat.postMessage failed: {error}" in r.message for r in caplog.records)
    await bot.event(mention("ping doesn't work", ts="1.2"), "Ev2")
    await bot.settle()
    assert len(api.of("chat.postMessage")) == 2
    assert bot.front.ready


# --- the front desk's defects, through the real Bolt app ------------------------------------


async def test_a_pasted_mention_never_reaches_the_notification_text(make_bot, api):
    """A network named <!here> in a paste is escaped in `text` too, not only in the blocks."""
    bot = await make_bot()
    paste = (
        "```\n200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
        "200 listnetworks 8056c2e21c000001 <!here> 0a:1b:2c:3d:4e:5f NOT_FOUND PRIVATE zt0 -\n```"
    )
    await bot.event(mention(f"my network fails <!channel>\n{paste}"), "Ev1")
    await bot.settle()
    for call in api.calls:
        if call.method.startswith("chat."):
            assert "<!here>" not in call.args.get("text", "")
            assert "<!channel>" not in call.args.get("text", "")
            assert "<!here>" not in json.dumps(call.args.get("blocks") or [])


async def test_an_upload_with_no_comment_is_diagnosed_not_answered_with_help(make_bot, api):
    """A file shared with no words gets a diagnosis; nothing empty lands in the report."""
    bot = await make_bot()
    data = (
        b"200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
        b"200 listnetworks 8056c2e21c000001  0a:1b:2c:3d:4e:5f NOT_FOUND PRIVATE zt0 -\n"
    )
    file = api.add_file(FakeFile("F0LOG", "out.log", data))
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "user": "U0BOB",
        "text": "",
        "ts": "1.1",
        "channel": "D0BOB",
        "files": [file],
    }
    await bot.event(event, "Ev1")
    await bot.settle()
    [answer] = api.of("chat.postMessage")
    assert "NOT_FOUND" in all_text(answer.args["blocks"])
    assert bot.rows("SELECT kind, has_output FROM turns") == [("diagnosis", True)]


async def test_buttons_on_a_private_answer_answer_privately(make_bot, api):
    """/zt where the app cannot post: the private answer's Not helpful offers the next topics
    privately, for the same conversation (no empty hand-over, no permalink to nowhere)."""
    bot = await make_bot()
    api.fail("chat.postMessage", "not_in_channel")
    await bot.command("ping doesn't work on windows", channel="G0PRIVATE")
    await bot.settle()
    (private,) = api.of("response_url:cmd")
    blocks = private.args["blocks"]
    turn = next(
        e["value"]
        for b in blocks
        for e in b.get("elements", [])
        if e.get("action_id") == "zt_not_helpful"
    )
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE"},
        "channel": {"id": "G0PRIVATE"},
        "container": {
            "type": "message",
            "message_ts": "9.9",
            "channel_id": "G0PRIVATE",
            "is_ephemeral": True,
        },
        "response_url": api.response_url("btn"),
        "actions": [{"action_id": "zt_not_helpful", "value": turn, "type": "button"}],
    }
    await bot.action(payload)
    await bot.settle()
    (offer,) = api.of("response_url:btn")
    assert "Could it be one of these instead?" in all_text(offer.args["blocks"])
    assert api.of("chat.getPermalink") == []
    assert [k for (k,) in bot.rows("SELECT kind FROM turns ORDER BY created_at")] == [
        "answer",
        "clarify",
    ]


async def test_only_the_asker_may_press_solved_and_a_double_click_counts_once(make_bot, api):
    """Someone else's Solved gets a private note; the asker's double click is processed once."""
    bot = await make_bot()
    await bot.event(mention("how do I update zerotier on linux"), "Ev1")
    await bot.settle()
    reply = posted(api.of("chat.postMessage")[0])
    turn_id = value_of(reply, "zt_solved")
    await bot.action(pressed("zt_solved", turn_id, reply, user="U0MALLORY"))
    await bot.settle()
    (note,) = api.of("chat.postEphemeral")
    assert note.args["user"] == "U0MALLORY" and "Only the person who asked" in note.args["text"]
    assert api.of("reactions.add") == [] and api.of("chat.update") == []
    for _ in range(2):
        await bot.action(pressed("zt_solved", turn_id, reply))
        await bot.settle()
    assert len(api.of("reactions.add")) == 1
    thanks = [c for c in api.of("chat.postMessage") if "marked this as solved" in c.args["text"]]
    assert len(thanks) == 1
    assert bot.rows("SELECT helpful FROM feedback") == [(True,)]


async def test_after_a_hand_over_the_bot_does_not_answer_the_helpers(make_bot, api):
    """Once people are alerted, their messages in the thread get no bot answer, and the user's
    Markdown in the summary stays inert (no live link that passes for the summary's own)."""
    bot = await make_bot()
    await bot.event(mention("ping fails [open the thread](https://evil.example) on windows"), "Ev1")
    await bot.settle()
    for n in range(2):
        reply = posted(api.of("chat.postMessage")[n])
        turn_id = value_of(reply, "zt_not_helpful")
        await bot.action(pressed("zt_not_helpful", turn_id, reply))
        await bot.settle()
    (summary,) = [c for c in api.of("chat.postMessage") if c.args["channel"] == "C0ESCALATE"]
    assert "<https://evil.example|" not in all_text(summary.args["blocks"])
    before = len(api.of("chat.postMessage"))
    helper = {
        "type": "message",
        "channel_type": "channel",
        "user": "U0HELPER",
        "text": "have you tried restarting the service?",
        "ts": "1700000000.000500",
        "thread_ts": "1700000000.000100",
        "channel": "C0SUPPORT",
    }
    await bot.event(helper, "Ev9")
    await bot.settle()
    assert len(api.of("chat.postMessage")) == before


async def test_slash_echo_masks_secrets_and_help_shows_no_raw_placeholder(make_bot, api):
    """/zt repeats the question in public with secrets masked; /zt help has no <question>."""
    bot = await make_bot()
    await bot.command("zerotier-cli fails, my authtoken.secret is 3jd9s8fj2kd93ls0dkf83ldk")
    await bot.command("help")
    await bot.settle()
    question = api.of("chat.postMessage")[0]
    assert "3jd9s8fj2kd93ls0dkf83ldk" not in question.args["text"]
    (help_,) = [
        c for c in api.of("response_url:cmd") if "Topics I know" in all_text(c.args["blocks"])
    ]
    assert "&lt;question&gt;" not in all_text(help_.args["blocks"])
    assert "<question>" not in all_text(help_.args["blocks"])
