"""Intention-revealing reads and writes over a Session. Sync; the writer thread calls them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.models import (
    Candidate,
    ConfigChange,
    Conversation,
    Feedback,
    Finding,
    KnowledgeVersion,
    Turn,
    WorkspaceSetting,
)
from bot.store.records import (
    ConversationRef,
    FeedbackRecord,
    KnowledgeRecord,
    Record,
    SupportRecord,
    TurnRecord,
)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def apply(session: Session, record: Record) -> None:
    """Write one record; writing the same record twice (a retried batch) changes nothing."""
    if isinstance(record, TurnRecord):
        record_turn(session, record)
    elif isinstance(record, FeedbackRecord):
        record_feedback(session, record)
    elif isinstance(record, SupportRecord):
        record_support(session, record)
    else:
        record_knowledge_version(session, record)


def _conversation(session: Session, ref: ConversationRef, seen: datetime) -> Conversation:
    conv = session.scalars(select(Conversation).where(Conversation.key == ref.key)).one_or_none()
    if conv is None:
        conv = Conversation(
            key=ref.key,
            platform=ref.platform,
            workspace=ref.workspace,
            channel=ref.channel,
            thread=ref.thread,
            user_hash=ref.user_hash,
            started_at=seen,
            last_seen_at=seen,
        )
        session.add(conv)
        session.flush()
    elif as_utc(conv.last_seen_at) < seen:
        conv.last_seen_at = seen
    return conv


def record_turn(session: Session, rec: TurnRecord) -> None:
    """Store a turn with its candidates and findings, and the conversation's new context."""
    conv = _conversation(session, rec.conversation, rec.created_at)
    if rec.context is not None:
        conv.context = rec.context
    if session.get(Turn, rec.id) is not None:
        return
    if rec.event_id is not None and turn_for_event(
        session, rec.conversation.platform, rec.event_id
    ):
        return  # a redelivered event that slipped past the service's check
    turn = Turn(
        id=rec.id,
        conversation_id=conv.id,
        platform=rec.conversation.platform,
        event_id=rec.event_id,
        user_hash=rec.user_hash,
        created_at=rec.created_at,
        text=rec.text,
        reply=rec.reply,
        kind=rec.kind,
        topic=rec.topic,
        section=rec.section,
        confidence=rec.confidence,
        uncovered=rec.uncovered,
        latency_ms=rec.latency_ms,
        knowledge_version=rec.knowledge_version,
        has_output=rec.has_output,
    )
    turn.candidates = [
        Candidate(rank=i, topic=t, section=s, score=score)
        for i, (t, s, score) in enumerate(rec.candidates, 1)
    ]
    turn.findings = [
        Finding(code=c, severity=sev, summary=summary, topics=topics)
        for c, sev, summary, topics in rec.findings
    ]
    session.add(turn)


def record_support(session: Session, rec: SupportRecord) -> None:
    """Note when a conversation was escalated, claimed or resolved: the first time counts, so
    a second claim or a retried batch changes nothing. Unknown conversations are skipped."""
    conv = session.scalars(select(Conversation).where(Conversation.key == rec.key)).one_or_none()
    if conv is None:
        return
    if rec.step == "escalated" and conv.escalated_at is None:
        conv.escalated_at = rec.at
    elif rec.step == "claimed" and conv.claimed_at is None:
        conv.claimed_at = rec.at
        conv.claimed_by = rec.user_hash
    elif rec.step == "resolved" and conv.resolved_at is None:
        conv.resolved_at = rec.at


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


def record_feedback(session: Session, rec: FeedbackRecord) -> None:
    """Helpful / not helpful, once per user per turn: a second vote replaces the first."""
    if session.get(Turn, rec.turn_id) is None:
        return  # the turn was pruned (or never stored): nothing to attach the vote to
    existing = session.scalars(
        select(Feedback).where(Feedback.turn_id == rec.turn_id, Feedback.user_hash == rec.user_hash)
    ).one_or_none()
    if existing is None:
        session.add(
            Feedback(
                turn_id=rec.turn_id,
                user_hash=rec.user_hash,
                helpful=rec.helpful,
                created_at=rec.created_at,
            )
        )
    else:
        existing.helpful = rec.helpful
        existing.created_at = rec.created_at


def record_knowledge_version(session: Session, rec: KnowledgeRecord) -> None:
    """Remember that a knowledge version was loaded (first load wins)."""
    found = session.scalars(
        select(KnowledgeVersion).where(KnowledgeVersion.version == rec.version)
    ).one_or_none()
    if found is None:
        session.add(
            KnowledgeVersion(
                version=rec.version,
                loaded_at=rec.loaded_at,
                loaded_by=rec.loaded_by,
                topics=rec.topics,
                content=rec.content,
            )
        )


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


def turn_for_event(session: Session, platform: str, event_id: str) -> str | None:
    """The id of the turn that answered this platform event, if any."""
    return session.scalars(
        select(Turn.id).where(Turn.platform == platform, Turn.event_id == event_id)
    ).first()


def conversation_of_turn(session: Session, turn_id: str) -> str | None:
    """The key of the conversation a turn belongs to, if the turn is stored."""
    return session.scalars(
        select(Conversation.key)
        .join(Turn, Turn.conversation_id == Conversation.id)
        .where(Turn.id == turn_id)
    ).first()


def load_context(session: Session, key: str) -> tuple[dict[str, Any] | None, datetime | None]:
    """A conversation's stored context and when it was last active."""
    row = session.execute(
        select(Conversation.context, Conversation.last_seen_at).where(Conversation.key == key)
    ).one_or_none()
    if row is None:
        return None, None
    return row[0], as_utc(row[1])


def prune(session: Session, older_than: datetime) -> dict[str, int]:
    """Delete turns (with their candidates, findings, feedback) and idle conversations."""
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
    return counts


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
