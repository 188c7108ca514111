"""Discord messages to `Incoming`: who is addressed, where to reply, the conversation key.

Pure functions over `MessageFacts`, the few facts of a `discord.Message` the bot needs, so the
rules can be tested without the SDK (the client module reads the facts off discord.py objects).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Final, Literal

from bot.base.secrets import mask_secrets
from bot.core.models import Attachment, Incoming

ChannelKind = Literal["dm", "text", "thread", "forum_post", "other"]
ReplyPlace = Literal["here", "new_thread"]

PLATFORM: Final = "discord"
TEXT_SUFFIXES: Final = frozenset({".txt", ".log"})
THREAD_NAME_MAX: Final = 100  # Discord's limit for a thread name
_MENTION: Final = re.compile(r"<@!?(\d+)>")


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the bot needs to know about one Discord message."""

    id: int
    content: str
    author_id: int
    author_is_bot: bool
    bot_id: int
    guild_id: int | None
    channel_id: int  # the thread's id for messages in a thread or forum post
    channel_kind: ChannelKind
    parent_id: int | None = None  # the text or forum channel a thread belongs to
    thread_owner_id: int | None = None  # who started the thread (the poster, for forum posts)
    mentions: tuple[int, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    files: int = 0  # uploads fetched for the front desk to read (text files, screenshots)


def dm_key(user_id: int) -> str:
    """The conversation key of a direct-message conversation."""
    return f"{PLATFORM}:dm:{user_id}"


def channel_key(guild_id: int | None, channel_id: int, user_id: int) -> str:
    """The conversation key of a guild channel or thread (a DM when there is no guild)."""
    if guild_id is None:
        return dm_key(user_id)
    return f"{PLATFORM}:{guild_id}:{channel_id}"


def private_key(guild_id: int | None, channel_id: int, user_id: int) -> str:
    """The conversation key of one user's private questions in a channel (or DM)."""
    return f"{channel_key(guild_id, channel_id, user_id)}:private:{user_id}"


def strip_mentions(text: str, bot_id: int) -> str:
    """`text` without mentions of the bot (other mentions stay), whitespace tidied at the ends."""
    while True:  # until stable: removing one mention must not leave a new one behind
        stripped = _MENTION.sub(lambda m: "" if int(m.group(1)) == bot_id else m.group(0), text)
        if stripped == text:
            return text.strip()
        text = stripped


def is_addressed(facts: MessageFacts, support_channels: frozenset[str]) -> bool:
    """True when the bot should answer this message.

    DMs and mentions always; every message in a support text channel (and its threads); the
    first message of a post in a support forum and the poster's follow-ups there; and every
    message in a thread the bot started for a conversation.
    """
    if facts.author_is_bot or facts.author_id == facts.bot_id:
        return False
    if facts.channel_kind == "dm" or facts.bot_id in facts.mentions:
        return True
    if facts.channel_kind == "text":
        return str(facts.channel_id) in support_channels
    if facts.channel_kind in ("thread", "forum_post"):
        if facts.thread_owner_id == facts.bot_id:
            return True
        if str(facts.parent_id) not in support_channels:
            return False
        if facts.channel_kind == "thread":
            return True
        # A forum post: its starter message (same id as the post) and the poster's follow-ups.
        return facts.id == facts.channel_id or facts.author_id == facts.thread_owner_id
    return False


def reply_place(facts: MessageFacts) -> ReplyPlace:
    """Where the reply goes: a new thread from a text-channel message, else where it was said."""
    return "new_thread" if facts.channel_kind == "text" else "here"


def to_incoming(facts: MessageFacts, support_channels: frozenset[str]) -> Incoming | None:
    """The `Incoming` for a message the bot should answer, else None.

    A message in a text channel gets its own thread, whose id Discord makes equal to the
    message's id, so the conversation key names that thread before it exists.
    """
    if not is_addressed(facts, support_channels):
        return None
    text = strip_mentions(facts.content, facts.bot_id)
    if not text and not facts.attachments and not facts.files:
        text = "help"  # a bare mention: show what the bot can do
    return _incoming(facts, text)


def chosen_incoming(facts: MessageFacts) -> Incoming:
    """A message someone chose "Diagnose with ztbot" on, as if its author had asked. The event
    id names the message, so it is diagnosed once however many people choose it."""
    incoming = _incoming(facts, strip_mentions(facts.content, facts.bot_id))
    return replace(incoming, event_id=f"diagnose:{facts.id}")


def _incoming(facts: MessageFacts, text: str) -> Incoming:
    thread: int | None
    if facts.channel_kind == "dm":
        channel, thread = facts.channel_id, None
    elif reply_place(facts) == "new_thread":
        channel, thread = facts.channel_id, facts.id
    else:
        channel, thread = facts.parent_id or facts.channel_id, facts.channel_id
    return Incoming(
        text=text,
        platform=PLATFORM,
        user=str(facts.author_id),
        conversation=channel_key(facts.guild_id, thread or channel, facts.author_id),
        attachments=facts.attachments,
        event_id=str(facts.id),
        workspace=str(facts.guild_id) if facts.guild_id is not None else None,
        channel=str(channel),
        thread=str(thread) if thread is not None else None,
    )


def in_channel(incoming: Incoming) -> Incoming:
    """`incoming` answered in its channel (when a thread could not be created)."""
    assert incoming.channel is not None
    key = f"{PLATFORM}:{incoming.workspace}:{incoming.channel}"
    return replace(incoming, conversation=key, thread=None)


def wants_attachment(filename: str, size: int, limit: int) -> bool:
    """True for a `.txt` / `.log` file no larger than `limit` bytes."""
    return PurePosixPath(filename.lower()).suffix in TEXT_SUFFIXES and 0 < size <= limit


def is_text_file(filename: str) -> bool:
    """True for the file types read as pasted output (`.txt`, `.log`)."""
    return PurePosixPath(filename.lower()).suffix in TEXT_SUFFIXES


def thread_name(text: str, fallback: str = "ZeroTier help") -> str:
    """A thread title from the question: first line, secrets masked, within Discord's limit."""
    cleaned = re.sub(r"```.*?(?:```|$)", " ", text, flags=re.DOTALL)
    first = next((line.strip() for line in cleaned.splitlines() if line.strip()), "")
    name = " ".join(mask_secrets(first).split()) or fallback
    return name if len(name) <= THREAD_NAME_MAX else name[: THREAD_NAME_MAX - 1] + "…"


def jump_url(guild_id: int | None, channel_id: int, message_id: int | None = None) -> str:
    """A link that opens the channel, thread or message in Discord."""
    where = f"https://discord.com/channels/{guild_id if guild_id is not None else '@me'}"
    where += f"/{channel_id}"
    return where if message_id is None else f"{where}/{message_id}"
