"""Intention-revealing reads over a Session, and pruning (writes go through batch.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from bot.store.models import (
    Candidate,
    Conversation,
    DeadLetter,
    Feedback,
    Finding,
    KnowledgeVersion,
    Turn,
)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def newest_knowledge(session: Session) -> tuple[str, datetime, dict[str, str] | None] | None:
    """The most recently first-loaded knowledge version, when it was loaded, and its files."""
    row = session.execute(
        select(KnowledgeVersion.version, KnowledgeVersion.loaded_at, KnowledgeVersion.content)
        .order_by(KnowledgeVersion.loaded_at.desc(), KnowledgeVersion.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row[0], as_utc(row[1]), row[2])


def knowledge_loaded_at(session: Session, version: str) -> datetime | None:
    """When `version` was first recorded, or None."""
    found = session.scalar(
        select(KnowledgeVersion.loaded_at).where(KnowledgeVersion.version == version)
    )
    return None if found is None else as_utc(found)


def turn_for_event(db: Session | Connection, platform: str, event_id: str) -> str | None:
    """The id of the turn that answered this platform event, if any."""
    return db.execute(
        select(Turn.id).where(Turn.platform == platform, Turn.event_id == event_id)
    ).scalar()


def load_context(
    db: Session | Connection, key: str
) -> tuple[dict[str, Any] | None, datetime | None]:
    """A conversation's stored context and when it was last active."""
    row = db.execute(
        select(Conversation.context, Conversation.last_seen_at).where(Conversation.key == key)
    ).one_or_none()
    if row is None:
        return None, None
    return row[0], as_utc(row[1])


def prune(session: Session, older_than: datetime) -> dict[str, int]:
    """Delete turns (with their candidates, findings, feedback), idle conversations and
    dead letters older than `older_than`."""
    old_turns = select(Turn.id).where(Turn.created_at < older_than)
    counts = {}
    for model in (Candidate, Finding, Feedback):
        result = session.execute(delete(model).where(model.turn_id.in_(old_turns)))
        counts[model.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(delete(Turn).where(Turn.created_at < older_than))
    counts["turns"] = int(getattr(result, "rowcount", 0) or 0)
    idle = select(Conversation.id).where(
        Conversation.last_seen_at < older_than,
        ~Conversation.id.in_(select(Turn.conversation_id)),
    )
    result = session.execute(delete(Conversation).where(Conversation.id.in_(idle)))
    counts["conversations"] = int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(delete(DeadLetter).where(DeadLetter.created_at < older_than))
    counts["dead_letters"] = int(getattr(result, "rowcount", 0) or 0)
    return counts
