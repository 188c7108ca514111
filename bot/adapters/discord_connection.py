"""The Discord connection under ztbot's Discord front end: log in, connect the shards, stop
cleanly; count interactions in flight and answer failures in one line; who is an admin or a
moderator; what the bot lacks in a server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Final

import discord
import yarl

from bot.adapters.discord_actions import log_http
from bot.adapters.discord_embeds import text_messages
from bot.adapters.discord_incoming import PLATFORM
from bot.adapters.discord_setup import server_problems
from bot.base.errors import ConfigError
from bot.base.settings import Settings
from bot.runtime.frontdesk import (
    CONFIG_ADMINS_ONLY,
    FrontDesk,
    SetupProblem,
    setup_line,
    setup_report,
)

log = logging.getLogger("bot.adapters.discord_client")  # one logger for the Discord front end

Inter = discord.Interaction[Any]
STOP_WAIT_S: Final = 10.0  # how long stop() lets in-flight replies finish
APOLOGY: Final = "Sorry, something went wrong on my side. Please try again in a minute."


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at the configured REST and gateway URLs.

    discord.py reads both from class attributes (`Route.BASE` whenever a request is built,
    `DiscordWebSocket.DEFAULT_GATEWAY` whenever a shard connects) and has no per-client
    option, so they are set process-wide; one process runs one Discord bot. (A resumed session
    reconnects to the `resume_gateway_url` Discord sent in READY; gateway proxies rewrite it.)
    """
    discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


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


class DiscordConnection:
    """The discord.py client's lifecycle and the checks every Discord interaction shares."""

    def __init__(
        self, settings: Settings, desk: FrontDesk, client: discord.AutoShardedClient
    ) -> None:
        self.settings = settings
        self.desk = desk
        self.client = client
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

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

    @contextlib.asynccontextmanager
    async def _handling(self, interaction: Inter, doing: str) -> AsyncIterator[None]:
        """Count an interaction in flight; errors are logged and the user gets a short answer."""
        async with self._busy():
            try:
                yield
            except discord.HTTPException as exc:
                log_http(doing, exc)
            except Exception:
                log.exception("discord: %s failed (interaction %s)", doing, interaction.id)
                await self._tell(interaction, APOLOGY)

    async def _tell(self, interaction: Inter, text: str) -> None:
        """Say `text` to the user only, whether or not the interaction was answered yet."""
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    def is_admin(self, interaction: Inter, role: str | None = None) -> bool:
        """Manage Server (or Administrator) in this guild, or the admin role (`role`: the
        server's own, else the configured one)."""
        perms = interaction.permissions
        if perms.manage_guild or perms.administrator:
            return True
        role = role or self.settings.discord_admin_role
        roles = getattr(interaction.user, "roles", ())
        return role is not None and any(str(r.id) == role or r.name == role for r in roles)

    def is_moderator(self, interaction: Inter) -> bool:
        """May press Solved / Not helpful on anyone's question: admins and message managers."""
        perms = interaction.permissions
        return self.is_admin(interaction) or perms.manage_messages or perms.manage_threads

    async def _admin_here(self, interaction: Inter) -> bool:
        """An admin of this server, by its own admin role when its admins set one."""
        guild = str(interaction.guild_id) if interaction.guild_id is not None else None
        config = await self.desk.workspace(PLATFORM, guild)
        return self.is_admin(interaction, config.get("admin_group", self.settings))

    async def _server_problems(self, guild: discord.Guild) -> list[SetupProblem]:
        config = await self.desk.workspace(PLATFORM, str(guild.id))
        own = config.values

        def here(cid: str | None, name: str) -> bool:
            # A default from the environment may name another server's channel.
            return cid is not None and (
                name in own or (cid.isdigit() and guild.get_channel(int(cid)) is not None)
            )

        support = config.ids("support_channels", self.settings)
        escalation = config.get("escalation_channel", self.settings)
        return server_problems(
            guild,
            sorted(c for c in support if here(c, "support_channels")),
            escalation if here(escalation, "escalation_channel") else None,
            config.get("escalation_group", self.settings),
        )

    async def log_setup(self, guild: discord.Guild) -> None:
        """The start-up line for one server: complete, or what is missing."""
        try:
            problems = await self._server_problems(guild)
        except Exception:
            log.exception("discord: could not check the set-up of server %s", guild.id)
            return
        line = setup_line(f"server {guild.id}", problems)
        (log.warning if problems else log.info)("discord: %s", line)

    async def slash_status(self, interaction: Inter) -> None:
        """`/zt-admin status`: what ztbot lacks in this server's configured channels."""
        async with self._handling(interaction, "/zt-admin status"):
            if not await self._admin_here(interaction) or interaction.guild is None:
                await self._tell(interaction, CONFIG_ADMINS_ONLY)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            report = setup_report(await self._server_problems(interaction.guild))
            for part in text_messages(report):
                await interaction.followup.send(part, ephemeral=True)
