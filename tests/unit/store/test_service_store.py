"""The service with a real store: every turn logged once, context kept, privacy respected,
and nothing lost while the database is down."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.service import SupportService
from bot.store import Store, open_store
from bot.store.db import make_engine
from bot.store.models import Candidate, Conversation, Feedback, Finding, KnowledgeVersion, Turn
from tests.fakes.tcp_proxy import TcpProxy

NOT_FOUND = (
    "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
    "200 listnetworks 8056c2e21c000001 home 02:11:22:33:44:55 NOT_FOUND PRIVATE zt0 -"
)


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path, database_url=None, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


def _count(store: Store, model: type) -> int:
    with Session(store.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _say(service: SupportService, text: str, **kw: object) -> str:
    reply = service.handle(
        Incoming(text, platform="slack", user="U1", conversation="slack:C1:T1", **kw)
    )  # type: ignore[arg-type]
    assert reply is not None and reply.turn_id is not None
    return reply.turn_id


def test_turns_are_logged_with_candidates_findings_and_version(
    engine: Engine, store: Store, tmp_path: Path
) -> None:
    """A question and a paste are both stored, with what was ranked and found."""
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    service.knowledge_loaded("test")
    _say(service, "ping doesn't work on windows")
    _say(service, NOT_FOUND)
    assert store.writer.flush()
    with Session(store.engine) as session:
        turns = session.scalars(select(Turn).order_by(Turn.created_at)).all()
        assert [(t.kind, t.topic) for t in turns] == [
            ("answer", "ping-not-working"),
            ("diagnosis", "network-not-found"),
        ]
        assert turns[0].section == "windows"
        assert turns[0].knowledge_version == engine.kb.version
        assert turns[1].has_output
        assert session.scalar(select(func.count()).select_from(Candidate)) >= 1
        assert session.scalars(select(Finding.code)).all() == ["network-not-found"]
        assert session.scalars(select(KnowledgeVersion.version)).all() == [engine.kb.version]
        conv = session.scalars(select(Conversation)).one()
        assert (conv.platform, conv.key) == ("slack", "slack:C1:T1")
        assert conv.user_hash != "U1" and turns[0].user_hash == conv.user_hash


def test_redelivered_event_is_answered_and_logged_once(
    engine: Engine, store: Store, tmp_path: Path
) -> None:
    """The same event id twice gives one reply and one turn, also after a restart."""
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    first = service.handle(Incoming("ping fails", platform="slack", event_id="Ev1"))
    again = service.handle(Incoming("ping fails", platform="slack", event_id="Ev1"))
    assert first is not None and again is None
    assert store.writer.flush()
    restarted = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    assert restarted.handle(Incoming("ping fails", platform="slack", event_id="Ev1")) is None
    assert restarted.handle(Incoming("ping fails", platform="discord", event_id="Ev1")) is not None
    assert store.writer.flush()
    assert _count(store, Turn) == 2


def test_feedback_once_per_user_per_turn(engine: Engine, store: Store, tmp_path: Path) -> None:
    """A user's second vote replaces the first; another user's vote is separate."""
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    turn = _say(service, "how do i update zerotier")
    service.feedback(turn, "U1", helpful=True)
    service.feedback(turn, "U1", helpful=False)
    service.feedback(turn, "U2", helpful=True)
    assert store.writer.flush()
    with Session(store.engine) as session:
        votes = sorted(session.scalars(select(Feedback.helpful)).all())
    assert votes == [False, True]


def test_context_survives_a_restart_and_expires_when_idle(
    engine: Engine, store: Store, tmp_path: Path
) -> None:
    """A follow-up after a restart uses the stored context, unless the conversation went idle."""
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    settings = _settings(tmp_path, context_idle_s=3600.0)
    first = SupportService(engine, settings, store=store, salt="s", clock=lambda: now[0])
    _say(first, "ping doesn't work")
    assert store.writer.flush()
    second = SupportService(engine, settings, store=store, salt="s", clock=lambda: now[0])
    reply = second.handle(Incoming("I'm on a mac", platform="slack", conversation="slack:C1:T1"))
    assert reply is not None and (reply.topic, reply.section) == ("ping-not-working", "macos")
    assert store.writer.flush()
    now[0] += timedelta(hours=2)
    third = SupportService(engine, settings, store=store, salt="s", clock=lambda: now[0])
    late = third.handle(Incoming("I'm on a mac", platform="slack", conversation="slack:C1:T1"))
    fresh = engine.respond(Incoming("I'm on a mac"))
    assert late is not None and (late.kind, late.section) == (fresh.kind, fresh.section)
    assert late.section != "macos" or late.kind != "answer"


@pytest.mark.parametrize("mode", ["redacted", "none"])
def test_privacy_modes(engine: Engine, store: Store, tmp_path: Path, mode: str) -> None:
    """Redacted text masks IPs, e-mails and network ids; 'none' stores no text at all."""
    service = SupportService(engine, _settings(tmp_path, store_text=mode), store=store, salt="s")
    _say(service, "joined 8056c2e21c000001 from 192.168.1.20, mail me at a@b.org, ping fails")
    assert store.writer.flush()
    with Session(store.engine) as session:
        turn = session.scalars(select(Turn)).one()
    if mode == "none":
        assert turn.text is None and turn.reply is None
    else:
        assert turn.text is not None
        for private in ("8056c2e21c000001", "192.168.1.20", "a@b.org"):
            assert private not in turn.text
        assert "[ip]" in turn.text and "[network-id]" in turn.text and "[email]" in turn.text


def test_secrets_are_never_stored(engine: Engine, store: Store, tmp_path: Path) -> None:
    """Even with full text, a pasted authtoken is masked before it is written."""
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    _say(service, "$ cat /var/lib/zerotier-one/authtoken.secret\nabcdefghij0123456789abcd")
    assert store.writer.flush()
    with Session(store.engine) as session:
        turn = session.scalars(select(Turn)).one()
    assert "abcdefghij0123456789abcd" not in (turn.text or "") + (turn.reply or "")


def test_prune_removes_old_turns(engine: Engine, store: Store, tmp_path: Path) -> None:
    """Pruning deletes old turns with their rows, keeps recent ones."""
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    service = SupportService(
        engine, _settings(tmp_path), store=store, salt="s", clock=lambda: now[0]
    )
    old = _say(service, NOT_FOUND)
    service.feedback(old, "U1", helpful=False)
    now[0] += timedelta(days=100)
    service.handle(Incoming("ping fails", platform="slack", user="U9", conversation="slack:C9"))
    assert store.writer.flush()
    counts = store.prune(now[0] - timedelta(days=90))
    assert counts["turns"] == 1 and counts["findings"] == 1 and counts["feedback"] == 1
    assert _count(store, Turn) == 1 and _count(store, Conversation) == 1


def test_locked_sqlite_never_blocks_and_loses_nothing(engine: Engine, tmp_path: Path) -> None:
    """With the SQLite file locked by another process's write, answers still come at once;
    every turn is written once the lock goes away."""
    path = tmp_path / "locked.db"
    store = open_store(f"sqlite:///{path}")
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    started = time.perf_counter()
    for i in range(20):
        service.handle(Incoming(f"ping fails {i}", platform="console", conversation=f"c{i}"))
    assert time.perf_counter() - started < 1.0  # nothing waited on the database
    assert not store.writer.flush(timeout=1.0)
    assert store.writer.pending == 20
    blocker.rollback()
    blocker.close()
    assert store.writer.flush(timeout=30)
    assert _count(store, Turn) == 20
    assert store.writer.dropped == 0
    store.close()


def test_buffer_is_bounded(engine: Engine, tmp_path: Path) -> None:
    """When the outage outlasts the buffer, the oldest records are dropped and counted."""
    path = tmp_path / "small.db"
    store = open_store(f"sqlite:///{path}", capacity=5)
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    for i in range(8):
        service.handle(Incoming(f"ping fails {i}", platform="console", conversation=f"c{i}"))
    blocker.rollback()
    blocker.close()
    assert store.writer.flush(timeout=30)
    assert store.writer.dropped == 3
    assert _count(store, Turn) == 5
    store.close()


def test_postgres_outage_keeps_every_turn(engine: Engine, pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL goes away (its connections cut) and comes back: every turn made meanwhile
    is in the database afterwards."""
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = open_store(proxied)
    service = SupportService(engine, _settings(tmp_path), store=store, salt="s")
    for i in range(5):
        service.handle(Incoming(f"before {i}: ping fails", platform="slack", conversation=f"a{i}"))
    assert store.writer.flush()
    proxy.stop()
    started = time.perf_counter()
    for i in range(10):
        assert service.handle(
            Incoming(f"during {i}: ping fails", platform="slack", conversation=f"b{i}")
        )
    assert time.perf_counter() - started < 1.0
    assert not store.writer.flush(timeout=2.0)
    assert not store.writer.healthy
    proxy.start()
    assert store.writer.flush(timeout=30)
    check = make_engine(pg_url)
    with Session(check) as session:
        texts = session.scalars(select(Turn.text)).all()
    check.dispose()
    store.close()
    proxy.stop()
    assert len(texts) == 15
    assert {f"during {i}: ping fails" for i in range(10)} <= set(texts)
