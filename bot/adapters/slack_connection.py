"""The Slack connection under ztbot's Slack front end: the Web API client (with retries), the
Bolt app, Socket Mode or the HTTP listener, request tracking for a clean stop, file downloads
with the bot token, the admin group look-up, and Web API calls that log instead of raising."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import (
    SlackMessage,
    render_escalation,
    render_markdown,
    resolved_blocks,
)
from bot.adapters.slack_http_guard import install as guard_http
from bot.adapters.slack_incoming import PLATFORM, BotIdentity, FileRef, action_place, file_ref
from bot.adapters.slack_setup import channel_problem, scope_problems
from bot.base.errors import ConfigError
from bot.base.settings import Settings
from bot.runtime.admin import ReportFile
from bot.runtime.frontdesk import (
    HANDOVER_FAILED,
    HANDOVER_POSTED,
    MAX_FILES,
    FrontDesk,
    HandOver,
    SetupProblem,
    Upload,
    file_verdict,
)

log = logging.getLogger(__name__)

EVENTS_PATH: Final = "/slack/events"
_TOKEN_SKIPPED: Final = "As you gave `client` as well, `token` will be unused."


class _NoTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that the token is unused; our client already carries that same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _TOKEN_SKIPPED


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _NoTokenSkippedWarning) for f in logger.filters):
        logger.addFilter(_NoTokenSkippedWarning())
    return logger


_RELEASE: Final = "zt_release"  # the request's release function in the Bolt context
_ADMIN_CACHE_S: Final = 60.0  # how long a user group's member list is trusted
_STOP_WAIT_S: Final = 10.0
# Errors that retrying will not fix: say what to do instead.
_HINTS: Final = {
    "channel_not_found": "the channel does not exist or the app cannot see it",
    "not_in_channel": "invite the app to the channel (/invite @ztbot)",
    "is_archived": "the channel is archived",
    "ratelimited": "Slack rate limit still hit after retries",
    "invalid_auth": "SLACK_BOT_TOKEN was rejected",
    "missing_scope": "the app lacks a scope; reinstall it from deploy/slack-manifest.yaml",
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where to answer in Slack: a channel and thread, or privately through a response URL."""

    channel: str
    thread: str
    user: str  # who acted (for private notes)
    respond: AsyncRespond | None = None  # set for private answers (`/zt` where the app can't post)


class SlackConnection:
    """The Slack side of ztbot's Slack front end: the Web API client, the Bolt app, the
    Socket Mode connection or HTTP listener, and the Web API calls the front end makes."""

    def __init__(
        self, settings: Settings, desk: FrontDesk, *, client: AsyncWebClient | None = None
    ) -> None:
        token = settings.secret("slack_bot_token")
        if token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.desk = desk
        self.socket_mode = settings.slack_socket_mode
        if self.socket_mode and settings.secret("slack_app_token") is None:
            raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (or set SLACK_MODE=http)")
        secret = settings.secret("slack_signing_secret")
        if not self.socket_mode and not secret:
            raise ConfigError("HTTP mode needs SLACK_SIGNING_SECRET")
        self._token = token
        # Retries: rate limits honour Retry-After; connection errors get a couple of tries.
        self._own_client = client is None
        self.client = client or AsyncWebClient(
            token=token,
            base_url=settings.slack_api_url,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            ],
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret or "",
            # Socket Mode requests are not signed; Bolt verifies HTTP ones.
            request_verification_enabled=not self.socket_mode,
            logger=_bolt_logger(),
        )
        self.me = BotIdentity()
        self.port: int | None = None  # the HTTP port actually bound (after start)
        self.processed = 0  # requests handled to the end (tests and stop() wait on it)
        self._inflight = 0
        self._changed = asyncio.Condition()
        self._admins: dict[str, tuple[float, frozenset[str]]] = {}
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._running = False
        self.app.use(self._track)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token, then listen (Socket Mode connection or HTTP server)."""
        # One connection pool for every Web API call and file download (the SDK would open a
        # session, and a TCP connection, per call otherwise).
        self._http = aiohttp.ClientSession()
        if self._own_client:
            self.client.session = self._http
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            await self._close_http()
            raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN: {_error(exc)}") from None
        except BaseException:
            await self._close_http()
            raise
        self.me = BotIdentity(user_id=auth.get("user_id"), bot_id=auth.get("bot_id"))
        if self.socket_mode:
            self._socket = AsyncSocketModeHandler(
                self.app, self.settings.secret("slack_app_token"), web_client=self.client
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in Socket Mode as %s", self.me.user_id)
        else:
            # Signature and timestamp are checked before Bolt parses a byte of the body.
            secret = self.settings.secret("slack_signing_secret") or ""
            web_app = guard_http(self.app.web_app(path=EVENTS_PATH), secret, EVENTS_PATH)
            self._runner = web.AppRunner(web_app, access_log=None)
            await self._runner.setup()
            self._site = web.TCPSite(
                self._runner, self.settings.slack_http_host, self.settings.slack_http_port
            )
            await self._site.start()
            server = self._site._server
            sockets = getattr(server, "sockets", None) or ()
            self.port = sockets[0].getsockname()[1] if sockets else None
            log.info(
                "slack: HTTP mode on %s:%s%s",
                self.settings.slack_http_host,
                self.port,
                EVENTS_PATH,
            )
        self._running = True

    async def stop(self) -> None:
        """Stop taking events, let replies in progress finish (bounded), close connections."""
        self._running = False
        if self._socket is not None:
            # close(), not disconnect(): a disconnected client would reconnect by itself.
            # Replies already being worked on use the Web API client, which stays open.
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._site is not None:
            await self._site.stop()
            self._site = None
        with contextlib.suppress(TimeoutError):
            await self.wait_idle(_STOP_WAIT_S)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._close_http()
        log.info("slack: stopped")

    async def _close_http(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def ready(self) -> bool:
        """Connected (Socket Mode) or listening (HTTP mode)."""
        if not self._running:
            return False
        if self._socket is not None:
            client = self._socket.client
            session = client.current_session
            return not client.closed and not client.stale and bool(session and not session.closed)
        return self._site is not None

    async def wait_idle(self, timeout: float) -> None:
        """Wait until no request is being worked on."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self._inflight == 0), timeout)

    async def wait_processed(self, count: int, timeout: float = 5.0) -> None:
        """Wait until `count` requests were handled to the end (for tests and benchmarks)."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.processed >= count and self._inflight == 0),
                timeout,
            )

    async def _track(
        self,
        context: AsyncBoltContext,
        response: BoltResponse,
        next_: Callable[[], Awaitable[None]],
    ) -> BoltResponse:
        """Middleware: count a request from its arrival until its listener is done.

        Bolt acknowledges first and runs the listener afterwards in a task of its own, so
        counting only inside listeners would let stop() miss one that is about to start. Every
        request reaches a listener (see `_on_other`), which releases it when done.
        """
        released = False

        async def release() -> None:
            nonlocal released
            if not released:
                released = True
                async with self._changed:
                    self._inflight -= 1
                    self.processed += 1
                    self._changed.notify_all()

        self._inflight += 1
        context[_RELEASE] = release
        await next_()
        return response

    @contextlib.asynccontextmanager
    async def _work(self, what: str, context: AsyncBoltContext) -> AsyncIterator[None]:
        """Run a listener's work; log (never raise) what goes wrong inside, then release it."""
        try:
            yield
        except Exception:
            log.exception("slack: %s failed", what)
        finally:
            release = context.get(_RELEASE)
            if release is not None:
                await release()

    # --- Web API ----------------------------------------------------------------------------

    async def _is_admin(self, user: str, group: str | None = None) -> bool:
        """A configured admin user id, or a member of the admin user group (`group`: the
        workspace's own, else the configured one)."""
        if user in self.settings.slack_admin_users:
            return True
        group = group or self.settings.slack_admin_group
        if not group:
            return False
        cached = self._admins.get(group)
        if cached is None or time.monotonic() - cached[0] > _ADMIN_CACHE_S:
            result = await self._safe(
                "usergroups.users.list", self.client.usergroups_users_list(usergroup=group)
            )
            members = frozenset(result.get("users") or ()) if result else frozenset()
            cached = (time.monotonic(), members)
            if result is not None:
                self._admins[group] = cached
        return user in cached[1]

    async def _fetch_files(self, files: list[FileRef]) -> tuple[list[Upload], list[str]]:
        """Download the files the front desk reads (text, screenshots); name those skipped."""
        out: list[Upload] = []
        skipped: list[str] = []
        limit = self.settings.max_attachment_bytes
        for ref in files[:MAX_FILES]:
            if ref.needs_info:
                info = await self._safe("files.info", self.client.files_info(file=ref.id))
                found = file_ref(info.get("file") or {}) if info else None
                if found is None:
                    continue
                ref = found
            verdict = file_verdict(ref.name, ref.size, limit, ref.mimetype)
            if verdict == "not_text":
                continue
            data = await self._download(ref, limit) if verdict != "too_big" else None
            if data is None or len(data) > limit:
                log.info("slack: file %s skipped (unreadable or over %d bytes)", ref.id, limit)
                skipped.append(ref.name)
                continue
            out.append(Upload(ref.name, data, ref.mimetype))
        return out, skipped

    async def _download(self, ref: FileRef, limit: int) -> bytes | None:
        if ref.url is None or self._http is None:
            return None
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._http.get(
                ref.url, headers=headers, timeout=aiohttp.ClientTimeout(total=30)
            ) as resp:
                if resp.status != 200 or resp.content_type == "text/html":
                    # Slack serves its login page when the token lacks files:read.
                    log.warning(
                        "slack: could not read file %s (HTTP %s, %s)",
                        ref.id,
                        resp.status,
                        resp.content_type,
                    )
                    return None
                return await resp.content.read(limit + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: could not read file %s: %s", ref.id, type(exc).__name__)
            return None

    async def _safe(self, method: str, call: Awaitable[Any]) -> Any:
        """Await a Web API call; Slack errors and network failures are logged, never raised."""
        try:
            return await call
        except SlackApiError as exc:
            code = _error(exc)
            hint = _HINTS.get(code)
            log.warning("slack: %s failed: %s%s", method, code, f" ({hint})" if hint else "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: %s failed: %s", method, type(exc).__name__)
        return None

    # --- posting ----------------------------------------------------------------------------

    async def _send_file(self, user: str, report: ReportFile) -> str:
        """Send the report to the admin in a direct message (reports are not for channels)."""
        opened = await self._safe("conversations.open", self.client.conversations_open(users=user))
        channel = str(((opened or {}).get("channel") or {}).get("id") or "")
        if not channel:
            return "I couldn't open a direct message to send the report."
        sent = await self._safe(
            "files.upload",
            self.client.files_upload_v2(
                channel=channel,
                content=report.content,
                filename=report.filename,
                title=report.filename,
                initial_comment="The ztbot report, as a page with charts (open it in a browser).",
            ),
        )
        return (
            f"I've sent you {report.filename} in a direct message."
            if sent
            else ("I couldn't upload the report; check the app's files:write scope.")
        )

    async def _channel_info(self, channel: str) -> tuple[Mapping[str, Any] | None, str | None]:
        try:
            result = await self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            return None, str(exc.response.get("error") or "error")
        return result.get("channel") or {}, None

    async def _say(self, place: Place, message: SlackMessage) -> Any:
        """Post in the conversation: its thread, or privately through a command's response URL.

        Returns something truthy when it was posted, None (logged) when Slack refused.
        """
        if place.respond is not None:
            return await respond_privately(place.respond, message)
        return await self._safe(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=place.channel,
                thread_ts=place.thread or None,
                unfurl_links=False,
                **message.kwargs(),
            ),
        )

    async def _tell(self, place: Place, markdown: str) -> None:
        """Say something to the person who acted only."""
        message = render_markdown(markdown)
        if place.respond is not None:
            await respond_privately(place.respond, message)
            return
        await self._safe(
            "chat.postEphemeral",
            self.client.chat_postEphemeral(
                channel=place.channel,
                user=place.user,
                thread_ts=place.thread or None,
                **message.kwargs(),
            ),
        )

    async def _close_buttons(self, body: Mapping[str, Any], place: Place, note: str) -> None:
        """Replace a reply's buttons by a note so nobody votes twice on it."""
        message = body.get("message") or {}
        _channel, _thread, ts = action_place(body)
        if not message.get("blocks") or not ts:
            return
        await self._safe(
            "chat.update",
            self.client.chat_update(
                channel=place.channel,
                ts=ts,
                text=str(message.get("text") or ""),
                blocks=resolved_blocks(message["blocks"], note),
            ),
        )

    async def _problems(self, team: str | None) -> list[SetupProblem]:
        """What ztbot lacks in workspace `team`: scopes, and each configured channel."""
        auth = await self._safe("auth.test", self.client.auth_test())
        granted = auth.headers.get("x-oauth-scopes") if auth is not None else None
        found = scope_problems(granted)
        config = await self.desk.workspace(PLATFORM, team)
        channels = sorted(config.ids("support_channels", self.settings))
        escalation = config.get("escalation_channel", self.settings)
        for channel in [*channels, *([escalation] if escalation else [])]:
            info, error = await self._channel_info(channel)
            problem = channel_problem(channel, info, error)
            if problem is not None:
                found.append(problem)
        return found

    async def _admin_in(self, user: str, team: str | None) -> bool:
        """An admin of this workspace: its own admin group when its admins set one."""
        config = await self.desk.workspace(PLATFORM, team)
        return await self._is_admin(user, config.get("admin_group", self.settings))

    async def _escalate(self, handover: HandOver, place: Place) -> None:
        """Post the hand-over summary where the support people are, and tell the user."""
        link = None
        if place.respond is None and place.thread:
            perma = await self._safe(
                "chat.getPermalink",
                self.client.chat_getPermalink(channel=place.channel, message_ts=place.thread),
            )
            if perma is not None:
                link = str(perma.get("permalink") or "") or None
        summary = render_escalation(
            handover.escalation,
            user=handover.escalation.user,
            link=link,
            group=handover.group,
            key=handover.key,
        )
        if handover.channel:
            posted = await self._safe(
                "chat.postMessage",
                self.client.chat_postMessage(
                    channel=handover.channel, unfurl_links=False, **summary.kwargs()
                ),
            )
        else:  # no support channel configured: the summary goes in the conversation itself
            posted = await self._say(place, summary)
        if posted is None:
            log.warning("slack: a hand-over could not be posted")
        await self._say(place, render_markdown(HANDOVER_POSTED if posted else HANDOVER_FAILED))


async def respond_privately(respond: AsyncRespond, message: SlackMessage) -> bool | None:
    """Answer privately through a command's or a private message's response URL."""
    try:
        await respond(response_type="ephemeral", replace_original=False, **message.kwargs())
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("slack: response_url failed: %s", type(exc).__name__)
        return None
    return True


def _error(exc: SlackApiError) -> str:
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, Mapping):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"
