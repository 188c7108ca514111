"""Store benchmarks: logging overhead per turn, and turns written per second.

Run: `.venv/bin/python bench/store.py` (PostgreSQL figures too when ZTBOT_TEST_POSTGRES_URL is
set, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test; a throwaway database is used).

- overhead: `SupportService.handle` with the store minus without it, p50 and p99 per turn, on
  SQLite (the bar: under 2 ms at p50). Writing happens on the writer thread, so this is what the
  answer path pays.
- throughput: 4 concurrent writers (threads, each with its own engine and writer) each
  recording turns; turns per second until all are committed.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import load_knowledge
from bot.runtime.service import SupportService
from bot.store import open_store
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
            store.submit(
                TurnRecord(
                    id=uuid.uuid4().hex,
                    conversation=ConversationRef(key=f"bench:{w}:{i % 100}", platform="bench"),
                    created_at=now,
                    event_id=None,
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
                )
            )
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
    if not pg:
        print("(set ZTBOT_TEST_POSTGRES_URL for the PostgreSQL figures)")


if __name__ == "__main__":
    main()
