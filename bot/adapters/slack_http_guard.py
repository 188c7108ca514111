"""A gate in front of Slack's HTTP endpoint: nothing is parsed before it is known to be Slack's.

Order: the timestamp header (ASCII digits, within five minutes), then the v0 signature over the
raw bytes, and only then the body: UTF-8, JSON or a form whose `payload` is JSON, an object, and
the fields ztbot reads of the types Slack sends. A request that fails any step gets 401 (not
Slack's) or 400 (Slack's but malformed) and one log line without its body; nothing reaches Bolt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

log = logging.getLogger(__name__)

MAX_SKEW_S: Final = 300  # Slack's own replay window
_MAX_DEPTH: Final = 32
# Fields ztbot (or Bolt) reads, and the JSON types Slack sends them as.
_STR: Final = (str,)
_FIELDS: Final[Mapping[str, tuple[type, ...]]] = {
    "type": _STR,
    "subtype": _STR,
    "text": _STR,
    "ts": _STR,
    "thread_ts": _STR,
    "event_ts": _STR,
    "event_id": _STR,
    "bot_id": _STR,
    "team_id": _STR,
    "user_id": _STR,
    "channel_id": _STR,
    "command": _STR,
    "response_url": _STR,
    "trigger_id": _STR,
    "action_id": _STR,
    "block_id": _STR,
    "value": _STR,
    "url_private": _STR,
    "url_private_download": _STR,
    "name": _STR,
    "title": _STR,
    "filetype": _STR,
    "mimetype": _STR,
    "challenge": _STR,
    # A string in events, an object ({"id": ...}) in interactive payloads.
    "user": (str, dict),
    "team": (str, dict),
    "channel": (str, dict),
    "event": (dict,),
    "files": (list,),
    "actions": (list,),
    "authorizations": (list,),
    "size": (int,),
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a request was turned away, and with which status."""

    status: int
    reason: str


def check(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
) -> Rejection | None:
    """None when `body` is a well-formed request signed by Slack; otherwise why not."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return Rejection(401, "missing or malformed timestamp")
    clock = time.time() if now is None else now
    if abs(clock - int(stamp)) > MAX_SKEW_S:
        return Rejection(401, "timestamp outside the five-minute window")
    signature = headers.get("X-Slack-Signature", "")
    if not signature.isascii():
        return Rejection(401, "malformed signature")
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest(f"v0={digest.hexdigest()}", signature):
        return Rejection(401, "bad signature")
    return _check_body(headers.get("Content-Type", ""), body)


def _check_body(content_type: str, body: bytes) -> Rejection | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not UTF-8")
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(text, keep_blank_values=True, errors="strict")
            if "payload" in form:
                data: Any = json.loads(form["payload"][0])
            else:
                data = {k: v[0] for k, v in form.items()}
                if "command" in data and not data.get("response_url"):
                    return Rejection(400, "slash command without response_url")
        else:
            data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Rejection(400, "body is not valid JSON or form data")
    if not isinstance(data, dict):
        return Rejection(400, "body is not an object")
    wrong = _wrong_field(data, 0)
    return None if wrong is None else Rejection(400, f"field {wrong!r} has the wrong type")


def _wrong_field(value: Any, depth: int) -> str | None:
    """The first known field, anywhere in `value`, whose type is not what Slack sends."""
    if depth > _MAX_DEPTH:
        return "(nesting)"
    if isinstance(value, dict):
        for key, item in value.items():
            expected = _FIELDS.get(key)
            if expected is not None and item is not None and not isinstance(item, expected):
                return str(key)[:40]
            found = _wrong_field(item, depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _wrong_field(item, depth + 1)
            if found is not None:
                return found
    return None


def middleware(secret: str, path: str) -> Middleware:
    """An aiohttp middleware that applies `check` to every POST to `path`."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        body = await request.read()  # kept by aiohttp: Bolt reads the same bytes again
        rejected = check(request.headers, body, secret)
        if rejected is None:
            return await handler(request)
        log.warning(
            "slack http: rejected with %d: %s (%d bytes from %s)",
            rejected.status,
            rejected.reason,
            len(body),
            request.remote,
        )
        return web.Response(status=rejected.status, text=rejected.reason)

    return guard


def install(app: web.Application, secret: str, path: str) -> web.Application:
    """Put the guard in front of `app` (before it starts); returns `app`."""
    app.middlewares.append(middleware(secret, path))
    return app
