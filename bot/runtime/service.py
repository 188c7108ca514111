"""SupportService: the one place that talks to both the engine and the store."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from bot.base.settings import Settings, StoreText
from bot.core.engine import Engine
from bot.core.handover import to_escalation, with_case
from bot.core.models import Choice, Context, Incoming, Offer, Reply
from bot.core.render import to_plain
from bot.core.state import context_from_json, context_to_json
from bot.knowledge.model import KnowledgeBase
from bot.store.privacy import hash_user, stored_text
from bot.store.records import (
    ConversationRef,
    FeedbackRecord,
    KnowledgeRecord,
    SupportRecord,
    SupportStep,
    TurnRecord,
)

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

_MEMORY: Final = 10_000  # conversations and event ids remembered in memory
_OFFERS: Final = 5  # "did you mean" offers (and judged replies) remembered per conversation


def conversation_key(incoming: Incoming) -> str:
    """platform + channel + thread (or the user in DMs), as the adapter built it."""
    return incoming.conversation or f"{incoming.platform}:user:{incoming.user}"


class SupportService:
    """Loads context, asks the engine, logs the turn, returns the reply."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        store: Store | None = None,
        salt: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        shared: bool = False,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.store = store
        self._salt = salt
        self._clock = clock
        # Shared: other processes (replicas, a restart) may serve the same conversations, so
        # the stored context is compared with the one remembered here before each turn.
        self._shared = shared
        self._contexts: OrderedDict[str, tuple[Context, datetime]] = OrderedDict()
        self._events: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._turns: OrderedDict[str, str] = OrderedDict()  # turn id -> conversation key
        # Adapters call in from worker threads; retries of one event can arrive concurrently.
        self._lock = threading.Lock()
        self.turn_listeners: list[TurnListener] = []
        self.feedback_listeners: list[Callable[[bool], None]] = []

    @property
    def knowledge(self) -> KnowledgeBase:
        """The knowledge base being answered from now (it changes on reload)."""
        return self.engine.kb

    def handle(self, incoming: Incoming) -> Reply | None:
        """The reply to `incoming`, or None for a redelivered event that was already answered."""
        if not self.claim(incoming):
            return None
        return self.answer(incoming)

    def claim(self, incoming: Incoming) -> bool:
        """Claim the message's event id; False for a redelivery already taken or answered."""
        if incoming.event_id is None or self._claim(incoming):
            return True
        log.info("redelivered event %s ignored", incoming.event_id)
        return False

    def answer(self, incoming: Incoming, choice: Choice | None = None) -> Reply:
        """The reply to `incoming` (already claimed), or to `choice` picked from an offer,
        logged as a turn."""
        key = conversation_key(incoming)
        now = self._clock()
        started = time.perf_counter()
        ctx = self._context(key, now)
        if choice is None:
            reply = self.engine.respond(incoming, ctx)
        else:
            reply = self.engine.choose(choice, ctx, incoming.text)
        reply = replace(reply, context=with_case(reply.context, incoming.text, reply))
        return self._finish(incoming, reply, key, now, started)

    def decline(self, incoming: Incoming, turn_id: str | None) -> Reply:
        """ "Not helpful": record it, offer the next topics, and the next time hand over to people.

        The reply's `escalation` is set when the adapter should alert the support team.
        """
        if turn_id is not None:
            self.feedback(turn_id, incoming.user, helpful=False)
        key = conversation_key(incoming)
        now = self._clock()
        started = time.perf_counter()
        ctx = self._context(key, now)
        ctx = replace(ctx, declined=ctx.declined + 1)
        if turn_id is not None:
            ctx = replace(ctx, judged=_judged(ctx.judged, turn_id))
        reply = self.engine.next_best(ctx) if ctx.declined == 1 else None
        if reply is None or not reply.choices:
            reply = Reply(
                kind="escalate",
                body=(
                    "Sorry I couldn't solve this. It needs a person: I've summarised what you "
                    "asked, what I found and the FAQ sections you have already seen."
                ),
                escalation=to_escalation(self.engine.kb, ctx, incoming),
                context=replace(ctx, choices=(), handed_over=True),
            )
        else:
            reply = replace(reply, context=replace(reply.context, declined=ctx.declined))
        return self._finish(incoming, reply, key, now, started)

    def solved(self, turn_id: str, user: str) -> None:
        """ "Solved": positive feedback on the turn."""
        self.feedback(turn_id, user, helpful=True)
        key = self.conversation_of(turn_id)
        if key is not None:
            with self._lock:
                cached = self._contexts.get(key)
                if cached is not None:
                    ctx, seen = cached
                    _remember(
                        self._contexts,
                        key,
                        (replace(ctx, judged=_judged(ctx.judged, turn_id)), seen),
                    )

    def state(self, key: str) -> Context:
        """The conversation's context as the next turn will see it (fresh when idle)."""
        return self._context(key, self._clock())

    def known(self, key: str) -> bool:
        """Whether the conversation was served before (here, by a replica, before a restart)."""
        with self._lock:
            if key in self._contexts:
                return True
        return self.store is not None and self.store.context_of(key)[0] is not None

    def conversation_of(self, turn_id: str) -> str | None:
        """The conversation a turn belongs to: remembered here, else looked up in the store."""
        with self._lock:
            key = self._turns.get(turn_id)
        if key is None and self.store is not None:
            key = self.store.conversation_of_turn(turn_id)
        return key

    def feedback(self, turn_id: str, user: str, *, helpful: bool) -> None:
        """Record helpful / not helpful for a turn (a user's later vote replaces the earlier)."""
        for listener in self.feedback_listeners:
            listener(helpful)
        if self.store is not None:
            self.store.submit(
                FeedbackRecord(turn_id, self._user_hash(user) or "", helpful, self._clock())
            )

    def support(self, key: str, step: SupportStep, user: str | None = None) -> datetime:
        """Record a support-workflow step (escalated, claimed, resolved) of conversation `key`;
        returns when it happened."""
        now = self._clock()
        if self.store is not None:
            who = self._user_hash(user) if user else None
            self.store.submit(SupportRecord(key, step, now, who))
        return now

    def recent(
        self, platform: str, workspace: str | None, user: str, limit: int = 5
    ) -> list[tuple[str, str | None, str | None, datetime, bool, bool]]:
        """The user's newest conversations from the store (empty without one)."""
        who = self._user_hash(user)
        if self.store is None or who is None:
            return []
        return self.store.recent_conversations(platform, workspace, who, limit)

    def workspace_settings(self, platform: str, workspace: str) -> dict[str, str] | None:
        """A workspace's own settings from the store (None without one, or when it is down)."""
        return None if self.store is None else self.store.workspace_settings(platform, workspace)

    def set_workspace_setting(
        self, platform: str, workspace: str, name: str, value: str | None, user: str
    ) -> str | None:
        """Set (None: remove) a workspace setting, audited with who did it; the old value."""
        if self.store is None:
            raise RuntimeError("no database to keep workspace settings in")
        return self.store.set_workspace_setting(
            platform, workspace, name, value, self._user_hash(user), self._clock()
        )

    def knowledge_loaded(
        self, loaded_by: str | None = None, content: Mapping[str, str] | None = None
    ) -> None:
        """Record the knowledge version this service answers with (and its files, for replicas)."""
        kb = self.engine.kb
        if self.store is not None:
            self.store.submit(
                KnowledgeRecord(
                    kb.version,
                    self._clock(),
                    loaded_by,
                    len(kb.topics),
                    dict(content) if content is not None else None,
                )
            )

    def swap_engine(self, engine: Engine, by: str, content: Mapping[str, str]) -> None:
        """Answer with `engine` from now on (called by the reloader) and record its version."""
        self.engine = engine
        self.knowledge_loaded(by, content)

    def close(self, timeout: float = 10.0) -> bool:
        """Flush buffered turns; False when some could not be written in time."""
        return self.store.close(timeout) if self.store is not None else True

    # --- internals --------------------------------------------------------------------------

    def _finish(
        self, incoming: Incoming, reply: Reply, key: str, now: datetime, started: float
    ) -> Reply:
        """Give the reply its turn id, remember the context, log the turn, tell the listeners."""
        latency_ms = (time.perf_counter() - started) * 1000
        turn_id = uuid.uuid4().hex
        reply = replace(
            reply, turn_id=turn_id, context=_kept(reply.context, incoming, turn_id, reply)
        )
        with self._lock:
            _remember(self._contexts, key, (reply.context, now))
            _remember(self._turns, turn_id, key)
        if self.store is not None:
            self.store.submit(self._turn_record(incoming, reply, key, now, latency_ms))
        for listener in self.turn_listeners:
            listener(incoming, reply, latency_ms)
        log.info(
            "turn %s platform=%s kind=%s topic=%s findings=%d latency_ms=%.2f",
            turn_id,
            incoming.platform,
            reply.kind,
            reply.topic,
            len(reply.findings),
            latency_ms,
            # The same values as fields, for JSON logs (bot/logs.py); ids only, never text.
            extra={
                "turn_id": turn_id,
                "event_id": incoming.event_id,
                "platform": incoming.platform,
                "kind": reply.kind,
                "topic": reply.topic,
                "findings": len(reply.findings),
                "latency_ms": round(latency_ms, 2),
            },
        )
        return reply

    def _claim(self, incoming: Incoming) -> bool:
        """Claim an event id for answering; False when it was already claimed or answered."""
        assert incoming.event_id is not None
        event = (incoming.platform, incoming.event_id)
        with self._lock:
            if event in self._events:
                return False
        # The database read stays outside the lock so other conversations are not held up;
        # a concurrent retry that also gets here is stopped by the second check.
        if self.store is not None and self.store.answered(*event):
            return False
        with self._lock:
            if event in self._events:
                return False
            _remember(self._events, event, "")
            return True

    def _context(self, key: str, now: datetime) -> Context:
        idle = self.settings.context_idle_s
        with self._lock:
            cached = self._contexts.get(key)
        found: tuple[Context, datetime] | None = cached
        if self.store is not None and (cached is None or self._shared):
            data, last = self.store.context_of(key)
            # The newer of the two wins: another replica may have served the conversation
            # since, while turns written here may still wait in the write buffer.
            if data is not None and last is not None and (cached is None or last > cached[1]):
                found = (context_from_json(data), last)
        if found is None:
            return Context()
        ctx, seen = found
        if (now - seen).total_seconds() > idle:
            return Context()
        return ctx

    def _turn_record(
        self, incoming: Incoming, reply: Reply, key: str, now: datetime, latency_ms: float
    ) -> TurnRecord:
        mode = self.settings.store_text
        user_hash = self._user_hash(incoming.user)
        assert reply.turn_id is not None
        return TurnRecord(
            id=reply.turn_id,
            conversation=ConversationRef(
                key=key,
                platform=incoming.platform,
                workspace=incoming.workspace,
                channel=incoming.channel,
                thread=incoming.thread,
                user_hash=user_hash,
            ),
            created_at=now,
            event_id=incoming.event_id,
            user_hash=user_hash,
            text=stored_text(incoming.text, mode),
            reply=stored_text(to_plain(reply), mode),
            kind=reply.kind,
            topic=reply.topic,
            section=reply.section,
            confidence=reply.confidence,
            uncovered=reply.uncovered,
            latency_ms=latency_ms,
            knowledge_version=self.engine.kb.version,
            has_output=bool(reply.outputs),
            candidates=tuple((c.topic, c.section, c.score) for c in reply.candidates),
            findings=tuple(
                (f.code, f.severity, stored_text(f.summary, mode) or "", " ".join(f.topics))
                for f in reply.findings
            ),
            context=context_to_json(_private(reply.context, mode)),
        )

    def _user_hash(self, user: str) -> str | None:
        return hash_user(user, self._salt) if user else None


def _kept(ctx: Context, incoming: Incoming, turn_id: str, reply: Reply) -> Context:
    """The context after this turn: who asked first, and the offer this reply makes."""
    asker = ctx.asker or incoming.user
    offers = ctx.offers
    if reply.choices:
        offers = (*offers, Offer(turn_id, reply.choices))[-_OFFERS:]
    return replace(ctx, asker=asker, offers=offers)


def _judged(judged: tuple[str, ...], turn_id: str) -> tuple[str, ...]:
    return judged if turn_id in judged else (*judged, turn_id)[-_OFFERS:]


def _private(ctx: Context, mode: StoreText) -> Context:
    """The context as the privacy setting allows it to be stored (the user's words)."""
    if mode == "full":
        return ctx
    return replace(ctx, asked=tuple(t for a in ctx.asked if (t := stored_text(a, mode))))


class TurnListener(Protocol):
    """Called after every turn (metrics, for example); must be quick and must not raise."""

    def __call__(self, incoming: Incoming, reply: Reply, latency_ms: float) -> None: ...


K = TypeVar("K")
V = TypeVar("V")


def _remember(cache: OrderedDict[K, V], key: K, value: V) -> None:
    """Put `key` in a bounded LRU cache, evicting the least recently used entries."""
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _MEMORY:
        cache.popitem(last=False)
