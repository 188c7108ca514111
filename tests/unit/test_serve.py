"""serve(): start-up order, readiness, graceful stop with turns flushed, failures, no credentials.

The chat front ends here are small in-process stand-ins implementing the front-end contract, so
these tests exercise serve() itself; tests/scenario/test_serve.py runs the real SDKs.
"""

from __future__ import annotations

import asyncio
import io
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from bot.base.errors import ConfigError
from bot.base.settings import Settings
from bot.cli.main import main
from bot.cli.serve import Running, serve
from bot.core.models import Incoming
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


class FakeFrontEnd:
    """Answers one question when asked; `stop` waits for the reply in flight."""

    name = "fake"
    instances: list[FakeFrontEnd] = []  # noqa: RUF012  (test bookkeeping)

    def __init__(
        self,
        settings: Settings,
        desk: FrontDesk,
        admin: AdminActions,
    ) -> None:
        self.desk = desk
        self.admin = admin
        self.connected = False
        self.stopped = False
        self.inflight: set[asyncio.Task[None]] = set()
        self.replies: list[str] = []
        FakeFrontEnd.instances.append(self)

    @property
    def ready(self) -> bool:
        return self.connected

    async def start(self) -> None:
        self.connected = True

    def receive(self, text: str, n: int) -> None:
        task = asyncio.create_task(self._answer(text, n))
        self.inflight.add(task)

    async def _answer(self, text: str, n: int) -> None:
        outcome = await self.desk.message(
            Incoming(text, platform="fake", user="U1", conversation=f"c{n}", event_id=f"E{n}")
        )
        assert outcome.reply is not None
        self.replies.append(outcome.reply.kind)

    async def stop(self) -> None:
        self.connected = False
        await asyncio.gather(*self.inflight)
        self.stopped = True


class BrokenFrontEnd(FakeFrontEnd):
    name = "broken"

    async def start(self) -> None:
        raise ConnectionError("no route to the platform")


class HangingFrontEnd(FakeFrontEnd):
    """A platform that never answers the connect (it would retry for ever)."""

    name = "hanging"
    starting: asyncio.Event

    async def start(self) -> None:
        HangingFrontEnd.starting.set()
        await asyncio.Event().wait()


class RejectedFrontEnd(FakeFrontEnd):
    """A platform that refuses the token at connect."""

    name = "rejected"

    async def start(self) -> None:
        raise ConfigError("the platform rejected EXAMPLE_TOKEN: invalid_auth")


class MisconfiguredFrontEnd(FakeFrontEnd):
    """Settings that only make sense together, checked when the front end is built."""

    def __init__(self, *args: Any) -> None:
        raise ConfigError("EXAMPLE_SHARD_IDS needs EXAMPLE_SHARD_COUNT")


def _settings(tmp_path: Path, **kw: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "http_host": "127.0.0.1",
        "http_port": 0,
        "knowledge_dir": KNOWLEDGE,
    }
    return Settings(**{**values, **kw})  # type: ignore[arg-type]


async def test_serves_until_stopped_then_flushes_every_turn(tmp_path: Path) -> None:
    """Ready once the front end is up; on stop, the reply in flight finishes and is saved."""
    FakeFrontEnd.instances.clear()
    stop = asyncio.Event()
    started: asyncio.Queue[Running] = asyncio.Queue()
    task = asyncio.create_task(
        serve(
            _settings(tmp_path, rate_limit=3),
            stop=stop,
            on_started=started.put_nowait,
            factories=[FakeFrontEnd],
            handle_signals=False,
        )
    )
    running = await asyncio.wait_for(started.get(), 30)
    fe = FakeFrontEnd.instances[0]
    assert fe.desk.limiter.limit == 3 and fe.admin.reloader is running.reloader
    base = f"http://127.0.0.1:{running.health_port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/readyz") as r:
            assert r.status == 200
            assert (await r.json())["checks"] == {"knowledge": True, "database": True, "fake": True}
        for n, question in enumerate(["how do i update zerotier", "what ports does zerotier use"]):
            fe.receive(question, n)
        stop.set()  # while the replies may still be in flight
        assert await asyncio.wait_for(task, 30) == 0
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{base}/healthz")  # the listener is closed
    assert fe.stopped and fe.replies == ["answer", "answer"]
    db = create_engine(f"sqlite:///{tmp_path / 'ztbot.db'}")
    with db.connect() as conn:
        events = conn.execute(text("SELECT event_id FROM turns ORDER BY event_id")).scalars()
        assert list(events) == ["E0", "E1"]
        versions = conn.execute(text("SELECT loaded_by FROM knowledge_versions")).scalars()
        assert list(versions) == ["serve"]
    db.dispose()


async def test_front_end_that_cannot_start_exits_1_cleanly(tmp_path: Path) -> None:
    """A platform that fails to connect ends start-up with exit 1; the others are stopped."""
    FakeFrontEnd.instances.clear()
    err = io.StringIO()
    code = await asyncio.wait_for(
        serve(
            _settings(tmp_path, database_url=None),
            factories=[FakeFrontEnd, BrokenFrontEnd],
            handle_signals=False,
            err=err,
        ),
        30,
    )
    assert code == 1
    ok, broken = FakeFrontEnd.instances
    assert ok.stopped and broken.stopped  # a half-started client is closed too


async def test_stop_while_a_platform_is_still_connecting(tmp_path: Path) -> None:
    """SIGTERM during a connect that hangs: the start is cancelled, everything stops, exit 0."""
    FakeFrontEnd.instances.clear()
    HangingFrontEnd.starting = asyncio.Event()
    stop = asyncio.Event()
    started: list[Running] = []
    task = asyncio.create_task(
        serve(
            _settings(tmp_path, database_url=None),
            stop=stop,
            on_started=started.append,
            factories=[FakeFrontEnd, HangingFrontEnd],
            handle_signals=False,
        )
    )
    await asyncio.wait_for(HangingFrontEnd.starting.wait(), 30)
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0
    assert started == []  # it never reported itself started
    assert all(fe.stopped for fe in FakeFrontEnd.instances)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (RejectedFrontEnd, "ztbot: error: the platform rejected EXAMPLE_TOKEN: invalid_auth\n"),
        (MisconfiguredFrontEnd, "ztbot: error: EXAMPLE_SHARD_IDS needs EXAMPLE_SHARD_COUNT\n"),
    ],
)
async def test_configuration_refused_by_a_platform_exits_2(
    tmp_path: Path, factory: Any, message: str
) -> None:
    """A front end's ConfigError (at build or connect): one line on stderr, exit 2."""
    err = io.StringIO()
    code = await asyncio.wait_for(
        serve(
            _settings(tmp_path, database_url=None),
            factories=[factory],
            handle_signals=False,
            err=err,
        ),
        30,
    )
    assert code == 2
    assert err.getvalue() == message


async def test_broken_knowledge_exits_2(tmp_path: Path) -> None:
    """Knowledge that does not load: its problems on stderr, exit 2, nothing started."""
    bad = tmp_path / "kb"
    bad.mkdir()
    (bad / "faq.yaml").write_text("topics: [", encoding="utf-8")
    err = io.StringIO()
    code = await serve(
        _settings(tmp_path, knowledge_dir=bad),
        factories=[FakeFrontEnd],
        handle_signals=False,
        err=err,
    )
    assert code == 2 and err.getvalue().startswith("ztbot: ")


async def test_unusable_database_url_exits_1(tmp_path: Path) -> None:
    """A database URL that can never work (no such driver): one line naming it, password
    masked. (An unreachable server is waited for instead; see the catch-up test below.)"""
    err = io.StringIO()
    url = "postgresql+nosuchdriver://bot:hunter2@127.0.0.1:1/ztbot"
    code = await serve(
        _settings(tmp_path, database_url=url),
        factories=[FakeFrontEnd],
        handle_signals=False,
        err=err,
    )
    assert code == 1
    assert err.getvalue().startswith(
        "ztbot: database postgresql+nosuchdriver://bot:***@127.0.0.1:1"
    )
    assert "hunter2" not in err.getvalue()


def test_no_credentials_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    """`ztbot serve` with no platform credentials: exit 2, what to set, and `ztbot chat`."""
    assert main(["serve"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    for needed in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        assert needed in err
    assert "ztbot chat" in err


def test_half_slack_credentials_are_not_enough(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bot token without an app token or signing secret does not start Slack."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert main(["serve"]) == 2
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err


async def test_database_down_at_start_answers_anyway_and_catches_up(
    tmp_path: Path, pg_url: str
) -> None:
    """PostgreSQL unreachable at start: serve still answers, not ready for the database; once
    it comes back the schema is created and every buffered turn is written."""
    from sqlalchemy.engine import make_url

    from tests.fakes.tcp_proxy import TcpProxy

    target = make_url(pg_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    # Hold a port bound but not listening: connections are refused (the database is "down"),
    # and no other listener (the health port, say) can take it before the proxy does.
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", 0))
    proxy.port = held.getsockname()[1]
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    FakeFrontEnd.instances.clear()
    stop = asyncio.Event()
    started: asyncio.Queue[Running] = asyncio.Queue()
    task = asyncio.create_task(
        serve(
            _settings(tmp_path, database_url=url),
            stop=stop,
            on_started=started.put_nowait,
            factories=[FakeFrontEnd],
            handle_signals=False,
        )
    )
    try:
        running = await asyncio.wait_for(started.get(), 30)
        fe = FakeFrontEnd.instances[0]
        fe.receive("what ports does zerotier use", 1)
        await asyncio.gather(*fe.inflight)
        assert fe.replies == ["answer"]
        base = f"http://127.0.0.1:{running.health_port}"
        async with aiohttp.ClientSession() as http, http.get(f"{base}/readyz") as r:
            assert r.status == 503
            assert (await r.json())["checks"]["database"] is False
        held.close()
        proxy.start()  # the database is back
        store = running.service.store
        assert store is not None
        assert await asyncio.to_thread(store.migrated.wait, 30)
        assert await asyncio.to_thread(store.writer.flush, 30)
    finally:
        stop.set()
        code = await asyncio.wait_for(task, 30)
        proxy.stop()
        held.close()
    assert code == 0
    db = create_engine(pg_url)
    with db.connect() as conn:
        turns = conn.execute(text("SELECT event_id, topic FROM turns")).all()
    db.dispose()
    assert turns == [("E1", "ports-used")]
