"""The Discord bot end to end: the real discord.py client against a loopback Discord.

Events reach discord.py through its own gateway parsers (`fake.feed`), or, in one test,
through a loopback gateway; every REST call lands at the stand-in, which records it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.adapters.discord_client import DiscordFrontEnd, ZtClient, configure_endpoints
from bot.adapters.discord_embeds import clip
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService
from bot.store import open_store
from tests.fakes import discord_api as fake
from tests.fakes.discord_api import APP_ID, BOT_ID, BOT_USER, TOKEN, DiscordApi

GUILD = 700000000000000001
GENERAL = 700000000000000010
SUPPORT = 700000000000000011
FORUM = 700000000000000012
ESCALATION = 700000000000000013
SOLVED_TAG = 700000000000000020
ROLE = 700000000000000030
USER = fake.user(800000000000000001, "alice")
OTHER_BOT = fake.user(800000000000000002, "otherbot", bot=True)
MANAGE_MESSAGES, SEND, THREADS, MANAGE_GUILD = 1 << 13, 1 << 11, 1 << 35, 1 << 5
VIEW = 1 << 10
SECRET = "abcdefghijklmnopqrstuv12"

LISTNETWORKS = (
    "```\n200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
    "200 listnetworks 8056c2e21c000001  0a:1b:2c:3d:4e:5f NOT_FOUND PRIVATE ztabcdef \n```"
)


@dataclass
class Bot:
    api: DiscordApi
    frontend: DiscordFrontEnd
    service: SupportService
    db: Path
    closed: bool = field(default=False)

    @property
    def client(self) -> Any:
        return self.frontend.client

    def feed(self, event: str, data: dict[str, Any]) -> None:
        fake.feed(self.client, event, data)

    def rows(self, sql: str) -> list[Any]:
        """Flush the turns and query the database."""
        if not self.closed:
            assert self.service.close()
            self.closed = True
        engine = create_engine(f"sqlite:///{self.db}")
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql)))
        finally:
            engine.dispose()

    async def close(self) -> None:
        await self.frontend.stop()
        if not self.closed:
            self.service.close()
            self.closed = True


def _settings(api: DiscordApi, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": None,
        "discord_token": TOKEN,
        "discord_api_url": api.api_url,
        "discord_gateway_url": api.gateway_url,
        "discord_support_channels": (str(SUPPORT), str(FORUM)),
        "discord_escalation_channel": str(ESCALATION),
        "discord_escalation_role": str(ROLE),
    }
    return Settings(**{**values, **extra})


async def _make_bot(api: DiscordApi, tmp_path: Path, engine: Engine, **extra: Any) -> Bot:
    settings = _settings(api, tmp_path, **extra)
    db = tmp_path / "t.db"
    service = SupportService(engine, settings, store=open_store(f"sqlite:///{db}"), salt="s")
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    frontend = DiscordFrontEnd(
        settings, FrontDesk(service, limiter, settings), AdminActions(service.store, None)
    )
    configure_endpoints(settings)
    await frontend.client.login(TOKEN)
    return Bot(api, frontend, service, db)


def _forum_post(owner: dict[str, Any] = USER) -> dict[str, Any]:
    return fake.thread(fake.snowflake(), GUILD, FORUM, int(owner["id"]), "ping fails")


def _guild(
    perms: int = VIEW | MANAGE_MESSAGES | SEND | THREADS, threads: Any = None
) -> dict[str, Any]:
    return fake.guild(
        GUILD,
        [
            fake.text_channel(GENERAL, GUILD, "general"),
            fake.text_channel(SUPPORT, GUILD, "support"),
            fake.forum_channel(FORUM, GUILD, [(SOLVED_TAG, "Solved")]),
            fake.text_channel(ESCALATION, GUILD, "mods"),
        ],
        threads,
        bot_permissions=perms,
    )


@pytest.fixture
async def api() -> AsyncIterator[DiscordApi]:
    async with DiscordApi() as server:
        yield server


@pytest.fixture
async def bot(api: DiscordApi, tmp_path: Path, engine: Engine) -> AsyncIterator[Bot]:
    b = await _make_bot(api, tmp_path, engine)
    b.feed("GUILD_CREATE", _guild())
    yield b
    await b.close()


def _mention(content: str, channel: int = GENERAL, **kwargs: Any) -> dict[str, Any]:
    return fake.message(
        channel_id=channel,
        guild_id=GUILD,
        author=kwargs.pop("author", USER),
        content=f"<@{BOT_ID}> {content}",
        mentions=[BOT_USER],
        **kwargs,
    )


def _in(channel: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments placing an interaction in `channel`, from USER."""
    return {"channel": channel, "author": USER, "guild_id": GUILD}


async def _ask_in_thread(bot: Bot, content: str) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """Mention the bot in #general; return (user message, bot reply request, the thread)."""
    msg = _mention(content)
    bot.feed("MESSAGE_CREATE", msg)
    await bot.api.wait_for("POST", rf"/channels/{GENERAL}/messages/{msg['id']}/threads")
    [sent] = await bot.api.wait_for("POST", rf"/channels/{msg['id']}/messages")
    made = fake.thread(int(msg["id"]), GUILD, GENERAL, BOT_ID, "help")
    bot.feed("THREAD_CREATE", {**made, "newly_created": True})
    return msg, sent, made


def _as_message(request: Any, channel_id: int) -> dict[str, Any]:
    """The bot's message as Discord would echo it in a later interaction."""
    return fake.message(
        channel_id=channel_id,
        guild_id=GUILD,
        author=BOT_USER,
        embeds=request.json.get("embeds"),
        components=request.json.get("components"),
    )


def _custom_ids(request: Any) -> list[str]:
    return [c["custom_id"] for row in request.json.get("components", []) for c in row["components"]]


# --- the bars --------------------------------------------------------------------------------


async def test_mention_with_not_found_paste_gets_one_diagnosis_reply(bot: Bot) -> None:
    """A mention with a NOT_FOUND listnetworks paste: one embed naming the FAQ section; a turn."""
    msg, sent, _ = await _ask_in_thread(bot, f"my network doesn't work\n{LISTNETWORKS}")
    [created] = bot.api.matching("POST", rf"/channels/{GENERAL}/messages/{msg['id']}/threads")
    assert created.json == {
        "name": "my network doesn't work",
        "auto_archive_duration": 1440,
        "rate_limit_per_user": None,
    }
    [embed] = sent.json["embeds"]
    assert embed["title"] == (
        "Network `8056c2e21c000001` is NOT_FOUND: that network id does not exist."
    )
    assert "mistyped network id" in embed["description"]
    assert "**From the FAQ: Network Status NOT_FOUND**" in embed["description"]
    assert embed["footer"]["text"].endswith("FAQ: network-not-found")
    assert embed["color"] == 0xED4245
    [turn] = bot.rows("SELECT id, kind, topic, platform, event_id FROM turns")
    assert turn[1:] == ("diagnosis", "network-not-found", "discord", msg["id"])
    assert _custom_ids(sent) == [f"ztbot:solved:{turn[0]}", f"ztbot:unhelpful:{turn[0]}"]
    [conv] = bot.rows("SELECT key, workspace, channel, thread FROM conversations")
    assert conv == (f"discord:{GUILD}:{msg['id']}", str(GUILD), str(GENERAL), msg["id"])
    assert len(bot.api.matching("POST", r"/channels/\d+/messages")) == 1


async def test_not_helpful_button_records_feedback_and_offers_next_topics(bot: Bot) -> None:
    """Clicking Not helpful on that reply: negative feedback stored, next topics as buttons."""
    _, sent, made = await _ask_in_thread(bot, f"my network doesn't work\n{LISTNETWORKS}")
    unhelpful = _custom_ids(sent)[1]
    click = fake.button(unhelpful, _as_message(sent, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", click)
    [ack] = await bot.api.wait_for(
        "POST", rf"/interactions/{click['id']}/{click['token']}/callback"
    )
    assert ack.json["type"] == 6  # acknowledged at once; the answer comes as a follow-up
    # The clicked reply's buttons are spent: removed, so nobody votes twice.
    [spent] = await bot.api.wait_for(
        "PATCH", rf"/webhooks/{APP_ID}/{click['token']}/messages/@original"
    )
    assert spent.json["components"] == []
    [follow] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{click['token']}")
    [embed] = follow.json["embeds"]
    intro, listing = embed["description"].split("\n\n", 1)
    assert intro == "Sorry that didn't help. Could it be one of these instead?"
    offered = listing.splitlines()
    assert [line.split(". ", 1)[0] for line in offered] == ["1", "2", "3"]
    picks_row, feedback_row = follow.json["components"]
    labels = [c["label"] for c in picks_row["components"] + feedback_row["components"]]
    # One button per topic offered, in the same order, cut to Discord's 80 characters.
    assert labels == [*(clip(line, 80) for line in offered), "None of these"]
    assert all(len(label) <= 80 for label in labels)
    next_turn = follow.json["components"][0]["components"][0]["custom_id"].split(":")[2]
    assert _custom_ids(follow) == [
        f"ztbot:pick:{next_turn}:1",
        f"ztbot:pick:{next_turn}:2",
        f"ztbot:pick:{next_turn}:3",
        f"ztbot:unhelpful:{next_turn}",
    ]
    turn_id = unhelpful.rsplit(":", 1)[1]
    assert bot.rows("SELECT turn_id, helpful FROM feedback") == [(turn_id, False)]
    kinds = bot.rows("SELECT kind FROM turns ORDER BY created_at")
    assert [k for (k,) in kinds] == ["diagnosis", "clarify"]


# --- slash commands --------------------------------------------------------------------------


async def test_slash_ask_shows_the_question_and_answers_in_a_thread(bot: Bot) -> None:
    """/zt ask: the question is echoed, a thread is opened on it and the answer goes there."""
    general = fake.text_channel(GENERAL, GUILD)
    cmd = fake.slash(["zt", "ask"], {"question": "how do I update zerotier"}, **_in(general))
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json["type"] == 4
    assert ack.json["data"]["content"] == f"<@{USER['id']}> asked: how do I update zerotier"
    assert ack.json["data"]["allowed_mentions"] == {"parse": []}
    [thread] = await bot.api.wait_for("POST", rf"/channels/{GENERAL}/messages/\d+/threads")
    msg_id = thread.path.split("/")[4]
    [sent] = await bot.api.wait_for("POST", rf"/channels/{msg_id}/messages")
    [embed] = sent.json["embeds"]
    assert embed["title"] == "How do I Update Zerotier?"
    [conv] = bot.rows("SELECT key FROM conversations")
    assert conv == (f"discord:{GUILD}:{msg_id}",)


async def test_slash_diagnose_opens_a_modal_and_diagnoses_the_paste(bot: Bot) -> None:
    """/zt diagnose opens a form; submitting it diagnoses the paste without echoing it."""
    general = fake.text_channel(GENERAL, GUILD)
    cmd = fake.slash(["zt", "diagnose"], **_in(general))
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json["type"] == 9
    modal = ack.json["data"]
    assert modal["title"] == "Diagnose zerotier-cli output"
    inputs = [c for row in modal["components"] for c in _inputs(row)]
    assert [(i["style"], i["max_length"]) for i in inputs] == [(2, 4000), (1, 200)]
    paste = LISTNETWORKS.strip("`").strip()
    submit = fake.modal_submit(
        modal["custom_id"],
        {inputs[0]["custom_id"]: paste, inputs[1]["custom_id"]: ""},
        **_in(general),
    )
    bot.feed("INTERACTION_CREATE", submit)
    [echo] = await bot.api.wait_for(
        "POST", rf"/interactions/{submit['id']}/{submit['token']}/callback"
    )
    assert echo.json["data"]["content"] == (
        f"<@{USER['id']}> shared zerotier-cli output for a diagnosis."
    )
    [thread] = await bot.api.wait_for("POST", rf"/channels/{GENERAL}/messages/\d+/threads")
    assert thread.json["name"] == "Diagnosis"
    [sent] = await bot.api.wait_for("POST", rf"/channels/{thread.path.split('/')[4]}/messages")
    assert "NOT_FOUND" in sent.json["embeds"][0]["title"]


def _inputs(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Text inputs in a modal row (an action row, or a label wrapping one component)."""
    if "components" in row:
        return [c for c in row["components"] if c["type"] == 4]
    inner = row.get("component")
    return [inner] if inner and inner["type"] == 4 else []


async def test_slash_help_is_ephemeral(bot: Bot) -> None:
    """/zt help answers only the user who asked."""
    cmd = fake.slash(["zt", "help"], **_in(fake.text_channel(GENERAL, GUILD)))
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json["type"] == 5  # acknowledged before any work (a slow database can't delay it)
    assert ack.json["data"]["flags"] == 64
    [shown] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
    assert shown.json["flags"] == 64
    assert "Topics I know" in shown.json["embeds"][0]["description"]
    assert "<question>" not in str(shown.json)
    [(kind,)] = bot.rows("SELECT kind FROM turns")  # help goes through the engine, logged
    assert kind == "help"


async def test_admin_command_refused_without_manage_server(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """/zt-admin from a member without Manage Server: a polite ephemeral refusal, logged."""
    caplog.set_level(logging.WARNING, "bot.adapters.discord_client")
    cmd = fake.slash(["zt-admin", "reload"], **_in(fake.text_channel(GENERAL, GUILD)))
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json == {
        "type": 4,
        "data": {
            "content": "Sorry, admin commands need the Manage Server permission.",
            "flags": 64,
            "tts": False,
        },
    } or (ack.json["type"], ack.json["data"]["flags"]) == (4, 64)
    assert "Manage Server" in ack.json["data"]["content"]
    assert "admin command 'reload' refused" in caplog.text


async def test_admin_report_for_manage_server(bot: Bot) -> None:
    """/zt-admin report from a member with Manage Server: the report, shown only to them."""
    cmd = fake.slash(
        ["zt-admin", "report"],
        {"since": "1d"},
        permissions=MANAGE_GUILD,
        **_in(fake.text_channel(GENERAL, GUILD)),
    )
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json["type"] == 5
    assert ack.json["data"]["flags"] == 64
    [follow] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
    assert follow.json["content"].startswith("```")
    assert follow.json["flags"] == 64


async def test_admin_html_report_is_sent_as_a_file(bot: Bot) -> None:
    """/zt-admin report html:true: the page with charts comes as an attached file, privately."""
    cmd = fake.slash(
        ["zt-admin", "report"],
        {"since": "1d", "html": True},
        permissions=MANAGE_GUILD,
        **_in(fake.text_channel(GENERAL, GUILD)),
    )
    bot.feed("INTERACTION_CREATE", cmd)
    [follow] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
    upload = follow.json["multipart"]
    assert 'filename="ztbot-report-' in upload and "<!doctype html>" in upload
    assert '"flags": 64' in upload or '"flags":64' in upload


async def test_admin_role_is_enough(api: DiscordApi, tmp_path: Path, engine: Engine) -> None:
    """The configured admin role passes the runtime check without Manage Server."""
    b = await _make_bot(api, tmp_path, engine, discord_admin_role="Support admins")
    try:
        g = _guild()
        g["roles"].append(
            {
                "id": str(ROLE),
                "name": "Support admins",
                "permissions": "0",
                "position": 2,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            }
        )
        b.feed("GUILD_CREATE", g)
        cmd = fake.slash(
            ["zt-admin", "report"], roles=[ROLE], **_in(fake.text_channel(GENERAL, GUILD))
        )
        b.feed("INTERACTION_CREATE", cmd)
        [follow] = await api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
        assert follow.json["content"].startswith("```")
    finally:
        await b.close()


# --- forum posts, Solved, escalation -----------------------------------------------------------


async def test_forum_post_answered_and_solved_applies_the_tag(bot: Bot) -> None:
    """A new post in a support forum is answered in the post; Solved applies the forum's tag."""
    post = _forum_post()
    bot.feed("THREAD_CREATE", {**post, "newly_created": True})
    starter = fake.message(
        channel_id=int(post["id"]),
        message_id=int(post["id"]),
        guild_id=GUILD,
        author=USER,
        content="ping doesn't work on windows",
    )
    bot.feed("MESSAGE_CREATE", starter)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{post['id']}/messages")
    assert not bot.api.matching("POST", r"/channels/\d+/messages/\d+/threads")
    solved = _custom_ids(sent)[0]
    assert solved.startswith("ztbot:solved:")
    click = fake.button(solved, _as_message(sent, int(post["id"])), **_in(post))
    bot.feed("INTERACTION_CREATE", click)
    [ack] = await bot.api.wait_for(
        "POST", rf"/interactions/{click['id']}/{click['token']}/callback"
    )
    assert ack.json["type"] == 6
    [thanks] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{click['token']}")
    assert thanks.json["content"] == "✅ Glad that helped! I've marked this as solved."
    [patch] = await bot.api.wait_for("PATCH", rf"/channels/{post['id']}")
    # Discord archives the solved post once it has been idle for a day (the default).
    assert patch.json == {"applied_tags": [str(SOLVED_TAG)], "auto_archive_duration": 1440}
    turn_id = solved.rsplit(":", 1)[1]
    assert bot.rows("SELECT turn_id, helpful FROM feedback") == [(turn_id, True)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (0, {"name": "✅ help", "archived": True}),
        (60, {"name": "✅ help", "archived": False, "auto_archive_duration": 60}),
        (10080, {"name": "✅ help", "archived": False, "auto_archive_duration": 10080}),
    ],
)
async def test_solved_in_a_help_thread_renames_it_and_archives_it_when_idle(
    api: DiscordApi, tmp_path: Path, engine: Engine, after: int, expected: dict[str, Any]
) -> None:
    """Solved in a thread the bot opened: a ✅ title; Discord archives it once idle for
    DISCORD_ARCHIVE_SOLVED_AFTER minutes (0: at once)."""
    bot = await _make_bot(api, tmp_path, engine, discord_archive_solved_after=after)
    try:
        bot.feed("GUILD_CREATE", _guild())
        _, sent, made = await _ask_in_thread(bot, "ping doesn't work on windows")
        click = fake.button(_custom_ids(sent)[0], _as_message(sent, int(made["id"])), **_in(made))
        bot.feed("INTERACTION_CREATE", click)
        [patch] = await bot.api.wait_for("PATCH", rf"/channels/{made['id']}")
        assert patch.json == expected
    finally:
        await bot.close()


async def test_second_not_helpful_escalates_with_secrets_masked(bot: Bot) -> None:
    """Not helpful twice: a summary in the escalation channel mentioning the role, no secret."""
    _, sent, made = await _ask_in_thread(
        bot, f"zerotier-cli says cannot connect. my authtoken.secret: {SECRET}"
    )
    turn = _custom_ids(sent)[-1]
    first = fake.button(turn, _as_message(sent, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", first)
    [offer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{first['token']}")
    second = fake.button(_custom_ids(offer)[-1], _as_message(offer, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", second)
    [post] = await bot.api.wait_for("POST", rf"/channels/{ESCALATION}/messages")
    content = post.json["content"]
    assert content.startswith(f"<@&{ROLE}> **Support needed** for <@{USER['id']}>: ")
    assert f"https://discord.com/channels/{GUILD}/{made['id']}" in content
    assert SECRET not in content
    assert "[redacted" in content
    assert "**FAQ sections already shown**" in content
    assert post.json["allowed_mentions"] == {"parse": [], "roles": [ROLE], "replied_user": True}
    told = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{second['token']}", count=2)
    assert told[-1].json["content"] == (
        "I've alerted the support team with a summary; someone will follow up here."
    )
    assert "<@&" not in str([t.json for t in told])  # the role is pinged once, by the summary


# --- safety ----------------------------------------------------------------------------------


async def test_message_with_a_secret_is_deleted_and_the_user_told_to_rotate(bot: Bot) -> None:
    """A pasted authtoken: the message is deleted (Manage Messages) and the user warned."""
    msg, _, _ = await _ask_in_thread(bot, f"help, authtoken.secret: {SECRET}")
    await bot.api.wait_for("DELETE", rf"/channels/{GENERAL}/messages/{msg['id']}")
    [_, warning] = await bot.api.wait_for("POST", rf"/channels/{msg['id']}/messages", count=2)
    assert warning.json["content"].startswith(
        f"<@{USER['id']}> ⚠️ I removed your message because it contained a secret."
    )
    assert "rotate it now" in warning.json["content"]
    [thread] = bot.api.matching("POST", r"/channels/\d+/messages/\d+/threads")
    assert SECRET not in thread.json["name"]


async def test_secret_without_permission_is_not_deleted(
    api: DiscordApi, tmp_path: Path, engine: Engine
) -> None:
    """Without Manage Messages the bot does not try to delete, and asks the user to."""
    b = await _make_bot(api, tmp_path, engine)
    try:
        b.feed("GUILD_CREATE", _guild(perms=VIEW | SEND | THREADS))
        msg, _, _ = await _ask_in_thread(b, f"help, authtoken.secret: {SECRET}")
        [_, warning] = await api.wait_for("POST", rf"/channels/{msg['id']}/messages", count=2)
        assert "I can't remove it here; please delete it" in warning.json["content"]
        assert not api.matching("DELETE", r".*")
    finally:
        await b.close()


async def test_rate_limited_user_is_told_once(
    api: DiscordApi, tmp_path: Path, engine: Engine
) -> None:
    """Past the per-user limit the bot says when to come back, once, and does not answer."""
    b = await _make_bot(api, tmp_path, engine, rate_limit=1, rate_window_s=60)
    try:
        b.feed("GUILD_CREATE", _guild())
        await _ask_in_thread(b, "how do I update zerotier")
        second, third = _mention("and on linux?"), _mention("hello?")
        b.feed("MESSAGE_CREATE", second)
        [told] = await api.wait_for("POST", rf"/channels/{GENERAL}/messages")
        assert told.json["content"].startswith("You're sending messages faster than I can")
        assert told.json["message_reference"]["message_id"] == int(second["id"])
        b.feed("MESSAGE_CREATE", third)
        other = fake.user(800000000000000009, "bob")
        b.feed("MESSAGE_CREATE", _mention("how do I update zerotier", author=other))
        await api.wait_for("POST", r"/channels/\d+/messages/\d+/threads", count=2)
        assert len(api.matching("POST", rf"/channels/{GENERAL}/messages")) == 1
    finally:
        await b.close()


async def test_bots_and_itself_are_ignored(bot: Bot) -> None:
    """Messages from other bots and from the bot itself get no answer."""
    bot.feed("MESSAGE_CREATE", _mention("how do I update zerotier", author=OTHER_BOT))
    bot.feed("MESSAGE_CREATE", _mention("how do I update zerotier", author=BOT_USER))
    bot.feed(
        "MESSAGE_CREATE",
        fake.message(channel_id=GENERAL, guild_id=GUILD, author=USER, content="not for the bot"),
    )
    msg, _, _ = await _ask_in_thread(bot, "how do I update zerotier")
    [only] = bot.api.matching("POST", r"/channels/\d+/messages/\d+/threads")
    assert only.path.endswith(f"/{msg['id']}/threads")


async def test_support_channel_needs_no_mention(bot: Bot) -> None:
    """Every message in a designated support channel is answered, in a thread."""
    msg = fake.message(
        channel_id=SUPPORT, guild_id=GUILD, author=USER, content="how do I update zerotier"
    )
    bot.feed("MESSAGE_CREATE", msg)
    await bot.api.wait_for("POST", rf"/channels/{SUPPORT}/messages/{msg['id']}/threads")
    await bot.api.wait_for("POST", rf"/channels/{msg['id']}/messages")


async def test_follow_up_in_the_thread_keeps_the_context(bot: Bot) -> None:
    """A follow-up in the bot's thread (no mention) continues the same conversation."""
    msg, _, made = await _ask_in_thread(bot, "how do I update zerotier")
    follow = fake.message(
        channel_id=int(made["id"]), guild_id=GUILD, author=USER, content="I'm on linux"
    )
    bot.feed("MESSAGE_CREATE", follow)
    [_, sent] = await bot.api.wait_for("POST", rf"/channels/{made['id']}/messages", count=2)
    assert sent.json["embeds"][0]["footer"]["text"].endswith("FAQ: updating › linux")
    rows = bot.rows(
        "SELECT c.key, t.section FROM turns t JOIN conversations c "
        "ON t.conversation_id = c.id ORDER BY t.created_at"
    )
    assert rows == [
        (f"discord:{GUILD}:{msg['id']}", None),
        (f"discord:{GUILD}:{msg['id']}", "linux"),
    ]


async def test_direct_message_is_answered_in_place(bot: Bot) -> None:
    """A DM is answered in the DM, as a reply, with the user's DM as the conversation."""
    dm = fake.message(channel_id=fake.snowflake(), author=USER, content="how do I update zerotier")
    bot.feed("MESSAGE_CREATE", dm)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{dm['channel_id']}/messages")
    assert sent.json["message_reference"]["message_id"] == int(dm["id"])
    assert bot.rows("SELECT key FROM conversations") == [(f"discord:dm:{USER['id']}",)]


async def test_thread_creation_forbidden_falls_back_to_a_reply(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """403 on thread creation: logged clearly, the answer goes in the channel as a reply."""
    bot.api.fail("POST", r"/channels/\d+/messages/\d+/threads", 403, 50013)
    msg = _mention("how do I update zerotier")
    bot.feed("MESSAGE_CREATE", msg)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{GENERAL}/messages")
    assert sent.json["message_reference"]["message_id"] == int(msg["id"])
    assert (
        "creating a thread failed: forbidden (missing permission) 403 (code 50013)" in caplog.text
    )
    assert bot.rows("SELECT key FROM conversations") == [(f"discord:{GUILD}:{msg['id']}",)]


async def test_reply_not_found_is_logged_and_the_bot_keeps_going(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """404 when posting (the thread vanished): one log line, and the next message is answered."""
    bot.api.fail("POST", r"/channels/\d+/messages", 404, 10003)
    bot.feed("MESSAGE_CREATE", _mention("how do I update zerotier"))
    await bot.api.wait_for("POST", r"/channels/\d+/messages")
    bot.api.failures.clear()
    await _ask_in_thread(bot, "ping doesn't work on windows")
    assert "answering a message failed: not found 404 (code 10003)" in caplog.text
    assert TOKEN not in caplog.text


async def test_log_attachment_is_fetched_and_diagnosed(bot: Bot) -> None:
    """A .log attachment is downloaded and diagnosed; a file over the size limit is skipped."""
    paste = LISTNETWORKS.strip("`").strip().encode()
    bot.api.files["out.log"] = paste
    attachments = [
        {
            "id": str(fake.snowflake()),
            "filename": "out.log",
            "size": len(paste),
            "url": bot.api.file_url("out.log"),
            "proxy_url": bot.api.file_url("out.log"),
            "content_type": "text/plain",
        },
        {
            "id": str(fake.snowflake()),
            "filename": "huge.txt",
            "size": 50_000_000,
            "url": bot.api.file_url("huge.txt"),
            "proxy_url": bot.api.file_url("huge.txt"),
        },
    ]
    msg = _mention("see attached", attachments=attachments)
    bot.feed("MESSAGE_CREATE", msg)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{msg['id']}/messages")
    assert bot.api.fetched == ["out.log"]
    assert "NOT_FOUND" in sent.json["embeds"][0]["title"]
    assert (
        "I didn't read huge.txt: over 1,000,000 bytes" in sent.json["embeds"][-1]["footer"]["text"]
    )


# --- restarts, sync, the real gateway ----------------------------------------------------------


async def test_buttons_work_after_a_restart(
    api: DiscordApi, tmp_path: Path, engine: Engine
) -> None:
    """A fresh client and service over the same database handle Not helpful on an old reply."""
    first = await _make_bot(api, tmp_path, engine)
    first.feed("GUILD_CREATE", _guild())
    _, sent, made = await _ask_in_thread(first, f"my network doesn't work\n{LISTNETWORKS}")
    await first.close()

    second = await _make_bot(api, tmp_path, engine)
    try:
        second.feed("GUILD_CREATE", _guild(threads=[made]))
        click = fake.button(_custom_ids(sent)[1], _as_message(sent, int(made["id"])), **_in(made))
        second.feed("INTERACTION_CREATE", click)
        [follow] = await api.wait_for("POST", rf"/webhooks/{APP_ID}/{click['token']}")
        assert "Could it be one of these instead?" in follow.json["embeds"][0]["description"]
        assert second.rows("SELECT helpful FROM feedback") == [(False,)]
    finally:
        await second.close()


async def test_discord_sync_command_registers_the_commands(
    api: DiscordApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ztbot discord sync --guild ID` puts /zt and /zt-admin (Manage Server only) in the guild."""
    from bot.cli.main import main

    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", api.api_url)
    code = await asyncio.to_thread(main, ["discord", "sync", "--guild", str(GUILD)])
    assert code == 0
    [put] = api.matching("PUT", rf"/applications/{APP_ID}/guilds/{GUILD}/commands")
    by_name = {c["name"]: c for c in put.json}
    assert sorted(by_name) == ["Diagnose with ztbot", "zt", "zt-admin"]
    assert by_name["Diagnose with ztbot"]["type"] == 3  # a message context menu command
    assert [o["name"] for o in by_name["zt"]["options"]] == ["ask", "diagnose", "topic", "help"]
    assert by_name["zt"]["default_member_permissions"] is None
    assert by_name["zt-admin"]["default_member_permissions"] == MANAGE_GUILD
    assert [o["name"] for o in by_name["zt-admin"]["options"]] == [
        "reload",
        "status",
        "report",
        "config",
    ]
    out = capsys.readouterr().out
    names = "zt, zt-admin, Diagnose with ztbot"
    assert out == f"synced 3 commands to guild {GUILD}: {names}\n"


async def test_start_connects_through_the_configured_gateway(
    api: DiscordApi, tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """start() logs in, connects to DISCORD_GATEWAY_URL (not /gateway/bot's URL) and answers."""
    caplog.set_level(logging.DEBUG)  # even debug logging (ours and discord.py's) has no token
    api.ready_guilds = [_guild()]
    settings = _settings(api, tmp_path)
    service = SupportService(engine, settings, store=open_store(f"sqlite:///{tmp_path / 'g.db'}"))
    # guild_ready_timeout: do not wait the default 2 s for more guilds after READY.
    client = ZtClient(settings, guild_ready_timeout=0.05)
    limiter = RateLimiter(10, 60)
    frontend = DiscordFrontEnd(
        settings,
        FrontDesk(service, limiter, settings),
        AdminActions(service.store, None),
        client=client,
    )
    try:
        await frontend.start()
        await asyncio.wait_for(frontend.client.wait_until_ready(), 5)
        assert frontend.ready
        assert api.matching("GET", "/gateway/bot")
        msg = _mention("how do I update zerotier")
        await api.push("MESSAGE_CREATE", msg)
        [sent] = await api.wait_for("POST", rf"/channels/{msg['id']}/messages")
        assert sent.json["embeds"][0]["title"] == "How do I Update Zerotier?"
    finally:
        await frontend.stop()
        service.close()
    assert not frontend.ready
    assert api.identifies[0]["token"] == TOKEN
    assert "Shard ID 0 has connected to Gateway" in caplog.text
    assert TOKEN not in caplog.text


async def test_reconnect_resumes_and_a_replayed_message_is_not_answered_twice(
    api: DiscordApi, tmp_path: Path, engine: Engine
) -> None:
    """After Discord asks for a reconnect the session resumes; a replayed message is dropped."""
    api.ready_guilds = [_guild()]
    settings = _settings(api, tmp_path)
    service = SupportService(engine, settings, store=open_store(f"sqlite:///{tmp_path / 'r.db'}"))
    client = ZtClient(settings, guild_ready_timeout=0.05)
    limiter = RateLimiter(10, 60)
    frontend = DiscordFrontEnd(
        settings,
        FrontDesk(service, limiter, settings),
        AdminActions(service.store, None),
        client=client,
    )
    try:
        await frontend.start()
        await asyncio.wait_for(frontend.client.wait_until_ready(), 5)
        first = _mention("how do I update zerotier")
        await api.push("MESSAGE_CREATE", first)
        await api.wait_for("POST", rf"/channels/{first['id']}/messages")
        await api.ask_to_reconnect()
        await asyncio.wait_for(api.resumed.wait(), 5)
        second = _mention("ping doesn't work on windows")
        await api.push("MESSAGE_CREATE", first)  # replayed after the resume
        await api.push("MESSAGE_CREATE", second)
        await api.wait_for("POST", rf"/channels/{second['id']}/messages")
        assert api.resumes == 1
        assert len(api.matching("POST", r"/channels/\d+/messages/\d+/threads")) == 2
        assert len(api.matching("POST", rf"/channels/{first['id']}/messages")) == 1
    finally:
        await frontend.stop()
        service.close()


async def test_discord_sync_globally_and_without_a_token(
    api: DiscordApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --guild the commands are registered globally; without a token, a usage error."""
    from bot.cli.main import main

    assert await asyncio.to_thread(main, ["discord", "sync"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", api.api_url)
    assert await asyncio.to_thread(main, ["discord", "sync"]) == 0
    [put] = api.matching("PUT", rf"/applications/{APP_ID}/commands")
    assert [c["name"] for c in put.json] == ["zt", "zt-admin", "Diagnose with ztbot"]
    assert capsys.readouterr().out == (
        "synced 3 commands to every guild (global): zt, zt-admin, Diagnose with ztbot\n"
    )


async def test_hand_over_forbidden_still_answers_the_user(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """403 in the escalation channel: logged, and the user is told to ask a moderator."""
    bot.api.fail("POST", rf"/channels/{ESCALATION}/messages", 403, 50001)
    _, sent, made = await _ask_in_thread(bot, f"my network doesn't work\n{LISTNETWORKS}")
    first = fake.button(_custom_ids(sent)[-1], _as_message(sent, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", first)
    [offer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{first['token']}")
    second = fake.button(_custom_ids(offer)[-1], _as_message(offer, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", second)
    said = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{second['token']}", count=2)
    assert said[-1].json["content"] == (
        "I couldn't alert the support team automatically; please ask in the support channel."
    )
    assert "posting the hand-over failed: forbidden (missing permission) 403" in caplog.text


async def test_did_you_mean_button_answers_with_that_topic(bot: Bot) -> None:
    """A choice button answers the chosen topic in the same conversation."""
    _, sent, made = await _ask_in_thread(bot, f"my network doesn't work\n{LISTNETWORKS}")
    decline = fake.button(_custom_ids(sent)[-1], _as_message(sent, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", decline)
    [offer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{decline['token']}")
    pick = fake.button(_custom_ids(offer)[0], _as_message(offer, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", pick)
    [answer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{pick['token']}")
    first_offered = offer.json["embeds"][0]["description"].split("\n\n", 1)[1].splitlines()[0]
    # The chosen topic's title (with " › section" when one applies).
    assert answer.json["embeds"][0]["title"].startswith(first_offered.removeprefix("1. "))
    keys = bot.rows("SELECT DISTINCT c.key FROM conversations c")
    assert keys == [(f"discord:{GUILD}:{made['id']}",)]


async def test_solved_in_a_direct_message_adds_a_reaction(bot: Bot) -> None:
    """In a DM there is no thread to close: Solved reacts with ✅ on the answer."""
    dm_channel = fake.snowflake()
    dm = fake.message(channel_id=dm_channel, author=USER, content="how do I update zerotier")
    bot.feed("MESSAGE_CREATE", dm)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{dm_channel}/messages")
    answer = fake.message(
        channel_id=dm_channel,
        author=BOT_USER,
        embeds=sent.json["embeds"],
        components=sent.json["components"],
    )
    channel = {"id": str(dm_channel), "type": fake.CHANNEL_DM, "recipients": [USER]}
    click = fake.button(_custom_ids(sent)[0], answer, channel=channel, author=USER, guild_id=None)
    bot.feed("INTERACTION_CREATE", click)
    await bot.api.wait_for(
        "PUT", rf"/channels/{dm_channel}/messages/{answer['id']}/reactions/✅/@me"
    )


async def test_solved_without_manage_threads_still_thanks_the_user(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """403 when tagging the post: the vote is recorded, the user thanked, the failure logged."""
    bot.api.fail("PATCH", r"/channels/\d+", 403, 50013)
    post = _forum_post()
    bot.feed("THREAD_CREATE", {**post, "newly_created": True})
    starter = fake.message(
        channel_id=int(post["id"]),
        message_id=int(post["id"]),
        guild_id=GUILD,
        author=USER,
        content="ping doesn't work on windows",
    )
    bot.feed("MESSAGE_CREATE", starter)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{post['id']}/messages")
    click = fake.button(_custom_ids(sent)[0], _as_message(sent, int(post["id"])), **_in(post))
    bot.feed("INTERACTION_CREATE", click)
    await bot.api.wait_for("PATCH", rf"/channels/{post['id']}")
    await bot.frontend.stop()  # lets the click's handler finish
    [thanks] = bot.api.matching("POST", rf"/webhooks/{APP_ID}/{click['token']}")
    assert thanks.json["content"].startswith("✅ Glad that helped")
    assert bot.rows("SELECT helpful FROM feedback") == [(True,)]
    assert "marking the conversation solved failed: forbidden (missing permission) 403" in (
        caplog.text
    )


async def test_configured_shards_identify_without_asking_discord(
    api: DiscordApi, tmp_path: Path, engine: Engine
) -> None:
    """DISCORD_SHARD_IDS=1 of 2: this process identifies as shard [1, 2] with our intents."""
    api.ready_guilds = [_guild()]
    settings = _settings(api, tmp_path, discord_shard_ids=(1,), discord_shard_count=2)
    service = SupportService(engine, settings)
    client = ZtClient(settings, guild_ready_timeout=0.05)
    limiter = RateLimiter(10, 60)
    frontend = DiscordFrontEnd(
        settings,
        FrontDesk(service, limiter, settings),
        AdminActions(service.store, None),
        client=client,
    )
    try:
        await frontend.start()
        await asyncio.wait_for(frontend.client.wait_until_ready(), 5)
        [identify] = api.identifies
        assert identify["shard"] == [1, 2]
        # guilds, guild messages, direct messages and message content
        assert identify["intents"] == (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15)
        assert identify["token"] == TOKEN
        assert not api.matching("GET", "/gateway/bot")
    finally:
        await frontend.stop()


def test_shard_ids_need_a_shard_count(tmp_path: Path) -> None:
    """Shard ids without a count is a configuration error, named by its variables."""
    from bot.base.errors import ConfigError

    settings = Settings(data_dir=tmp_path, database_url=None, discord_shard_ids=(0,))
    with pytest.raises(ConfigError, match="DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"):
        ZtClient(settings)


# --- the front desk's defects, through discord.py's own parsing ---------------------------------


async def test_the_diagnose_form_fits_discords_limits(bot: Bot) -> None:
    """/zt diagnose opens: the modal stays within Discord's limits (a 46-character label is a
    400 and "interaction failed")."""
    cmd = fake.slash(["zt", "diagnose"], **_in(fake.text_channel(GENERAL, GUILD)))
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json["type"] == 9
    assert bot.api.rejected == []
    assert fake.limit_problems(ack.json) == []


async def test_a_malformed_gateway_event_costs_only_itself(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A MESSAGE_CREATE missing its author is dropped with one clear line; the next is answered."""
    broken = _mention("how do I update zerotier")
    del broken["author"]
    with caplog.at_level(logging.WARNING, "bot.adapters.discord_client"):
        bot.feed("MESSAGE_CREATE", broken)
    assert "dropped a malformed MESSAGE_CREATE event (" in caplog.text
    await _ask_in_thread(bot, "how do I update zerotier")


async def test_an_old_pick_answers_from_its_own_offer_after_a_restart(
    api: DiscordApi, tmp_path: Path, engine: Engine
) -> None:
    """A "did you mean" button pressed after a restart picks from the offer it was part of."""
    first = await _make_bot(api, tmp_path, engine)
    first.feed("GUILD_CREATE", _guild())
    _, sent, made = await _ask_in_thread(first, "udp 9993 router")
    ids = _custom_ids(sent)
    assert ids[1].startswith("ztbot:pick:")
    await first.close()
    wanted = engine.respond(Incoming("udp 9993 router")).choices[1].title

    second = await _make_bot(api, tmp_path, engine)
    try:
        second.feed("GUILD_CREATE", _guild())
        click = fake.button(ids[1], _as_message(sent, int(made["id"])), **_in(made))
        second.feed("INTERACTION_CREATE", click)
        [answer] = await api.wait_for("POST", rf"/webhooks/{APP_ID}/{click['token']}")
        assert answer.json["embeds"][0]["title"].startswith(wanted)
    finally:
        await second.close()


async def test_slash_ask_where_the_bot_may_not_post_answers_through_the_interaction(
    bot: Bot,
) -> None:
    """/zt ask in a channel whose thread the bot may not post in: the answer still arrives, as
    an interaction follow-up (which needs no channel permission)."""
    bot.api.fail("POST", r"/channels/\d+/messages", 403, 50013)
    general = fake.text_channel(GENERAL, GUILD)
    cmd = fake.slash(["zt", "ask"], {"question": "how do I update zerotier"}, **_in(general))
    bot.feed("INTERACTION_CREATE", cmd)
    [follow] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
    assert follow.json["embeds"][0]["title"] == "How do I Update Zerotier?"


async def test_a_forum_posts_title_is_part_of_the_question(bot: Bot) -> None:
    """ "ping doesn't work on windows" as the title and "help please" as the body: answered."""
    post = fake.thread(
        fake.snowflake(), GUILD, FORUM, int(USER["id"]), "ping doesn't work on windows"
    )
    bot.feed("THREAD_CREATE", {**post, "newly_created": True})
    starter = fake.message(
        channel_id=int(post["id"]),
        message_id=int(post["id"]),
        guild_id=GUILD,
        author=USER,
        content="help please",
    )
    bot.feed("MESSAGE_CREATE", starter)
    [sent] = await bot.api.wait_for("POST", rf"/channels/{post['id']}/messages")
    assert sent.json["embeds"][0]["title"] == "Ping is not working › Windows"


async def test_the_slash_echo_is_inert_and_masked(bot: Bot) -> None:
    """The public echo of /zt ask shows the user's Markdown as text and masks secrets."""
    general = fake.text_channel(GENERAL, GUILD)
    question = "see [my log](https://evil.example) authtoken.secret: abcdefghijklmnopqrstuv12"
    cmd = fake.slash(["zt", "ask"], {"question": question}, **_in(general))
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    content = ack.json["data"]["content"]
    assert "abcdefghijklmnopqrstuv12" not in content
    assert "\\[my log]" in content  # an escaped bracket: no masked link
