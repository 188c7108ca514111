"""What the service hands to the writer: plain records, made on the answer path, written later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Which conversation a record belongs to, and where it lives on its platform."""

    key: str
    platform: str
    workspace: str | None = None
    channel: str | None = None
    thread: str | None = None
    user_hash: str | None = None


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One exchange, ready to store (text already redacted per the privacy setting)."""

    id: str
    conversation: ConversationRef
    created_at: datetime
    event_id: str | None
    user_hash: str | None
    text: str | None
    reply: str | None
    kind: str
    topic: str | None
    section: str | None
    confidence: float
    uncovered: str | None
    latency_ms: float
    knowledge_version: str | None
    has_output: bool
    candidates: tuple[tuple[str, str | None, float], ...] = ()
    findings: tuple[tuple[str, str, str, str], ...] = ()  # code, severity, summary, topics
    context: dict[str, Any] | None = field(default=None)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """Helpful or not, for one turn, from one user."""

    turn_id: str
    user_hash: str
    helpful: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class KnowledgeRecord:
    """A knowledge version that was loaded."""

    version: str
    loaded_at: datetime
    loaded_by: str | None
    topics: int
    content: dict[str, str] | None = None


SupportStep = Literal["escalated", "claimed", "resolved"]


@dataclass(frozen=True, slots=True)
class SupportRecord:
    """A step of the support workflow in a conversation; the first of each kind counts."""

    key: str  # the conversation
    step: SupportStep
    at: datetime
    user_hash: str | None = None  # who claimed or resolved it


Record = TurnRecord | FeedbackRecord | KnowledgeRecord | SupportRecord
