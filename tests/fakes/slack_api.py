"""A loopback stand-in for the Slack Web API (and the Socket Mode websocket), for the real SDK.

`SlackApi` serves `POST /api/<method>` on 127.0.0.1 port 0 and records the method, the
arguments (form or JSON) and the bearer token of every call, so tests assert on the exact
payloads Slack would get. It also serves uploaded file bytes at `url_private` (checking the
bot token), `response_url` posts, and a websocket at `/socket` for Socket Mode: it sends
`hello`, pushes envelopes and records the client's acknowledgements.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, BlockElement
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier

ALL_SCOPES = (
    "app_mentions:read,channels:history,channels:read,groups:history,im:history,mpim:history,"
    "chat:write,commands,reactions:write,files:read,usergroups:read"
)
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"


@dataclass
class Call:
    """One request the stand-in received."""

    method: str
    args: dict[str, Any]
    token: str | None
    response: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered
    at: float = field(default_factory=time.perf_counter)  # when it arrived (for benchmarks)


@dataclass
class Failure:
    """How a method should fail next: a Slack error code, optionally as HTTP 429."""

    error: str
    times: int = 1
    status: int = 200
    retry_after: int | None = None


@dataclass
class FakeFile:
    """An uploaded file the stand-in serves."""

    id: str
    name: str
    content: bytes
    filetype: str = "text"
    mimetype: str = "text/plain"
    extra: dict[str, Any] = field(default_factory=dict)


class SlackApi:
    """The Slack Web API on 127.0.0.1 port 0; `url` is the client's base_url."""

    def __init__(self, token: str = "xoxb-test") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.failures: dict[str, Failure] = {}
        self.files: dict[str, FakeFile] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.rejected: list[tuple[str, list[str]]] = []  # calls refused for invalid blocks
        self.scopes: str | None = None  # auth.test's x-oauth-scopes header (None: every one)
        self.joined: set[str] = {"C0SUPPORT", "C0ESCALATE"}  # channels the app is a member of
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.port = 0
        self.on_call: Callable[[Call], None] | None = None  # a hook for benchmarks
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_ready = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/files/{id}/{name}", self._file)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/upload/{id}", self._upload)
        self.app = app

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> SlackApi:
        """Listen on a free loopback port."""
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def close(self) -> None:
        """Close websockets and the server."""
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        """The Web API base URL (ends with a slash, as slack_sdk expects)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A `response_url` that posts back into this stand-in."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- test controls ----------------------------------------------------------------------

    def fail(
        self, method: str, error: str, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the next `times` calls of `method` fail with `error` (429 for ratelimited)."""
        status = 429 if error == "ratelimited" else 200
        self.failures[method] = Failure(error, times, status, retry_after)

    def add_file(self, file: FakeFile) -> dict[str, Any]:
        """Serve `file`; returns its Slack file object (as in a message's `files`)."""
        self.files[file.id] = file
        return self._file_object(file)

    def of(self, method: str) -> list[Call]:
        """The recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until `count` calls of `method` (matching `where`) were received."""

        def matching() -> list[Call]:
            return [c for c in self.of(method) if where is None or where(c)]

        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(matching()) >= count), timeout
            )
        return matching()

    # --- socket mode ------------------------------------------------------------------------

    async def wait_socket(self, timeout: float = 5.0) -> None:
        """Wait until a Socket Mode client is connected (and greeted)."""
        await asyncio.wait_for(self._socket_ready.wait(), timeout)

    async def send_envelope(
        self, payload: Mapping[str, Any], *, kind: str = "events_api", retry: int = 0
    ) -> str:
        """Push a Socket Mode envelope to the connected client; returns its envelope_id."""
        envelope_id = f"env-{next(self._ts)}"
        frame = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else "",
        }
        await self._sockets[-1].send_str(json.dumps(frame))
        return envelope_id

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self._socket_ready.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(msg.data))
        return ws

    # --- handlers ---------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(call)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        call = Call(method, args, token)
        await self._record(call)
        failure = self.failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            call.response = {"ok": False, "error": failure.error}
            return web.json_response(call.response, status=failure.status, headers=headers)
        problems = block_problems(args.get("blocks")) + view_problems(args.get("view"))
        if problems:
            self.rejected.append((method, problems))
            call.response = {"ok": False, "error": "invalid_blocks", "errors": problems}
            return web.json_response(call.response)
        call.response = self._answer(method, args)
        headers = {}
        if method == "auth.test":
            headers["x-oauth-scopes"] = self.scopes if self.scopes is not None else ALL_SCOPES
        return web.json_response(call.response, headers=headers)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "ztbot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method in {"chat.postMessage", "chat.update"}:
            ts = args.get("ts") or f"{int(time.time())}.{next(self._ts):06d}"
            message = {"type": "message", "text": args.get("text"), "ts": ts, "bot_id": BOT_ID}
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "chat.getPermalink":
            ts = str(args.get("message_ts", "")).replace(".", "")
            return {
                "ok": True,
                "channel": args.get("channel"),
                "permalink": f"https://example.slack.com/archives/{args.get('channel')}/p{ts}",
            }
        if method == "files.info":
            file = self.files.get(str(args.get("file")))
            if file is None:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "file": self._file_object(file)}
        if method == "usergroups.users.list":
            group = str(args.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "files.getUploadURLExternal":
            file_id = f"F0UP{next(self._ts)}"
            url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
            return {"ok": True, "upload_url": url, "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args["files"] if isinstance(args["files"], list) else json.loads(args["files"])
            return {"ok": True, "files": [{"id": f["id"]} for f in files]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args.get('users', 'X')}"}}
        if method == "conversations.info":
            channel = str(args.get("channel"))
            if not channel.startswith(("C", "G")):
                return {"ok": False, "error": "channel_not_found"}
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "name": channel.lower(),
                    "is_member": channel in self.joined,
                },
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": True}

    def _file_object(self, file: FakeFile) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/files/{file.id}/{file.name}"
        return {
            "id": file.id,
            "name": file.name,
            "title": file.name,
            "mimetype": file.mimetype,
            "filetype": file.filetype,
            "size": len(file.content),
            "mode": "hosted",
            "url_private": url,
            "url_private_download": url + "?download=1",
            **file.extra,
        }

    async def _file(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        await self._record(
            Call("GET file", {"id": request.match_info["id"]}, auth.removeprefix("Bearer "))
        )
        file = self.files.get(request.match_info["id"])
        if auth != f"Bearer {self.token}":
            # Slack answers an unauthenticated file URL with its login page, not the file.
            return web.Response(text="<html>login</html>", content_type="text/html")
        if file is None:
            return web.Response(status=404)
        return web.Response(body=file.content, content_type=file.mimetype)

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL of files.getUploadURLExternal: records the bytes it was sent."""
        body = await request.read()
        await self._record(Call(f"upload:{request.match_info['id']}", {"content": body}, None))
        return web.Response(text=f"OK - {len(body)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await _arguments(request)
        problems = block_problems(args.get("blocks"))
        if problems:
            self.rejected.append((f"response_url:{request.match_info['id']}", problems))
            return web.Response(status=400, text="invalid_blocks")
        await self._record(Call(f"response_url:{request.match_info['id']}", args, None))
        return web.Response(text="ok")


def view_problems(view: Any) -> list[str]:
    """Where a view (a home tab, a modal) breaks Slack's rules, per slack_sdk's models."""
    if view is None:
        return []
    if isinstance(view, str):
        view = json.loads(view)
    blocks = view.get("blocks") or []
    if len(blocks) > 100:
        return [f"a view holds at most 100 blocks, not {len(blocks)}"]
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        return [f"view: {exc}"]
    return block_problems([*blocks][:50]) + block_problems([*blocks][50:])


def block_problems(blocks: Any) -> list[str]:
    """Where Block Kit `blocks` break Slack's rules, per slack_sdk's models (empty: valid)."""
    if blocks is None:
        return []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list) or len(blocks) > 50:
        return ["blocks must be a list of at most 50"]
    found: list[str] = []
    for i, raw in enumerate(blocks):
        try:
            block = Block.parse(raw)
            if block is None:
                found.append(f"block {i}: not a block")
                continue
            block.validate_json()
            # slack_sdk validates a block's own fields; its elements are checked one by one.
            for element in raw.get("elements") or () if raw.get("type") == "actions" else ():
                parsed = BlockElement.parse(element)
                if parsed is None:
                    found.append(f"block {i}: unknown element {element.get('type')}")
                else:
                    parsed.validate_json()
            if isinstance(raw.get("accessory"), dict):
                accessory = BlockElement.parse(raw["accessory"])
                if accessory is not None:
                    accessory.validate_json()
        except (SlackObjectFormationError, KeyError, TypeError, ValueError) as exc:
            found.append(f"block {i}: {exc}")
    return found


async def _arguments(request: web.Request) -> dict[str, Any]:
    """The call's arguments, whether sent as JSON or as a form (JSON-in-form decoded)."""
    raw = await request.read()
    if request.content_type == "application/json":
        data = json.loads(raw or b"{}")
        return dict(data) if isinstance(data, dict) else {}
    out: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        if key in {"blocks", "attachments"}:
            with contextlib.suppress(ValueError):
                out[key] = json.loads(value)
                continue
        out[key] = value
    for key, value in request.query.items():
        out.setdefault(key, value)
    return out


# --- signed requests --------------------------------------------------------------------------


def signed_headers(
    secret: str, body: str, *, timestamp: int | None = None, content_type: str = "application/json"
) -> dict[str, str]:
    """Headers Slack would send with `body`: timestamp and v0 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def event_body(event: Mapping[str, Any], *, event_id: str, team: str = TEAM) -> dict[str, Any]:
    """An Events API `event_callback` envelope around `event`."""
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A0001",
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
    }
