"""What ztbot lacks in a Discord server's configured channels, and how to fix each: pure
checks over discord.py's permission flags (the front end reads them off the guild)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import discord

from bot.runtime.frontdesk import SetupProblem

ROLE_FIX: Final = "Server Settings › Roles › ztbot (or the channel's Permissions) › allow"
# (permission flag, its name in Discord, what ztbot needs it for)
SUPPORT_NEEDS: Final = (
    ("view_channel", "View Channel", "see the questions"),
    ("send_messages", "Send Messages", "answer"),
    ("read_message_history", "Read Message History", "follow a conversation"),
    ("embed_links", "Embed Links", "show answers as embeds"),
    ("create_public_threads", "Create Public Threads", "answer in a thread per question"),
    ("send_messages_in_threads", "Send Messages in Threads", "answer follow-ups"),
    ("manage_threads", "Manage Threads", "mark solved threads and posts"),
    ("manage_messages", "Manage Messages", "remove a message with a pasted secret"),
    ("add_reactions", "Add Reactions", "mark solved direct messages"),
)
ESCALATION_NEEDS: Final = (
    ("view_channel", "View Channel", "post hand-overs"),
    ("send_messages", "Send Messages", "post hand-overs"),
)


def channel_problems(
    where: str, perms: discord.Permissions, needs: Iterable[tuple[str, str, str]]
) -> list[SetupProblem]:
    """The permissions in `needs` that `perms` (ztbot's, in channel `where`) lacks."""
    return [
        SetupProblem(where, f"{label} (to {why})", f"{ROLE_FIX} {label}.")
        for flag, label, why in needs
        if not getattr(perms, flag)
    ]


def server_problems(
    guild: discord.Guild,
    support: Iterable[str],
    escalation_channel: str | None,
    escalation_role: str | None,
) -> list[SetupProblem]:
    """Everything ztbot lacks in `guild` for its configured channels and role."""
    me = guild.me
    if me is None:
        return [SetupProblem("this server", "its own member", "Invite ztbot again.")]
    found: list[SetupProblem] = []
    lookup: Callable[[int], object] = guild.get_channel
    for cid, needs in [*((c, SUPPORT_NEEDS) for c in support), (escalation_channel, None)]:
        if cid is None:
            continue
        channel = lookup(int(cid)) if cid.isdigit() else None
        if not isinstance(channel, discord.abc.GuildChannel):
            found.append(
                SetupProblem(
                    f"channel {cid}",
                    "the channel (missing, or hidden from ztbot)",
                    "Check the id with `/zt-admin config show`; give ztbot View Channel.",
                )
            )
            continue
        perms = channel.permissions_for(me)
        found += channel_problems(f"#{channel.name}", perms, needs or ESCALATION_NEEDS)
    if escalation_role:
        role = guild.get_role(int(escalation_role)) if escalation_role.isdigit() else None
        if role is None:
            found.append(
                SetupProblem(
                    "escalation role",
                    f"the role {escalation_role} (it does not exist)",
                    "Set an existing role: `/zt-admin config set name:escalation_group`.",
                )
            )
        elif not role.mentionable and not me.guild_permissions.mention_everyone:
            found.append(
                SetupProblem(
                    f"@{role.name}",
                    "a way to mention the role (hand-overs would not notify it)",
                    "Make the role mentionable (Server Settings › Roles › the role › Allow "
                    f"anyone to @mention), or {ROLE_FIX} Mention @everyone, @here and All Roles.",
                )
            )
    return found
