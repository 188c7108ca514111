"""The health listener: real HTTP on a free port; /healthz, /readyz (503 then 200), /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.runtime.health import HealthServer, readiness
from bot.runtime.metrics import Metrics
from bot.runtime.service import SupportService
from bot.store import open_store


class _FrontEnd:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ready = False


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_readyz_waits_for_platforms_and_database(
    engine: Engine, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """/readyz is 503 naming what is not ready, and 200 once every check passes."""
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None), store=store)
    slack, discord = _FrontEnd("slack"), _FrontEnd("discord")
    metrics = Metrics()
    metrics.install(service)
    server = HealthServer(
        "127.0.0.1", 0, checks=lambda: readiness(service, [slack, discord]), metrics=metrics
    )
    await server.start()
    try:
        assert server.port is not None and server.port > 0
        base = f"http://127.0.0.1:{server.port}"
        async with http.get(f"{base}/healthz") as r:
            assert r.status == 200
            assert await r.json() == {"status": "ok"}
        async with http.get(f"{base}/readyz") as r:
            assert r.status == 503
            assert await r.json() == {
                "ready": False,
                "checks": {"knowledge": True, "database": True, "slack": False, "discord": False},
                "not_ready": ["slack", "discord"],
            }
        slack.ready = True
        store.writer.healthy = False  # what the writer reports after a failed write
        async with http.get(f"{base}/readyz") as r:
            assert r.status == 503
            assert (await r.json())["not_ready"] == ["database", "discord"]
        store.writer.healthy = True
        discord.ready = True
        async with http.get(f"{base}/readyz") as r:
            assert r.status == 200
            assert (await r.json())["ready"] is True
        async with http.get(f"{base}/healthz") as r:
            assert r.status == 200
    finally:
        await server.stop()
        service.close()


async def test_metrics_endpoint_serves_prometheus_text(
    engine: Engine, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """/metrics has the Prometheus content type and parses with prometheus_client's parser."""
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    metrics = Metrics()
    metrics.install(service)
    metrics.watch([_FrontEnd("slack")])
    server = HealthServer("127.0.0.1", 0, checks=lambda: readiness(service, []), metrics=metrics)
    await server.start()
    try:
        async with http.get(f"http://127.0.0.1:{server.port}/metrics") as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = await r.text()
        names = {f.name for f in text_string_to_metric_families(text)}
        assert {"ztbot_turns", "ztbot_knowledge_info", "ztbot_platform_connected"} <= names
        async with http.get(f"http://127.0.0.1:{server.port}/readyz") as r:
            assert r.status == 200  # no database and no front ends: nothing to wait for
        async with http.get(f"http://127.0.0.1:{server.port}/nope") as r:
            assert r.status == 404
    finally:
        await server.stop()


async def test_stopped_server_frees_the_port(engine: Engine, tmp_path: Path) -> None:
    """After stop() nothing listens on the port any more."""
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    server = HealthServer("127.0.0.1", 0, checks=lambda: readiness(service, []), metrics=Metrics())
    await server.start()
    port = server.port
    await server.stop()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"http://127.0.0.1:{port}/healthz")
