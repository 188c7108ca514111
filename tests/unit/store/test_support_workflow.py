"""The support workflow's times on a conversation: the first of each step counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.batch import write_batch
from bot.store.db import make_engine, upgrade
from bot.store.models import Conversation
from bot.store.records import ConversationRef, Record, SupportRecord, TurnRecord
from bot.store.writer import session_factory

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def apply(session: Session, record: Record) -> None:
    """Write one record as the writer does (a batch of one), in the session's transaction."""
    write_batch(session.connection(), [record])


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


def test_report_shows_time_to_first_human_answer_and_to_resolution(db_url: str) -> None:
    """Three hand-overs (one claimed after 4 min and resolved after 1 h, one claimed after
    10 min, one untouched): counts, medians, the report's lines, and the JSON round trip."""
    from dataclasses import replace

    from bot.reports.usage import Report, build_report, render_report

    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        for i, key in enumerate(("a", "b", "c")):
            apply(session, replace(_turn(key), id=str(i) * 32))
            apply(session, SupportRecord(key, "escalated", T0))
        apply(session, SupportRecord("a", "claimed", T0 + timedelta(minutes=4), "h"))
        apply(session, SupportRecord("a", "resolved", T0 + timedelta(hours=1), "h"))
        apply(session, SupportRecord("b", "claimed", T0 + timedelta(minutes=10), "h"))
    with sessions() as session:
        report = build_report(session, since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))
    engine.dispose()
    stats = report.handovers
    assert stats is not None
    assert (stats.escalated, stats.claimed, stats.resolved) == (3, 2, 1)
    assert stats.to_first_human_s == 7 * 60
    assert stats.to_resolution_s == 3600
    text = render_report(report)
    assert "Hand-overs to people  3  (2 claimed, 1 resolved)" in text
    assert "median time to first human answer  7 min" in text
    assert "median time to resolution          60 min" in text
    assert Report.from_dict(report.to_dict()) == report
