"""What the Discord front end does with discord.py objects: read attachments, remove a pasted
secret, mark a conversation resolved, post a hand-over. Each logs Discord's refusals in one line
and returns, so one missing permission never stops an answer."""

from __future__ import annotations

import logging
from typing import Any, Final

import discord

from bot.adapters.discord_embeds import clip, escalation_text, secret_warning
from bot.adapters.discord_incoming import jump_url
from bot.core.handover import escalation_markdown
from bot.runtime.frontdesk import MAX_FILES, HandOver, Upload, file_verdict

log = logging.getLogger(__name__)

Inter = discord.Interaction[Any]
USERS_ONLY: Final = discord.AllowedMentions(everyone=False, roles=False, users=True)


async def fetch_attachments(message: discord.Message, limit: int) -> tuple[list[Upload], list[str]]:
    """Download the attachments the front desk reads (text, screenshots); name those skipped."""
    files: list[Upload] = []
    skipped: list[str] = []
    for attachment in message.attachments[:MAX_FILES]:
        claimed = attachment.content_type or ""
        verdict = file_verdict(attachment.filename, attachment.size, limit, claimed)
        if verdict == "not_text":
            continue
        if verdict == "too_big":
            skipped.append(attachment.filename)
            continue
        try:
            data = await attachment.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log_http("fetching an attachment", exc)
            skipped.append(attachment.filename)
            continue
        files.append(Upload(attachment.filename, data[:limit], claimed))
    return files, skipped


async def answer_place(
    message: discord.Message, name: str
) -> tuple[discord.abc.Messageable, discord.Message | None]:
    """Where to answer about `message`, and what to reply to: in a text channel its thread
    (opened if need be); in a thread, a forum post or a DM right there, as a reply to it."""
    channel = message.channel
    if not isinstance(channel, discord.TextChannel):
        return channel, message
    if message.thread is not None:
        return message.thread, None
    try:
        return await message.create_thread(name=name, auto_archive_duration=1440), None
    except discord.HTTPException as exc:
        log_http("creating a thread", exc)
        return channel, message


async def remove_secret(message: discord.Message, target: discord.abc.Messageable) -> None:
    """Delete a message holding a secret when allowed, and tell the user to rotate it."""
    deleted = False
    guild = message.guild
    if guild is not None:
        me = guild.me
        allowed = me is None or message.channel.permissions_for(me).manage_messages
        if allowed:
            try:
                await message.delete()
                deleted = True
                log.info("discord: deleted message %s holding a secret", message.id)
            except discord.HTTPException as exc:
                log_http("deleting a message with a secret", exc)
    await target.send(secret_warning(str(message.author.id), deleted), allowed_mentions=USERS_ONLY)


async def mark_resolved(interaction: Inter, solved_tag: str, archive_after: int = 0) -> None:
    """The native "resolved": a forum tag, else a ✅ title. A solved thread or post is then
    archived by Discord once idle for `archive_after` minutes; with 0 a help thread is archived
    at once and a forum post stays open so others find it."""
    channel = interaction.channel
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        forum = isinstance(parent, discord.ForumChannel)
        idle: dict[str, Any] = {"auto_archive_duration": archive_after} if archive_after else {}
        if isinstance(parent, discord.ForumChannel):
            wanted = solved_tag.casefold()
            tag = next((t for t in parent.available_tags if t.name.casefold() == wanted), None)
            if tag is not None:
                if tag not in channel.applied_tags:
                    await channel.edit(
                        applied_tags=[*channel.applied_tags, tag], reason="ztbot: solved", **idle
                    )
                elif idle:
                    await channel.edit(reason="ztbot: solved", **idle)
                return
        name = channel.name if channel.name.startswith("✅") else clip(f"✅ {channel.name}", 100)
        archived = not forum and not archive_after
        await channel.edit(name=name, archived=archived, reason="ztbot: solved", **idle)
    elif interaction.message is not None:
        await interaction.message.add_reaction("✅")


async def post_handover(
    client: discord.Client,
    interaction: Inter,
    handover: HandOver,
    view: discord.ui.View | None = None,
) -> bool:
    """Post the hand-over summary where the support people are, `view` (its buttons) under
    the last part; False when it failed."""
    assert interaction.channel_id is not None
    role = snowflake(handover.group)
    where = snowflake(handover.channel)
    link = jump_url(interaction.guild_id, interaction.channel_id)
    summary = escalation_markdown(
        handover.escalation, who=f"<@{handover.escalation.user}>", link=link
    )
    mentions = discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(role)] if role else False
    )
    try:
        target: Any = interaction.channel
        if where is not None:
            target = client.get_channel(where) or await client.fetch_channel(where)
        if not isinstance(target, discord.abc.Messageable):
            raise TypeError(f"cannot post in {type(target).__name__}")
        parts = escalation_text(handover.escalation, summary, str(role) if role else None)
        for i, part in enumerate(parts):
            if view is not None and i == len(parts) - 1:
                await target.send(part, allowed_mentions=mentions, view=view)
            else:
                await target.send(part, allowed_mentions=mentions)
    except (discord.HTTPException, TypeError) as exc:
        if isinstance(exc, discord.HTTPException):
            log_http("posting the hand-over", exc)
        else:
            log.warning("discord: hand-over not posted: %s", exc)
        return False
    log.info("discord: escalated conversation of user %s", interaction.user.id)
    return True


def snowflake(value: str | None) -> int | None:
    """A configured Discord id as an int; None when unset or not an id."""
    if value is None:
        return None
    if not value.strip().isdigit():
        log.warning("discord: %r is not a Discord id; ignored", value)
        return None
    return int(value)


def log_http(doing: str, exc: discord.HTTPException) -> None:
    """One clear line for a Discord REST error (never the token or the message text)."""
    kind = (
        "forbidden (missing permission)"
        if isinstance(exc, discord.Forbidden)
        else "not found"
        if isinstance(exc, discord.NotFound)
        else "HTTP error"
    )
    log.warning("discord: %s failed: %s %s (code %s)", doing, kind, exc.status, exc.code)
