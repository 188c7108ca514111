"""The writer never stalls: odd data is cleaned or set aside while the rest is written, outages
are retried with a backoff that submissions do not cut short, and shutdown keeps its budget.
Each test counts what was sent against what was stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.store import Store, open_store
from bot.store.models import Candidate, Conversation, DeadLetter, Feedback, Finding, Turn
from bot.store.records import ConversationRef, FeedbackRecord, KnowledgeRecord, TurnRecord
from tests.fakes.tcp_proxy import TcpProxy

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def turn(n: int, **changes: Any) -> TurnRecord:
    """A plausible turn; `changes` replace fields (conversation fields by their own names)."""
    ref_fields = {k: changes.pop(k) for k in ("key", "platform", "channel") if k in changes}
    ref = ConversationRef(
        key=ref_fields.get("key", f"slack:C1:T{n % 7}"),
        platform=ref_fields.get("platform", "slack"),
        channel=ref_fields.get("channel", "C1"),
    )
    base = TurnRecord(
        id=uuid.uuid4().hex,
        conversation=ref,
        created_at=NOW + timedelta(seconds=n),
        event_id=f"Ev{n}-{uuid.uuid4().hex[:6]}",
        user_hash="h" * 32,
        text=f"ping fails {n}",
        reply="Ping is not working",
        kind="answer",
        topic="ping-not-working",
        section=None,
        confidence=0.9,
        uncovered=None,
        latency_ms=0.5,
        knowledge_version="v1",
        has_output=False,
        candidates=(("ping-not-working", None, 0.9), ("updating", "linux", 0.2)),
        findings=(("relayed", "warning", "Peers are relayed", "relay slow"),),
        context={"topic": "ping-not-working", "asked": [f"ping fails {n}"]},
    )
    return replace(base, **changes)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


def count(store: Store, model: type) -> int:
    with Session(store.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def send(store: Store, records: list[Any]) -> None:
    for record in records:
        store.submit(record)
    assert store.writer.flush(timeout=30)


def test_nul_characters_are_stripped_and_every_turn_is_stored(store: Store) -> None:
    """A NUL in the text, reply, ids, findings or context (PostgreSQL refuses all of them)
    costs nothing: 400 sent, 400 stored, NULs gone."""
    records = [turn(i) for i in range(400)]
    for i in range(0, 400, 4):
        records[i] = turn(
            i,
            text=f"ping\x00fails {i}\x00",
            reply="a\x00b",
            event_id=f"Ev\x00{i}",
            key=f"slack:C\x001:T{i % 7}",
            findings=(("relayed", "warning", "nul\x00here", "relay"),),
            context={"asked": ["x\x00y"], "k\x00": 1.5},
        )
    send(store, records)
    assert count(store, Turn) == 400
    assert count(store, DeadLetter) == 0
    with Session(store.engine) as session:
        texts = session.scalars(select(Turn.text)).all()
        contexts = session.scalars(select(Conversation.context)).all()
    assert not any("\x00" in (t or "") for t in texts)
    assert "pingfails 0" in texts
    assert all("\x00" not in repr(c) for c in contexts)
    assert store.writer.written == 400 and store.writer.set_aside == 0


def test_over_long_values_are_cut_to_their_column(store: Store) -> None:
    """Values longer than their column (PostgreSQL: DataError) are cut, not refused."""
    long_ones = [
        turn(1, event_id="E" * 5000),
        turn(2, key="k" * 5000, platform="p" * 300, channel="c" * 300),
        turn(3, topic="t" * 300, section="s" * 300, uncovered="u" * 300),
        turn(4, knowledge_version="v" * 300, user_hash="h" * 300),
        turn(
            5,
            candidates=(("x" * 300, "y" * 300, 0.5),),
            findings=(("c" * 99, "s" * 99, "", "t" * 999),),
        ),
        turn(6, text="q" * 2_000_000),
    ]
    good = [turn(i) for i in range(10, 60)]
    send(store, [*long_ones[:3], *good, *long_ones[3:]])
    assert count(store, Turn) == 56
    assert count(store, DeadLetter) == 0
    with Session(store.engine) as session:
        event_ids = session.scalars(select(Turn.event_id)).all()
        longest_text = session.scalar(select(func.max(func.length(Turn.text))))
    assert "E" * 200 in event_ids
    assert longest_text == 1_000_000


def test_non_finite_numbers_are_stored_as_zero(store: Store) -> None:
    """NaN (SQLite stores it as NULL: a NOT NULL violation) and infinities become 0."""
    send(store, [turn(1, confidence=float("nan"), latency_ms=float("inf")), turn(2)])
    assert count(store, Turn) == 2
    with Session(store.engine) as session:
        assert sorted(session.scalars(select(Turn.confidence)).all()) == [0.0, 0.9]


def test_a_refused_record_is_set_aside_and_the_rest_written(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A constraint violation (a turn without a kind: NOT NULL) goes to dead_letters with the
    reason; the 99 other records of its batch, and everything after, are stored."""
    caplog.set_level(logging.WARNING, logger="bot.store.writer")
    bad = turn(50, kind=None)
    records = [turn(i) for i in range(50)] + [bad] + [turn(i) for i in range(51, 100)]
    send(store, records)
    send(store, [turn(i) for i in range(100, 120)])
    assert count(store, Turn) == 119
    assert store.writer.set_aside == 1 and store.writer.lost == 0
    with Session(store.engine) as session:
        letter = session.scalars(select(DeadLetter)).one()
    assert (letter.kind, letter.record_id) == ("turn", bad.id)
    assert "kind" in letter.reason
    assert letter.reason.startswith(("IntegrityError:", "NotNullViolation:"))
    assert bad.id in letter.payload and "ping fails 50" in letter.payload
    assert store.writer.healthy
    assert "database unavailable" not in caplog.text  # the database is not blamed
    assert "set aside" in caplog.text


def test_writing_twice_changes_nothing(store: Store) -> None:
    """A retried batch, or a redelivered event under a new turn id, adds no rows."""
    first = [turn(i) for i in range(20)]
    send(store, first)
    send(store, first)
    send(store, [replace(first[0], id=uuid.uuid4().hex)])  # same event id, new turn id
    assert count(store, Turn) == 20
    assert count(store, Candidate) == 40 and count(store, Finding) == 20
    assert count(store, Conversation) == 7


def test_feedback_and_knowledge_in_batches(store: Store) -> None:
    """A later vote replaces an earlier one; a vote for an unknown turn is skipped; a
    knowledge version is recorded once."""
    t = turn(1)
    send(
        store,
        [
            KnowledgeRecord("v1", NOW, "a", 10),
            KnowledgeRecord("v1", NOW, "b", 10),
            t,
            FeedbackRecord(t.id, "u1", True, NOW),
            FeedbackRecord(t.id, "u1", False, NOW),
            FeedbackRecord("gone", "u1", True, NOW),
        ],
    )
    send(store, [FeedbackRecord(t.id, "u1", True, NOW), FeedbackRecord(t.id, "u2", False, NOW)])
    with Session(store.engine) as session:
        votes = sorted(
            tuple(r) for r in session.execute(select(Feedback.user_hash, Feedback.helpful))
        )
    assert votes == [("u1", True), ("u2", False)]
    assert store.newest_knowledge() is not None


def _outage_with_submissions(store: Store, seconds: float) -> int:
    """Submit a turn every 50 ms for `seconds`; returns how many were sent."""
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        store.submit(turn(sent))
        sent += 1
        time.sleep(0.05)
    return sent


def test_postgres_outage_of_ten_seconds(pg_url: str) -> None:
    """PostgreSQL cut for 10 s while turns keep coming: the writer backs off (a handful of
    attempts, not one per submission) and every turn sent is stored afterwards."""
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = open_store(proxied)
    try:
        send(store, [turn(i) for i in range(5)])
        proxy.stop()
        sent = 5 + _outage_with_submissions(store, 10.0)
        assert not store.writer.healthy
        assert 1 <= store.writer.errors <= 15  # backoff held: 200 submissions, few attempts
        proxy.start()
        assert store.writer.flush(timeout=30)
        assert count(store, Turn) == sent
        assert store.writer.dropped == 0 and store.writer.set_aside == 0
    finally:
        store.close()
        proxy.stop()


def test_locked_sqlite_for_ten_seconds(tmp_path: Path) -> None:
    """The SQLite file locked by another process for 10 s: every turn sent is stored."""
    path = tmp_path / "locked.db"
    store = open_store(f"sqlite:///{path}")
    blocker = sqlite3.connect(path, timeout=0.1)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        sent = _outage_with_submissions(store, 10.0)
        assert store.writer.written == 0
        assert store.writer.errors <= 5  # each attempt waits out the busy timeout
        blocker.rollback()
        assert store.writer.flush(timeout=30)
        assert count(store, Turn) == sent
    finally:
        blocker.close()
        store.close()


def test_shutdown_keeps_its_budget_and_says_what_was_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Closing while the database is locked returns within the budget, and the log says
    how many turns could not be written."""
    path = tmp_path / "shut.db"
    store = open_store(f"sqlite:///{path}")
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        for i in range(12):
            store.submit(turn(i))
        store.submit(FeedbackRecord("x", "u", True, NOW))
        caplog.set_level(logging.ERROR, logger="bot.store.writer")
        started = time.monotonic()
        assert store.close(timeout=1.0) is False
        assert time.monotonic() - started < 1.0 + 2.0  # an attempt in flight may end late
        assert "13 records not written (12 turns)" in caplog.text
    finally:
        blocker.rollback()
        blocker.close()


def test_submissions_never_wait_for_a_slow_database(tmp_path: Path) -> None:
    """While the writer is stuck behind a lock, submitting from many threads is immediate."""
    path = tmp_path / "slow.db"
    store = open_store(f"sqlite:///{path}")
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=lambda w=w: [store.submit(turn(w * 100 + i)) for i in range(100)]
            )
            for w in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert time.monotonic() - started < 1.0
        assert store.writer.pending == 400
    finally:
        blocker.rollback()
        blocker.close()
        assert store.close(timeout=30)
