"""Pure rules for Discord messages: who is addressed, the conversation key, names and links."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.adapters.discord_incoming import (
    THREAD_NAME_MAX,
    MessageFacts,
    in_channel,
    is_addressed,
    jump_url,
    reply_place,
    strip_mentions,
    thread_name,
    to_incoming,
    wants_attachment,
)
from bot.core.models import Attachment

BOT, USER, OTHER = 10, 20, 30
GUILD, GENERAL, SUPPORT, FORUM, THREAD = 1, 100, 200, 300, 400
SUPPORT_CHANNELS = frozenset({str(SUPPORT), str(FORUM)})


def facts(**changes: object) -> MessageFacts:
    base = MessageFacts(
        id=999,
        content="how do I update zerotier",
        author_id=USER,
        author_is_bot=False,
        bot_id=BOT,
        guild_id=GUILD,
        channel_id=GENERAL,
        channel_kind="text",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


ADDRESSED = [
    ("dm", facts(guild_id=None, channel_kind="dm", channel_id=5), True),
    ("mention in a channel", facts(mentions=(BOT,)), True),
    ("mention of someone else", facts(mentions=(OTHER,)), False),
    ("plain message in a normal channel", facts(), False),
    ("plain message in a support channel", facts(channel_id=SUPPORT), True),
    ("from a bot", facts(author_is_bot=True, mentions=(BOT,)), False),
    ("from itself", facts(author_id=BOT, mentions=(BOT,)), False),
    (
        "thread the bot opened",
        facts(channel_kind="thread", channel_id=THREAD, parent_id=GENERAL, thread_owner_id=BOT),
        True,
    ),
    (
        "someone else's thread in a normal channel",
        facts(channel_kind="thread", channel_id=THREAD, parent_id=GENERAL, thread_owner_id=USER),
        False,
    ),
    (
        "thread in a support channel",
        facts(channel_kind="thread", channel_id=THREAD, parent_id=SUPPORT, thread_owner_id=OTHER),
        True,
    ),
    (
        "forum post starter",
        facts(
            id=THREAD,
            channel_kind="forum_post",
            channel_id=THREAD,
            parent_id=FORUM,
            thread_owner_id=USER,
        ),
        True,
    ),
    (
        "poster's follow-up in a support forum",
        facts(channel_kind="forum_post", channel_id=THREAD, parent_id=FORUM, thread_owner_id=USER),
        True,
    ),
    (
        "another member in someone's forum post",
        facts(channel_kind="forum_post", channel_id=THREAD, parent_id=FORUM, thread_owner_id=OTHER),
        False,
    ),
    (
        "post in a forum that is not a support channel",
        facts(
            id=THREAD,
            channel_kind="forum_post",
            channel_id=THREAD,
            parent_id=999,
            thread_owner_id=USER,
        ),
        False,
    ),
    ("voice text or other channels", facts(channel_kind="other"), False),
]


@pytest.mark.parametrize(("name", "message", "expected"), ADDRESSED, ids=[a[0] for a in ADDRESSED])
def test_is_addressed(name: str, message: MessageFacts, expected: bool) -> None:
    """Which messages the bot answers."""
    assert is_addressed(message, SUPPORT_CHANNELS) is expected
    assert (to_incoming(message, SUPPORT_CHANNELS) is None) is not expected


def test_text_channel_message_gets_a_thread_named_by_its_id() -> None:
    """In a text channel the reply goes to a new thread whose id is the message's id."""
    message = facts(mentions=(BOT,), content=f"<@{BOT}> how do I update zerotier")
    assert reply_place(message) == "new_thread"
    incoming = to_incoming(message, SUPPORT_CHANNELS)
    assert incoming is not None
    assert (incoming.text, incoming.conversation) == ("how do I update zerotier", "discord:1:999")
    assert (incoming.workspace, incoming.channel, incoming.thread) == ("1", "100", "999")
    assert (incoming.platform, incoming.user, incoming.event_id) == ("discord", "20", "999")
    fallback = in_channel(incoming)
    assert (fallback.conversation, fallback.thread) == ("discord:1:100", None)


def test_thread_and_dm_keys() -> None:
    """Threads and forum posts are their own conversation; a DM is the user's."""
    in_thread = to_incoming(
        facts(channel_kind="thread", channel_id=THREAD, parent_id=GENERAL, thread_owner_id=BOT),
        SUPPORT_CHANNELS,
    )
    assert in_thread is not None
    assert (in_thread.conversation, in_thread.channel, in_thread.thread) == (
        "discord:1:400",
        "100",
        "400",
    )
    dm = to_incoming(facts(guild_id=None, channel_kind="dm", channel_id=5), SUPPORT_CHANNELS)
    assert dm is not None
    assert (dm.conversation, dm.workspace, dm.thread) == ("discord:dm:20", None, None)
    assert reply_place(facts(channel_kind="dm")) == "here"


def test_bare_mention_asks_for_help_and_attachments_pass_through() -> None:
    """A mention alone shows the help; attached files reach the core untouched."""
    bare = to_incoming(facts(content=f"<@!{BOT}>", mentions=(BOT,)), SUPPORT_CHANNELS)
    assert bare is not None and bare.text == "help"
    files = (Attachment("out.log", "200 info ..."),)
    with_file = to_incoming(
        facts(content=f"<@{BOT}>", mentions=(BOT,), attachments=files), SUPPORT_CHANNELS
    )
    assert with_file is not None and (with_file.text, with_file.attachments) == ("", files)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"<@{BOT}> hi", "hi"),
        (f"<@!{BOT}> hi <@{OTHER}>", f"hi <@{OTHER}>"),
        (f"hey <@{BOT}>, ping fails", "hey , ping fails"),
        ("no mention", "no mention"),
        (f"<@<@{BOT}>{BOT}> x", "x"),
    ],
)
def test_strip_mentions(text: str, expected: str) -> None:
    """Only the bot's own mentions are removed."""
    assert strip_mentions(text, BOT) == expected


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("out.log", 10, True),
        ("PEERS.TXT", 10, True),
        ("out.log", 1001, False),
        ("out.log", 0, False),
        ("photo.png", 10, False),
        ("notes.txt.exe", 10, False),
    ],
)
def test_wants_attachment(name: str, size: int, expected: bool) -> None:
    """Only .txt / .log files within the size limit are fetched."""
    assert wants_attachment(name, size, 1000) is expected


def test_thread_name_masks_secrets_and_skips_pastes() -> None:
    """Thread titles never show a pasted secret or a code block."""
    assert thread_name("```\n200 info\n```\nwhy offline?") == "why offline?"
    assert "abcdefghijklmnopqrstuv12" not in thread_name(
        "authtoken.secret: abcdefghijklmnopqrstuv12"
    )
    assert thread_name("   ") == "ZeroTier help"


@given(st.text())
def test_thread_name_always_fits(text: str) -> None:
    """Any text gives a non-empty thread name within Discord's 100 characters."""
    name = thread_name(text)
    assert 0 < len(name) <= THREAD_NAME_MAX
    assert "\n" not in name


def test_jump_url() -> None:
    """Links to a thread, a message, and a DM."""
    assert jump_url(1, 2) == "https://discord.com/channels/1/2"
    assert jump_url(1, 2, 3) == "https://discord.com/channels/1/2/3"
    assert jump_url(None, 2) == "https://discord.com/channels/@me/2"


@given(st.text(), st.integers(min_value=1, max_value=10**19).filter(lambda i: i != USER))
@example("", USER + 1)
def test_bot_mentions_never_reach_the_core(text: str, bot_id: int) -> None:
    """Whatever surrounds them, the bot's own mentions are gone from the text (the bot is never
    the author: its own messages are dropped before this)."""
    message = facts(content=f"<@{bot_id}>{text}<@!{bot_id}>", bot_id=bot_id, mentions=(bot_id,))
    incoming = to_incoming(message, SUPPORT_CHANNELS)
    assert incoming is not None
    assert f"<@{bot_id}>" not in incoming.text and f"<@!{bot_id}>" not in incoming.text
