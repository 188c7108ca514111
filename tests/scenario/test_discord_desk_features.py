"""Discord desk features end to end: the real discord.py client against the loopback Discord,
which refuses interaction callbacks and application commands that break Discord's limits."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.fakes import discord_api as fake
from tests.fakes.discord_api import APP_ID, BOT_ID, DiscordApi
from tests.scenario.test_discord_bot import (
    ESCALATION,
    GENERAL,
    GUILD,
    LISTNETWORKS,
    MANAGE_GUILD,
    USER,
    Bot,
    _as_message,
    _ask_in_thread,
    _in,
    api,
    bot,
)

__all__ = ["api", "bot"]  # the fixtures, shared with test_discord_bot

MOD = fake.user(800000000000000009, "mod")
MENU = "Diagnose with ztbot"


def _by_mod(channel: dict[str, Any]) -> dict[str, Any]:
    return {"channel": channel, "author": MOD, "guild_id": GUILD}


async def _private(api: DiscordApi, interaction: dict[str, Any]) -> dict[str, Any]:
    """The ephemeral follow-up the person who chose the command got."""
    [ack] = await api.wait_for(
        "POST", rf"/interactions/{interaction['id']}/{interaction['token']}/callback"
    )
    assert ack.json["type"] == 5 and ack.json["data"]["flags"] == 64
    [note] = await api.wait_for("POST", rf"/webhooks/{APP_ID}/{interaction['token']}")
    assert note.json["flags"] == 64
    return note.json


async def test_diagnose_menu_answers_alices_message_in_a_thread_on_it(bot: Bot) -> None:
    """A moderator's "Diagnose with ztbot" on Alice's .log upload in #general: the file is
    read, a thread is opened on her message and the diagnosis goes there; the moderator is
    told privately. Choosing it again does not answer twice."""
    paste = LISTNETWORKS.strip("`").strip().encode()
    bot.api.files["net.log"] = paste
    attachment = {
        "id": str(fake.snowflake()),
        "filename": "net.log",
        "size": len(paste),
        "url": bot.api.file_url("net.log"),
        "proxy_url": bot.api.file_url("net.log"),
        "content_type": "text/plain",
    }
    msg = fake.message(
        channel_id=GENERAL,
        guild_id=GUILD,
        author=USER,
        content="it stopped working",
        attachments=[attachment],
    )
    general = fake.text_channel(GENERAL, GUILD)
    chosen = fake.context_menu(MENU, msg, **_by_mod(general))
    bot.feed("INTERACTION_CREATE", chosen)
    note = await _private(bot.api, chosen)
    assert "answered that message in its thread" in note["content"]
    [made] = bot.api.matching("POST", rf"/channels/{GENERAL}/messages/{msg['id']}/threads")
    assert made.json["name"] == "it stopped working"
    [sent] = bot.api.matching("POST", rf"/channels/{msg['id']}/messages")
    assert "NOT_FOUND" in sent.json["embeds"][0]["title"]
    assert bot.api.fetched == ["net.log"]
    assert bot.api.rejected == []

    again = fake.context_menu(MENU, msg, **_by_mod(general))
    bot.feed("INTERACTION_CREATE", again)
    note = await _private(bot.api, again)
    assert "already diagnosed" in note["content"]
    assert len(bot.api.matching("POST", rf"/channels/{msg['id']}/messages")) == 1
    [(conversation,)] = bot.rows("SELECT key FROM conversations")
    assert conversation == f"discord:{GUILD}:{msg['id']}"


async def test_diagnose_menu_in_a_thread_replies_to_the_message_there(bot: Bot) -> None:
    """A message inside a thread: the answer is a reply to it in the same thread."""
    tid = fake.snowflake()
    made = fake.thread(tid, GUILD, GENERAL, int(USER["id"]), "my question")
    bot.feed("THREAD_CREATE", {**made, "newly_created": True})
    msg = fake.message(
        channel_id=tid, guild_id=GUILD, author=USER, content="how do I update zerotier"
    )
    chosen = fake.context_menu(MENU, msg, **_by_mod(made))
    bot.feed("INTERACTION_CREATE", chosen)
    await _private(bot.api, chosen)
    [sent] = bot.api.matching("POST", rf"/channels/{tid}/messages")
    assert str(sent.json["message_reference"]["message_id"]) == msg["id"]
    assert bot.api.matching("POST", r"/channels/\d+/messages/\d+/threads") == []


async def test_diagnose_menu_on_an_empty_message_says_so(bot: Bot) -> None:
    """Nothing to read (an image, a sticker): the person is told, nothing is posted."""
    msg = fake.message(channel_id=GENERAL, guild_id=GUILD, author=USER, content="")
    chosen = fake.context_menu(MENU, msg, **_by_mod(fake.text_channel(GENERAL, GUILD)))
    bot.feed("INTERACTION_CREATE", chosen)
    note = await _private(bot.api, chosen)
    assert "no text or readable files" in note["content"]
    assert bot.api.matching("POST", r"/channels/\d+/messages") == []


async def test_diagnose_menu_where_the_bot_may_not_post_tells_the_moderator(bot: Bot) -> None:
    """Threads and posting forbidden: the moderator learns which permissions are missing."""
    bot.api.fail("POST", r"/channels/\d+/messages/\d+/threads", 403, 50013)
    bot.api.fail("POST", rf"/channels/{GENERAL}/messages", 403, 50013)
    msg = fake.message(
        channel_id=GENERAL, guild_id=GUILD, author=USER, content="ping doesn't work on windows"
    )
    chosen = fake.context_menu(MENU, msg, **_by_mod(fake.text_channel(GENERAL, GUILD)))
    bot.feed("INTERACTION_CREATE", chosen)
    note = await _private(bot.api, chosen)
    assert "Send Messages" in note["content"]


def test_the_commands_fit_discords_limits() -> None:
    """Every command the bot registers (slash commands, the context menu) passes the
    stand-in's checks of Discord's documented limits; the menu is a message command."""
    import discord
    from discord import app_commands

    from bot.adapters.discord_client import add_commands

    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    add_commands(tree)
    payload = [c.to_dict(tree) for c in tree.get_commands()]
    assert fake.command_problems(payload) == []
    [menu] = [c for c in payload if c["type"] == 3]
    assert menu["name"] == MENU


def _ids(request: Any) -> list[str]:
    return [c["custom_id"] for row in request.json.get("components", []) for c in row["components"]]


async def test_private_ask_then_share_in_channel(bot: Bot) -> None:
    """/zt ask private:True: an ephemeral answer with Share in channel and nothing in public.
    Another member's click is refused; the asker's shows the question in the channel and
    answers it in a thread; a second click has nothing left to share."""
    general = fake.text_channel(GENERAL, GUILD)
    cmd = fake.slash(
        ["zt", "ask"], {"question": "how do I update zerotier", "private": True}, **_in(general)
    )
    bot.feed("INTERACTION_CREATE", cmd)
    [ack] = await bot.api.wait_for("POST", rf"/interactions/{cmd['id']}/{cmd['token']}/callback")
    assert ack.json["type"] == 5 and ack.json["data"]["flags"] == 64
    [answer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
    assert answer.json["flags"] == 64
    share = next(i for i in _ids(answer) if i.startswith("ztbot:share:"))
    labels = [c["label"] for row in answer.json["components"] for c in row["components"]]
    assert "Share in channel" in labels
    assert bot.api.matching("POST", r"/channels/\d+/messages") == []

    shown = fake.message(
        channel_id=GENERAL,
        guild_id=GUILD,
        author=fake.BOT_USER,
        components=answer.json["components"],
    )
    other = fake.button(share, shown, **_by_mod(general))
    bot.feed("INTERACTION_CREATE", other)
    [refused] = await bot.api.wait_for(
        "POST", rf"/interactions/{other['id']}/{other['token']}/callback"
    )
    assert refused.json["data"]["flags"] == 64
    assert "Only the person who asked" in refused.json["data"]["content"]

    mine = fake.button(share, shown, **_in(general))
    bot.feed("INTERACTION_CREATE", mine)
    [public] = await bot.api.wait_for(
        "POST", rf"/interactions/{mine['id']}/{mine['token']}/callback"
    )
    assert public.json["type"] == 4
    assert public.json["data"]["content"] == f"<@{USER['id']}> asked: how do I update zerotier"
    [thread] = await bot.api.wait_for("POST", rf"/channels/{GENERAL}/messages/\d+/threads")
    [sent] = await bot.api.wait_for("POST", rf"/channels/{thread.path.split('/')[4]}/messages")
    assert not any(i.startswith("ztbot:share:") for i in _ids(sent))

    again = fake.button(share, shown, **_in(general))
    bot.feed("INTERACTION_CREATE", again)
    [gone] = await bot.api.wait_for(
        "POST", rf"/interactions/{again['id']}/{again['token']}/callback"
    )
    assert "no longer have that private answer" in gone.json["data"]["content"]
    assert bot.api.rejected == []


async def test_hand_over_post_is_claimed_then_resolved_with_times_stored(bot: Bot) -> None:
    """The hand-over post carries Claim and Resolve; Claim edits the post to say who and when,
    leaving Resolve; another helper's Claim is refused privately; Resolve removes the buttons.
    The conversation row gets escalated, claimed and resolved times."""
    _, sent, made = await _ask_in_thread(bot, "ping doesn't work on windows")
    first = fake.button(_ids(sent)[-1], _as_message(sent, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", first)
    [offer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{first['token']}")
    second = fake.button(_ids(offer)[-1], _as_message(offer, int(made["id"])), **_in(made))
    bot.feed("INTERACTION_CREATE", second)
    [post] = await bot.api.wait_for("POST", rf"/channels/{ESCALATION}/messages")
    key = f"discord:{GUILD}:{made['id']}"
    assert _ids(post) == [f"ztbot:claim:{key}", f"ztbot:resolve:{key}"]

    mods = fake.text_channel(ESCALATION, GUILD, "mods")
    shown = fake.message(
        channel_id=ESCALATION,
        guild_id=GUILD,
        author=fake.BOT_USER,
        content=post.json["content"],
        components=post.json["components"],
    )
    claim = fake.button(f"ztbot:claim:{key}", shown, **_by_mod(mods))
    bot.feed("INTERACTION_CREATE", claim)
    [edit] = await bot.api.wait_for(
        "POST", rf"/interactions/{claim['id']}/{claim['token']}/callback"
    )
    assert edit.json["type"] == 7  # the clicked message is updated
    assert re.search(rf"\n✋ Claimed by <@{MOD['id']}> <t:\d+:f>$", edit.json["data"]["content"])
    assert [c["custom_id"] for r in edit.json["data"]["components"] for c in r["components"]] == [
        f"ztbot:resolve:{key}"
    ]

    late = fake.button(f"ztbot:claim:{key}", shown, **_in(mods))
    bot.feed("INTERACTION_CREATE", late)
    await bot.api.wait_for("POST", rf"/interactions/{late['id']}/{late['token']}/callback")
    [refused] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{late['token']}")
    assert "already claimed" in refused.json["content"] and refused.json["flags"] == 64

    claimed = {**shown, "content": edit.json["data"]["content"]}
    resolve = fake.button(f"ztbot:resolve:{key}", claimed, **_by_mod(mods))
    bot.feed("INTERACTION_CREATE", resolve)
    [done] = await bot.api.wait_for(
        "POST", rf"/interactions/{resolve['id']}/{resolve['token']}/callback"
    )
    content = done.json["data"]["content"]
    assert content.count("\n✅ Resolved by") == 1 and "Claimed by" not in content
    assert done.json["data"]["components"] == []
    assert bot.api.rejected == []
    [(escalated, claimed_at, resolved)] = bot.rows(
        "SELECT escalated_at, claimed_at, resolved_at FROM conversations "
        "WHERE escalated_at IS NOT NULL"
    )
    assert escalated <= claimed_at <= resolved


async def test_an_edited_question_updates_the_answer_in_place(bot: Bot) -> None:
    """A mention answered in a thread, then edited (MESSAGE_UPDATE): the answer message is
    edited with the answer to the new text; nothing new is posted; the same edit delivered
    again changes nothing more; an unfurl (no edited_timestamp) is ignored."""
    msg, sent, made = await _ask_in_thread(bot, "how do I uninstall zerotier")
    edit = {
        **msg,
        "content": f"<@{BOT_ID}> how do I update zerotier",
        "edited_timestamp": "2026-12-06T08:30:00+00:00",
    }
    bot.feed("MESSAGE_UPDATE", edit)
    bot.feed("MESSAGE_UPDATE", edit)
    bot.feed("MESSAGE_UPDATE", {**msg, "content": msg["content"] + " https://example.com"})
    [patch] = await bot.api.wait_for("PATCH", rf"/channels/{msg['id']}/messages/\d+")
    assert patch.json["embeds"] != sent.json["embeds"]
    assert "Update" in patch.json["embeds"][0]["title"]
    await asyncio.sleep(0.2)
    assert len(bot.api.matching("PATCH", r"/channels/\d+/messages/\d+")) == 1
    assert len(bot.api.matching("POST", rf"/channels/{msg['id']}/messages")) == 1
    assert made["id"] == msg["id"]


async def test_topic_autocomplete_and_a_private_topic_answer(bot: Bot) -> None:
    """Typing in /zt topic offers matching topic titles (at most 25, within Discord's limits);
    picking one shows its FAQ answer to the user only, with Share in channel."""
    general = fake.text_channel(GENERAL, GUILD)
    typed = fake.autocomplete(["zt", "topic"], "name", "updat", **_in(general))
    bot.feed("INTERACTION_CREATE", typed)
    [offer] = await bot.api.wait_for(
        "POST", rf"/interactions/{typed['id']}/{typed['token']}/callback"
    )
    assert offer.json["type"] == 8
    choices = offer.json["data"]["choices"]
    assert choices and all("updat" in c["name"].lower() for c in choices)
    everything = fake.autocomplete(["zt", "topic"], "name", "", **_in(general))
    bot.feed("INTERACTION_CREATE", everything)
    [full] = await bot.api.wait_for(
        "POST", rf"/interactions/{everything['id']}/{everything['token']}/callback"
    )
    assert len(full.json["data"]["choices"]) == min(25, len(bot.service.knowledge.topics))

    cmd = fake.slash(["zt", "topic"], {"name": choices[0]["value"]}, **_in(general))
    bot.feed("INTERACTION_CREATE", cmd)
    [answer] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
    assert answer.json["flags"] == 64
    assert answer.json["embeds"][0]["title"] == choices[0]["name"]
    assert any(i.startswith("ztbot:share:") for i in _ids(answer))
    assert bot.api.rejected == []

    unknown = fake.slash(["zt", "topic"], {"name": "quantum toaster"}, **_in(general))
    bot.feed("INTERACTION_CREATE", unknown)
    [told] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{unknown['token']}")
    assert "don't know a topic called" in told.json["content"]


async def test_server_settings_set_by_an_admin_take_effect_and_are_audited(bot: Bot) -> None:
    """/zt-admin config: refused without Manage Server; an admin makes #general a support
    channel (a plain message there is then answered) and gives a role the admin commands (a
    member with it may then see the settings); the changes are audited."""
    general = fake.text_channel(GENERAL, GUILD)

    async def run(path: list[str], options: dict[str, Any], **who: Any) -> str:
        cmd = fake.slash(["zt-admin", "config", *path], options, channel=general, **who)
        bot.feed("INTERACTION_CREATE", cmd)
        [said] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
        assert said.json["flags"] == 64
        return str(said.json["content"])

    member = {"author": USER, "guild_id": GUILD}
    admin = {"author": MOD, "guild_id": GUILD, "permissions": MANAGE_GUILD}
    assert "Only this workspace's admins" in await run(["show"], {}, **member)
    set_channel = {"name": "support_channels", "value": f"<#{GENERAL}>"}
    assert f"default → {GENERAL}" in await run(["set"], set_channel, **admin)
    new_role = 700000000000000077
    role = {
        "id": str(new_role),
        "name": "helpers",
        "permissions": "0",
        "position": 2,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
    }
    bot.feed("GUILD_ROLE_CREATE", {"guild_id": str(GUILD), "role": role})
    set_role = {"name": "admin_group", "value": f"<@&{new_role}>"}
    assert f"→ {new_role}" in await run(["set"], set_role, **admin)
    shown = await run(["show"], {}, **member, roles=[new_role])
    assert f"support_channels`: `{GENERAL}` (set here)" in shown

    plain = fake.message(
        channel_id=GENERAL, guild_id=GUILD, author=USER, content="how do I update zerotier"
    )
    bot.feed("MESSAGE_CREATE", plain)
    await bot.api.wait_for("POST", rf"/channels/{GENERAL}/messages/{plain['id']}/threads")
    rows = bot.rows("SELECT platform, workspace, name, new FROM config_changes ORDER BY id")
    assert rows == [
        ("discord", str(GUILD), "support_channels", str(GENERAL)),
        ("discord", str(GUILD), "admin_group", str(new_role)),
    ]


async def test_command_metadata_is_translated_and_answers_say_they_are_english(
    api: DiscordApi, bot: Bot, monkeypatch: Any
) -> None:
    """`ztbot discord sync` registers names and descriptions in German, French, Spanish,
    Brazilian Portuguese and Chinese (the stand-in checks every one against Discord's rules);
    a German user's answer says in one line that answers are in English, an English one not."""
    from bot.cli.main import main

    monkeypatch.setenv("DISCORD_TOKEN", "discord-test-token")
    monkeypatch.setenv("DISCORD_API_URL", api.api_url)
    assert await asyncio.to_thread(main, ["discord", "sync", "--guild", str(GUILD)]) == 0
    [put] = api.matching("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")
    assert api.rejected == []
    by_name = {c["name"]: c for c in put.json}
    menu = by_name[MENU]
    assert set(menu["name_localizations"]) == {"de", "fr", "es-ES", "pt-BR", "zh-CN"}
    assert menu["name_localizations"]["de"] == "Mit ztbot diagnostizieren"
    ask = next(o for o in by_name["zt"]["options"] if o["name"] == "ask")
    assert ask["name_localizations"]["fr"] == "demander"
    assert ask["description_localizations"]["zh-CN"] == "用你自己的话提一个 ZeroTier 问题"
    assert set(by_name["zt"]["description_localizations"]) == {
        "de",
        "fr",
        "es-ES",
        "pt-BR",
        "zh-CN",
    }

    general = fake.text_channel(GENERAL, GUILD)
    for locale, expect in (("de", True), ("en-GB", False)):
        cmd = fake.slash(["zt", "help"], **_in(general))
        cmd["locale"] = locale
        bot.feed("INTERACTION_CREATE", cmd)
        [shown] = await bot.api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
        footer = str(shown.json["embeds"][-1].get("footer", {}).get("text", ""))
        assert ("which is in English" in footer) is expect


async def test_status_lists_what_the_bot_lacks_with_the_fix_and_start_up_logs_it(
    api: DiscordApi, tmp_path: Any, engine: Any, caplog: Any
) -> None:
    """A server where ztbot may post but not open threads or remove messages, and whose
    escalation role cannot be mentioned: one start-up line names the problems; /zt-admin
    status lists each with its fix; members without Manage Server are refused."""
    import logging

    from tests.scenario.test_discord_bot import SEND, SUPPORT, VIEW, _make_bot

    caplog.set_level(logging.INFO, logger="bot.adapters.discord_client")
    b = await _make_bot(api, tmp_path, engine)
    try:
        guild = _guild_with_role(perms=VIEW | SEND)
        b.feed("GUILD_CREATE", guild)
        await asyncio.sleep(0.3)
        [line] = [r.getMessage() for r in caplog.records if "set-up of server" in r.getMessage()]
        assert f"set-up of server {GUILD}:" in line
        assert "#support lacks Create Public Threads" in line
        support = fake.text_channel(SUPPORT, GUILD, "support")
        refused = fake.slash(["zt-admin", "status"], **_in(support))
        b.feed("INTERACTION_CREATE", refused)
        [no] = await api.wait_for(
            "POST", rf"/interactions/{refused['id']}/{refused['token']}/callback"
        )
        assert "Only this workspace's admins" in no.json["data"]["content"]
        cmd = fake.slash(["zt-admin", "status"], **_by_mod(support), permissions=MANAGE_GUILD)
        b.feed("INTERACTION_CREATE", cmd)
        [shown] = await api.wait_for("POST", rf"/webhooks/{APP_ID}/{cmd['token']}")
        report = shown.json["content"]
        assert "#support: Manage Messages (to remove a message with a pasted secret)" in report
        assert "Fix: Server Settings › Roles › ztbot" in report
        assert "Make the role mentionable" in report
        assert "#mods" not in report  # the escalation channel has what it needs
        assert api.rejected == []
    finally:
        await b.close()


def _guild_with_role(perms: int) -> dict[str, Any]:
    from tests.scenario.test_discord_bot import ROLE

    g = fake.guild(
        GUILD,
        [
            fake.text_channel(GENERAL, GUILD, "general"),
            fake.text_channel(700000000000000011, GUILD, "support"),
            fake.text_channel(ESCALATION, GUILD, "mods"),
        ],
        bot_permissions=perms,
    )
    g["roles"].append(
        {
            "id": str(ROLE),
            "name": "helpers",
            "permissions": "0",
            "position": 2,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
        }
    )
    return g
