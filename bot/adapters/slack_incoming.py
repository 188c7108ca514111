"""Slack events in, `Incoming` out: pure helpers with no I/O (the Bolt wiring is in slack_app)."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.core.models import Attachment, Incoming

PLATFORM: Final = "slack"
DIAGNOSE_CALLBACK: Final = "zt_diagnose"  # the message shortcut's callback_id (the manifest's)

# Message subtypes that are a person writing; every other subtype (edits, joins, bot posts,
# deletions) is ignored.
_USER_SUBTYPES: Final = frozenset({"", "file_share", "thread_broadcast"})
_MENTION: Final = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK: Final = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_CHANNEL: Final = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL: Final = re.compile(r"<!(\w+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_FENCE: Final = re.compile(r"```(.*?)```", re.DOTALL)
_TEXT_EXTENSIONS: Final = (".txt", ".log", ".text", ".out", ".json", ".conf")
_TEXT_FILETYPES: Final = frozenset({"text", "log", "json", "shell", "bash", "powershell"})
# A paste this long (or any code block / file) gets the "working on it" reaction.
_LONG_PASTE_LINES: Final = 8
_LONG_PASTE_CHARS: Final = 600


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file shared in a message that might hold pasted command output."""

    id: str
    name: str
    size: int | None
    url: str | None
    needs_info: bool  # Slack sent a stub: ask files.info for the URL and size
    mimetype: str = ""  # "text/plain" for text snippets and text file types, else Slack's


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is in this workspace (from auth.test), to ignore its own messages."""

    user_id: str | None = None
    bot_id: str | None = None


def conversation_key(team: str, channel: str, thread: str | None, *, is_dm: bool = False) -> str:
    """The service's context key: one per thread in channels, one per DM channel."""
    if is_dm:
        return f"{PLATFORM}:{team}:{channel}"
    return f"{PLATFORM}:{team}:{channel}:{thread or ''}"


def is_dm(event: Mapping[str, Any]) -> bool:
    """True for a direct message to the bot."""
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def is_from_bot(event: Mapping[str, Any], me: BotIdentity) -> bool:
    """True for messages written by this bot or any other bot (never answered)."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message":
        return True
    user = event.get("user")
    return user is None or (me.user_id is not None and user == me.user_id)


def mentions(text: str, user_id: str | None) -> bool:
    """True when `text` mentions `user_id`."""
    return user_id is not None and any(m == user_id for m in _MENTION.findall(text))


def to_plain_text(text: str, user_id: str | None = None) -> str:
    """Slack's message markup as the user typed it: mention of the bot removed, links
    unwrapped, &amp; &lt; &gt; decoded (pasted `<ztaddr>` headers arrive escaped)."""
    if user_id is not None:
        text = re.sub(rf"<@{re.escape(user_id)}(?:\|[^>]*)?>[,:]?\s?", "", text)
    text = _MENTION.sub(lambda m: f"@{m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:"), text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _SPECIAL.sub(lambda m: m.group(2) or f"@{m.group(1)}", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()


def code_blocks(text: str) -> list[str]:
    """The contents of the ``` fenced blocks in a message (Slack has no language tags)."""
    return [m.group(1).strip("\n") for m in _FENCE.finditer(text)]


def is_long_paste(text: str, files: int = 0) -> bool:
    """True when the message carries enough output that the user should see we're working."""
    return (
        files > 0
        or bool(code_blocks(text))
        or text.count("\n") >= _LONG_PASTE_LINES
        or len(text) >= _LONG_PASTE_CHARS
    )


def text_files(event: Mapping[str, Any]) -> list[FileRef]:
    """Files in a message that may hold command output: .txt/.log, text snippets, screenshots."""
    refs: list[FileRef] = []
    for raw in event.get("files") or ():
        if not isinstance(raw, Mapping) or not raw.get("id"):
            continue
        stub = raw.get("file_access") == "check_file_info"
        name = str(raw.get("name") or raw.get("title") or raw["id"])
        if not stub and not is_text_file(raw) and not is_image_file(raw):
            continue
        size = raw.get("size")
        refs.append(
            FileRef(
                id=str(raw["id"]),
                name=name,
                size=int(size) if isinstance(size, int) else None,
                url=raw.get("url_private_download") or raw.get("url_private"),
                needs_info=stub or not raw.get("url_private"),
                mimetype=_mimetype(raw),
            )
        )
    return refs


def is_text_file(file: Mapping[str, Any]) -> bool:
    """True for plain-text uploads and snippets; binaries and images are not read."""
    name = str(file.get("name") or "").lower()
    mimetype = str(file.get("mimetype") or "")
    return (
        file.get("mode") == "snippet"
        or name.endswith(_TEXT_EXTENSIONS)
        or str(file.get("filetype") or "") in _TEXT_FILETYPES
        or mimetype.startswith("text/")
    )


def is_image_file(file: Mapping[str, Any]) -> bool:
    """True for image uploads (screenshots of a terminal), read with OCR."""
    return str(file.get("mimetype") or "").startswith("image/")


def _mimetype(file: Mapping[str, Any]) -> str:
    return "text/plain" if is_text_file(file) else str(file.get("mimetype") or "")


def file_ref(info: Mapping[str, Any]) -> FileRef | None:
    """A `files.info` result's file as a FileRef, or None when it is neither text nor image."""
    if not info.get("id") or not (is_text_file(info) or is_image_file(info)):
        return None
    size = info.get("size")
    return FileRef(
        id=str(info["id"]),
        name=str(info.get("name") or info.get("title") or info["id"]),
        size=int(size) if isinstance(size, int) else None,
        url=info.get("url_private_download") or info.get("url_private"),
        needs_info=False,
        mimetype=_mimetype(info),
    )


def thread_of(event: Mapping[str, Any]) -> str:
    """The thread a reply belongs in: the event's thread, or a new one under the message."""
    return str(event.get("thread_ts") or event.get("ts") or "")


def reply_thread(event: Mapping[str, Any]) -> str:
    """Where the bot's reply goes: in DMs right there (inline, unless the user wrote in a
    thread); elsewhere in the message's thread (a new one under a top-level message)."""
    if is_dm(event) and not event.get("thread_ts"):
        return ""
    return thread_of(event)


def should_answer(
    event: Mapping[str, Any],
    *,
    me: BotIdentity,
    support_channels: Container[str],
    bot_threads: Container[tuple[str, str]],
) -> bool:
    """Whether a `message` or `app_mention` event is addressed to the bot.

    Mentions always are; DMs always are; in channels, new messages in the configured support
    channels, and replies in threads the bot already answers in (people helping each other in
    another thread are left alone). A channel message that mentions the bot is skipped here
    because Slack also sends it as an `app_mention`.
    """
    if event.get("type") not in {"message", "app_mention"}:
        return False
    if str(event.get("subtype") or "") not in _USER_SUBTYPES or is_from_bot(event, me):
        return False
    if event.get("type") == "app_mention":
        return True
    if is_dm(event):
        return True
    if mentions(str(event.get("text") or ""), me.user_id):
        return False
    channel = str(event.get("channel") or "")
    thread = event.get("thread_ts")
    if thread is None or thread == event.get("ts"):
        return channel in support_channels
    return (channel, str(thread)) in bot_threads


def to_incoming(
    event: Mapping[str, Any],
    *,
    team: str,
    event_id: str | None,
    me: BotIdentity,
    attachments: Iterable[Attachment] = (),
    files: int = 0,
) -> Incoming | None:
    """The `Incoming` for a user's message event, or None when there is nothing to answer
    (`files`: how many uploads were fetched for the front desk to read)."""
    channel = str(event.get("channel") or "")
    user = str(event.get("user") or "")
    if not channel or not user:
        return None
    given = tuple(attachments)
    text = to_plain_text(str(event.get("text") or ""), me.user_id)
    if not text and not given and not files:
        if event.get("type") != "app_mention":
            return None
        text = "help"  # a bare "@ztbot" asks what the bot can do
    thread = thread_of(event)
    dm = is_dm(event)
    return Incoming(
        text=text,
        platform=PLATFORM,
        user=user,
        conversation=conversation_key(team, channel, thread, is_dm=dm),
        attachments=given,
        event_id=event_id,
        workspace=team or None,
        channel=channel,
        thread=thread or None,
    )


def team_of(body: Mapping[str, Any]) -> str:
    """The workspace id of an Events API / interactivity / slash command payload."""
    team = body.get("team_id") or body.get("team")
    if isinstance(team, Mapping):
        team = team.get("id")
    return str(team or "")


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed `/zt ...` slash command."""

    kind: str  # "ask", "help", "admin", "topic"
    text: str  # the question, or the admin command ("reload", "report 7d")
    private: bool = False  # `/zt -p ...`: answer the asker only, with "Share in channel"


_PRIVATE_FLAGS: Final = frozenset({"-p", "--private"})


def parse_command(text: str) -> Command:
    """`/zt help`, `/zt admin report 7d`, `/zt -p <question>` (a private answer), anything
    else is a question (empty: help)."""
    words = text.strip()
    head, _, rest = words.partition(" ")
    private = head.lower() in _PRIVATE_FLAGS
    if private:
        words = rest.strip()
        head, _, rest = words.partition(" ")
    if not words or head.lower() in {"help", "-h", "--help", "?"}:
        return Command("help", "")
    if head.lower() == "admin":
        return Command("admin", rest.strip())
    if head.lower() in {"topic", "topics"}:
        return Command("topic", to_plain_text(rest))
    return Command("ask", to_plain_text(words), private=private)


def action_value(body: Mapping[str, Any]) -> str:
    """The `value` of the first action in a block_actions payload (a menu's chosen option)."""
    actions = body.get("actions") or [{}]
    selected = actions[0].get("selected_option") or {}
    return str(actions[0].get("value") or selected.get("value") or "")


def action_place(body: Mapping[str, Any]) -> tuple[str, str, str]:
    """(channel, thread_ts, message_ts) of the message whose button was pressed."""
    channel = body.get("channel") or {}
    message = body.get("message") or {}
    container = body.get("container") or {}
    channel_id = str(channel.get("id") or container.get("channel_id") or "")
    ts = str(message.get("ts") or container.get("message_ts") or "")
    thread = str(message.get("thread_ts") or container.get("thread_ts") or ts)
    return channel_id, thread, ts


def edited_message(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The new version of a message from a `message_changed` event, as a `message` event in
    its channel; None when there is none (an unfurl or a deletion arrives like an edit)."""
    inner = event.get("message")
    if not isinstance(inner, Mapping) or not inner.get("ts") or not inner.get("edited"):
        return None
    message = dict(inner)
    message["type"] = "message"
    message["channel"] = str(event.get("channel") or "")
    message["channel_type"] = event.get("channel_type")
    message.pop("subtype", None)
    return message


def shortcut_message(body: Mapping[str, Any]) -> dict[str, Any]:
    """The chosen message of a message shortcut, as a `message` event in its channel."""
    message = dict(body.get("message") or {})
    channel = body.get("channel") or {}
    message["channel"] = str(channel.get("id") or "")
    message["type"] = "message"
    if not message.get("user"):
        message["user"] = str(message.get("bot_id") or "")
    return message


def shortcut_incoming(
    body: Mapping[str, Any], *, me: BotIdentity, attachments: Iterable[Attachment] = ()
) -> Incoming | None:
    """The chosen message of a "Diagnose with ztbot" shortcut, as if its author had asked;
    None when Slack left out where it is. The event id names the message, not the click."""
    event = shortcut_message(body)
    channel = str(event.get("channel") or "")
    ts = str(event.get("ts") or "")
    if not channel or not ts:
        return None
    team = team_of(body)
    thread = thread_of(event)
    return Incoming(
        text=to_plain_text(str(event.get("text") or ""), me.user_id),
        platform=PLATFORM,
        user=str(event.get("user") or ""),
        conversation=conversation_key(team, channel, thread, is_dm=is_dm(event)),
        attachments=tuple(attachments),
        event_id=f"diagnose:{team}:{channel}:{ts}",
        workspace=team or None,
        channel=channel,
        thread=thread or None,
    )
