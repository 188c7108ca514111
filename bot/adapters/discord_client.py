"""Discord front end: discord.py wiring around the pure `discord_incoming` / `discord_embeds`.

Listens to slash commands (`/zt ask|diagnose|help`, `/zt-admin reload|report`), mentions,
direct messages and, opt-in, every message in support channels and forum posts. Answers go
into a thread so follow-ups keep their context; buttons (Solved, Not helpful, "did you mean")
are `DynamicItem`s, so they keep working after a restart.

Intents: `guilds`, `guild_messages`, `dm_messages` and `message_content`. The last is
privileged (enable "Message Content Intent" in the Developer Portal): without it Discord sends
empty text for messages that do not mention the bot, so support channels and pasted output in
threads would not work.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Final

import discord
from discord import app_commands

from bot.adapters.discord_actions import (
    USERS_ONLY,
    answer_place,
    fetch_attachments,
    log_http,
    mark_resolved,
    post_handover,
    remove_secret,
)
from bot.adapters.discord_connection import (
    APOLOGY,
    DiscordConnection,
    configure_endpoints,
)
from bot.adapters.discord_embeds import (
    HANDOVER_TEMPLATE,
    PICK_TEMPLATE,
    SHARE_TEMPLATE,
    SOLVED_TEMPLATE,
    UNHELPFUL_TEMPLATE,
    Button,
    Outgoing,
    claimed_content,
    clip,
    handover_buttons,
    is_secret_leak,
    render,
    text_messages,
)
from bot.adapters.discord_incoming import (
    PLATFORM,
    ChannelKind,
    MessageFacts,
    channel_key,
    chosen_incoming,
    is_addressed,
    private_key,
    to_incoming,
)
from bot.adapters.discord_locales import CommandTranslator
from bot.base.errors import ConfigError
from bot.base.settings import Settings
from bot.core.models import Incoming, Reply
from bot.runtime.admin import AdminActions, ReportFile
from bot.runtime.frontdesk import (
    HANDOVER_FAILED,
    HANDOVER_POSTED,
    FrontDesk,
    Outcome,
    echo,
    in_english,
    thread_title,
    wants_feedback,
)
from bot.runtime.workspace_config import WorkspaceConfig

log = logging.getLogger(__name__)
_t = app_commands.locale_str

Inter = discord.Interaction[Any]

SEEN_MESSAGES: Final = 10_000
STOP_WAIT_S: Final = 10.0  # how long stop() lets in-flight replies finish
MODAL_TEXT_MAX: Final = 4000  # Discord's limit for a text input
_STYLES: Final = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
_NO_MENTIONS: Final = discord.AllowedMentions.none()
DIAGNOSE_MENU: Final = "Diagnose with ztbot"  # the message context menu command
CANNOT_POST: Final = (
    "I can't post there: I need Send Messages, Create Public Threads and Send Messages in "
    "Threads in that channel."
)


def intents() -> discord.Intents:
    """The gateway intents the bot needs (message_content is privileged, see the docstring)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    return wanted


class ZtClient(discord.AutoShardedClient):
    """discord.py's sharded client plus the command tree and a link back to the front end."""

    def __init__(
        self, settings: Settings, frontend: DiscordFrontEnd | None = None, **options: Any
    ) -> None:
        if settings.discord_shard_ids and settings.discord_shard_count is None:
            raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
        super().__init__(
            intents=intents(),
            # None: this process runs every shard (discord.py's default).
            shard_ids=list(settings.discord_shard_ids) or None,  # type: ignore[arg-type]
            shard_count=settings.discord_shard_count,
            allowed_mentions=USERS_ONLY,
            # Guild data comes with each GUILD_CREATE; no member chunking is needed.
            chunk_guilds_at_startup=False,
            **options,
        )
        self.frontend = frontend
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree)
        _harden(self._connection.parsers)

    async def setup_hook(self) -> None:
        """Register the persistent buttons, so clicks on old messages are handled too."""
        self.add_dynamic_items(
            SolvedButton, UnhelpfulButton, PickButton, ShareButton, HandoverButton
        )

    async def on_message(self, message: discord.Message) -> None:
        """Every message the gateway delivers; the front end decides whether to answer."""
        if self.frontend is not None:
            await self.frontend.on_message(message)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server came online: log in one line what ztbot lacks there."""
        if self.frontend is not None:
            await self.frontend.log_setup(guild)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Every edit (cached message or not); the front end decides whether to answer again."""
        if self.frontend is not None:
            await self.frontend.on_edit(payload.message)


def _harden(parsers: dict[str, Callable[[Any], None]]) -> None:
    """Make one malformed gateway event cost only itself.

    discord.py calls these parsers from its gateway reader; an exception there (a KeyError on
    a field Discord or a proxy left out) ends the connection for good. Each is wrapped so the
    event is logged in one line and dropped, and the connection stays up.
    """
    for event, parse in list(parsers.items()):
        if getattr(parse, "__ztbot_safe__", False):
            continue

        def safe(data: Any, _parse: Callable[[Any], None] = parse, _event: str = event) -> None:
            try:
                _parse(data)
            except Exception as exc:
                log.warning(
                    "discord: dropped a malformed %s event (%s: %s)",
                    _event,
                    type(exc).__name__,
                    str(exc)[:200].replace("\n", " "),
                )

        safe.__ztbot_safe__ = True  # type: ignore[attr-defined]
        parsers[event] = safe


def _frontend(interaction: Inter) -> DiscordFrontEnd:
    client = interaction.client
    if not isinstance(client, ZtClient) or client.frontend is None:
        raise RuntimeError("interaction outside a running DiscordFrontEnd")
    return client.frontend


# --- slash commands ----------------------------------------------------------------------


def add_commands(tree: app_commands.CommandTree[Any]) -> None:
    """Add `/zt` and `/zt-admin` to `tree` (also used by `ztbot discord sync`)."""
    zt = app_commands.Group(name="zt", description=_t("ZeroTier help from the FAQ and your output"))

    @zt.command(name=_t("ask"), description=_t("Ask a ZeroTier question in your own words"))
    @app_commands.describe(
        question=_t("e.g. ping doesn't work on windows"),
        private=_t("only you see the answer (you can share it afterwards)"),
    )
    async def ask(
        interaction: Inter, question: app_commands.Range[str, 1, 2000], private: bool = False
    ) -> None:
        await _frontend(interaction).slash_ask(interaction, question, private=private)

    @zt.command(name=_t("diagnose"), description=_t("Paste zerotier-cli output for a diagnosis"))
    async def diagnose(interaction: Inter) -> None:
        await interaction.response.send_modal(DiagnoseModal())

    @zt.command(
        name=_t("topic"),
        description=_t("One FAQ topic's answer, shown to you (share it if you like)"),
    )
    @app_commands.describe(name=_t("start typing, then pick a topic"))
    async def topic(interaction: Inter, name: app_commands.Range[str, 1, 100]) -> None:
        await _frontend(interaction).slash_topic(interaction, name)

    @topic.autocomplete("name")
    async def topic_names(interaction: Inter, current: str) -> list[app_commands.Choice[str]]:
        return _frontend(interaction).topic_choices(current)

    @zt.command(name=_t("help"), description=_t("What this bot can do"))
    async def help_(interaction: Inter) -> None:
        await _frontend(interaction).slash_help(interaction)

    # Discord applies default member permissions to top-level commands only, so the admin
    # commands are their own top-level group, hidden from members without Manage Server.
    admin = app_commands.Group(
        name="zt-admin",
        description=_t("ztbot administration"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @admin.command(name=_t("reload"), description=_t("Load the knowledge files again"))
    async def reload(interaction: Inter) -> None:
        await _frontend(interaction).slash_admin(interaction, "reload")

    @admin.command(name=_t("status"), description=_t("What ztbot lacks in this server"))
    async def status(interaction: Inter) -> None:
        await _frontend(interaction).slash_status(interaction)

    @admin.command(name=_t("report"), description=_t("What users asked and what went unanswered"))
    @app_commands.describe(
        since=_t("how far back, e.g. 7d, 24h (default 7d)"),
        html=_t("a page with charts, sent as a file (default: text)"),
    )
    async def report(interaction: Inter, since: str = "7d", html: bool = False) -> None:
        command = f"report html {since}" if html else f"report {since}"
        await _frontend(interaction).slash_admin(interaction, command)

    async def diagnose_message(interaction: Inter, message: discord.Message) -> None:
        await _frontend(interaction).menu_diagnose(interaction, message)

    config = app_commands.Group(
        name=_t("config"), description=_t("This server's own ztbot settings"), parent=admin
    )
    names = [app_commands.Choice(name=n, value=n) for n in WorkspaceConfig("discord", "").names()]

    @config.command(name=_t("show"), description=_t("Every setting, and whether it is set here"))
    async def config_show(interaction: Inter) -> None:
        await _frontend(interaction).slash_config(interaction, "show")

    @config.command(name=_t("set"), description=_t("Change one of this server's settings"))
    @app_commands.describe(
        name=_t("the setting"), value=_t("#channels, a @role, a tag name or a number")
    )
    @app_commands.choices(name=names)
    async def config_set(
        interaction: Inter, name: str, value: app_commands.Range[str, 1, 500]
    ) -> None:
        await _frontend(interaction).slash_config(interaction, f"set {name} {value}")

    @config.command(name=_t("unset"), description=_t("Go back to the default for one setting"))
    @app_commands.choices(name=names)
    async def config_unset(interaction: Inter, name: str) -> None:
        await _frontend(interaction).slash_config(interaction, f"unset {name}")

    tree.add_command(zt)
    tree.add_command(admin)
    tree.add_command(app_commands.ContextMenu(name=_t(DIAGNOSE_MENU), callback=diagnose_message))


class DiagnoseModal(discord.ui.Modal, title="Diagnose zerotier-cli output"):
    """The `/zt diagnose` form: one large box to paste output into."""

    output: discord.ui.TextInput[DiagnoseModal] = discord.ui.TextInput(
        label="zerotier-cli output (info, peers...)",
        style=discord.TextStyle.paragraph,
        placeholder="200 listnetworks ...",
        max_length=MODAL_TEXT_MAX,
    )
    note: discord.ui.TextInput[DiagnoseModal] = discord.ui.TextInput(
        label="What is not working? (optional)",
        style=discord.TextStyle.short,
        required=False,
        max_length=200,
    )

    async def on_submit(self, interaction: Inter, /) -> None:
        """Diagnose the pasted output like a message with a code block."""
        text = f"{self.note.value}\n```\n{self.output.value}\n```".strip()
        await _frontend(interaction).slash_diagnose(interaction, text)


# --- persistent buttons ------------------------------------------------------------------


def _button(spec: Button) -> discord.ui.Button[discord.ui.View]:
    return discord.ui.Button(
        label=spec.label, style=_STYLES[spec.style], custom_id=spec.custom_id, emoji=spec.emoji
    )


class SolvedButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=SOLVED_TEMPLATE
):
    """ "Solved": positive feedback, and the thread or forum post is marked resolved."""

    def __init__(self, item: discord.ui.Button[discord.ui.View], turn: str) -> None:
        super().__init__(item)
        self.turn = turn

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SolvedButton:
        """Rebuild the button from a click (after a restart too)."""
        assert isinstance(item, discord.ui.Button)
        return cls(item, match["turn"])

    async def callback(self, interaction: Inter) -> None:
        """Record the vote and mark the conversation resolved."""
        await _frontend(interaction).click_feedback(interaction, self.turn, helpful=True)


class UnhelpfulButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=UNHELPFUL_TEMPLATE
):
    """ "Not helpful": the next topics, then a hand-over to people."""

    def __init__(self, item: discord.ui.Button[discord.ui.View], turn: str) -> None:
        super().__init__(item)
        self.turn = turn

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UnhelpfulButton:
        """Rebuild the button from a click (after a restart too)."""
        assert isinstance(item, discord.ui.Button)
        return cls(item, match["turn"])

    async def callback(self, interaction: Inter) -> None:
        """Decline the answer."""
        await _frontend(interaction).click_feedback(interaction, self.turn, helpful=False)


class PickButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=PICK_TEMPLATE
):
    """A "did you mean" choice."""

    def __init__(self, item: discord.ui.Button[discord.ui.View], turn: str, n: int) -> None:
        super().__init__(item)
        self.turn = turn
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        """Rebuild the button from a click (after a restart too)."""
        assert isinstance(item, discord.ui.Button)
        return cls(item, match["turn"], int(match["n"]))

    async def callback(self, interaction: Inter) -> None:
        """Answer as if the user had typed the choice's number."""
        await _frontend(interaction).click_pick(interaction, self.turn, self.n)


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=SHARE_TEMPLATE
):
    """ "Share in channel" under a private answer."""

    def __init__(self, item: discord.ui.Button[discord.ui.View], turn: str) -> None:
        super().__init__(item)
        self.turn = turn

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        """Rebuild the button from a click."""
        assert isinstance(item, discord.ui.Button)
        return cls(item, match["turn"])

    async def callback(self, interaction: Inter) -> None:
        """Ask the question again in public."""
        await _frontend(interaction).click_share(interaction, self.turn)


class HandoverButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=HANDOVER_TEMPLATE
):
    """Claim / Resolve under a hand-over post; the custom id carries the conversation."""

    def __init__(self, item: discord.ui.Button[discord.ui.View], step: str, key: str) -> None:
        super().__init__(item)
        self.step = step
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> HandoverButton:
        """Rebuild the button from a click (after a restart too)."""
        assert isinstance(item, discord.ui.Button)
        return cls(item, match["step"], match["key"])

    async def callback(self, interaction: Inter) -> None:
        """Claim or resolve the hand-over."""
        await _frontend(interaction).click_handover(interaction, self.step, self.key)


def to_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """A persistent view (no timeout) holding `buttons`, or None when there are none."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for spec in buttons:
        inner = _button(spec)
        inner.row = spec.row
        kind, _, rest = spec.custom_id.removeprefix("ztbot:").partition(":")
        item: discord.ui.Item[Any]
        if kind == "solved":
            item = SolvedButton(inner, rest)
        elif kind == "unhelpful":
            item = UnhelpfulButton(inner, rest)
        elif kind == "share":
            item = ShareButton(inner, rest)
        elif kind in ("claim", "resolve"):
            item = HandoverButton(inner, kind, rest)
        else:
            turn, _, n = rest.partition(":")
            item = PickButton(inner, turn, int(n))
        view.add_item(item)
    return view


def _send_kwargs(out: Outgoing) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": USERS_ONLY}
    if out.content:
        kwargs["content"] = out.content
    if out.embeds:
        kwargs["embeds"] = [discord.Embed.from_dict(e) for e in out.embeds]
    view = to_view(out.buttons)
    if view is not None:
        kwargs["view"] = view
    return kwargs


# --- the front end -------------------------------------------------------------------------


def facts_of(message: discord.Message, bot_id: int) -> MessageFacts:
    """The facts `discord_incoming` needs, read off a discord.py message."""
    channel = message.channel
    kind: ChannelKind = "other"
    parent_id: int | None = None
    owner_id: int | None = None
    if isinstance(channel, discord.DMChannel):
        kind = "dm"
    elif isinstance(channel, discord.Thread):
        forum = isinstance(channel.parent, discord.ForumChannel)
        kind = "forum_post" if forum else "thread"
        parent_id, owner_id = channel.parent_id, channel.owner_id
    elif isinstance(channel, discord.TextChannel):
        kind = "text"
    mentions = {u.id for u in message.mentions} | set(message.raw_mentions)
    content = message.content
    if kind == "forum_post" and message.id == channel.id and isinstance(channel, discord.Thread):
        # A forum post's title is part of the question ("ping fails on windows" + "help pls").
        content = f"{channel.name}\n{content}"
    return MessageFacts(
        id=message.id,
        content=content,
        author_id=message.author.id,
        author_is_bot=message.author.bot or message.webhook_id is not None,
        bot_id=bot_id,
        guild_id=message.guild.id if message.guild is not None else None,
        channel_id=channel.id,
        channel_kind=kind,
        parent_id=parent_id,
        thread_owner_id=owner_id,
        mentions=tuple(sorted(mentions)),
    )


class DiscordFrontEnd(DiscordConnection):
    """ztbot on Discord: one sharded discord.py client."""

    name = "discord"

    def __init__(
        self,
        settings: Settings,
        desk: FrontDesk,
        admin: AdminActions,
        *,
        client: ZtClient | None = None,
    ) -> None:
        zt = client or ZtClient(settings)
        super().__init__(settings, desk, zt)
        self.client: ZtClient = zt
        zt.frontend = self
        self.admin = admin

    # --- lifecycle ------------------------------------------------------------------------

    # --- messages -------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer a message when it is addressed to the bot."""
        me = self.client.user
        if self._closing or me is None:
            return
        facts = facts_of(message, me.id)
        support = await self._support_of(facts.guild_id)
        if not is_addressed(facts, support):
            return
        async with self._busy():
            try:
                await self._answer_message(message, facts, support)
            except discord.HTTPException as exc:
                log_http("answering a message", exc)
            except Exception:
                log.exception("discord: failed to answer message %s", message.id)
                with contextlib.suppress(discord.HTTPException):
                    await message.channel.send(APOLOGY, allowed_mentions=_NO_MENTIONS)

    async def _support_of(self, guild_id: int | None) -> frozenset[str]:
        """The support channels of a server: its admins' choice, else the configured ones."""
        if guild_id is None:
            return frozenset()
        config = await self.desk.workspace(PLATFORM, str(guild_id))
        return config.ids("support_channels", self.settings)

    async def _answer_message(
        self, message: discord.Message, facts: MessageFacts, support: frozenset[str]
    ) -> None:
        uploads, skipped = await fetch_attachments(message, self.settings.max_attachment_bytes)
        incoming = to_incoming(replace(facts, files=len(uploads)), support)
        if incoming is None:
            return
        addressed = facts.channel_kind == "dm" or facts.bot_id in facts.mentions
        outcome = await self.desk.message(
            incoming, addressed=addressed, skipped=skipped, uploads=uploads
        )
        if outcome.private:
            await message.reply(
                outcome.private, mention_author=False, allowed_mentions=_NO_MENTIONS
            )
        if outcome.reply is None:
            return
        target: discord.abc.Messageable = message.channel
        reference: discord.Message | None = message if facts.channel_kind == "dm" else None
        if incoming.thread == str(message.id) and isinstance(message.channel, discord.TextChannel):
            try:
                target = await message.create_thread(
                    name=thread_title(incoming.text), auto_archive_duration=1440
                )
            except discord.HTTPException as exc:
                log_http("creating a thread", exc)
                reference = message
        sent = await self._send(target, outcome.reply, reference=reference)
        if sent is not None:
            self.desk.answered(str(message.id), f"{sent.channel.id}:{sent.id}")
        if is_secret_leak(outcome.reply):
            await remove_secret(message, target)

    async def _send(
        self,
        target: discord.abc.Messageable,
        reply: Reply,
        *,
        reference: discord.Message | None = None,
    ) -> discord.Message | None:
        """Post a reply (in parts when long); its first message."""
        first: discord.Message | None = None
        for i, out in enumerate(render(reply, feedback=wants_feedback(reply))):
            kwargs = _send_kwargs(out)
            if i == 0 and reference is not None:
                kwargs["reference"] = reference
                kwargs["mention_author"] = False
            sent = await target.send(**kwargs)
            first = first or sent
        return first

    async def on_edit(self, message: discord.Message) -> None:
        """A user edited a message: answered again, in place of the old answer, when the front
        desk says so (an answered question, edited soon after)."""
        me = self.client.user
        if self._closing or me is None or message.edited_at is None:
            return
        facts = facts_of(message, me.id)
        incoming = to_incoming(facts, await self._support_of(facts.guild_id))
        if incoming is None:
            return
        when = message.edited_at.timestamp()
        incoming = replace(incoming, event_id=f"edit:{message.id}:{when:.0f}")
        async with self._busy():
            outcome = await self.desk.edited(incoming, str(message.id))
            if outcome.reply is None or outcome.update is None:
                return
            channel_id, _, answer_id = outcome.update.partition(":")
            channel = self.client.get_partial_messageable(int(channel_id))
            first = render(outcome.reply, feedback=wants_feedback(outcome.reply))[0]
            try:
                await channel.get_partial_message(int(answer_id)).edit(**_send_kwargs(first))
            except discord.HTTPException as exc:
                log_http("updating an answer after an edit", exc)

    # --- slash commands -------------------------------------------------------------------

    def _interaction_incoming(self, interaction: Inter, text: str, channel_id: int) -> Incoming:
        guild = interaction.guild_id
        channel = interaction.channel
        parent = (
            getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
        )
        return Incoming(
            text=text,
            platform=PLATFORM,
            user=str(interaction.user.id),
            conversation=channel_key(guild, channel_id, interaction.user.id),
            event_id=f"interaction:{interaction.id}",
            workspace=str(guild) if guild is not None else None,
            channel=str(parent or channel_id),
            thread=str(channel_id) if isinstance(channel, discord.Thread) or parent else None,
        )

    async def slash_ask(self, interaction: Inter, question: str, *, private: bool = False) -> None:
        """`/zt ask`: the question is shown in the channel, the answer goes into a thread; with
        `private` only the asker sees the answer, with a "Share in channel" button."""
        if private:
            await self._private_ask(interaction, question)
            return
        quoted = discord.utils.escape_mentions(discord.utils.escape_markdown(echo(question)))
        await self._slash(interaction, question, f"{interaction.user.mention} asked: {quoted}")

    async def _private_ask(self, interaction: Inter, question: str) -> None:
        if self._closing:
            return
        async with self._handling(interaction, "a private question"):
            await interaction.response.defer(ephemeral=True, thinking=True)
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, question, interaction.channel_id)
            key = private_key(interaction.guild_id, interaction.channel_id, interaction.user.id)
            outcome = await self.desk.message(replace(where, conversation=key), private=True)
            await self._send_private(interaction, outcome)

    async def _send_private(self, interaction: Inter, outcome: Outcome) -> None:
        """An outcome for the person only (the interaction is deferred ephemerally)."""
        if outcome.private:
            await interaction.followup.send(outcome.private, ephemeral=True)
        if outcome.reply is not None:
            reply = in_english(outcome.reply, interaction.locale.value)
            feedback = wants_feedback(reply)
            for out in render(reply, feedback=feedback, share=outcome.share):
                await interaction.followup.send(ephemeral=True, **_send_kwargs(out))

    def topic_choices(self, typed: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for `/zt topic`: the topics matching what was typed so far."""
        return [
            app_commands.Choice(name=clip(c.title, 100), value=c.topic)
            for c in self.desk.topics(typed)
        ]

    async def slash_topic(self, interaction: Inter, name: str) -> None:
        """`/zt topic`: one topic's FAQ answer, for the person only, with Share in channel."""
        async with self._handling(interaction, "/zt topic"):
            await interaction.response.defer(ephemeral=True, thinking=True)
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, name, interaction.channel_id)
            key = private_key(interaction.guild_id, interaction.channel_id, interaction.user.id)
            outcome = await self.desk.topic(replace(where, conversation=key), name)
            await self._send_private(interaction, outcome)

    async def click_share(self, interaction: Inter, turn: str) -> None:
        """ "Share in channel": the question, shown in the channel and answered in a thread."""
        if self._closing:
            return
        assert interaction.channel_id is not None
        where = self._interaction_incoming(interaction, "", interaction.channel_id)
        outcome = self.desk.share(where, turn)
        if outcome.public is None:
            await self._tell(interaction, outcome.private or "")
            return
        await self.slash_ask(interaction, outcome.public)

    async def slash_diagnose(self, interaction: Inter, text: str) -> None:
        """The `/zt diagnose` form was submitted: the paste itself is never echoed."""
        echoed = f"{interaction.user.mention} shared zerotier-cli output for a diagnosis."
        await self._slash(interaction, text, echoed, name="Diagnosis")

    async def slash_help(self, interaction: Inter) -> None:
        """`/zt help`, shown only to the user who asked (acknowledged before any work)."""
        async with self._handling(interaction, "/zt help"):
            await interaction.response.defer(ephemeral=True, thinking=True)
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, "help", interaction.channel_id)
            outcome = await self.desk.help(where)
            if outcome.reply is not None:
                for out in render(in_english(outcome.reply, interaction.locale.value)):
                    await interaction.followup.send(ephemeral=True, **_send_kwargs(out))

    async def menu_diagnose(self, interaction: Inter, message: discord.Message) -> None:
        """ "Diagnose with ztbot" on a message: answered in its thread; whoever chose it is
        told privately where the answer went."""
        me = self.client.user
        if self._closing or me is None:
            return
        async with self._handling(interaction, DIAGNOSE_MENU):
            await interaction.response.defer(ephemeral=True, thinking=True)
            uploads, skipped = await fetch_attachments(message, self.settings.max_attachment_bytes)
            incoming = chosen_incoming(replace(facts_of(message, me.id), files=len(uploads)))
            outcome = await self.desk.diagnose(
                incoming, by=str(interaction.user.id), skipped=skipped, uploads=uploads
            )
            private = outcome.private
            if outcome.reply is not None:
                target, reference = await answer_place(message, thread_title(incoming.text))
                try:
                    await self._send(target, outcome.reply, reference=reference)
                except discord.Forbidden as exc:
                    log_http("answering a chosen message", exc)
                    private = CANNOT_POST
            if private:
                await interaction.followup.send(private, ephemeral=True)

    async def _slash(self, interaction: Inter, text: str, echoed: str, name: str = "") -> None:
        if self._closing:
            return
        async with self._handling(interaction, "a slash command"):
            await self._slash_answer(interaction, text, echoed, name or thread_title(text))

    async def _slash_answer(self, interaction: Inter, text: str, echoed: str, name: str) -> None:
        channel = interaction.channel
        assert interaction.channel_id is not None
        incoming = self._interaction_incoming(interaction, text, interaction.channel_id)
        target: discord.abc.Messageable | None = None
        if isinstance(channel, discord.TextChannel):
            # Answer the interaction at once with the question, then open a thread on it:
            # the thread's id is the message's id, and the thread is the conversation.
            sent = await interaction.response.send_message(
                clip(echoed, 2000), allowed_mentions=_NO_MENTIONS
            )
            message_id = sent.message_id
            assert message_id is not None
            try:
                target = await channel.create_thread(
                    name=name, message=discord.Object(message_id), auto_archive_duration=1440
                )
                incoming = replace(
                    incoming,
                    conversation=channel_key(channel.guild.id, message_id, interaction.user.id),
                    thread=str(message_id),
                )
            except discord.HTTPException as exc:
                log_http("creating a thread", exc)
        else:
            # In a thread, a forum post or a DM the answer goes right there.
            await interaction.response.defer(thinking=True)
        outcome = await self.desk.message(incoming)
        if outcome.private:
            await interaction.followup.send(outcome.private, ephemeral=True)
        if outcome.reply is None:
            return
        reply = in_english(outcome.reply, interaction.locale.value)
        if target is not None:
            try:
                await self._send(target, reply)
                return
            except discord.Forbidden as exc:
                # The bot may not post in the thread: an interaction follow-up needs no
                # channel permission, so the user still gets the answer.
                log_http("posting the answer", exc)
        await self._followup(interaction, reply)

    async def _followup(self, interaction: Inter, reply: Reply) -> None:
        for out in render(reply, feedback=wants_feedback(reply)):
            await interaction.followup.send(**_send_kwargs(out))

    # --- admin ----------------------------------------------------------------------------

    async def slash_config(self, interaction: Inter, command: str) -> None:
        """`/zt-admin config show|set|unset`: this server's own settings, admins only."""
        async with self._handling(interaction, "/zt-admin config"):
            await interaction.response.defer(ephemeral=True, thinking=True)
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, "", interaction.channel_id)
            admin = await self._admin_here(interaction)
            outcome = await self.desk.config(where, command, admin=admin)
            for part in text_messages(outcome.private or ""):
                await interaction.followup.send(part, ephemeral=True)

    async def slash_admin(self, interaction: Inter, command: str) -> None:
        """`/zt-admin reload|report`, for admins only; the answer is shown only to them."""
        async with self._handling(interaction, "an admin command"):
            if not await self._admin_here(interaction):
                log.warning(
                    "discord: admin command %r refused for user %s in guild %s",
                    command.split(maxsplit=1)[0],
                    interaction.user.id,
                    interaction.guild_id,
                )
                await interaction.response.send_message(
                    "Sorry, admin commands need the Manage Server permission"
                    + (" or the admin role." if self.settings.discord_admin_role else "."),
                    ephemeral=True,
                )
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            by = f"{PLATFORM}:{interaction.user.id}"
            result = await asyncio.to_thread(self.admin.run_any, command, by)
            if isinstance(result, ReportFile):
                page = discord.File(io.BytesIO(result.content), filename=result.filename)
                await interaction.followup.send(
                    "The ztbot report, as a page with charts (open it in a browser).",
                    file=page,
                    ephemeral=True,
                )
                return
            for part in text_messages(result):
                await interaction.followup.send(part, ephemeral=True)

    # --- buttons --------------------------------------------------------------------------

    async def click_feedback(self, interaction: Inter, turn: str, *, helpful: bool) -> None:
        """Solved / Not helpful on one of the bot's replies."""
        async with self._handling(interaction, "a feedback button"):
            # Acknowledge first (a silent update of the clicked message): answers can take time.
            await interaction.response.defer()
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, "", interaction.channel_id)
            outcome = await self.desk.feedback(
                where, turn, helpful=helpful, moderator=self.is_moderator(interaction)
            )
            await self._deliver_click(interaction, outcome)

    async def click_pick(self, interaction: Inter, turn: str, n: int) -> None:
        """A "did you mean" button: choice n of the reply that offered it."""
        if self._closing:
            return
        async with self._handling(interaction, "a choice button"):
            await interaction.response.defer()
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, "", interaction.channel_id)
            await self._deliver_click(interaction, await self.desk.pick(where, turn, n))

    async def click_handover(self, interaction: Inter, step: str, key: str) -> None:
        """Claim / Resolve on a hand-over post: the post says who took it and when."""
        async with self._handling(interaction, "a hand-over button"):
            assert interaction.channel_id is not None
            where = self._interaction_incoming(interaction, "", interaction.channel_id)
            act = self.desk.claim if step == "claim" else self.desk.resolve
            outcome = await act(where, key)
            state = outcome.claim
            if state is None or interaction.message is None:
                await self._tell(interaction, outcome.private or APOLOGY)
                return
            content = claimed_content(interaction.message.content, state.step, state.by, state.at)
            open_ = state.step == "claimed"
            await interaction.response.edit_message(
                content=content,
                view=to_view(handover_buttons(key, claimable=False)) if open_ else None,
                allowed_mentions=_NO_MENTIONS,
            )
            if outcome.private:
                await interaction.followup.send(outcome.private, ephemeral=True)

    async def _deliver_click(self, interaction: Inter, outcome: Outcome) -> None:
        """Do what the front desk decided about a click (already acknowledged)."""
        if outcome.private:
            await interaction.followup.send(outcome.private, ephemeral=True)
        if outcome.close is not None:
            # The clicked reply's buttons are spent: remove them so nobody votes twice.
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(view=None)
        if outcome.reply is not None:
            await self._followup(interaction, outcome.reply)
        if outcome.notice:
            await interaction.followup.send(
                f"✅ {outcome.notice}" if outcome.resolved else outcome.notice,
                allowed_mentions=_NO_MENTIONS,
            )
        if outcome.resolved:
            try:
                guild = str(interaction.guild_id) if interaction.guild_id else None
                config = await self.desk.workspace(PLATFORM, guild)
                await mark_resolved(
                    interaction,
                    config.get("solved_tag", self.settings) or self.settings.discord_solved_tag,
                    self.settings.discord_archive_solved_after,
                )
            except discord.HTTPException as exc:
                log_http("marking the conversation solved", exc)
        if outcome.handover is not None:
            view = to_view(handover_buttons(outcome.handover.key)) if outcome.handover.key else None
            posted = await post_handover(self.client, interaction, outcome.handover, view)
            await interaction.followup.send(
                HANDOVER_POSTED if posted else HANDOVER_FAILED, allowed_mentions=_NO_MENTIONS
            )


async def sync_commands(settings: Settings, guild_id: int | None = None) -> list[str]:
    """Log in and register the slash commands globally or in one guild; their names."""
    token = settings.secret("discord_token")
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set")
    configure_endpoints(settings)
    client = ZtClient(settings)
    async with client:
        try:
            await client.login(token)
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN was rejected by Discord") from None
        await client.tree.set_translator(CommandTranslator())
        if guild_id is None:
            synced = await client.tree.sync()
        else:
            guild = discord.Object(guild_id)
            client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
    return [command.name for command in synced]
