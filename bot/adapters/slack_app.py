"""The Slack front end: slack-bolt's AsyncApp wired to the support service.

Socket Mode (the default: no public URL) or HTTP mode (`POST /slack/events` for events,
interactivity and the slash command, signatures verified by Bolt). What the bot listens to:
mentions, direct messages, every message in the configured support channels, replies in threads
it answers in, `/zt`, and its own buttons. Turning events into `Incoming` and replies into
blocks is done by the pure modules `slack_incoming` and `slack_blocks`; this module only talks
to Slack. The service is synchronous, so it is called with `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Final

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import (
    ACTION_CHOICE_PREFIX,
    ACTION_NOT_HELPFUL,
    ACTION_SOLVED,
    SlackMessage,
    escape,
    faq_link,
    help_message,
    parse_choice_value,
    render,
    render_escalation,
    render_markdown,
    resolved_blocks,
    section,
)
from bot.adapters.slack_http_guard import install as guard_http
from bot.adapters.slack_incoming import (
    PLATFORM,
    BotIdentity,
    FileRef,
    action_place,
    action_value,
    conversation_key,
    file_ref,
    is_long_paste,
    parse_command,
    should_answer,
    team_of,
    text_files,
    thread_of,
    to_incoming,
)
from bot.base.errors import ConfigError, UserFacingError
from bot.base.settings import Settings
from bot.core.models import Attachment, Incoming, Reply
from bot.runtime.admin import AdminActions
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService

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
_MEMORY: Final = 10_000  # threads and event ids remembered
_MAX_FILES: Final = 3  # files read per message
_ADMIN_CACHE_S: Final = 60.0  # how long a user group's member list is trusted
_STOP_WAIT_S: Final = 10.0
_APOLOGY: Final = "Sorry, something went wrong on my side. Please try again in a moment."
# Errors that retrying will not fix: say what to do instead.
_HINTS: Final = {
    "channel_not_found": "the channel does not exist or the app cannot see it",
    "not_in_channel": "invite the app to the channel (/invite @ztbot)",
    "is_archived": "the channel is archived",
    "ratelimited": "Slack rate limit still hit after retries",
    "invalid_auth": "SLACK_BOT_TOKEN was rejected",
    "missing_scope": "the app lacks a scope; reinstall it from deploy/slack-manifest.yaml",
}


class SlackFrontEnd:
    """ztbot in Slack: a Bolt AsyncApp over Socket Mode or HTTP."""

    name = "slack"

    def __init__(
        self,
        settings: Settings,
        service: SupportService,
        admin: AdminActions,
        limiter: RateLimiter,
        *,
        client: AsyncWebClient | None = None,
    ) -> None:
        token = settings.secret("slack_bot_token")
        if token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.service = service
        self.admin = admin
        self.limiter = limiter
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
        self._threads: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._events: OrderedDict[str, None] = OrderedDict()
        self._admins: dict[str, tuple[float, frozenset[str]]] = {}
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._running = False
        self._register()

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

    # --- listeners --------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.use(self._track)
        app.event("app_mention")(self._on_event)
        app.event("message")(self._on_event)
        app.command("/zt")(self._on_command)
        app.action(ACTION_SOLVED)(self._on_solved)
        app.action(ACTION_NOT_HELPFUL)(self._on_not_helpful)
        app.action(_choice_pattern())(self._on_choice)
        # Last, so they only see what nothing above took: acknowledged and ignored.
        anything = re.compile(".*")
        for register in (app.event, app.action, app.command, app.view, app.shortcut, app.options):
            register(anything)(self._on_other)
        app.error(self._on_error)

    async def _on_other(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        """Requests ztbot does not handle (another app's buttons, events it did not ask for)."""
        async with self._work("other", context):
            await ack()

    async def _on_error(self, error: Exception) -> None:
        log.error("slack: unhandled %s in a listener: %s", type(error).__name__, error)

    async def _on_event(
        self, body: dict[str, Any], request: AsyncBoltRequest, context: AsyncBoltContext
    ) -> None:
        """Mentions, DMs, support channel messages and thread follow-ups (already acked)."""
        event = body.get("event") or {}
        async with self._work("event", context):
            team = team_of(body)
            if not should_answer(
                event,
                me=self.me,
                support_channels=self.settings.slack_support_channels,
                bot_threads=self._threads,
            ) and not await self._resumed_thread(event, team):
                return
            event_id = body.get("event_id")
            if event_id and not self._first_delivery(str(event_id), request):
                return
            await self._answer_message(event, team, str(event_id) if event_id else None)

    async def _resumed_thread(self, event: Mapping[str, Any], team: str) -> bool:
        """A reply in a thread the bot answered before this process started (the thread's
        conversation is in the database), so follow-ups survive restarts and replicas."""
        thread = event.get("thread_ts")
        store = self.service.store
        if thread is None or store is None:
            return False
        if not should_answer(event, me=self.me, support_channels=(), bot_threads=_ANY_THREAD):
            return False
        channel = str(event.get("channel") or "")
        key = conversation_key(team, channel, str(thread))
        data, _seen = await asyncio.to_thread(store.context_of, key)  # None if the DB is down
        if data is None:
            return False
        _remember(self._threads, (channel, str(thread)))
        return True

    def _first_delivery(self, event_id: str, request: AsyncBoltRequest) -> bool:
        """False for a retry of an event this process already took (answered or in progress).

        The service also refuses event ids it has logged, which covers restarts and replicas.
        """
        if event_id in self._events:
            retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("slack: event %s delivered again (retry %s) ignored", event_id, retry)
            return False
        _remember(self._events, event_id)
        return True

    async def _answer_message(
        self, event: Mapping[str, Any], team: str, event_id: str | None
    ) -> None:
        channel = str(event.get("channel") or "")
        user = str(event.get("user") or "")
        thread = thread_of(event)
        if not await self._within_limit(team, user, channel, thread):
            return
        files = text_files(event)
        working = is_long_paste(str(event.get("text") or ""), len(files))
        ts = str(event.get("ts") or "")
        if working:
            await self._safe(
                "reactions.add",
                self.client.reactions_add(channel=channel, timestamp=ts, name="eyes"),
            )
        try:
            attachments = await self._fetch_files(files, channel, user, thread)
            incoming = to_incoming(
                event, team=team, event_id=event_id, me=self.me, attachments=attachments
            )
            if incoming is None:
                return
            await self._handle_and_post(incoming, channel, thread)
        finally:
            if working:
                await self._safe(
                    "reactions.remove",
                    self.client.reactions_remove(channel=channel, timestamp=ts, name="eyes"),
                )

    async def _handle_and_post(self, incoming: Incoming, channel: str, thread: str) -> None:
        """Ask the service and post its reply in the thread (an apology if it fails)."""
        try:
            reply = await asyncio.to_thread(self.service.handle, incoming)
        except UserFacingError as exc:
            await self._post(channel, thread, render_markdown(str(exc)))
            return
        except Exception:
            log.exception("slack: the service failed on a message")
            await self._post(channel, thread, render_markdown(_APOLOGY))
            return
        if reply is None:  # a redelivered event already answered (maybe by another replica)
            return
        await self._post_reply(channel, thread, reply)

    async def _on_command(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """`/zt <question>`, `/zt help`, `/zt admin reload|report [7d]`."""
        await ack()
        async with self._work("slash command", context):
            command = parse_command(str(body.get("text") or ""))
            user = str(body.get("user_id") or "")
            channel = str(body.get("channel_id") or "")
            team = team_of(body)
            if command.kind == "help":
                titles = [t.title for t in self.service.engine.kb.topics]
                await _respond(respond, help_message(titles))
            elif command.kind == "admin":
                await self._admin(respond, user, command.text)
            else:
                await self._ask(respond, team, user, channel, command.text)

    async def _ask(
        self, respond: AsyncRespond, team: str, user: str, channel: str, question: str
    ) -> None:
        """Post the question in the channel and answer it in a thread under it."""
        if not self.limiter.allow(f"{PLATFORM}:{team}:{user}"):
            await _respond(respond, render_markdown(self._slow_down(team, user)))
            return
        posted = await self._safe(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=channel,
                text=f"<@{user}> asked: {escape(question)}",
                unfurl_links=False,
            ),
        )
        thread = str(posted.get("ts")) if posted else None
        dm = channel.startswith("D")
        incoming = Incoming(
            text=question,
            platform=PLATFORM,
            user=user,
            conversation=conversation_key(team, channel, thread or f"cmd-{user}", is_dm=dm),
            workspace=team or None,
            channel=channel,
            thread=thread,
        )
        if thread is not None:
            await self._handle_and_post(incoming, channel, thread)
            return
        # The app cannot post here (a private channel it is not in, a group DM): answer
        # privately through the command's response URL instead.
        try:
            reply = await asyncio.to_thread(self.service.handle, incoming)
        except UserFacingError as exc:
            await _respond(respond, render_markdown(str(exc)))
            return
        if reply is not None:
            await _respond(respond, self._render(reply))

    async def _admin(self, respond: AsyncRespond, user: str, command: str) -> None:
        if not await self._is_admin(user):
            log.warning("slack: refused admin command %r from %s", command.split()[:1], user)
            await _respond(
                respond,
                render_markdown(
                    "Sorry, admin commands are only for the bot's admins. "
                    "Ask one of them if the knowledge needs reloading or a report."
                ),
            )
            return
        text = await asyncio.to_thread(self.admin.run, command, f"slack:{user}")
        await _respond(respond, render_markdown(text))

    async def _is_admin(self, user: str) -> bool:
        """A configured admin user id, or a member of the configured admin user group."""
        if user in self.settings.slack_admin_users:
            return True
        group = self.settings.slack_admin_group
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

    async def _on_solved(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Solved: positive feedback, a ✅ on the question, buttons replaced by a note."""
        await ack()
        async with self._work("solved", context):
            turn = action_value(body)
            user = str((body.get("user") or {}).get("id") or "")
            channel, thread, ts = action_place(body)
            if turn:  # a button without a turn (an edited message) still closes the thread
                await asyncio.to_thread(self.service.solved, turn, user)
            await self._safe(
                "reactions.add",
                self.client.reactions_add(
                    channel=channel, timestamp=thread, name="white_check_mark"
                ),
            )
            await self._close_buttons(body, channel, ts, f":white_check_mark: Solved (<@{user}>)")
            await self._post(
                channel, thread, render_markdown("Glad that helped! I've marked this as solved.")
            )

    async def _on_not_helpful(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Not helpful: the next topics, or the hand-over to people the second time."""
        await ack()
        async with self._work("not helpful", context):
            turn = action_value(body) or None
            incoming = self._action_incoming(body, "")
            channel, thread, ts = action_place(body)
            reply = await asyncio.to_thread(self.service.decline, incoming, turn)
            await self._close_buttons(
                body, channel, ts, f"Marked not helpful by <@{incoming.user}>"
            )
            await self._post_reply(channel, thread, reply)
            if reply.escalation is not None:
                await self._escalate(reply, incoming.user, channel, thread)

    async def _on_choice(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """A "did you mean" button: answer as if the user had typed that topic."""
        await ack()
        async with self._work("choice", context):
            _turn, number, title = parse_choice_value(action_value(body))
            # The title (not the number) picks the topic, so an older offer still works.
            incoming = self._action_incoming(body, title or str(number))
            channel, thread, _ts = action_place(body)
            team = incoming.workspace or ""
            if not await self._within_limit(team, incoming.user, channel, thread):
                return
            await self._handle_and_post(incoming, channel, thread)

    def _action_incoming(self, body: Mapping[str, Any], text: str) -> Incoming:
        team = team_of(body)
        user = str((body.get("user") or {}).get("id") or "")
        channel, thread, _ts = action_place(body)
        return Incoming(
            text=text,
            platform=PLATFORM,
            user=user,
            conversation=conversation_key(team, channel, thread, is_dm=channel.startswith("D")),
            workspace=team or None,
            channel=channel,
            thread=thread,
        )

    # --- escalation -------------------------------------------------------------------------

    async def _escalate(self, reply: Reply, user: str, channel: str, thread: str) -> None:
        """Post the hand-over summary where the support people are, and tell the user."""
        assert reply.escalation is not None
        link = None
        perma = await self._safe(
            "chat.getPermalink", self.client.chat_getPermalink(channel=channel, message_ts=thread)
        )
        if perma is not None:
            link = str(perma.get("permalink") or "") or None
        group = self.settings.slack_escalation_group
        target = self.settings.slack_escalation_channel
        summary = render_escalation(reply.escalation, user=user, link=link, group=group)
        if target:
            posted = await self._safe(
                "chat.postMessage",
                self.client.chat_postMessage(
                    channel=target, unfurl_links=False, **summary.kwargs()
                ),
            )
        else:  # no support channel configured: the summary goes in the thread itself
            posted = await self._post(channel, thread, summary)
        who = f"<!subteam^{group}>" if group else "the support team"
        where = f" in <#{target}>" if target else ""
        if posted is None:
            log.warning("slack: escalation for %s could not be posted", reply.turn_id)
            note = f"I couldn't reach {who} automatically; please ask in the support channel."
        else:
            note = f"I've alerted {who}{where} with a summary; someone will follow up here."
        await self._post(channel, thread, SlackMessage(text=note, blocks=(section(note),)))

    # --- Slack calls ------------------------------------------------------------------------

    def _render(self, reply: Reply) -> SlackMessage:
        kb = self.service.engine.kb
        return render(reply, faq=faq_link(kb, reply.topic, reply.section, self.settings.faq_url))

    async def _post_reply(self, channel: str, thread: str, reply: Reply) -> None:
        if await self._post(channel, thread, self._render(reply)) is not None:
            _remember(self._threads, (channel, thread))

    async def _post(self, channel: str, thread: str, message: SlackMessage) -> Any:
        """chat.postMessage in a thread; None (logged) when Slack refuses."""
        return await self._safe(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread, unfurl_links=False, **message.kwargs()
            ),
        )

    async def _close_buttons(
        self, body: Mapping[str, Any], channel: str, ts: str, note: str
    ) -> None:
        """Replace a reply's buttons by a note so nobody votes twice on it."""
        message = body.get("message") or {}
        if not message.get("blocks") or not ts:
            return
        await self._safe(
            "chat.update",
            self.client.chat_update(
                channel=channel,
                ts=ts,
                text=str(message.get("text") or ""),
                blocks=resolved_blocks(message["blocks"], note),
            ),
        )

    async def _within_limit(self, team: str, user: str, channel: str, thread: str) -> bool:
        """Count a message against the user's rate limit; over it, say so privately."""
        if self.limiter.allow(f"{PLATFORM}:{team}:{user}"):
            return True
        log.info("slack: rate limited %s:%s", team, user)
        await self._safe(
            "chat.postEphemeral",
            self.client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread, text=self._slow_down(team, user)
            ),
        )
        return False

    def _slow_down(self, team: str, user: str) -> str:
        wait = max(1, round(self.limiter.retry_after(f"{PLATFORM}:{team}:{user}")))
        return (
            f"You're sending messages faster than I can answer. Please wait {wait} s and try again."
        )

    async def _fetch_files(
        self, files: list[FileRef], channel: str, user: str, thread: str
    ) -> list[Attachment]:
        """Read text uploads with the bot token, skipping those over the size limit."""
        out: list[Attachment] = []
        limit = self.settings.max_attachment_bytes
        for ref in files[:_MAX_FILES]:
            if ref.needs_info:
                info = await self._safe("files.info", self.client.files_info(file=ref.id))
                found = file_ref(info.get("file") or {}) if info else None
                if found is None:
                    continue
                ref = found
            if ref.size is not None and ref.size > limit:
                await self._too_big(ref, channel, user, thread)
                continue
            data = await self._download(ref, limit)
            if data is None:
                continue
            if len(data) > limit:
                await self._too_big(ref, channel, user, thread)
                continue
            out.append(Attachment(name=ref.name, text=data.decode("utf-8", errors="replace")))
        return out

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

    async def _too_big(self, ref: FileRef, channel: str, user: str, thread: str) -> None:
        limit = self.settings.max_attachment_bytes
        log.info("slack: file %s skipped (over %d bytes)", ref.id, limit)
        text = (
            f"The file {escape(ref.name)} is larger than {limit:,} bytes, so I didn't read it. "
            "Paste the relevant part in a code block instead."
        )
        await self._safe(
            "chat.postEphemeral",
            self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=text),
        )

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


async def _respond(respond: AsyncRespond, message: SlackMessage) -> None:
    """Answer a slash command privately through its response URL."""
    try:
        await respond(response_type="ephemeral", replace_original=False, **message.kwargs())
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("slack: response_url failed: %s", type(exc).__name__)


def _error(exc: SlackApiError) -> str:
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, Mapping):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"


def _choice_pattern() -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(ACTION_CHOICE_PREFIX)}\d+$")


class _AnyThread:
    """A container holding every thread: asks should_answer "if the bot were in it"."""

    def __contains__(self, item: object) -> bool:
        return True


_ANY_THREAD: Final = _AnyThread()


def _remember(cache: OrderedDict[Any, None], key: Any) -> None:
    cache[key] = None
    cache.move_to_end(key)
    while len(cache) > _MEMORY:
        cache.popitem(last=False)
