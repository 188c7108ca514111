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
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import (
    ACTION_CHOICE_PREFIX,
    ACTION_CLAIM,
    ACTION_NOT_HELPFUL,
    ACTION_RESOLVE,
    ACTION_SHARE,
    ACTION_SOLVED,
    ACTION_TOPIC,
    claimed_blocks,
    escape,
    parse_choice_value,
    render,
    render_markdown,
    topic_menu,
)
from bot.adapters.slack_connection import Place, SlackConnection, respond_privately
from bot.adapters.slack_home import home_view
from bot.adapters.slack_incoming import (
    DIAGNOSE_CALLBACK,
    PLATFORM,
    action_place,
    action_value,
    conversation_key,
    edited_message,
    is_dm,
    is_from_bot,
    is_long_paste,
    parse_command,
    reply_thread,
    shortcut_incoming,
    shortcut_message,
    should_answer,
    team_of,
    text_files,
    to_incoming,
)
from bot.base.settings import Settings
from bot.core.models import Incoming, Reply
from bot.runtime.admin import AdminActions, ReportFile
from bot.runtime.frontdesk import (
    FrontDesk,
    Outcome,
    echo,
    setup_line,
    setup_report,
    wants_feedback,
)

log = logging.getLogger(__name__)


_MEMORY: Final = 10_000  # threads and event ids remembered
CANNOT_POST: Final = (
    "I can't post in that conversation. Invite me first (`/invite @ztbot`), then try again."
)


class SlackFrontEnd(SlackConnection):
    """ztbot in Slack: Bolt's listeners hand events to the front desk and render what it says."""

    name = "slack"

    def __init__(
        self,
        settings: Settings,
        desk: FrontDesk,
        admin: AdminActions,
        *,
        client: AsyncWebClient | None = None,
    ) -> None:
        super().__init__(settings, desk, client=client)
        self.admin = admin
        self._threads: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._register()

    # --- listeners --------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.event("app_mention")(self._on_event)
        app.event("message")(self._on_event)
        app.event("app_home_opened")(self._on_home)
        app.command("/zt")(self._on_command)
        app.action(ACTION_SOLVED)(self._on_feedback)
        app.action(ACTION_NOT_HELPFUL)(self._on_feedback)
        app.action(_choice_pattern())(self._on_choice)
        app.message_shortcut(DIAGNOSE_CALLBACK)(self._on_diagnose)
        app.action(ACTION_SHARE)(self._on_share)
        app.action(ACTION_TOPIC)(self._on_topic)
        app.action(ACTION_CLAIM)(self._on_handover)
        app.action(ACTION_RESOLVE)(self._on_handover)
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
            if event.get("subtype") == "message_changed":
                await self._on_edit(event, team)
                return
            config = await self.desk.workspace(PLATFORM, team)
            if not should_answer(
                event,
                me=self.me,
                support_channels=config.ids("support_channels", self.settings),
                bot_threads=self._threads,
            ) and not await self._resumed_thread(event, team):
                return
            event_id = body.get("event_id")
            await self._answer_message(event, team, str(event_id) if event_id else None)

    async def _on_home(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """The user opened ztbot's Home tab: publish their home page."""
        event = body.get("event") or {}
        async with self._work("home", context):
            if event.get("tab") != "home" or not event.get("user"):
                return
            user = str(event["user"])
            place = Place(str(event.get("channel") or ""), "", user)
            home = await self.desk.home(self._incoming(team_of(body), place, "", ""))
            await self._safe(
                "views.publish", self.client.views_publish(user_id=user, view=home_view(home))
            )

    async def _on_edit(self, event: Mapping[str, Any], team: str) -> None:
        """A user edited a message: the front desk decides whether it is answered again."""
        edited = edited_message(event)
        if edited is None or is_from_bot(edited, self.me):
            return
        channel, ts = str(edited["channel"]), str(edited["ts"])
        when = str((edited.get("edited") or {}).get("ts") or event.get("event_ts") or "")
        incoming = to_incoming(
            edited, team=team, event_id=f"edit:{channel}:{ts}:{when}", me=self.me
        )
        if incoming is None:
            return
        outcome = await self.desk.edited(incoming, f"{channel}:{ts}")
        if not outcome.silent:
            user = str(edited.get("user") or "")
            await self._deliver(outcome, Place(channel, reply_thread(edited), user))

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
        thread = reply_thread(event)
        files = text_files(event)
        working = is_long_paste(str(event.get("text") or ""), len(files))
        ts = str(event.get("ts") or "")
        if working:
            await self._safe(
                "reactions.add",
                self.client.reactions_add(channel=channel, timestamp=ts, name="eyes"),
            )
        try:
            uploads, skipped = await self._fetch_files(files)
            incoming = to_incoming(
                event, team=team, event_id=event_id, me=self.me, files=len(uploads)
            )
            if incoming is None:
                return
            addressed = event.get("type") == "app_mention" or is_dm(event)
            outcome = await self.desk.message(
                incoming, addressed=addressed, skipped=skipped, uploads=uploads
            )
            answer = await self._deliver(outcome, Place(channel, thread, user))
            if answer:
                self.desk.answered(f"{channel}:{ts}", answer)
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
                await self._admin(place, where, command.text)
            elif command.kind == "topic" and not command.text:
                choices = [(c.topic, c.title) for c in self.desk.topics(limit=100)]
                await self._say(place, topic_menu(choices))
            elif command.kind == "topic":
                await self._deliver(await self.desk.topic(where, command.text), place)
            elif command.private and place.respond is not None:
                outcome = await self.desk.message(replace(where, text=command.text), private=True)
                await self._deliver(outcome, place)
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

    async def _on_share(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """ "Share in channel" on a private answer: the question and its answer, in public."""
        await ack()
        async with self._work("share", context):
            place, where = self._clicked(body, respond)
            outcome = self.desk.share(where, action_value(body))
            if outcome.public is None:
                await self._deliver(outcome, place)
                return
            public = Place(place.channel, "", place.user)
            await self._ask(where, public, outcome.public)
            if place.respond is not None:
                await self._safe("response_url", place.respond(delete_original=True))

    async def _on_topic(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """A topic picked from the `/zt topic` menu: its answer, privately, with Share."""
        await ack()
        async with self._work("topic menu", context):
            place, where = self._clicked(body, respond)
            if (body.get("container") or {}).get("type") == "view":
                # From the Home tab: the answer goes to the app's messages with the user.
                place = Place(place.user, "", place.user)
                where = self._incoming(team_of(body), place, "", "")
            outcome = await self.desk.topic(where, action_value(body))
            if place.respond is None:
                outcome = replace(outcome, share=False)
            await self._deliver(outcome, place)

    async def _on_handover(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """Claim / Resolve on a hand-over post: the post shows who took it and when."""
        await ack()
        async with self._work("hand-over button", context):
            place, where = self._clicked(body, respond)
            key = action_value(body)
            claim = (body.get("actions") or [{}])[0].get("action_id") == ACTION_CLAIM
            outcome = await (self.desk.claim if claim else self.desk.resolve)(where, key)
            if outcome.private:
                await self._tell(Place(place.channel, "", place.user), outcome.private)
            message = body.get("message") or {}
            _channel, _thread, ts = action_place(body)
            if outcome.claim is None or not message.get("blocks") or not ts:
                return
            state = outcome.claim
            await self._safe(
                "chat.update",
                self.client.chat_update(
                    channel=place.channel,
                    ts=ts,
                    text=str(message.get("text") or "Support needed"),
                    blocks=claimed_blocks(message["blocks"], key, state.step, state.by, state.at),
                ),
            )

    async def _on_diagnose(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """The "Diagnose with ztbot" message shortcut: the chosen message, answered in its
        thread; the person who chose it is told privately where the answer went."""
        await ack()
        async with self._work("diagnose shortcut", context):
            event = shortcut_message(body)
            by = str((body.get("user") or {}).get("id") or "")
            uploads, skipped = await self._fetch_files(text_files(event))
            incoming = shortcut_incoming(body, me=self.me)
            if incoming is None:
                return
            outcome = await self.desk.diagnose(incoming, by=by, skipped=skipped, uploads=uploads)
            private = outcome.private
            if outcome.reply is not None:
                place = Place(incoming.channel or "", incoming.thread or "", by)
                if await self._post_reply(place, outcome.reply) is None:
                    private = CANNOT_POST
            if private and body.get("response_url"):
                await respond_privately(respond, render_markdown(private))

    async def _admin(self, place: Place, where: Incoming, command: str) -> None:
        user = place.user
        admin = await self._admin_in(user, where.workspace)
        verb, _, rest = command.partition(" ")
        if verb == "config":  # the workspace's own settings, kept by the front desk
            await self._tell(
                place, (await self.desk.config(where, rest, admin=admin)).private or ""
            )
            return
        if verb == "status" and admin:  # what ztbot lacks here, with the fixes
            await self._tell(place, setup_report(await self._problems(where.workspace)))
            return
        if not admin:
            log.warning("slack: refused admin command %r from %s", command.split()[:1], user)
            await self._tell(
                place,
                "Sorry, admin commands are only for the bot's admins. "
                "Ask one of them if the knowledge needs reloading or a report.",
            )
            return
        result = await asyncio.to_thread(self.admin.run_any, command, f"slack:{user}")
        if isinstance(result, ReportFile):
            result = await self._send_file(user, result)
        await self._tell(place, result)

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
                moderator=await self._admin_in(place.user, where.workspace),
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

    async def start(self) -> None:
        """Connect, then log in one line what ztbot lacks in its workspace."""
        await super().start()
        auth = await self._safe("auth.test", self.client.auth_test())
        team = str(auth.get("team_id") or "") if auth else ""
        problems = await self._problems(team)
        (log.warning if problems else log.info)(
            "slack: %s", setup_line(f"workspace {team}", problems)
        )

    def _clicked(self, body: Mapping[str, Any], respond: AsyncRespond) -> tuple[Place, Incoming]:
        """Where a button was pressed and by whom; private answers reply through response_url."""
        user = str((body.get("user") or {}).get("id") or "")
        channel, thread, ts = action_place(body)
        if channel.startswith("D") and thread == ts:
            thread = ""  # a DM answered inline: what the click brings is answered inline too
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
    ) -> str | None:
        """Do what the front desk decided, in Slack; the ts of the reply posted, if any."""
        posted: str | None = None
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
        if outcome.reply is not None and outcome.update is not None:
            message = render(outcome.reply, feedback=wants_feedback(outcome.reply))
            await self._safe(
                "chat.update",
                self.client.chat_update(
                    channel=place.channel, ts=outcome.update, **message.kwargs()
                ),
            )
        elif outcome.reply is not None:
            posted = await self._post_reply(place, outcome.reply, share=outcome.share)
        if outcome.notice:
            await self._say(place, render_markdown(outcome.notice))
        if outcome.handover is not None:
            await self._escalate(outcome.handover, place)
        return posted

    # --- Slack calls ------------------------------------------------------------------------

    async def _post_reply(self, place: Place, reply: Reply, *, share: bool = False) -> str | None:
        """Post a reply; its ts ("" when private), None when Slack refused it."""
        message = render(reply, feedback=wants_feedback(reply), share=share)
        posted = await self._say(place, message)
        if posted is None:
            return None
        if place.respond is not None:
            return ""
        _remember(self._threads, (place.channel, place.thread))
        return str(posted.get("ts") or "")


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
