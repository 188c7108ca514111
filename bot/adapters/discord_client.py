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
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any, Final

import discord
import yarl
from discord import app_commands

from bot.adapters.discord_embeds import (
    PICK_TEMPLATE,
    SOLVED_TEMPLATE,
    UNHELPFUL_TEMPLATE,
    Button,
    Outgoing,
    clip,
    escalation_text,
    is_secret_leak,
    render,
    secret_warning,
    text_messages,
)
from bot.adapters.discord_incoming import (
    PLATFORM,
    ChannelKind,
    MessageFacts,
    channel_key,
    in_channel,
    is_addressed,
    is_text_file,
    jump_url,
    thread_name,
    to_incoming,
    wants_attachment,
)
from bot.base.errors import ConfigError, UserFacingError
from bot.base.secrets import mask_secrets
from bot.base.settings import Settings
from bot.core.handover import escalation_markdown
from bot.core.models import Attachment, Incoming, Reply
from bot.runtime.admin import AdminActions
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService

log = logging.getLogger(__name__)

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
_USERS_ONLY: Final = discord.AllowedMentions(everyone=False, roles=False, users=True)
_APOLOGY: Final = "Sorry, something went wrong on my side. Please try again in a minute."


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at the configured REST and gateway URLs.

    discord.py reads both from class attributes (`Route.BASE` whenever a request is built,
    `DiscordWebSocket.DEFAULT_GATEWAY` whenever a shard connects) and has no per-client
    option, so they are set process-wide; one process runs one Discord bot. (A resumed session
    reconnects to the `resume_gateway_url` Discord sent in READY; gateway proxies rewrite it.)
    """
    discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


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
            allowed_mentions=_USERS_ONLY,
            # Guild data comes with each GUILD_CREATE; no member chunking is needed.
            chunk_guilds_at_startup=False,
            **options,
        )
        self.frontend = frontend
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree)

    async def setup_hook(self) -> None:
        """Register the persistent buttons, so clicks on old messages are handled too."""
        self.add_dynamic_items(SolvedButton, UnhelpfulButton, PickButton)

    async def on_message(self, message: discord.Message) -> None:
        """Every message the gateway delivers; the front end decides whether to answer."""
        if self.frontend is not None:
            await self.frontend.on_message(message)


def _frontend(interaction: Inter) -> DiscordFrontEnd:
    client = interaction.client
    if not isinstance(client, ZtClient) or client.frontend is None:
        raise RuntimeError("interaction outside a running DiscordFrontEnd")
    return client.frontend


# --- slash commands ----------------------------------------------------------------------


def add_commands(tree: app_commands.CommandTree[Any]) -> None:
    """Add `/zt` and `/zt-admin` to `tree` (also used by `ztbot discord sync`)."""
    zt = app_commands.Group(name="zt", description="ZeroTier help from the FAQ and your output")

    @zt.command(name="ask", description="Ask a ZeroTier question in your own words")
    @app_commands.describe(question="e.g. ping doesn't work on windows")
    async def ask(interaction: Inter, question: app_commands.Range[str, 1, 2000]) -> None:
        await _frontend(interaction).slash_ask(interaction, question)

    @zt.command(name="diagnose", description="Paste zerotier-cli output for a diagnosis")
    async def diagnose(interaction: Inter) -> None:
        await interaction.response.send_modal(DiagnoseModal())

    @zt.command(name="help", description="What this bot can do")
    async def help_(interaction: Inter) -> None:
        await _frontend(interaction).slash_help(interaction)

    # Discord applies default member permissions to top-level commands only, so the admin
    # commands are their own top-level group, hidden from members without Manage Server.
    admin = app_commands.Group(
        name="zt-admin",
        description="ztbot administration",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @admin.command(name="reload", description="Load the knowledge files again")
    async def reload(interaction: Inter) -> None:
        await _frontend(interaction).slash_admin(interaction, "reload")

    @admin.command(name="report", description="What users asked and what went unanswered")
    @app_commands.describe(since="how far back, e.g. 7d, 24h (default 7d)")
    async def report(interaction: Inter, since: str = "7d") -> None:
        await _frontend(interaction).slash_admin(interaction, f"report {since}")

    tree.add_command(zt)
    tree.add_command(admin)


class DiagnoseModal(discord.ui.Modal, title="Diagnose zerotier-cli output"):
    """The `/zt diagnose` form: one large box to paste output into."""

    output: discord.ui.TextInput[DiagnoseModal] = discord.ui.TextInput(
        label="Output of zerotier-cli (info, peers, listnetworks)",
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
        await _frontend(interaction).click_solved(interaction, self.turn)


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
        await _frontend(interaction).click_unhelpful(interaction, self.turn)


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
        else:
            turn, _, n = rest.partition(":")
            item = PickButton(inner, turn, int(n))
        view.add_item(item)
    return view


def _send_kwargs(out: Outgoing) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": _USERS_ONLY}
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
    return MessageFacts(
        id=message.id,
        content=message.content,
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


class DiscordFrontEnd:
    """ztbot on Discord: one sharded discord.py client."""

    name = "discord"

    def __init__(
        self,
        settings: Settings,
        service: SupportService,
        admin: AdminActions,
        limiter: RateLimiter,
        *,
        client: ZtClient | None = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.admin = admin
        self.limiter = limiter
        self.client = client or ZtClient(settings)
        self.client.frontend = self
        self._support = frozenset(settings.discord_support_channels)
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._told: dict[str, float] = {}  # users told they are rate limited, until when
        # Message ids taken recently: a replay after a reconnect must not open a second thread
        # (the service also drops redelivered events, across restarts, via the store).
        self._seen: OrderedDict[int, None] = OrderedDict()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in and connect the shards in the background."""
        token = self.settings.secret("discord_token")
        if not token:
            raise ConfigError("DISCORD_TOKEN is not set")
        configure_endpoints(self.settings)
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN was rejected by Discord") from None
        if self.client.shard_count is None:
            # Ask for the recommended shard count here, so discord.py connects to the
            # configured gateway (a proxy) rather than the URL in this answer.
            try:
                count, _url, _limits = await self.client.http.get_bot_gateway()
            except discord.GatewayNotFound:
                await self.client.close()
                raise
            self.client.shard_count = count
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        self._task.add_done_callback(_connection_ended)
        log.info(
            "discord: logged in as %s, shards %s of %s",
            self.client.user.id if self.client.user else "?",
            self.settings.discord_shard_ids or "all",
            self.client.shard_count,
        )

    async def stop(self) -> None:
        """Stop taking events, let replies in flight finish (bounded), close the connection."""
        self._closing = True
        try:
            await asyncio.wait_for(self._idle.wait(), STOP_WAIT_S)
        except TimeoutError:
            log.warning("discord: %d replies still in flight at shutdown", self._in_flight)
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, STOP_WAIT_S)

    @property
    def ready(self) -> bool:
        """Connected to the gateway and able to answer."""
        return self.client.is_ready() and not self.client.is_closed() and not self._closing

    @contextlib.asynccontextmanager
    async def _busy(self) -> AsyncIterator[None]:
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    # --- messages -------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer a message when it is addressed to the bot."""
        me = self.client.user
        if self._closing or me is None:
            return
        facts = facts_of(message, me.id)
        if not is_addressed(facts, self._support) or self._seen_before(message.id):
            return
        async with self._busy():
            try:
                await self._answer_message(message, facts)
            except discord.HTTPException as exc:
                _log_http("answering a message", exc)
            except UserFacingError as exc:
                with contextlib.suppress(discord.HTTPException):
                    await message.channel.send(str(exc), allowed_mentions=_NO_MENTIONS)
            except Exception:
                log.exception("discord: failed to answer message %s", message.id)
                with contextlib.suppress(discord.HTTPException):
                    await message.channel.send(_APOLOGY, allowed_mentions=_NO_MENTIONS)

    def _seen_before(self, message_id: int) -> bool:
        """True for a message already taken (a replay after a reconnect); remembers it."""
        if message_id in self._seen:
            return True
        self._seen[message_id] = None
        while len(self._seen) > SEEN_MESSAGES:
            self._seen.popitem(last=False)
        return False

    async def _answer_message(self, message: discord.Message, facts: MessageFacts) -> None:
        key = f"{PLATFORM}:{message.author.id}"
        if not self.limiter.allow(key):
            await self._slow_down(message, key)
            return
        files, skipped = await self._attachments(message)
        incoming = to_incoming(replace(facts, attachments=files), self._support)
        if incoming is None:
            return
        target: discord.abc.Messageable = message.channel
        reference: discord.Message | None = message if facts.channel_kind == "dm" else None
        if incoming.thread == str(message.id) and isinstance(message.channel, discord.TextChannel):
            try:
                target = await message.create_thread(
                    name=thread_name(incoming.text), auto_archive_duration=1440
                )
            except discord.HTTPException as exc:
                _log_http("creating a thread", exc)
                incoming, reference = in_channel(incoming), message
        reply = await asyncio.to_thread(self.service.handle, incoming)
        if reply is None:
            return  # a redelivered message that was already answered
        await self._send(target, reply, reference=reference, skipped=skipped)
        if is_secret_leak(reply):
            await self._remove_secret(message, target)

    async def _attachments(
        self, message: discord.Message
    ) -> tuple[tuple[Attachment, ...], list[str]]:
        """Fetch `.txt` / `.log` attachments within the size limit; name those skipped."""
        limit = self.settings.max_attachment_bytes
        files: list[Attachment] = []
        skipped: list[str] = []
        for attachment in message.attachments:
            if not is_text_file(attachment.filename):
                continue
            if not wants_attachment(attachment.filename, attachment.size, limit):
                skipped.append(attachment.filename)
                continue
            try:
                data = await attachment.read()
            except (discord.HTTPException, discord.NotFound) as exc:
                _log_http("fetching an attachment", exc)
                skipped.append(attachment.filename)
                continue
            files.append(Attachment(attachment.filename, data[:limit].decode("utf-8", "replace")))
        return tuple(files), skipped

    async def _send(
        self,
        target: discord.abc.Messageable,
        reply: Reply,
        *,
        reference: discord.Message | None = None,
        skipped: Sequence[str] = (),
    ) -> None:
        messages = render(reply)
        if skipped:
            limit = self.settings.max_attachment_bytes
            note = f"I skipped {', '.join(skipped)} (over {limit:,} bytes or unreadable)."
            messages[0] = replace(messages[0], content=clip(note, 2000))
        for i, out in enumerate(messages):
            kwargs = _send_kwargs(out)
            if i == 0 and reference is not None:
                kwargs["reference"] = reference
                kwargs["mention_author"] = False
            await target.send(**kwargs)

    async def _remove_secret(
        self, message: discord.Message, target: discord.abc.Messageable
    ) -> None:
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
                    _log_http("deleting a message with a secret", exc)
        await target.send(
            secret_warning(str(message.author.id), deleted), allowed_mentions=_USERS_ONLY
        )

    async def _slow_down(self, message: discord.Message, key: str) -> None:
        """Tell a rate-limited user once per window when they may ask again."""
        now = time.monotonic()
        wait = self.limiter.retry_after(key)
        log.info("discord: rate limited user %s for %.0f s", message.author.id, wait)
        if self._told.get(key, 0.0) > now:
            return
        self._told[key] = now + wait
        if len(self._told) > 10_000:
            self._told = {k: v for k, v in self._told.items() if v > now}
        await message.reply(
            f"You're asking faster than I can keep up; please try again in {wait:.0f} s.",
            mention_author=False,
        )

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

    async def _limited(self, interaction: Inter) -> bool:
        key = f"{PLATFORM}:{interaction.user.id}"
        if self.limiter.allow(key):
            return False
        wait = self.limiter.retry_after(key)
        log.info("discord: rate limited user %s for %.0f s", interaction.user.id, wait)
        await interaction.response.send_message(
            f"You're asking faster than I can keep up; please try again in {wait:.0f} s.",
            ephemeral=True,
        )
        return True

    async def slash_ask(self, interaction: Inter, question: str) -> None:
        """`/zt ask`: the question is shown in the channel, the answer goes into a thread."""
        echo = f"{interaction.user.mention} asked: {mask_secrets(question)}"
        await self._slash(interaction, question, echo)

    async def slash_diagnose(self, interaction: Inter, text: str) -> None:
        """The `/zt diagnose` form was submitted: the paste itself is never echoed."""
        echo = f"{interaction.user.mention} shared zerotier-cli output for a diagnosis."
        await self._slash(interaction, text, echo, name="Diagnosis")

    async def slash_help(self, interaction: Inter) -> None:
        """`/zt help`, shown only to the user who asked."""
        async with self._handling(interaction, "/zt help"):
            assert interaction.channel_id is not None
            incoming = self._interaction_incoming(interaction, "help", interaction.channel_id)
            reply = await asyncio.to_thread(self.service.handle, incoming)
            if reply is None:
                return
            out = render(reply)[0]
            kwargs = _send_kwargs(replace(out, buttons=()))
            await interaction.response.send_message(ephemeral=True, **kwargs)

    async def _slash(self, interaction: Inter, text: str, echo: str, name: str = "") -> None:
        if self._closing or await self._limited(interaction):
            return
        async with self._handling(interaction, "a slash command"):
            await self._slash_answer(interaction, text, echo, name or thread_name(text))

    async def _slash_answer(self, interaction: Inter, text: str, echo: str, name: str) -> None:
        channel = interaction.channel
        assert interaction.channel_id is not None
        if isinstance(channel, discord.TextChannel):
            # Answer the interaction at once with the question, then open a thread on it:
            # the thread's id is the message's id, and the thread is the conversation.
            sent = await interaction.response.send_message(
                clip(echo, 2000), allowed_mentions=_NO_MENTIONS
            )
            message_id = sent.message_id
            assert message_id is not None
            target: discord.abc.Messageable = channel
            incoming = self._interaction_incoming(interaction, text, channel.id)
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
                _log_http("creating a thread", exc)
            reply = await asyncio.to_thread(self.service.handle, incoming)
            if reply is not None:
                await self._send(target, reply)
            return
        # In a thread, a forum post or a DM the answer goes right there.
        await interaction.response.defer(thinking=True)
        incoming = self._interaction_incoming(interaction, text, interaction.channel_id)
        reply = await asyncio.to_thread(self.service.handle, incoming)
        if reply is not None:
            await self._followup(interaction, reply)

    async def _followup(self, interaction: Inter, reply: Reply) -> None:
        for out in render(reply):
            await interaction.followup.send(**_send_kwargs(out))

    @contextlib.asynccontextmanager
    async def _handling(self, interaction: Inter, doing: str) -> AsyncIterator[None]:
        """Count an interaction in flight; errors are logged and the user gets a short answer."""
        async with self._busy():
            try:
                yield
            except discord.HTTPException as exc:
                _log_http(doing, exc)
            except UserFacingError as exc:
                await self._tell(interaction, str(exc))
            except Exception:
                log.exception("discord: %s failed (interaction %s)", doing, interaction.id)
                await self._tell(interaction, _APOLOGY)

    async def _tell(self, interaction: Inter, text: str) -> None:
        """Say `text` to the user only, whether or not the interaction was answered yet."""
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    # --- admin ----------------------------------------------------------------------------

    def is_admin(self, interaction: Inter) -> bool:
        """Manage Server (or Administrator) in this guild, or the configured admin role."""
        perms = interaction.permissions
        if perms.manage_guild or perms.administrator:
            return True
        role = self.settings.discord_admin_role
        roles = getattr(interaction.user, "roles", ())
        return role is not None and any(str(r.id) == role or r.name == role for r in roles)

    async def slash_admin(self, interaction: Inter, command: str) -> None:
        """`/zt-admin reload|report`, for admins only; the answer is shown only to them."""
        async with self._handling(interaction, "an admin command"):
            if not self.is_admin(interaction):
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
            text = await asyncio.to_thread(self.admin.run, command, by)
            for part in text_messages(text):
                await interaction.followup.send(part, ephemeral=True)

    # --- buttons --------------------------------------------------------------------------

    async def click_solved(self, interaction: Inter, turn: str) -> None:
        """Solved: thank the user, record it, and mark the thread or post resolved."""
        async with self._handling(interaction, "the Solved button"):
            await asyncio.to_thread(self.service.solved, turn, str(interaction.user.id))
            log.info("discord: turn %s marked solved by %s", turn, interaction.user.id)
            await interaction.response.send_message(
                f"✅ Marked as solved by {interaction.user.mention}. Glad it works!",
                allowed_mentions=_NO_MENTIONS,
            )
            try:
                await self._mark_resolved(interaction)
            except discord.HTTPException as exc:
                _log_http("marking the conversation solved", exc)

    async def _mark_resolved(self, interaction: Inter) -> None:
        """The native "resolved": a forum tag, else a ✅ title (threads are also archived)."""
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            parent = channel.parent
            if isinstance(parent, discord.ForumChannel):
                wanted = self.settings.discord_solved_tag.casefold()
                tag = next((t for t in parent.available_tags if t.name.casefold() == wanted), None)
                if tag is not None:
                    if tag not in channel.applied_tags:
                        await channel.add_tags(tag, reason="ztbot: solved")
                    return
            name = (
                channel.name if channel.name.startswith("✅") else clip(f"✅ {channel.name}", 100)
            )
            # A forum post stays open so others find it; a help thread is archived.
            archived = not isinstance(parent, discord.ForumChannel)
            await channel.edit(name=name, archived=archived, reason="ztbot: solved")
        elif interaction.message is not None:
            await interaction.message.add_reaction("✅")

    async def click_unhelpful(self, interaction: Inter, turn: str) -> None:
        """Not helpful: offer the next topics, the second time hand over to people."""
        async with self._handling(interaction, "the Not helpful button"):
            await interaction.response.defer(thinking=True)
            assert interaction.channel_id is not None
            incoming = self._interaction_incoming(interaction, "", interaction.channel_id)
            reply = await asyncio.to_thread(self.service.decline, incoming, turn)
            if reply.kind == "escalate" and reply.escalation is not None:
                alerted = await self._escalate(interaction, reply)
                text = f"{reply.body}\n\n{alerted}"
                for part in text_messages(text):
                    await interaction.followup.send(part, allowed_mentions=_NO_MENTIONS)
                return
            await self._followup(interaction, reply)

    async def _escalate(self, interaction: Inter, reply: Reply) -> str:
        """Post the hand-over summary; returns what to tell the user about who was alerted."""
        assert reply.escalation is not None and interaction.channel_id is not None
        role = _snowflake(self.settings.discord_escalation_role)
        where = _snowflake(self.settings.discord_escalation_channel)
        link = jump_url(interaction.guild_id, interaction.channel_id)
        summary = escalation_markdown(reply.escalation, who=interaction.user.mention, link=link)
        mentions = discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(role)] if role else False
        )
        try:
            target: Any = interaction.channel
            if where is not None:
                target = self.client.get_channel(where) or await self.client.fetch_channel(where)
            if not isinstance(target, discord.abc.Messageable):
                raise TypeError(f"cannot post in {type(target).__name__}")
            for part in escalation_text(reply.escalation, summary, str(role) if role else None):
                await target.send(part, allowed_mentions=mentions)
        except (discord.HTTPException, TypeError) as exc:
            if isinstance(exc, discord.HTTPException):
                _log_http("posting the hand-over", exc)
            else:
                log.warning("discord: hand-over not posted: %s", exc)
            return "I couldn't alert the support team automatically; please ask a moderator."
        log.info("discord: escalated conversation of user %s", interaction.user.id)
        who = f"<@&{role}>" if role else "the support team"
        return f"I've alerted {who}" + (f" in <#{where}>." if where else ".")

    async def click_pick(self, interaction: Inter, turn: str, n: int) -> None:
        """A "did you mean" button: answer as if the user typed its number."""
        if self._closing or await self._limited(interaction):
            return
        async with self._handling(interaction, "a choice button"):
            await interaction.response.defer(thinking=True)
            assert interaction.channel_id is not None
            incoming = self._interaction_incoming(interaction, str(n), interaction.channel_id)
            reply = await asyncio.to_thread(self.service.handle, incoming)
            log.info("discord: choice %d of turn %s picked", n, turn)
            if reply is not None:
                await self._followup(interaction, reply)


def _snowflake(value: str | None) -> int | None:
    """A configured Discord id as an int; None when unset or not an id."""
    if value is None:
        return None
    if not value.strip().isdigit():
        log.warning("discord: %r is not a Discord id; ignored", value)
        return None
    return int(value)


def _log_http(doing: str, exc: discord.HTTPException) -> None:
    """One clear line for a Discord REST error (never the token or the message text)."""
    kind = (
        "forbidden (missing permission)"
        if isinstance(exc, discord.Forbidden)
        else "not found"
        if isinstance(exc, discord.NotFound)
        else "HTTP error"
    )
    log.warning("discord: %s failed: %s %s (code %s)", doing, kind, exc.status, exc.code)


def _connection_ended(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        log.error(
            "discord: the Message Content intent is not enabled for this bot; enable it in "
            "the Developer Portal (Bot > Privileged Gateway Intents)"
        )
    elif exc is not None:
        log.error("discord: connection ended: %s", exc.__class__.__name__)


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
        if guild_id is None:
            synced = await client.tree.sync()
        else:
            guild = discord.Object(guild_id)
            client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
    return [command.name for command in synced]
