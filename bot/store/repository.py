"""Intention-revealing reads over a Session, and pruning (writes go through batch.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from bot.store.models import (
    Candidate,
    ConfigChange,
    Conversation,
    DeadLetter,
    Feedback,
    Finding,
    KnowledgeVersion,
    Turn,
    WorkspaceSetting,
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


def recent_conversations(
    session: Session, platform: str, workspace: str | None, user_hash: str, limit: int
) -> list[tuple[str, str | None, str | None, datetime, bool, bool]]:
    """A user's newest conversations on a platform and workspace: (key, channel, thread, last
    seen, escalated, resolved), newest first."""
    rows = session.execute(
        select(
            Conversation.key,
            Conversation.channel,
            Conversation.thread,
            Conversation.last_seen_at,
            Conversation.escalated_at.is_not(None),
            Conversation.resolved_at.is_not(None),
        )
        .where(
            Conversation.platform == platform,
            Conversation.workspace == workspace,
            Conversation.user_hash == user_hash,
        )
        .order_by(Conversation.last_seen_at.desc())
        .limit(limit)
    ).all()
    return [(k, c, t, as_utc(seen), bool(e), bool(r)) for k, c, t, seen, e, r in rows]


def conversation_of_turn(session: Session, turn_id: str) -> str | None:
    """The key of the conversation a turn belongs to, if the turn is stored."""
    return session.scalars(
        select(Conversation.key)
        .join(Turn, Turn.conversation_id == Conversation.id)
        .where(Turn.id == turn_id)
    ).first()


def workspace_settings(session: Session, platform: str, workspace: str) -> dict[str, str]:
    """The settings a workspace's admins set (name: value)."""
    rows = session.execute(
        select(WorkspaceSetting.name, WorkspaceSetting.value).where(
            WorkspaceSetting.platform == platform, WorkspaceSetting.workspace == workspace
        )
    ).all()
    return {str(row[0]): str(row[1]) for row in rows}


def set_workspace_setting(
    session: Session,
    platform: str,
    workspace: str,
    name: str,
    value: str | None,
    by: str | None,
    at: datetime,
) -> str | None:
    """Set (or with None, remove) one workspace setting and audit the change; the old value."""
    row = session.scalars(
        select(WorkspaceSetting).where(
            WorkspaceSetting.platform == platform,
            WorkspaceSetting.workspace == workspace,
            WorkspaceSetting.name == name,
        )
    ).one_or_none()
    old = row.value if row is not None else None
    if value is None and row is not None:
        session.delete(row)
    elif value is not None and row is None:
        session.add(
            WorkspaceSetting(
                platform=platform,
                workspace=workspace,
                name=name,
                value=value,
                updated_at=at,
                updated_by=by,
            )
        )
    elif value is not None and row is not None:
        row.value, row.updated_at, row.updated_by = value, at, by
    session.add(
        ConfigChange(
            platform=platform, workspace=workspace, name=name, old=old, new=value, by=by, at=at
        )
    )
    return old
