"""SQLAlchemy 2 models of what ztbot records. Schema changes go through Alembic (migrations/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention above."""

    metadata = MetaData(naming_convention=NAMING)


class Conversation(Base):
    """One thread of talk: a platform channel + thread, or a user's DMs, or a terminal user."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(100))
    thread: Mapped[str | None] = mapped_column(String(100))
    user_hash: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The engine's follow-up context (JSON), so conversations survive a restart.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The support workflow: handed over to people, claimed by one of them, resolved.
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # a user hash, like user_hash
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    turns: Mapped[list[Turn]] = relationship(back_populates="conversation")


class Turn(Base):
    """One user message and the bot's reply."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_turns_platform_event"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex, made by the bot
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(String(200))
    user_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str | None] = mapped_column(String(64), index=True)
    section: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    uncovered: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[float] = mapped_column(Float)
    knowledge_version: Mapped[str | None] = mapped_column(String(64))
    has_output: Mapped[bool] = mapped_column(Boolean, default=False)

    conversation: Mapped[Conversation] = relationship(back_populates="turns")
    candidates: Mapped[list[Candidate]] = relationship(cascade="all, delete-orphan")
    findings: Mapped[list[Finding]] = relationship(cascade="all, delete-orphan")
    feedback: Mapped[list[Feedback]] = relationship(cascade="all, delete-orphan")


class Candidate(Base):
    """A ranked topic the matcher considered for a turn."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[str] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(64))
    section: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)


class Finding(Base):
    """A diagnosis finding shown in a turn."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[str] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    topics: Mapped[str] = mapped_column(String(400))  # space-separated topic ids


class Feedback(Base):
    """Helpful / not helpful, once per user per turn."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("turn_id", "user_hash", name="uq_feedback_turn_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[str] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    user_hash: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KnowledgeVersion(Base):
    """A knowledge base version that was loaded: its hash, when, and by whom."""

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    loaded_by: Mapped[str | None] = mapped_column(String(200))
    topics: Mapped[int] = mapped_column(Integer)
    # The YAML files of this version ({file name: text}), so other replicas load the same content.
    content: Mapped[dict[str, str] | None] = mapped_column(JSON)


class DeadLetter(Base):
    """A record the database refused even after cleaning, set aside with the reason."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # turn, feedback, knowledge
    record_id: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    # The record as ASCII JSON (NULs and every other character escaped), so it can be replayed.
    payload: Mapped[str] = mapped_column(Text)


Index("ix_turns_kind_created", Turn.kind, Turn.created_at)


class WorkspaceSetting(Base):
    """One setting of one Slack workspace or Discord server, set by its admins (it overrides
    the environment's default for that workspace only)."""

    __tablename__ = "workspace_settings"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "name", name="uq_workspace_settings_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))  # a user hash


class ConfigChange(Base):
    """The audit trail of workspace settings: who changed what, when, from what to what."""

    __tablename__ = "config_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)  # None: reset to the default
    by: Mapped[str | None] = mapped_column(String(64))  # a user hash
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
