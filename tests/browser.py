"""Open a local page in headless Chromium over the DevTools protocol, as a person's browser would.

Reports what the page did (console errors, uncaught exceptions, every network request it made),
evaluates an expression in it, and can take a full-page screenshot at a given width. Used by the
HTML report test and by `python -m bench.report_screens`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

# No first-run UI, no background traffic of the browser's own: any request seen is the page's.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
TIMEOUT = 120.0  # a busy shared host can take long to start a browser


def find_chromium() -> str | None:
    """The Chromium executable on PATH, if any."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    """What happened while a page loaded."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL but the page's own
    value: Any = None  # the result of the evaluated expression


class _Cdp:
    """A DevTools connection: commands answered by id, events kept in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.waiting:
                self.waiting.pop(data["id"]).set_result(data)
            elif "method" in data:
                await self.events.put(data)

    async def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[n] = future
        message: dict[str, Any] = {"id": n, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, TIMEOUT)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result


def _note(load: PageLoad, event: dict[str, Any]) -> None:
    method, params = event["method"], event.get("params", {})
    if method == "Network.requestWillBeSent":
        url = params["request"]["url"]
        if url != load.url:
            load.requests.append(url)
    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        load.console_errors.append(" ".join(str(a.get("value")) for a in params.get("args", [])))
    elif method == "Runtime.exceptionThrown":
        load.exceptions.append(str(params.get("exceptionDetails", {}).get("text")))
    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        load.console_errors.append(str(params["entry"].get("text")))


async def _start(executable: str, profile: str) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        executable,
        *FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), TIMEOUT)
        if not line:
            raise RuntimeError("Chromium exited before DevTools was listening")
        found = _LISTENING.search(line.decode(errors="replace"))
        if found:
            return process, found.group(1)


async def _drain(stream: asyncio.StreamReader | None) -> None:
    # Chromium keeps logging to stderr; a full pipe would stall it.
    while stream is not None and await stream.readline():
        pass


async def open_page(
    path: Path,
    *,
    width: int = 1280,
    height: int = 800,
    evaluate: str = "null",
    screenshot: Path | None = None,
    executable: str | None = None,
) -> PageLoad:
    """Load `path` at `width` x `height` CSS pixels and report what the page did."""
    executable = executable or find_chromium()
    if executable is None:
        raise RuntimeError("Chromium is not installed")
    load = PageLoad(url=path.resolve().as_uri())
    with tempfile.TemporaryDirectory(prefix="ztbot-chromium-") as profile:
        process, endpoint = await _start(executable, profile)
        drain = asyncio.create_task(_drain(process.stderr))
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(endpoint, max_msg_size=0) as ws,
            ):
                cdp = _Cdp(ws)
                target = await cdp.send("Target.createTarget", url="about:blank")
                attached = await cdp.send(
                    "Target.attachToTarget", targetId=target["targetId"], flatten=True
                )
                sid = attached["sessionId"]
                await cdp.send(
                    "Emulation.setDeviceMetricsOverride",
                    sid,
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=width < 600,
                )
                for domain in ("Network", "Runtime", "Log", "Page"):
                    await cdp.send(f"{domain}.enable", sid)
                await cdp.send("Page.navigate", sid, url=load.url)
                while True:
                    event = await asyncio.wait_for(cdp.events.get(), TIMEOUT)
                    _note(load, event)
                    if event["method"] == "Page.loadEventFired":
                        break
                result = await cdp.send(
                    "Runtime.evaluate", sid, expression=evaluate, returnByValue=True
                )
                load.value = result.get("result", {}).get("value")
                if screenshot is not None:
                    metrics = await cdp.send("Page.getLayoutMetrics", sid)
                    size = metrics["cssContentSize"]
                    shot = await cdp.send(
                        "Page.captureScreenshot",
                        sid,
                        format="png",
                        captureBeyondViewport=True,
                        clip={
                            "x": 0,
                            "y": 0,
                            "width": width,
                            "height": size["height"],
                            "scale": 1,
                        },
                    )
                    screenshot.write_bytes(base64.b64decode(shot["data"]))
                # Events that arrived after the load (late console errors, requests).
                while not cdp.events.empty():
                    _note(load, cdp.events.get_nowait())
                with contextlib.suppress(Exception):
                    await cdp.send("Browser.close")
                cdp.reader.cancel()
        finally:
            if process.returncode is None:
                process.terminate()
            with contextlib.suppress(TimeoutError, ProcessLookupError):
                await asyncio.wait_for(process.wait(), 10)
            if process.returncode is None:
                process.kill()
                await process.wait()
            drain.cancel()
    return load
