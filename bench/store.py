"""Store benchmarks: logging overhead per turn, and turns written per second.

Run: `.venv/bin/python bench/store.py` (PostgreSQL figures too when ZTBOT_TEST_POSTGRES_URL is
set, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test; a throwaway database is used).

- overhead: `SupportService.handle` with the store minus without it, p50 and p99 per turn, on
  SQLite (the bar: under 2 ms at p50). Writing happens on the writer thread, so this is what the
  answer path pays.
- throughput: 4 concurrent writers (threads, each with its own engine and writer) each
  recording turns; turns per second until all are committed.
- write cost per turn: the same turns written row by row through the ORM (how the writer
  worked before) and in batches through SQLAlchemy Core (how it works now), CPU ms per turn.
- `ztbot ask --jsonl` marginal CPU per question with default SQLite logging and with logging
  off (ZTBOT_DATABASE_URL=none), from two batch sizes, so start-up cancels out (bar: logging
  adds well under 1 ms per question).
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import load_knowledge
from bot.runtime.service import SupportService
from bot.store import open_store
from bot.store.batch import write_batch
from bot.store.db import make_engine, upgrade
from bot.store.models import Candidate, Conversation, Turn
from bot.store.records import ConversationRef, TurnRecord

QUESTIONS = [
    "ping doesn't work on windows",
    "zerotier is slow, peers shows RELAY",
    "how do I update zerotier on ubuntu",
    "my network says NOT_FOUND",
    "what ports does zerotier use",
]
WRITERS = 4
TURNS_PER_WRITER = 1500


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def overhead(url: str, engine: Engine, n: int = 2000) -> tuple[float, float]:
    """p50 / p99 extra milliseconds per turn that logging adds to the answer path."""
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    store = open_store(url)
    logged = SupportService(engine, settings, store=store, salt="bench")
    bare = SupportService(engine, settings, store=None, salt="bench")
    with_store: list[float] = []
    without: list[float] = []
    for i in range(n):
        q = QUESTIONS[i % len(QUESTIONS)]
        for service, out in ((logged, with_store), (bare, without)):
            msg = Incoming(q, platform="bench", user=f"u{i % 50}", conversation=f"c{i % 200}")
            start = time.perf_counter()
            service.handle(msg)
            out.append((time.perf_counter() - start) * 1000)
    store.close(60)
    return (
        max(0.0, statistics.median(with_store) - statistics.median(without)),
        max(0.0, _pct(with_store, 0.99) - _pct(without, 0.99)),
    )


def throughput(url: str) -> float:
    """Turns per second with WRITERS concurrent writers, until everything is committed."""
    stores = [open_store(url, capacity=TURNS_PER_WRITER + 1) for _ in range(WRITERS)]
    now = datetime.now(UTC)

    def work(w: int) -> None:
        store = stores[w]
        for i in range(TURNS_PER_WRITER):
            store.submit(_turn(i, f"bench:{w}:{i % 100}", now))
        store.writer.flush(300)

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for store in stores:
        store.close()
    return WRITERS * TURNS_PER_WRITER / elapsed


def _turn(
    i: int,
    key: str,
    now: datetime,
    event_id: str | None = None,
    context: dict[str, Any] | None = None,
) -> TurnRecord:
    """The bench's i-th turn: one of the labelled questions with a short answer."""
    return TurnRecord(
        id=uuid.uuid4().hex,
        conversation=ConversationRef(key=key, platform="bench"),
        created_at=now,
        event_id=event_id,
        user_hash="h",
        text=QUESTIONS[i % len(QUESTIONS)],
        reply="reply text " * 20,
        kind="answer",
        topic="ping-not-working",
        section=None,
        confidence=0.9,
        uncovered=None,
        latency_ms=0.4,
        knowledge_version="bench",
        has_output=False,
        candidates=(("ping-not-working", None, 0.9), ("updating", None, 0.2)),
        context=context,
    )


def _turns(n: int) -> list[TurnRecord]:
    now = datetime.now(UTC)
    return [
        _turn(
            i,
            f"bench:{i % 100}",
            now,
            event_id=f"Ev{i}-{uuid.uuid4().hex[:8]}",
            context={"topic": "ping-not-working", "asked": [QUESTIONS[i % len(QUESTIONS)]]},
        )
        for i in range(n)
    ]


def _orm_row_by_row(session: Session, rec: TurnRecord) -> None:
    """How turns were written before: ORM objects, a look-up per turn and per conversation."""
    conv = session.query(Conversation).filter_by(key=rec.conversation.key).one_or_none()
    if conv is None:
        conv = Conversation(
            key=rec.conversation.key,
            platform=rec.conversation.platform,
            started_at=rec.created_at,
            last_seen_at=rec.created_at,
        )
        session.add(conv)
        session.flush()
    conv.context = rec.context
    if session.get(Turn, rec.id) is not None:
        return
    exists = session.query(Turn.id).filter_by(platform="bench", event_id=rec.event_id).first()
    if exists:
        return
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
        Candidate(rank=i, topic=t, section=sec, score=sc)
        for i, (t, sec, sc) in enumerate(rec.candidates, 1)
    ]
    session.add(turn)


def write_cost(url: str, n: int = 3000) -> tuple[float, float, float]:
    """CPU ms per turn: ORM row by row, Core in batches of 200, Core one turn per batch."""
    engine = make_engine(url)
    upgrade(engine)
    figures = []
    for how in ("orm", "core-200", "core-1"):
        turns = _turns(n)
        size = 200 if how != "core-1" else 1
        start = time.process_time()
        for i in range(0, n, size):
            chunk = turns[i : i + size]
            if how == "orm":
                with Session(engine) as session, session.begin():
                    for rec in chunk:
                        _orm_row_by_row(session, rec)
            else:
                with engine.begin() as conn:
                    write_batch(conn, chunk)
        figures.append((time.process_time() - start) * 1000 / n)
    engine.dispose()
    return figures[0], figures[1], figures[2]


def _jsonl_cpu(questions: int, database_url: str, data_dir: Path) -> float:
    """CPU seconds (every thread) of one in-process `ztbot ask --jsonl` run."""
    from bot.cli.main import main as cli  # noqa: PLC0415  (imported where it is measured)

    lines = "".join(f"{QUESTIONS[i % len(QUESTIONS)]} #{i}\n" for i in range(questions))
    saved = {k: os.environ.get(k) for k in ("ZTBOT_DATA_DIR", "ZTBOT_DATABASE_URL")}
    os.environ["ZTBOT_DATA_DIR"] = str(data_dir)
    os.environ["ZTBOT_DATABASE_URL"] = database_url
    stdin = sys.stdin
    try:
        sys.stdin = io.StringIO(lines)
        start = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            cli(["ask", "--jsonl"])
        return time.process_time() - start
    finally:
        sys.stdin = stdin
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def jsonl_marginal(small: int = 200, large: int = 1200) -> tuple[float, float]:
    """Marginal CPU ms per question of `ask --jsonl`: with SQLite logging, and without."""
    out = []
    for url in ("", "none"):
        tmp = Path(tempfile.mkdtemp())
        a = _jsonl_cpu(small, url, tmp / "a")
        b = _jsonl_cpu(large, url, tmp / "b")
        out.append((b - a) * 1000 / (large - small))
    return out[0], out[1]


def components(url: str, engine: Engine, n: int = 2000) -> dict[str, float]:
    """CPU ms per question of each thing logging adds: the context read (a conversation the
    service has not seen), building the record, and writing it (batched, as the writer does)."""
    store = open_store(url)
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    service = SupportService(engine, settings, store=store, salt="bench")
    out: dict[str, float] = {}
    start = time.process_time()
    for i in range(n):
        store.context_of(f"bench:unseen:{i}")
    out["context read"] = (time.process_time() - start) * 1000 / n
    msgs = [
        Incoming(QUESTIONS[i % len(QUESTIONS)], platform="bench") for i in range(len(QUESTIONS))
    ]
    replies = [engine.respond(m) for m in msgs]
    now = datetime.now(UTC)
    start = time.process_time()
    records = [
        service._turn_record(
            msgs[i % len(msgs)],
            replace(replies[i % len(msgs)], turn_id=uuid.uuid4().hex),
            f"k{i}",
            now,
            1.0,
        )
        for i in range(n)
    ]
    out["build record"] = (time.process_time() - start) * 1000 / n
    start = time.process_time()
    for record in records:
        store.submit(record)
    store.writer.flush(120)
    out["write (writer thread)"] = (time.process_time() - start) * 1000 / n
    store.close()
    return out


def _pg_database(base: str) -> tuple[str, object]:
    name = f"ztbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(base).set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def main() -> None:
    """Print the figures."""
    engine = Engine(load_knowledge(Path(__file__).resolve().parents[1] / "knowledge"))
    tmp = Path(tempfile.mkdtemp())
    targets = [("SQLite", f"sqlite:///{tmp / 'overhead.db'}", f"sqlite:///{tmp / 'tput.db'}")]
    pg = os.environ.get("ZTBOT_TEST_POSTGRES_URL")
    handles = []
    if pg:
        first, h1 = _pg_database(pg)
        second, h2 = _pg_database(pg)
        handles = [h1, h2]
        targets.append(("PostgreSQL", first, second))
    print(f"{'database':12} {'overhead p50':>13} {'overhead p99':>13} {'turns/s (4 writers)':>20}")
    try:
        for name, url_a, url_b in targets:
            p50, p99 = overhead(url_a, engine)
            rate = throughput(url_b)
            bar = (
                f"  (bar < 2 ms p50: {'HOLDS' if p50 < 2 else 'FAILS'})" if name == "SQLite" else ""
            )
            print(f"{name:12} {p50:10.3f} ms {p99:10.3f} ms {rate:20.0f}{bar}")
    finally:
        for h in handles:
            _drop(h)
    print()
    print(
        f"{'write cost, CPU per turn':30} {'ORM row by row':>15} {'Core x200':>10} {'Core x1':>9}"
    )
    cost_targets = [("SQLite", f"sqlite:///{tmp / 'cost.db'}")]
    if pg:
        third, h3 = _pg_database(pg)
        cost_targets.append(("PostgreSQL", third))
    try:
        for name, url in cost_targets:
            orm, batch, single = write_cost(url)
            print(f"{name:30} {orm:12.3f} ms {batch:7.3f} ms {single:6.3f} ms")
    finally:
        if pg:
            _drop(h3)
    parts = components(f"sqlite:///{tmp / 'parts.db'}", engine)
    print()
    print("What SQLite logging adds per question, CPU:")
    for name, ms in parts.items():
        print(f"  {name:24} {ms:.3f} ms")
    print(f"  {'total':24} {sum(parts.values()):.3f} ms (bar: well under 1 ms)")
    logged, bare = jsonl_marginal()
    print()
    print("`ztbot ask --jsonl`, marginal CPU per question (all threads):")
    print(f"  SQLite logging {logged:.3f} ms, no logging {bare:.3f} ms: logging adds ")
    print(f"  {logged - bare:.3f} ms per question (bar: well under 1 ms)")
    if not pg:
        print("(set ZTBOT_TEST_POSTGRES_URL for the PostgreSQL figures)")


if __name__ == "__main__":
    main()
