"""Write a batch of records in a few set-based statements (SQLAlchemy Core, executemany).

Inserts are idempotent (`ON CONFLICT DO NOTHING` on SQLite and PostgreSQL), so a batch that is
retried after a lost commit, or a redelivered event, changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select, update

from bot.store.models import Base
from bot.store.records import (
    FeedbackRecord,
    KnowledgeRecord,
    Record,
    SupportRecord,
    TurnRecord,
)

_T = Base.metadata.tables
CONVERSATIONS = _T["conversations"]
TURNS = _T["turns"]
CANDIDATES = _T["candidates"]
FINDINGS = _T["findings"]
FEEDBACK = _T["feedback"]
KNOWLEDGE = _T["knowledge_versions"]
DEAD_LETTERS = _T["dead_letters"]


_UPSERTS = ("postgresql", "sqlite")  # dialects whose INSERT knows ON CONFLICT and RETURNING


def _ignoring(conn: Connection, table: Table, *index: str) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING (any conflict, or on `index` only) where the database
    knows it, else a plain INSERT. The dialect's module is imported only for its own database
    (the PostgreSQL one costs a tenth of a second to import, for nothing on SQLite)."""
    name = conn.dialect.name
    index_elements = list(index) or None
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: PLC0415

        return pg_insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: PLC0415

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=index_elements)
    return insert(table)


def write_batch(conn: Connection, records: Sequence[Record]) -> None:
    """Write `records` inside the caller's transaction."""
    knowledge = [r for r in records if isinstance(r, KnowledgeRecord)]
    turns = [r for r in records if isinstance(r, TurnRecord)]
    feedback = [r for r in records if isinstance(r, FeedbackRecord)]
    support = [r for r in records if isinstance(r, SupportRecord)]
    if knowledge:
        _knowledge(conn, knowledge)
    if turns:
        _turns(conn, turns)
    if feedback:
        _feedback(conn, feedback)
    for record in support:  # after the turns: a hand-over's conversation is written first
        _support(conn, record)


def _support(conn: Connection, record: SupportRecord) -> None:
    """Note when a conversation was escalated, claimed or resolved: the first time counts, so
    a second claim or a retried batch changes nothing. Unknown conversations are skipped."""
    column = {"escalated": "escalated_at", "claimed": "claimed_at", "resolved": "resolved_at"}
    when = column[record.step]
    values: dict[str, Any] = {when: record.at}
    if record.step == "claimed":
        values["claimed_by"] = record.user_hash
    conn.execute(
        update(CONVERSATIONS)
        .where(CONVERSATIONS.c.key == record.key, CONVERSATIONS.c[when].is_(None))
        .values(**values)
    )


def _knowledge(conn: Connection, records: list[KnowledgeRecord]) -> None:
    conn.execute(
        _ignoring(conn, KNOWLEDGE, "version"),
        [
            {
                "version": r.version,
                "loaded_at": r.loaded_at,
                "loaded_by": r.loaded_by,
                "topics": r.topics,
                "content": r.content,
            }
            for r in records
        ],
    )


def _conversations(conn: Connection, turns: list[TurnRecord]) -> dict[str, int]:
    """Create missing conversations, move last_seen_at forward, set the newest context."""
    first: dict[str, TurnRecord] = {}
    newest: dict[str, datetime] = {}
    context: dict[str, dict[str, Any]] = {}
    for t in turns:
        key = t.conversation.key
        first.setdefault(key, t)
        if key not in newest or t.created_at > newest[key]:
            newest[key] = t.created_at
        if t.context is not None:
            context[key] = t.context  # the last one submitted wins, as the service saw it
    conn.execute(
        _ignoring(conn, CONVERSATIONS, "key"),
        [
            {
                "key": key,
                "platform": t.conversation.platform,
                "workspace": t.conversation.workspace,
                "channel": t.conversation.channel,
                "thread": t.conversation.thread,
                "user_hash": t.conversation.user_hash,
                "started_at": t.created_at,
                "last_seen_at": newest[key],
                "context": context.get(key),
            }
            for key, t in first.items()
        ],
    )
    c = CONVERSATIONS.c
    conn.execute(
        update(CONVERSATIONS)
        .where(c.key == bindparam("k"), c.last_seen_at < bindparam("seen"))
        .values(last_seen_at=bindparam("seen")),
        [{"k": key, "seen": seen} for key, seen in newest.items()],
    )
    if context:
        conn.execute(
            update(CONVERSATIONS)
            .where(c.key == bindparam("k"))
            .values(context=bindparam("ctx", type_=c.context.type)),
            [{"k": key, "ctx": ctx} for key, ctx in context.items()],
        )
    return dict(conn.execute(select(c.key, c.id).where(c.key.in_(list(first)))).all())


def _turns(conn: Connection, turns: list[TurnRecord]) -> None:
    ids = _conversations(conn, turns)
    rows = [
        {
            "id": t.id,
            "conversation_id": ids[t.conversation.key],
            "platform": t.conversation.platform,
            "event_id": t.event_id,
            "user_hash": t.user_hash,
            "created_at": t.created_at,
            "text": t.text,
            "reply": t.reply,
            "kind": t.kind,
            "topic": t.topic,
            "section": t.section,
            "confidence": t.confidence,
            "uncovered": t.uncovered,
            "latency_ms": t.latency_ms,
            "knowledge_version": t.knowledge_version,
            "has_output": t.has_output,
        }
        for t in turns
    ]
    stmt = _ignoring(conn, TURNS)
    if conn.dialect.name in _UPSERTS:
        # Only the turns actually inserted get candidates and findings: a turn id or event id
        # that is already stored (a retried batch, a redelivered event) adds nothing.
        inserted = set(conn.execute(stmt.returning(TURNS.c.id), rows).scalars())
    else:
        conn.execute(stmt, rows)
        inserted = {t.id for t in turns}
    candidates = [
        {"turn_id": t.id, "rank": rank, "topic": topic, "section": section, "score": score}
        for t in turns
        if t.id in inserted
        for rank, (topic, section, score) in enumerate(t.candidates, 1)
    ]
    findings = [
        {"turn_id": t.id, "code": code, "severity": sev, "summary": summary, "topics": topics}
        for t in turns
        if t.id in inserted
        for code, sev, summary, topics in t.findings
    ]
    if candidates:
        conn.execute(insert(CANDIDATES), candidates)
    if findings:
        conn.execute(insert(FINDINGS), findings)


def _feedback(conn: Connection, records: list[FeedbackRecord]) -> None:
    """Helpful / not helpful, once per user per turn: a later vote replaces the earlier."""
    latest = {(r.turn_id, r.user_hash): r for r in records}
    wanted = list({turn for turn, _ in latest})
    present = set(conn.execute(select(TURNS.c.id).where(TURNS.c.id.in_(wanted))).scalars())
    rows = [
        {"turn_id": r.turn_id, "user_hash": r.user_hash, "helpful": r.helpful, "at": r.created_at}
        for r in latest.values()
        if r.turn_id in present  # a pruned (or never stored) turn: nothing to attach the vote to
    ]
    if not rows:
        return
    f = FEEDBACK.c
    # Update the votes that exist, insert the others; DO NOTHING covers a concurrent insert.
    conn.execute(
        update(FEEDBACK)
        .where(f.turn_id == bindparam("turn"), f.user_hash == bindparam("user"))
        .values(helpful=bindparam("vote"), created_at=bindparam("at")),
        [
            {"turn": r["turn_id"], "user": r["user_hash"], "vote": r["helpful"], "at": r["at"]}
            for r in rows
        ],
    )
    conn.execute(
        _ignoring(conn, FEEDBACK, "turn_id", "user_hash"),
        [
            {
                "turn_id": r["turn_id"],
                "user_hash": r["user_hash"],
                "helpful": r["helpful"],
                "created_at": r["at"],
            }
            for r in rows
        ],
    )


def dead_letter(conn: Connection, record: Record, reason: str, at: datetime) -> None:
    """Set `record` aside with the reason the database gave for refusing it."""
    if isinstance(record, TurnRecord):
        kind, ident = "turn", record.id
    elif isinstance(record, FeedbackRecord):
        kind, ident = "feedback", record.turn_id
    elif isinstance(record, SupportRecord):
        kind, ident = "support", record.key
    else:
        kind, ident = "knowledge", record.version
    conn.execute(
        insert(DEAD_LETTERS),
        {
            "created_at": at,
            "kind": kind,
            "record_id": ident[:200],
            "reason": reason[:500],
            "payload": json.dumps(_as_json(record), default=str, ensure_ascii=True),
        },
    )


def _as_json(record: Record) -> dict[str, Any]:
    slots = type(record).__slots__
    out: dict[str, Any] = {"type": type(record).__name__}
    for name in slots:
        value = getattr(record, name)
        if name == "conversation":
            value = {n: getattr(value, n) for n in type(value).__slots__}
        out[name] = value
    return out
