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
# What ztbot (and Bolt) read, and the JSON types Slack sends: only these are checked, so Block
# Kit objects and fields Slack adds later pass untouched.
_STRINGS: Final = ("type", "subtype", "text", "user", "channel", "ts", "thread_ts", "bot_id")
_FILE_STRINGS: Final = ("id", "name", "title", "filetype", "mimetype")
_FILE_URLS: Final = ("url_private", "url_private_download")
_ACTION_STRINGS: Final = ("action_id", "block_id", "value", "type")
_TOP_STRINGS: Final = ("type", "response_url", "trigger_id", "team_id", "api_app_id")
_ID_OBJECTS: Final = ("user", "team", "channel")  # a string in events, {"id": ...} elsewhere


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
    if _is_ssl_check(headers, body):
        return None  # Slack's certificate probe for slash commands: Bolt answers 200, no work
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


def _is_ssl_check(headers: Mapping[str, str], body: bytes) -> bool:
    """Slack's `ssl_check=1&token=...` probe (a short form, nothing acted on)."""
    return (
        len(body) <= 200
        and body.startswith(b"ssl_check=1")
        and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
    )


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
    wrong = _wrong_field(data)
    return None if wrong is None else Rejection(400, f"field {wrong!r} has the wrong type")


def _wrong_field(data: dict[str, Any]) -> str | None:
    """The first field ztbot reads whose type is not what Slack sends, or None."""
    for key in _TOP_STRINGS:
        if not _is(data.get(key), str):
            return key
    for key in _ID_OBJECTS:
        value = data.get(key)
        if not (_is(value, str) or (isinstance(value, dict) and _is(value.get("id"), str))):
            return key
    if "event" in data:
        event = data["event"]
        if not isinstance(event, dict):
            return "event"
        wrong = _wrong_strings(event, _STRINGS) or _wrong_files(event.get("files"))
        if wrong is not None:
            return f"event.{wrong}"
    if "actions" in data:
        actions = data["actions"]
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            return "actions"
        for action in actions:
            wrong = _wrong_strings(action, _ACTION_STRINGS)
            if wrong is not None:
                return f"actions.{wrong}"
    for key in ("message", "container", "state"):
        if not _is(data.get(key), dict):
            return key
    return None


def _is(value: Any, kind: type) -> bool:
    """Absent (None) or of `kind`."""
    return value is None or isinstance(value, kind)


def _wrong_strings(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if not _is(obj.get(k), str)), None)


def _wrong_files(files: Any) -> str | None:
    if files is None:
        return None
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        return "files"
    for f in files:
        wrong = _wrong_strings(f, _FILE_STRINGS + _FILE_URLS)
        if wrong is not None:
            return f"files.{wrong}"
        if not _is(f.get("size"), int) or isinstance(f.get("size"), bool):
            return "files.size"
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
