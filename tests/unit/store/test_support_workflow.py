"""The support workflow's times on a conversation: the first of each step counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store.db import make_engine, upgrade
from bot.store.models import Conversation
from bot.store.records import ConversationRef, SupportRecord, TurnRecord
from bot.store.repository import apply
from bot.store.writer import session_factory

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _turn(key: str) -> TurnRecord:
    return TurnRecord(
        id="a" * 32,
        conversation=ConversationRef(key, "slack"),
        created_at=T0,
        event_id=None,
        user_hash=None,
        text=None,
        reply=None,
        kind="answer",
        topic=None,
        section=None,
        confidence=1.0,
        uncovered=None,
        latency_ms=1.0,
        knowledge_version=None,
        has_output=False,
    )


def test_first_escalation_claim_and_resolution_are_kept(db_url: str) -> None:
    """Steps land on the conversation; a later claim, a repeat or an unknown key change nothing."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    steps = [
        SupportRecord("k", "escalated", T0 + timedelta(minutes=1)),
        SupportRecord("k", "claimed", T0 + timedelta(minutes=5), "h1"),
        SupportRecord("k", "claimed", T0 + timedelta(minutes=6), "h2"),
        SupportRecord("k", "resolved", T0 + timedelta(minutes=30), "h1"),
        SupportRecord("k", "resolved", T0 + timedelta(minutes=40), "h1"),
        SupportRecord("unknown", "escalated", T0),
    ]
    with sessions.begin() as session:
        apply(session, _turn("k"))
        for step in steps:
            apply(session, step)
    with sessions() as session:
        conv = session.scalars(select(Conversation).where(Conversation.key == "k")).one()
        got = [conv.escalated_at, conv.claimed_at, conv.resolved_at]
        assert [m.replace(tzinfo=UTC) for m in got if m is not None] == [
            T0 + timedelta(minutes=1),
            T0 + timedelta(minutes=5),
            T0 + timedelta(minutes=30),
        ]
        assert conv.claimed_by == "h1"
        assert session.scalars(select(Conversation.key)).all() == ["k"]
    engine.dispose()
