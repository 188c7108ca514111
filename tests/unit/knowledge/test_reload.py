"""Live reload under a running service: good edits answer within seconds, broken ones never do."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import load_knowledge
from bot.runtime.reload import KnowledgeReloader, install_sighup, read_sources
from bot.runtime.replicas import ReplicaSync
from bot.runtime.service import SupportService
from bot.store import open_store

SHIPPED = Path(__file__).resolve().parents[3] / "knowledge"
OLD = "Windows does block pings by default."
NEW = "Windows blocks pings until you allow them (edited)."
QUESTION = "ping doesn't work on windows"


def _wait(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED, target)
    return target


@pytest.fixture
def running(kdir: Path, tmp_path: Path) -> Iterator[tuple[SupportService, KnowledgeReloader]]:
    engine = Engine(load_knowledge(kdir))
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    reloader = KnowledgeReloader(kdir, engine, on_swap=service.swap_engine)
    reloader.start_watching(debounce_ms=50)
    time.sleep(0.3)  # let the watcher start before the first edit
    yield service, reloader
    reloader.stop()


def _answer(service: SupportService) -> str:
    reply = service.handle(Incoming(QUESTION))
    assert reply is not None
    return reply.body


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_edit_answers_within_five_seconds(
    running: tuple[SupportService, KnowledgeReloader], kdir: Path
) -> None:
    """Saving a reworded answer changes what the running bot says, within 5 s."""
    service, reloader = running
    assert OLD in _answer(service)
    _edit(kdir / "faq.yaml", OLD, NEW)
    assert _wait(lambda: NEW in _answer(service))
    assert reloader.last_result is not None and reloader.last_result.changed


def test_syntax_error_keeps_the_old_answers(
    running: tuple[SupportService, KnowledgeReloader], kdir: Path
) -> None:
    """A YAML syntax error is refused with file:line, and the old answers stay."""
    service, reloader = running
    version = service.engine.kb.version
    _edit(kdir / "faq.yaml", "  - id: ports-used", "  - id: [ports-used")
    assert _wait(lambda: reloader.last_result is not None and not reloader.last_result.ok)
    problem = reloader.last_result.problems[0]  # type: ignore[union-attr]
    assert "faq.yaml:" in problem and "YAML syntax error" in problem
    assert problem.split("faq.yaml:")[1].split(":")[0].isdigit()
    assert service.engine.kb.version == version
    assert OLD in _answer(service)


def test_dangling_id_keeps_the_old_answers(
    running: tuple[SupportService, KnowledgeReloader], kdir: Path
) -> None:
    """A see_also pointing nowhere is refused with its location."""
    service, reloader = running
    _edit(kdir / "faq.yaml", "see_also: [router-configuration]", "see_also: [router-config]")
    assert _wait(lambda: reloader.last_result is not None and not reloader.last_result.ok)
    assert any(
        "unknown topic id 'router-config'" in p and "faq.yaml:" in p
        for p in reloader.last_result.problems  # type: ignore[union-attr]
    )
    assert OLD in _answer(service)


def test_gate_failure_keeps_the_old_answers(kdir: Path, tmp_path: Path) -> None:
    """A base that loads but fails the gate (check or self-test) is never swapped in."""
    engine = Engine(load_knowledge(kdir))
    reloader = KnowledgeReloader(kdir, engine, gate=lambda _p, _kb: ["x.yaml:1: example fails"])
    _edit(kdir / "faq.yaml", OLD, NEW)
    result = reloader.reload("admin:U1")
    assert not result.ok and result.problems == ("x.yaml:1: example fails",)
    assert reloader.engine is engine
    assert "NOT reloaded" in result.message()


def test_sighup_reloads(kdir: Path, tmp_path: Path) -> None:
    """SIGHUP makes the process reload its knowledge."""
    engine = Engine(load_knowledge(kdir))
    reloader = KnowledgeReloader(kdir, engine)
    previous = signal.getsignal(signal.SIGHUP)
    try:
        install_sighup(reloader)
        _edit(kdir / "faq.yaml", OLD, NEW)
        os.kill(os.getpid(), signal.SIGHUP)
        assert _wait(lambda: reloader.engine is not engine)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert NEW in reloader.engine.kb.topic("ping-not-working").sections[0].answer


def test_replicas_follow_a_reload_through_the_database(tmp_path: Path, db_url: str) -> None:
    """A reload in one replica is recorded with its content; another replica loads the same."""
    dirs = []
    for name in ("a", "b"):
        d = tmp_path / name
        shutil.copytree(SHIPPED, d)
        dirs.append(d)
    replicas = []
    for d in dirs:
        engine = Engine(load_knowledge(d))
        store = open_store(db_url)
        service = SupportService(
            engine, Settings(data_dir=tmp_path, database_url=db_url), store=store
        )
        service.knowledge_loaded("start-up", read_sources(d))
        reloader = KnowledgeReloader(d, engine, on_swap=service.swap_engine)
        replicas.append((service, reloader, ReplicaSync(store, reloader)))
    for service, _, _ in replicas:
        assert service.store is not None and service.store.writer.flush()
    (a_service, a_reloader, _), (b_service, _, b_sync) = replicas
    assert b_sync.check_once() is None  # nothing newer yet
    time.sleep(0.01)
    _edit(dirs[0] / "faq.yaml", OLD, NEW)
    assert a_reloader.reload("admin:U1").changed
    assert a_service.store is not None and a_service.store.writer.flush()
    result = b_sync.check_once()
    assert result is not None and result.changed
    assert b_service.engine.kb.version == a_service.engine.kb.version
    assert NEW in _answer(b_service)
    assert b_sync.check_once() is None  # settled: nothing to do
    for service, _, _ in replicas:
        service.close()


def test_chat_reload_command_reports_refusal_and_success(kdir: Path, tmp_path: Path) -> None:
    """In `ztbot chat`, /reload refuses a broken edit with file:line and accepts a good one."""
    import io

    from bot.adapters import console
    from bot.runtime.frontdesk import FrontDesk
    from bot.runtime.ratelimit import RateLimiter

    engine = Engine(load_knowledge(kdir))
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    reloader = KnowledgeReloader(kdir, engine, on_swap=service.swap_engine)
    desk = FrontDesk(service, RateLimiter(0, 60), service.settings)
    _edit(kdir / "faq.yaml", "see_also: [router-configuration]", "see_also: [router-config]")
    out = io.StringIO()
    console.chat(desk, inp=io.StringIO("/reload\n"), out=out, reloader=reloader)
    assert "NOT reloaded" in out.getvalue() and "faq.yaml:" in out.getvalue()
    _edit(kdir / "faq.yaml", "see_also: [router-config]", "see_also: [router-configuration]")
    _edit(kdir / "faq.yaml", OLD, NEW)
    out = io.StringIO()
    console.chat(desk, inp=io.StringIO("/reload\n" + QUESTION + "\n"), out=out, reloader=reloader)
    assert "knowledge reloaded: version" in out.getvalue()
    assert NEW in out.getvalue()


def test_release_gate(kdir: Path) -> None:
    """The shipped knowledge passes the gate; an example moved to the wrong topic does not."""
    from bot.runtime.gate import release_gate

    assert release_gate(kdir, load_knowledge(kdir)) == []
    _edit(
        kdir / "faq.yaml",
        "questions:\n",
        "questions:\n      - how much does a zerotier moon cost per month\n",
    )
    problems = release_gate(kdir, load_knowledge(kdir))
    assert problems and problems[0].startswith("self-test:")
