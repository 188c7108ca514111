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
from dataclasses import dataclass, replace
from typing import Any, Final

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
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
    ACTION_CHOICE_PREFIX,
    ACTION_NOT_HELPFUL,
    ACTION_SOLVED,
    SlackMessage,
    escape,
    parse_choice_value,
    render,
    render_escalation,
    render_markdown,
    resolved_blocks,
)
from bot.adapters.slack_incoming import (
    PLATFORM,
    BotIdentity,
    FileRef,
    action_place,
    action_value,
    conversation_key,
    file_ref,
    is_dm,
    is_long_paste,
    parse_command,
    should_answer,
    team_of,
    text_files,
    thread_of,
    to_incoming,
)
from bot.base.errors import ConfigError
from bot.base.settings import Settings
from bot.core.models import Attachment, Incoming, Reply
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import (
    HANDOVER_FAILED,
    HANDOVER_POSTED,
    MAX_FILES,
    FrontDesk,
    HandOver,
    Outcome,
    echo,
    file_verdict,
    wants_feedback,
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
_MEMORY: Final = 10_000  # threads and event ids remembered
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


class SlackFrontEnd:
    """ztbot in Slack: a Bolt AsyncApp over Socket Mode or HTTP."""

    name = "slack"

    def __init__(
        self,
        settings: Settings,
        desk: FrontDesk,
        admin: AdminActions,
        *,
        client: AsyncWebClient | None = None,
    ) -> None:
        token = settings.secret("slack_bot_token")
        if token is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.desk = desk
        self.admin = admin
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
            self._runner = web.AppRunner(self.app.web_app(path=EVENTS_PATH), access_log=None)
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
        app.action(ACTION_SOLVED)(self._on_feedback)
        app.action(ACTION_NOT_HELPFUL)(self._on_feedback)
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

    async def _on_event(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
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
            await self._answer_message(event, team, str(event_id) if event_id else None)

    async def _resumed_thread(self, event: Mapping[str, Any], team: str) -> bool:
        """A reply in a thread the bot answered before this process started (the thread's
        conversation is known to the service), so follow-ups survive restarts and replicas."""
        thread = event.get("thread_ts")
        if thread is None:
            return False
        if not should_answer(event, me=self.me, support_channels=(), bot_threads=_ANY_THREAD):
            return False
        channel = str(event.get("channel") or "")
        if not await self.desk.knows(conversation_key(team, channel, str(thread))):
            return False
        _remember(self._threads, (channel, str(thread)))
        return True

    async def _answer_message(
        self, event: Mapping[str, Any], team: str, event_id: str | None
    ) -> None:
        channel = str(event.get("channel") or "")
        user = str(event.get("user") or "")
        thread = thread_of(event)
        files = text_files(event)
        working = is_long_paste(str(event.get("text") or ""), len(files))
        ts = str(event.get("ts") or "")
        if working:
            await self._safe(
                "reactions.add",
                self.client.reactions_add(channel=channel, timestamp=ts, name="eyes"),
            )
        try:
            attachments, skipped = await self._fetch_files(files)
            incoming = to_incoming(
                event, team=team, event_id=event_id, me=self.me, attachments=attachments
            )
            if incoming is None:
                return
            addressed = event.get("type") == "app_mention" or is_dm(event)
            outcome = await self.desk.message(incoming, addressed=addressed, skipped=skipped)
            await self._deliver(outcome, Place(channel, thread, user))
        finally:
            if working:
                await self._safe(
                    "reactions.remove",
                    self.client.reactions_remove(channel=channel, timestamp=ts, name="eyes"),
                )

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
            place = Place(channel, "", user, respond if body.get("response_url") else None)
            where = self._incoming(team_of(body), place, f"cmd-{user}", "")
            if command.kind == "help":
                await self._deliver(await self.desk.help(where), place)
            elif command.kind == "admin":
                await self._admin(place, user, command.text)
            else:
                await self._ask(where, place, command.text)

    async def _ask(self, where: Incoming, place: Place, question: str) -> None:
        """Post the question in the channel and answer it in a thread under it."""
        posted = await self._safe(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=place.channel,
                text=f"<@{place.user}> asked: {escape(echo(question))}",
                unfurl_links=False,
            ),
        )
        thread = str(posted.get("ts")) if posted else None
        team = where.workspace or ""
        if thread is not None:
            place = Place(place.channel, thread, place.user)
            where = self._incoming(team, place, thread, question)
        else:
            # The app cannot post here (a private channel it is not in, a group DM): the
            # answer goes privately through the command's response URL instead.
            where = replace(where, text=question)
        await self._deliver(await self.desk.message(where), place)

    async def _admin(self, place: Place, user: str, command: str) -> None:
        if not await self._is_admin(user):
            log.warning("slack: refused admin command %r from %s", command.split()[:1], user)
            await self._tell(
                place,
                "Sorry, admin commands are only for the bot's admins. "
                "Ask one of them if the knowledge needs reloading or a report.",
            )
            return
        text = await asyncio.to_thread(self.admin.run, command, f"slack:{user}")
        await self._tell(place, text)

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

    async def _on_feedback(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """Solved / Not helpful on one of the bot's replies."""
        await ack()
        async with self._work("feedback", context):
            place, where = self._clicked(body, respond)
            helpful = (body.get("actions") or [{}])[0].get("action_id") == ACTION_SOLVED
            outcome = await self.desk.feedback(
                where,
                action_value(body),
                helpful=helpful,
                moderator=await self._is_admin(place.user),
            )
            await self._deliver(outcome, place, clicked=body)

    async def _on_choice(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """A "did you mean" button: choice n of the reply that offered it."""
        await ack()
        async with self._work("choice", context):
            place, where = self._clicked(body, respond)
            turn, number, title = parse_choice_value(action_value(body))
            if turn is None:  # a button from before offers were kept: its title is the question
                outcome = await self.desk.message(replace(where, text=title))
            else:
                outcome = await self.desk.pick(where, turn, number)
            await self._deliver(outcome, place)

    def _clicked(self, body: Mapping[str, Any], respond: AsyncRespond) -> tuple[Place, Incoming]:
        """Where a button was pressed and by whom; private answers reply through response_url."""
        user = str((body.get("user") or {}).get("id") or "")
        channel, thread, _ts = action_place(body)
        private = bool((body.get("container") or {}).get("is_ephemeral"))
        place = Place(
            channel, thread, user, respond if private and body.get("response_url") else None
        )
        return place, self._incoming(team_of(body), place, thread, "")

    def _incoming(self, team: str, place: Place, thread: str, text: str) -> Incoming:
        return Incoming(
            text=text,
            platform=PLATFORM,
            user=place.user,
            conversation=conversation_key(
                team, place.channel, thread, is_dm=place.channel.startswith("D")
            ),
            workspace=team or None,
            channel=place.channel,
            thread=thread or None,
        )

    # --- outcomes ---------------------------------------------------------------------------

    async def _deliver(
        self, outcome: Outcome, place: Place, *, clicked: Mapping[str, Any] | None = None
    ) -> None:
        """Do what the front desk decided, in Slack."""
        if outcome.private:
            await self._tell(place, outcome.private)
        if clicked is not None and outcome.close is not None:
            verdict = ":white_check_mark: Solved" if outcome.close == "solved" else "Not helpful"
            who = f" (<@{outcome.by}>)" if outcome.by else ""
            await self._close_buttons(clicked, place, f"{verdict}{who}")
        if outcome.resolved and place.thread:
            await self._safe(
                "reactions.add",
                self.client.reactions_add(
                    channel=place.channel, timestamp=place.thread, name="white_check_mark"
                ),
            )
        if outcome.reply is not None:
            await self._post_reply(place, outcome.reply)
        if outcome.notice:
            await self._say(place, render_markdown(outcome.notice))
        if outcome.handover is not None:
            await self._escalate(outcome.handover, place)

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
            handover.escalation, user=handover.escalation.user, link=link, group=handover.group
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

    # --- Slack calls ------------------------------------------------------------------------

    async def _post_reply(self, place: Place, reply: Reply) -> None:
        message = render(reply, feedback=wants_feedback(reply))
        if await self._say(place, message) is not None and place.respond is None:
            _remember(self._threads, (place.channel, place.thread))

    async def _say(self, place: Place, message: SlackMessage) -> Any:
        """Post in the conversation: its thread, or privately through a command's response URL.

        Returns something truthy when it was posted, None (logged) when Slack refused.
        """
        if place.respond is not None:
            return await _respond(place.respond, message)
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
            await _respond(place.respond, message)
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

    async def _fetch_files(self, files: list[FileRef]) -> tuple[list[Attachment], list[str]]:
        """Read the text uploads the front desk accepts; name those skipped."""
        out: list[Attachment] = []
        skipped: list[str] = []
        limit = self.settings.max_attachment_bytes
        for ref in files[:MAX_FILES]:
            if ref.needs_info:
                info = await self._safe("files.info", self.client.files_info(file=ref.id))
                found = file_ref(info.get("file") or {}) if info else None
                if found is None:
                    continue
                ref = found
            verdict = file_verdict(ref.name, ref.size, limit)
            if verdict == "not_text":
                continue
            data = await self._download(ref, limit) if verdict == "read" else None
            if data is None or len(data) > limit:
                log.info("slack: file %s skipped (unreadable or over %d bytes)", ref.id, limit)
                skipped.append(ref.name)
                continue
            out.append(Attachment(name=ref.name, text=data.decode("utf-8", errors="replace")))
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


async def _respond(respond: AsyncRespond, message: SlackMessage) -> bool | None:
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
