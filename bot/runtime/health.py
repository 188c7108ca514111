"""The health and metrics listener: /healthz, /readyz and /metrics over plain HTTP.

`/healthz` answers 200 while the process runs (a container's liveness check); `/readyz` answers
200 only when the bot can answer (knowledge loaded, database reachable, every started platform
connected), else 503 with a JSON body naming what is not ready; `/metrics` is Prometheus text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from aiohttp import web

from bot.runtime.metrics import CONTENT_TYPE, FrontEnd, Metrics
from bot.runtime.service import SupportService

log = logging.getLogger(__name__)

Readiness = Callable[[], dict[str, bool]]


def readiness(service: SupportService, front_ends: Sequence[FrontEnd]) -> dict[str, bool]:
    """Each readiness check by name: knowledge, database, then one per front end."""
    store = service.store
    checks = {
        "knowledge": len(service.engine.kb.topics) > 0,
        # No database configured is fine; a configured one must have taken the last write.
        "database": store is None or store.writer.healthy,
    }
    for fe in front_ends:
        checks[fe.name] = fe.ready
    return checks


class HealthServer:
    """A small aiohttp listener; port 0 picks a free port (see `port` once started)."""

    def __init__(self, host: str, port: int, *, checks: Readiness, metrics: Metrics) -> None:
        self.host = host
        self._wanted = port
        self._checks = checks
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def app(self) -> web.Application:
        """The aiohttp application with the three routes."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        return app

    async def start(self) -> None:
        """Listen on host:port; afterwards `port` is the bound port."""
        # No access log: probes every few seconds would drown the turn lines.
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._wanted)
        await site.start()
        self._runner = runner
        addresses = runner.addresses  # the bound (host, port, ...) tuples; tells port 0 apart
        self.port = int(addresses[0][1]) if addresses else self._wanted
        log.info(
            "health and metrics on %s port %d (/healthz /readyz /metrics)",
            self.host,
            self.port,
            extra={"port": self.port},
        )

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        checks = self._checks()
        waiting = [name for name, ok in checks.items() if not ok]
        body = {"ready": not waiting, "checks": checks, "not_ready": waiting}
        return web.json_response(body, status=503 if waiting else 200)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self._metrics.exposition())
        # Set by hand: the Prometheus content type carries a version parameter aiohttp rejects
        # in `content_type=`.
        response.headers["Content-Type"] = CONTENT_TYPE
        return response
