"""Slack events -> Incoming: which messages are for the bot, and what text reaches the core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapters.slack_incoming import (
    BotIdentity,
    Command,
    FileRef,
    action_place,
    code_blocks,
    conversation_key,
    file_ref,
    is_long_paste,
    parse_command,
    should_answer,
    team_of,
    text_files,
    to_incoming,
    to_plain_text,
)
from bot.core.models import Attachment, Incoming

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
ME = BotIdentity(user_id="UBOT", bot_id="BBOT")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def msg(**fields) -> dict:
    base = {
        "type": "message",
        "channel_type": "channel",
        "user": "U1",
        "text": "ping fails",
        "ts": "1.1",
        "channel": "C1",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("event", "answer"),
    [
        (
            {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "ts": "1", "channel": "C9"},
            True,
        ),
        (msg(channel_type="im", channel="D1"), True),
        (msg(channel="C1"), False),  # not a support channel
        (msg(channel="CSUP"), True),  # a support channel
        (msg(channel="C1", thread_ts="0.5"), True),  # a thread the bot answers in
        (msg(channel="C1", thread_ts="0.9"), False),  # someone else's thread
        (msg(channel="CSUP", text="<@UBOT> ping fails"), False),  # comes as app_mention too
        (msg(channel_type="im", channel="D1", text="<@UBOT> hi"), True),  # no app_mention in DMs
        (msg(channel_type="im", channel="D1", user="UBOT"), False),  # itself
        (msg(channel_type="im", channel="D1", bot_id="B2"), False),  # another bot
        (fixture("message_from_bot.json"), False),
        (msg(channel_type="im", channel="D1", subtype="message_changed"), False),
        (msg(channel_type="im", channel="D1", subtype="channel_join"), False),
        (msg(channel_type="im", channel="D1", subtype="file_share"), True),
        (msg(channel="CSUP", thread_ts="0.9"), False),  # people talking in their own thread
        (msg(channel="CSUP", thread_ts="1.1"), True),  # a thread's parent message
        (msg(channel="C1", subtype="thread_broadcast", thread_ts="0.5"), True),
        (msg(channel_type="im", channel="D1", user=None), False),
        ({"type": "reaction_added", "user": "U1"}, False),
    ],
)
def test_should_answer(event, answer):
    """Mentions, DMs, support channels and the bot's threads; never bots or edits."""
    got = should_answer(event, me=ME, support_channels=("CSUP",), bot_threads={("C1", "0.5")})
    assert got is answer


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@UBOT> ping doesn't work", "ping doesn't work"),
        ("<@UBOT>: ping", "ping"),
        ("hey <@UBOT|ztbot>, ping", "hey ping"),
        ("ask <@U123> about it", "ask @U123 about it"),
        ("see <https://example.com|the docs>", "see the docs"),
        ("see <https://example.com>", "see https://example.com"),
        ("mail <mailto:a@b.c|a@b.c>", "mail a@b.c"),
        ("in <#C123|support>", "in #support"),
        ("<!here> help", "@here help"),
        ("&lt;ztaddr&gt; &amp;", "<ztaddr> &"),
    ],
)
def test_to_plain_text(raw, plain):
    """Slack markup is undone so the core sees what the user typed."""
    assert to_plain_text(raw, "UBOT") == plain


def test_to_incoming_for_a_mention_with_a_paste():
    """The fixture mention: team, channel, thread key, event id and the unescaped paste."""
    body = fixture("app_mention_relayed.json")
    got = to_incoming(body["event"], team="T0001", event_id="Ev0RELAYED1", me=ME)
    assert got is not None
    assert got.platform == "slack"
    assert got.user == "U0ALICE"
    assert got.conversation == "slack:T0001:C0SUPPORT:1700000000.000100"
    assert got.thread == "1700000000.000100"
    assert got.workspace == "T0001"
    assert got.event_id == "Ev0RELAYED1"
    assert got.text.startswith("why is it so slow between my nodes?\n```200 peers\n<ztaddr>")
    assert "<@UBOT>" not in got.text


def test_to_incoming_in_a_thread_and_in_a_dm():
    """Thread replies share the thread's key; a whole DM is one conversation."""
    thread = to_incoming(msg(thread_ts="0.5"), team="T", event_id=None, me=ME)
    assert thread == Incoming(
        text="ping fails",
        platform="slack",
        user="U1",
        conversation="slack:T:C1:0.5",
        event_id=None,
        workspace="T",
        channel="C1",
        thread="0.5",
    )
    dm = to_incoming(msg(channel_type="im", channel="D1"), team="T", event_id="E", me=ME)
    assert dm is not None
    assert dm.conversation == "slack:T:D1"
    assert dm.thread == "1.1"


def test_to_incoming_empty_and_file_only():
    """A bare mention asks for help; an empty message is nothing; a file alone is something."""
    bare = {"type": "app_mention", "user": "U1", "text": "<@UBOT>", "ts": "1", "channel": "C1"}
    got = to_incoming(bare, team="T", event_id=None, me=ME)
    assert got is not None
    assert got.text == "help"
    assert to_incoming(msg(text=""), team="T", event_id=None, me=ME) is None
    files = (Attachment("peers.log", "200 peers"),)
    only = to_incoming(msg(text=""), team="T", event_id=None, me=ME, attachments=files)
    assert only is not None
    assert only.attachments == files


def test_text_files_and_stubs():
    """Text uploads, snippets and screenshots are read (text typed as text), stubs need
    files.info, archives are not read."""
    event = {
        "files": [
            {"id": "F1", "name": "peers.log", "size": 10, "url_private": "http://x/F1"},
            {"id": "F2", "name": "shot.png", "mimetype": "image/png", "url_private": "http://x/F2"},
            {
                "id": "F3",
                "name": "Untitled",
                "mode": "snippet",
                "filetype": "text",
                "url_private": "http://x/F3",
                "url_private_download": "http://x/F3?dl",
            },
            {"id": "F4", "file_access": "check_file_info"},
            {"name": "no-id.txt"},
        ]
    }
    assert text_files(event) == [
        FileRef("F1", "peers.log", 10, "http://x/F1", False, "text/plain"),
        FileRef("F2", "shot.png", None, "http://x/F2", False, "image/png"),
        FileRef("F3", "Untitled", None, "http://x/F3?dl", False, "text/plain"),
        FileRef("F4", "F4", None, None, True),
    ]
    assert file_ref({"id": "F4", "name": "out.txt", "size": 3, "url_private": "u"}) == FileRef(
        "F4", "out.txt", 3, "u", False, "text/plain"
    )
    assert file_ref({"id": "F5", "name": "a.zip", "mimetype": "application/zip"}) is None


@pytest.mark.parametrize(
    ("text", "files", "long"),
    [
        ("ping doesn't work", 0, False),
        ("```200 info 1234567890 1.14.1 ONLINE```", 0, True),
        ("a\n" * 9, 0, True),
        ("x" * 700, 0, True),
        ("see file", 1, True),
    ],
)
def test_is_long_paste(text, files, long):
    """Pastes, long messages and files get the 👀 reaction."""
    assert is_long_paste(text, files) is long


def test_code_blocks():
    """Slack fences have no language tag and may start on the fence line."""
    assert code_blocks("look ```200 info``` and\n```\na\nb\n```") == ["200 info", "a\nb"]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Command("help", "")),
        ("help", Command("help", "")),
        ("HELP", Command("help", "")),
        ("admin reload", Command("admin", "reload")),
        ("admin report 7d", Command("admin", "report 7d")),
        ("ping doesn't work on windows", Command("ask", "ping doesn't work on windows")),
        ("why &lt;ztaddr&gt;", Command("ask", "why <ztaddr>")),
        ("-p ping fails", Command("ask", "ping fails", private=True)),
        ("--private  ping fails", Command("ask", "ping fails", private=True)),
        ("-p", Command("help", "")),
        ("-p help", Command("help", "")),
        ("private network is down", Command("ask", "private network is down")),
        ("topic", Command("topic", "")),
        ("topic  update zerotier", Command("topic", "update zerotier")),
    ],
)
def test_parse_command(text, command):
    """/zt help, /zt admin ..., anything else is a question."""
    assert parse_command(text) == command


def test_conversation_key_and_team_and_place():
    """Keys per thread, DMs per channel; team and button place from payloads."""
    assert conversation_key("T", "C", "1.2") == "slack:T:C:1.2"
    assert conversation_key("T", "D", "1.2", is_dm=True) == "slack:T:D"
    assert team_of({"team_id": "T1"}) == "T1"
    assert team_of({"team": {"id": "T2"}}) == "T2"
    action = fixture("block_actions_solved.json")
    assert action_place(action) == ("C0SUPPORT", "1700000000.000100", "1700000000.000500")
    del action["message"]["thread_ts"], action["container"]["thread_ts"]
    assert action_place(action) == ("C0SUPPORT", "1700000000.000500", "1700000000.000500")
