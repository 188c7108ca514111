"""Answers never wait on the database: the reads on the answer path (redelivery check,
conversation context) give up after their deadline and the service answers from memory."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.service import SupportService
from bot.store import Store, StoreUnavailable, open_store
from tests.fakes.tcp_proxy import TcpProxy

SLOW = 1.0  # seconds; a read that waited on the database would take seconds to minutes


def _service(engine: Engine, store: Store, tmp_path: Path) -> SupportService:
    settings = Settings(data_dir=tmp_path, database_url=None)  # type: ignore[call-arg]
    return SupportService(engine, settings, store=store, salt="s")


def _ask(service: SupportService, n: int) -> float:
    """Seconds to answer a new event in a new conversation (both reads go to the store)."""
    started = time.monotonic()
    reply = service.handle(
        Incoming(
            f"ping fails {n}", platform="slack", event_id=f"Ev-{n}", conversation=f"slack:C:{n}"
        )
    )
    assert reply is not None and reply.kind != "error"
    return time.monotonic() - started


def test_partitioned_postgres_answers_in_well_under_a_second(
    engine: Engine, pg_url: str, tmp_path: Path
) -> None:
    """The network to PostgreSQL black-holes (nothing forwarded, nothing closed): every answer
    still comes in well under a second, and reads come back once the network heals."""
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = open_store(proxied)
    service = _service(engine, store, tmp_path)
    try:
        assert _ask(service, 0) < SLOW
        assert store.writer.flush(timeout=10)
        assert store.answered("slack", "Ev-0") is True
        proxy.partition()
        times = [_ask(service, n) for n in range(1, 11)]
        assert max(times) < SLOW, times
        with pytest.raises(StoreUnavailable):
            store.read_answered("slack", "Ev-0")
        assert service.handle(Incoming("again", platform="slack", event_id="Ev-3")) is None
    finally:
        store.close(timeout=0.5)
        proxy.stop()


def test_locked_sqlite_answers_in_well_under_a_second(engine: Engine, tmp_path: Path) -> None:
    """Another process holds the SQLite file exclusively (reads wait on the busy timeout):
    answers come in well under a second all the same."""
    path = tmp_path / "locked.db"
    store = open_store(f"sqlite:///{path}")
    service = _service(engine, store, tmp_path)
    assert _ask(service, 0) < SLOW
    assert store.writer.flush(timeout=10)
    store.engine.dispose()  # the WAL file is shared until every connection has closed
    store.read_engine.dispose()
    blocker = sqlite3.connect(path, timeout=5, isolation_level=None)
    blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    blocker.execute("UPDATE conversations SET platform = platform")
    try:
        with pytest.raises(StoreUnavailable):
            store.read_context("slack:C:0")
        times = [_ask(service, n) for n in range(1, 11)]
        assert max(times) < SLOW, times
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        assert store.close(timeout=30)


def test_reads_work_when_the_database_is_fine(db_url: str) -> None:
    """The deadline costs nothing normally: unknown conversations and events read as such."""
    store = open_store(db_url)
    try:
        assert store.read_context("nobody") == (None, None)
        assert store.read_answered("slack", "Ev-none") is False
        assert store.reader.misses == 0
    finally:
        store.close()
