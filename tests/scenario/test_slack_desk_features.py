"""Slack desk features end to end: signed requests into the real Bolt app in HTTP mode, the Web
API played by the loopback stand-in, which refuses blocks slack_sdk's models find invalid."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.slack_api import TEAM, FakeFile
from tests.scenario.test_slack_http import all_text, api, make_bot, mention

__all__ = ["api", "make_bot"]  # the fixtures, shared with test_slack_http

PEERS = (
    "200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n"
    "0123456789 1.14.1 LEAF      12 RELAY    -1       -1       -\n"
)


def shortcut(message: dict[str, Any], *, by: str = "U0MOD", channel: str = "C0GENERAL") -> dict:
    """A message_action payload: `by` chose "Diagnose with ztbot" on `message`."""
    return {
        "type": "message_action",
        "token": "legacy",
        "action_ts": "1700000500.000001",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": by, "name": "mod"},
        "channel": {"id": channel, "name": "general"},
        "callback_id": "zt_diagnose",
        "trigger_id": "1.2.3",
        "message_ts": message["ts"],
        "message": message,
        "response_url": "",
    }


def solved_click(turn: str, user: str, thread: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "channel": {"id": "C0GENERAL"},
        "container": {"type": "message", "message_ts": "1700000499.000001"},
        "message": {"ts": "1700000499.000001", "thread_ts": thread, "text": "a", "blocks": []},
        "actions": [{"action_id": "zt_solved", "value": turn, "type": "button"}],
    }


def user_message(text: str, ts: str = "1700000400.000100", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": "U0ALICE", "text": text, "ts": ts, **extra}


async def test_diagnose_shortcut_answers_the_chosen_message_in_its_thread(make_bot, api):
    """A moderator's shortcut on Alice's message with a .log file: the file is read, the
    diagnosis goes in the message's thread, the moderator is told privately, and Alice (the
    asker) may press Solved. Choosing it again does not answer twice."""
    bot = await make_bot()
    file = api.add_file(FakeFile("F0PEERS", "peers.log", PEERS.encode()))
    payload = shortcut(user_message("my peer is slow, see file", files=[file]))
    payload["response_url"] = api.response_url("sc")
    await bot.action(payload)
    await bot.settle()
    (post,) = api.of("chat.postMessage")
    assert post.args["channel"] == "C0GENERAL"
    assert post.args["thread_ts"] == "1700000400.000100"
    assert "0123456789" in all_text(post.args["blocks"])
    assert [g.args["id"] for g in api.of("GET file")] == ["F0PEERS"]
    (note,) = api.of("response_url:sc")
    assert note.args["response_type"] == "ephemeral"
    assert "answered that message in its thread" in all_text(note.args["blocks"])
    assert api.rejected == []
    turn = next(
        e["value"]
        for b in post.args["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "zt_solved"
    )
    await bot.action(solved_click(turn, "U0MOD", post.args["thread_ts"]))
    await bot.action(solved_click(turn, "U0ALICE", post.args["thread_ts"]))
    await bot.settle()
    ephemeral = api.of("chat.postEphemeral")
    assert [c.args["user"] for c in ephemeral] == ["U0MOD"]  # not the moderator's to judge
    assert any("Glad that helped" in str(c.args.get("text")) for c in api.of("chat.postMessage"))

    posts = len(api.of("chat.postMessage"))
    again = shortcut(user_message("my peer is slow, see file", files=[file]), by="U0OTHER")
    again["response_url"] = api.response_url("again")
    await bot.action(again)
    await bot.settle()
    assert len(api.of("chat.postMessage")) == posts
    (told,) = api.of("response_url:again")
    assert "already diagnosed" in all_text(told.args["blocks"])


async def test_diagnose_shortcut_on_a_thread_reply_answers_in_that_thread(make_bot, api):
    """A message inside a thread is answered in the same thread, not a new one."""
    bot = await make_bot()
    reply = user_message(
        "how do I update zerotier", ts="1700000401.000200", thread_ts="1700000300.000100"
    )
    await bot.action(shortcut(reply))
    await bot.settle()
    (post,) = api.of("chat.postMessage")
    assert post.args["thread_ts"] == "1700000300.000100"
    assert api.rejected == []


async def test_diagnose_shortcut_on_an_empty_message_or_where_the_app_cannot_post(make_bot, api):
    """Nothing to read: the person is told so and nothing is posted. A channel the app is not
    in: they are told to invite it."""
    bot = await make_bot()
    empty = shortcut(user_message(""))
    empty["response_url"] = api.response_url("empty")
    await bot.action(empty)
    await bot.settle()
    assert api.of("chat.postMessage") == []
    (note,) = api.of("response_url:empty")
    assert "no text or readable files" in all_text(note.args["blocks"])

    api.fail("chat.postMessage", "not_in_channel")
    closed = shortcut(user_message("ping doesn't work on windows", ts="1700000402.000300"))
    closed["response_url"] = api.response_url("closed")
    await bot.action(closed)
    await bot.settle()
    (note,) = api.of("response_url:closed")
    assert "/invite @ztbot" in all_text(note.args["blocks"])


async def test_a_mention_still_answers_after_the_shortcut_was_added(make_bot, api):
    """The shortcut listener takes only its own callback id; events are untouched."""
    bot = await make_bot()
    await bot.event(mention("how do I update zerotier"), "Ev1")
    await bot.settle()
    assert len(api.of("chat.postMessage")) == 1
    assert json.dumps(api.rejected) == "[]"


def dm(text: str, ts: str, channel: str = "D0BOB", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": "U0BOB",
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


async def test_direct_messages_are_answered_inline_as_one_conversation(make_bot, api):
    """Two DMs: both answered right there (no thread per message), the second with the first's
    context; Not helpful on the answer offers the next topics inline too."""
    bot = await make_bot()
    await bot.event(dm("ping doesn't work on windows", "1700000600.000100"), "EvDm1")
    await bot.event(dm("still not working", "1700000601.000100"), "EvDm2")
    await bot.settle()
    posts = api.of("chat.postMessage")
    assert len(posts) == 2
    assert all("thread_ts" not in p.args for p in posts)
    assert api.rejected == []
    (conversations,) = bot.rows("SELECT count(DISTINCT conversation_id) FROM turns")
    assert conversations == (1,)


async def test_not_helpful_in_a_dm_answers_inline(make_bot, api):
    """A button on an inline DM answer: what it brings comes inline as well."""
    bot = await make_bot()
    await bot.event(dm("ping doesn't work on windows", "1700000600.000100"), "EvDm1")
    await bot.settle()
    (post,) = api.of("chat.postMessage")
    turn = next(
        e["value"]
        for b in post.args["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "zt_not_helpful"
    )
    ts = post.response["ts"]
    await bot.action(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": "U0BOB"},
            "channel": {"id": "D0BOB"},
            "container": {"type": "message", "message_ts": ts, "channel_id": "D0BOB"},
            "message": {"ts": ts, "text": "answer", "blocks": post.args["blocks"]},
            "actions": [{"action_id": "zt_not_helpful", "value": turn, "type": "button"}],
        }
    )
    await bot.settle()
    offer = api.of("chat.postMessage")[-1]
    assert "Could it be one of these instead?" in all_text(offer.args["blocks"])
    assert "thread_ts" not in offer.args
    assert api.rejected == []


async def test_group_dm_mention_and_its_thread_follow_up(make_bot, api):
    """A group DM (message.mpim): a mention is answered in a thread, and a follow-up in that
    thread (a message event, no mention) is answered there with the conversation's context."""
    bot = await make_bot()
    first = mention("ping doesn't work on windows", ts="1700000700.000100", channel="G0GROUP")
    await bot.event(first, "EvG1")
    await bot.settle()
    follow = {
        "type": "message",
        "channel_type": "mpim",
        "user": "U0ALICE",
        "text": "still broken",
        "ts": "1700000701.000100",
        "thread_ts": "1700000700.000100",
        "channel": "G0GROUP",
        "event_ts": "1700000701.000100",
    }
    await bot.event(follow, "EvG2")
    chatter = {**follow, "ts": "1700000702.000100", "event_ts": "1700000702.000100"}
    chatter.pop("thread_ts")
    await bot.event(chatter, "EvG3")  # group chatter outside the bot's thread: left alone
    await bot.settle()
    posts = api.of("chat.postMessage")
    assert [(p.args["channel"], p.args["thread_ts"]) for p in posts] == [
        ("G0GROUP", "1700000700.000100"),
        ("G0GROUP", "1700000700.000100"),
    ]


def share_click(api: Any, turn: str, user: str, name: str) -> dict[str, Any]:
    """A click on "Share in channel" under a private (ephemeral) answer."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "channel": {"id": "C0SUPPORT"},
        "container": {
            "type": "message",
            "message_ts": "1700000800.000001",
            "channel_id": "C0SUPPORT",
            "is_ephemeral": True,
        },
        "response_url": api.response_url(name),
        "actions": [{"action_id": "zt_share", "value": turn, "type": "button"}],
    }


async def test_private_answer_can_be_shared_in_the_channel_by_the_asker(make_bot, api):
    """`/zt -p`: the answer only the asker sees, with Share in channel; nothing is posted.
    Someone else's click is refused; the asker's posts the question with the answer in its
    thread and removes the private copy; a second click has nothing left to share."""
    bot = await make_bot()
    await bot.command("-p how do I update zerotier")
    await bot.settle()
    assert api.of("chat.postMessage") == []
    (private,) = api.of("response_url:cmd")
    assert private.args["response_type"] == "ephemeral"
    blocks = private.args["blocks"]
    (share,) = [
        e for b in blocks for e in b.get("elements", []) if e.get("action_id") == "zt_share"
    ]
    assert share["text"]["text"] == ":mega: Share in channel"

    await bot.action(share_click(api, share["value"], "U0MALLORY", "other"))
    await bot.settle()
    (refused,) = api.of("response_url:other")
    assert "Only the person who asked" in all_text(refused.args["blocks"])
    assert api.of("chat.postMessage") == []

    await bot.action(share_click(api, share["value"], "U0ALICE", "mine"))
    await bot.settle()
    question, answer = api.of("chat.postMessage")
    assert question.args["text"] == "<@U0ALICE> asked: how do I update zerotier"
    assert answer.args["thread_ts"] == question.response["ts"]
    assert "Update" in all_text(answer.args["blocks"])
    (removed,) = api.of("response_url:mine")
    assert removed.args["delete_original"] in (True, "true")

    await bot.action(share_click(api, share["value"], "U0ALICE", "again"))
    await bot.settle()
    (gone,) = api.of("response_url:again")
    assert "no longer have that private answer" in all_text(gone.args["blocks"])
    assert api.rejected == []


async def test_a_plain_slash_question_is_still_public(make_bot, api):
    """Without -p the question and answer are public, and carry no Share button."""
    bot = await make_bot()
    await bot.command("how do I update zerotier")
    await bot.settle()
    _question, answer = api.of("chat.postMessage")
    assert "zt_share" not in all_text(answer.args["blocks"])


def _feedback_turn(call: Any) -> str:
    return next(
        e["value"]
        for b in call.args["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "zt_not_helpful"
    )


def _handover_click(action: str, post: Any, user: str) -> dict[str, Any]:
    """A support person's click on the hand-over post's Claim or Resolve."""
    ts = post.response["ts"]
    (key,) = {
        e["value"]
        for b in post.args["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") in ("zt_claim", "zt_resolve")
    }
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "channel": {"id": "C0ESCALATE"},
        "container": {"type": "message", "message_ts": ts, "channel_id": "C0ESCALATE"},
        "message": {"ts": ts, "text": post.args["text"], "blocks": post.args["blocks"]},
        "actions": [{"action_id": action, "value": key, "type": "button"}],
    }


async def _escalate(bot: Any, api: Any) -> Any:
    """Not helpful twice on a mention's answers: the hand-over post in C0ESCALATE."""
    await bot.event(mention("ping doesn't work on windows"), "EvH1")
    await bot.settle()
    for _ in range(2):
        last = api.of("chat.postMessage")[-1]
        ts = last.response["ts"]
        message = {"ts": ts, "thread_ts": last.args["thread_ts"], "text": "a", "blocks": []}
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": "U0ALICE"},
            "channel": {"id": "C0SUPPORT"},
            "container": {"type": "message", "message_ts": ts, "channel_id": "C0SUPPORT"},
            "message": message,
            "actions": [
                {"action_id": "zt_not_helpful", "value": _feedback_turn(last), "type": "button"}
            ],
        }
        await bot.action(payload)
        await bot.settle()
    (post,) = [c for c in api.of("chat.postMessage") if c.args["channel"] == "C0ESCALATE"]
    return post


async def test_hand_over_post_is_claimed_then_resolved_and_the_times_are_stored(make_bot, api):
    """The hand-over post carries Claim and Resolve; Claim shows who and when and leaves
    Resolve; a second person's Claim is refused privately; Resolve closes it. The conversation
    row records escalated, claimed (by whom, hashed) and resolved times, in that order."""
    bot = await make_bot()
    post = await _escalate(bot, api)
    buttons = [e["action_id"] for b in post.args["blocks"] for e in b.get("elements", [])]
    assert buttons[-2:] == ["zt_claim", "zt_resolve"]

    await bot.action(_handover_click("zt_claim", post, "U0HELPER"))
    await bot.settle()
    (update,) = api.of("chat.update")
    assert update.args["channel"] == "C0ESCALATE"
    assert update.args["ts"] == post.response["ts"]
    shown = all_text(update.args["blocks"])
    assert ":raised_hand: Claimed by <@U0HELPER> <!date^" in shown
    actions = [b for b in update.args["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for b in actions for e in b["elements"]] == ["zt_resolve"]

    await bot.action(_handover_click("zt_claim", post, "U0LATE"))
    await bot.settle()
    (refused,) = api.of("chat.postEphemeral")
    assert refused.args["user"] == "U0LATE"
    assert "already claimed" in refused.args["text"]

    await bot.action(_handover_click("zt_resolve", post, "U0HELPER"))
    await bot.settle()
    done = api.of("chat.update")[-1]
    assert ":white_check_mark: Resolved by <@U0HELPER>" in all_text(done.args["blocks"])
    assert not [b for b in done.args["blocks"] if b["type"] == "actions"]
    assert api.rejected == []

    [(escalated, claimed_at, by, resolved)] = bot.rows(
        "SELECT escalated_at, claimed_at, claimed_by, resolved_at FROM conversations "
        "WHERE escalated_at IS NOT NULL"
    )
    assert escalated <= claimed_at <= resolved
    assert by is not None and "U0HELPER" not in by


def changed(text: str, ts: str, *, channel: str = "C0SUPPORT", edited: str = "1") -> dict:
    """A message_changed event: the user edited message `ts` to `text`."""
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel": channel,
        "channel_type": "channel",
        "hidden": True,
        "ts": f"1700009999.00000{edited}",
        "event_ts": f"1700009999.00000{edited}",
        "message": {
            "type": "message",
            "user": "U0ALICE",
            "text": text,
            "ts": ts,
            "edited": {"user": "U0ALICE", "ts": f"1700009999.00000{edited}"},
        },
        "previous_message": {"type": "message", "user": "U0ALICE", "text": "old", "ts": ts},
    }


async def test_an_edited_question_updates_the_answer_in_place(make_bot, api):
    """A mention answered, then edited: the same answer message is updated with the answer to
    the new text (no second post); the same edit redelivered changes nothing more."""
    bot = await make_bot()
    await bot.event(mention("how do I uninstall zerotier"), "EvE1")
    await bot.settle()
    (answer,) = api.of("chat.postMessage")
    ts = "1700000000.000100"
    await bot.event(changed("<@UBOT> how do I update zerotier", ts), "EvE2")
    await bot.event(changed("<@UBOT> how do I update zerotier", ts), "EvE3")
    await bot.settle()
    assert len(api.of("chat.postMessage")) == 1
    (update,) = api.of("chat.update")
    assert update.args["channel"] == "C0SUPPORT"
    assert update.args["ts"] == answer.response["ts"]
    assert all_text(update.args["blocks"]) != all_text(answer.args["blocks"])
    assert "Update" in all_text(update.args["blocks"])
    assert api.rejected == []


async def test_edits_the_bot_did_not_answer_are_left_alone(make_bot, api):
    """An edit of a message the bot never answered, and an unfurl (no `edited`), do nothing."""
    bot = await make_bot()
    await bot.event(changed("how do I update zerotier", "1700000123.000100"), "EvE1")
    unfurl = changed("see https://example.com", "1700000124.000100")
    del unfurl["message"]["edited"]
    await bot.event(unfurl, "EvE2")
    await bot.settle()
    assert api.of("chat.postMessage") == [] and api.of("chat.update") == []


async def test_topic_menu_then_a_private_topic_answer(make_bot, api):
    """`/zt topic`: a menu of every FAQ topic (valid Block Kit), privately; picking one shows
    its answer privately with Share in channel. `/zt topic <words>` answers at once."""
    bot = await make_bot()
    await bot.command("topic")
    await bot.settle()
    (menu,) = api.of("response_url:cmd")
    [select] = [e for b in menu.args["blocks"] for e in b.get("elements", []) if "options" in e]
    assert select["type"] == "static_select" and select["action_id"] == "zt_topic"
    titles = {o["value"]: o["text"]["text"] for o in select["options"]}
    assert len(titles) == len(bot.service.knowledge.topics)
    topic = next(t for t, title in titles.items() if "Update" in title)
    pick = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE"},
        "channel": {"id": "C0SUPPORT"},
        "container": {
            "type": "message",
            "message_ts": "1700000900.000001",
            "channel_id": "C0SUPPORT",
            "is_ephemeral": True,
        },
        "response_url": api.response_url("pick"),
        "actions": [
            {
                "action_id": "zt_topic",
                "type": "static_select",
                "selected_option": {"value": topic, "text": {"type": "plain_text", "text": "x"}},
            }
        ],
    }
    await bot.action(pick)
    await bot.command("topic how do I update", user="U0BOB")
    await bot.settle()
    (picked,) = api.of("response_url:pick")
    assert titles[topic] in all_text(picked.args["blocks"])
    assert "zt_share" in all_text(picked.args["blocks"])
    direct = api.of("response_url:cmd")[-1]
    assert titles[topic] in all_text(direct.args["blocks"])
    assert api.of("chat.postMessage") == []
    assert api.rejected == []


async def test_app_home_shows_help_topics_and_the_users_recent_conversations(make_bot, api):
    """app_home_opened: views.publish for that user with a valid home view: how to ask, the
    topic menu, and their conversations (the escalated one marked). A topic picked there is
    answered in the app's messages with the user, with no Share button."""
    bot = await make_bot()
    await bot.event(mention("how do I update zerotier"), "EvA1")
    await bot.settle()
    bot.service.store.writer.flush()
    opened = {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home"}
    await bot.event(opened, "EvA2")
    await bot.event({**opened, "tab": "messages"}, "EvA3")  # the Messages tab: nothing to do
    await bot.settle()
    (publish,) = api.of("views.publish")
    assert publish.args["user_id"] == "U0ALICE"
    view = publish.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    shown = all_text(view["blocks"])
    assert "/zt topic" in shown and "Diagnose with ztbot" in shown
    assert "zt_topic" in shown
    assert "<#C0SUPPORT> · last message <!date^" in shown and ":speech_balloon: open" in shown
    assert api.rejected == []

    [select] = [e for b in view["blocks"] for e in b.get("elements", []) if "options" in e]
    topic = select["options"][0]["value"]
    await bot.action(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": "U0ALICE"},
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home"},
            "actions": [
                {
                    "action_id": "zt_topic",
                    "type": "static_select",
                    "selected_option": {
                        "value": topic,
                        "text": {"type": "plain_text", "text": "t"},
                    },
                }
            ],
        }
    )
    await bot.settle()
    answer = api.of("chat.postMessage")[-1]
    assert answer.args["channel"] == "U0ALICE"
    assert "zt_share" not in all_text(answer.args["blocks"])
    assert api.rejected == []


async def test_workspace_settings_set_by_an_admin_take_effect_and_are_audited(make_bot, api):
    """`/zt admin config`: a member is refused; an admin sees the defaults, sets a support
    channel by mention (then a plain message there is answered) and a rate limit of 1 (a second
    question is limited); every change is in the audit table, with who as a hash."""
    bot = await make_bot(slack_admin_users=("U0ADMIN",))

    async def said(text_: str, user: str = "U0ADMIN") -> str:
        await bot.command(text_, user=user)
        await bot.settle()
        return all_text(api.of("response_url:cmd")[-1].args["blocks"])

    assert "Only this workspace's admins" in await said("admin config show", "U0ALICE")
    shown = await said("admin config show")
    assert "escalation_channel`: `C0ESCALATE` (default)" in shown
    done = await said("admin config set support_channels <#C0NEW|new-help>")
    assert "support_channels`: default → C0NEW" in done
    assert "rate_limit`: default → 1" in await said("admin config set rate_limit 1")
    assert "whole number from 1 to 1000" in await said("admin config set rate_limit lots")
    assert "support_channels`: `C0NEW` (set here)" in await said("admin config show")

    plain = {
        "type": "message",
        "channel_type": "channel",
        "user": "U0BOB",
        "text": "how do I update zerotier",
        "ts": "1700001000.000100",
        "channel": "C0NEW",
    }
    await bot.event(plain, "EvW1")
    await bot.event({**plain, "ts": "1700001001.000100", "text": "ping fails"}, "EvW2")
    await bot.settle()
    (answer,) = api.of("chat.postMessage")
    assert answer.args["channel"] == "C0NEW"
    (limited,) = api.of("chat.postEphemeral")
    assert "faster than I can answer" in limited.args["text"]
    rows = bot.rows("SELECT name, old, new, by FROM config_changes ORDER BY id")
    assert [(n, o, v) for n, o, v, _by in rows] == [
        ("support_channels", None, "C0NEW"),
        ("rate_limit", None, "1"),
    ]
    assert all(by and "U0ADMIN" not in by for *_, by in rows)


async def test_status_lists_missing_scopes_and_channels_with_the_fix(make_bot, api, caplog):
    """A token without files:read and a support channel ztbot is not in: the start-up line
    names both; `/zt admin status` lists each with its fix (admins only)."""
    import logging

    caplog.set_level(logging.INFO, logger="bot.adapters.slack_app")
    api.scopes = "app_mentions:read,channels:history,channels:read,chat:write,commands"
    bot = await make_bot(
        slack_admin_users=("U0ADMIN",), slack_support_channels=("C0SUPPORT", "C0NEW")
    )
    [line] = [r.getMessage() for r in caplog.records if "set-up of workspace" in r.getMessage()]
    assert f"set-up of workspace {TEAM}:" in line and "files:read" in line and "C0NEW" in line
    await bot.command("admin status", user="U0ALICE")
    await bot.command("admin status", user="U0ADMIN")
    await bot.settle()
    said = [all_text(c.args["blocks"]) for c in api.of("response_url:cmd")]
    report = next(s for s in said if "ztbot lacks" in s)
    assert "`files:read` scope" in report and "reinstall it" in report
    missing = "channel C0NEW: membership (ztbot is not in the channel). Fix: `/invite @ztbot`"
    assert missing in report
    assert "C0SUPPORT" not in report and "C0ESCALATE" not in report
    assert any("only for the bot's admins" in s for s in said)
