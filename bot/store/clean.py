"""Make a record storable before it is written: what the database would refuse is fixed here.

PostgreSQL refuses NUL characters in text and JSON, values longer than a VARCHAR column, and
lone surrogates cannot be encoded at all; SQLite turns NaN into NULL (a NOT NULL violation).
Cleaning strips NULs, replaces unencodable characters, cuts strings to their column's length
and turns non-finite numbers into 0, so one odd message never costs the rest of a batch.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Final

from sqlalchemy import String, Table

from bot.store.models import Base
from bot.store.records import (
    ConversationRef,
    FeedbackRecord,
    KnowledgeRecord,
    Record,
    SupportRecord,
    TurnRecord,
)

# Unbounded TEXT columns still get a ceiling: a megabyte of one message is plenty to learn from.
MAX_TEXT: Final = 1_000_000


def _limits(table: Table) -> dict[str, int]:
    return {
        c.name: c.type.length
        for c in table.columns
        if isinstance(c.type, String) and c.type.length is not None
    }


_TABLES: Final = Base.metadata.tables
_CONV: Final = _limits(_TABLES["conversations"])
_TURN: Final = _limits(_TABLES["turns"])
_CAND: Final = _limits(_TABLES["candidates"])
_FIND: Final = _limits(_TABLES["findings"])
_FEED: Final = _limits(_TABLES["feedback"])
_KNOW: Final = _limits(_TABLES["knowledge_versions"])


def text(value: str, limit: int | None = None) -> str:
    """`value` without NULs or unencodable characters, at most `limit` (or MAX_TEXT) long."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates, e.g. from a mangled attachment
            value = value.encode("utf-8", "replace").decode("utf-8")
    cap = MAX_TEXT if limit is None else limit
    return value if len(value) <= cap else value[:cap]


def opt(value: str | None, limit: int | None = None) -> str | None:
    """`text` for an optional value."""
    return None if value is None else text(value, limit)


def number(value: float) -> float:
    """A finite float (NaN and infinities become 0)."""
    return value if math.isfinite(value) else 0.0


def json_value(value: Any) -> Any:
    """A JSON-ready value with every string cleaned and every non-finite number zeroed."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        return {text(str(k)): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def clean(record: Record) -> Record:
    """`record` as the database will take it (see the module docstring)."""
    if isinstance(record, TurnRecord):
        return _turn(record)
    if isinstance(record, FeedbackRecord):
        return replace(
            record,
            turn_id=text(record.turn_id, _FEED["turn_id"]),
            user_hash=text(record.user_hash, _FEED["user_hash"]),
        )
    if isinstance(record, SupportRecord):
        return replace(record, key=text(record.key, _CONV["key"]))
    return _knowledge(record)


def _turn(rec: TurnRecord) -> TurnRecord:
    ref = rec.conversation
    conversation = ConversationRef(
        key=text(ref.key, _CONV["key"]),
        platform=text(ref.platform, _CONV["platform"]),
        workspace=opt(ref.workspace, _CONV["workspace"]),
        channel=opt(ref.channel, _CONV["channel"]),
        thread=opt(ref.thread, _CONV["thread"]),
        user_hash=opt(ref.user_hash, _CONV["user_hash"]),
    )
    return replace(
        rec,
        id=text(rec.id, _TURN["id"]),
        conversation=conversation,
        event_id=opt(rec.event_id, _TURN["event_id"]),
        user_hash=opt(rec.user_hash, _TURN["user_hash"]),
        text=opt(rec.text),
        reply=opt(rec.reply),
        kind=text(rec.kind, _TURN["kind"]) if isinstance(rec.kind, str) else rec.kind,
        topic=opt(rec.topic, _TURN["topic"]),
        section=opt(rec.section, _TURN["section"]),
        confidence=number(rec.confidence),
        uncovered=opt(rec.uncovered, _TURN["uncovered"]),
        latency_ms=number(rec.latency_ms),
        knowledge_version=opt(rec.knowledge_version, _TURN["knowledge_version"]),
        candidates=tuple(
            (text(t, _CAND["topic"]), opt(s, _CAND["section"]), number(score))
            for t, s, score in rec.candidates
        ),
        findings=tuple(
            (
                text(code, _FIND["code"]),
                text(severity, _FIND["severity"]),
                text(summary),
                text(topics, _FIND["topics"]),
            )
            for code, severity, summary, topics in rec.findings
        ),
        context=None if rec.context is None else json_value(rec.context),
    )


def _knowledge(rec: KnowledgeRecord) -> KnowledgeRecord:
    return replace(
        rec,
        version=text(rec.version, _KNOW["version"]),
        loaded_by=opt(rec.loaded_by, _KNOW["loaded_by"]),
        content=None if rec.content is None else json_value(rec.content),
    )
