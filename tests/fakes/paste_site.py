"""A loopback stand-in for a paste site, reached through the test-only ZTBOT_PASTE_TEST_HOST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

PEERS = (
    "200 peers\n"
    "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n"
    "62f865ae71 -      PLANET    -1 RELAY\n"
    "778cde7190 -      PLANET    -1 RELAY\n"
    "cafe04eba9 -      PLANET    -1 RELAY\n"
    "cafe9efeb9 -      PLANET    -1 RELAY\n"
)


def _app(redirects: dict[str, str]) -> web.Application:
    async def raw(request: web.Request) -> web.Response:
        return web.Response(text=PEERS, content_type="text/plain")

    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>login</html>", content_type="text/html")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="gone")

    async def huge(request: web.Request) -> web.StreamResponse:
        # 50 MB of text, streamed without a length: the reader must stop by itself.
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        line = (PEERS * 200).encode()
        sent = 0
        try:
            while sent < 50_000_000:
                await response.write(line)
                sent += len(line)
        except ConnectionError:
            pass
        return response

    async def huge_declared(request: web.Request) -> web.Response:
        return web.Response(
            body=b"x" * 10, headers={"Content-Length": "52428800", "Content-Type": "text/plain"}
        )

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(redirects[request.match_info["name"]])

    app = web.Application()
    app.router.add_get("/raw/peers", raw)
    app.router.add_get("/raw/html", html)
    app.router.add_get("/raw/missing", missing)
    app.router.add_get("/raw/huge", huge)
    app.router.add_get("/raw/huge-declared", huge_declared)
    app.router.add_get("/redirect/{name}", redirect)
    return app


@asynccontextmanager
async def paste_site(redirects: dict[str, str] | None = None) -> AsyncIterator[str]:
    """Serve the stand-in on 127.0.0.1; yields its `host:port`."""
    runner = web.AppRunner(_app(redirects or {}))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await runner.cleanup()
