"""A loopback stand-in for Discord: REST API, attachment files and a small gateway.

discord.py reads its REST base from `discord.http.Route.BASE` and its gateway from
`DiscordWebSocket.DEFAULT_GATEWAY`; the bot sets both from settings, so pointing the settings
here sends every call of the real client to this server. Every REST request is recorded
(method, path, query, JSON body) so tests can assert on exact payloads.

Gateway events reach the client in one of two ways: `feed()` hands a dispatch to discord.py's
own connection-state parser (private API, kept in this file so a discord.py upgrade breaks only
here), or the loopback gateway (`/gateway`) speaks the real protocol: HELLO, IDENTIFY, READY,
GUILD_CREATE, heartbeats, and any dispatch pushed later.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

BOT_ID = 900000000000000001
APP_ID = 900000000000000002
TOKEN = "discord-test-token"  # never a real one
CHANNEL_TEXT, CHANNEL_DM, CHANNEL_THREAD, CHANNEL_FORUM = 0, 1, 11, 15

_ids = itertools.count(1_100_000_000_000_000_000)


def snowflake() -> int:
    """A fresh, increasing id."""
    return next(_ids)


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Request:
    """One REST call the client made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str] = field(default_factory=dict)


def user(uid: int, name: str = "user", *, bot: bool = False) -> dict[str, Any]:
    """A user object."""
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


BOT_USER = user(BOT_ID, "ztbot", bot=True)


def message(
    *,
    channel_id: int,
    author: dict[str, Any],
    content: str = "",
    guild_id: int | None = None,
    message_id: int | None = None,
    mentions: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    embeds: list[Any] | None = None,
    components: list[Any] | None = None,
    member: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message object, as in MESSAGE_CREATE or a REST answer."""
    data: dict[str, Any] = {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": _now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
        data["member"] = member or {
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
    return data


def text_channel(cid: int, guild_id: int, name: str = "general") -> dict[str, Any]:
    """A guild text channel."""
    return {
        "id": str(cid),
        "type": CHANNEL_TEXT,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def forum_channel(cid: int, guild_id: int, tags: list[tuple[int, str]]) -> dict[str, Any]:
    """A forum channel with the given (id, name) tags."""
    return {
        **text_channel(cid, guild_id, "help-forum"),
        "type": CHANNEL_FORUM,
        "available_tags": [
            {"id": str(tid), "name": name, "moderated": False, "emoji_id": None, "emoji_name": None}
            for tid, name in tags
        ],
        "default_reaction_emoji": None,
        "flags": 0,
    }


def thread(
    tid: int, guild_id: int, parent_id: int, owner_id: int, name: str = "help"
) -> dict[str, Any]:
    """A public thread (or a forum post when the parent is a forum)."""
    return {
        "id": str(tid),
        "type": CHANNEL_THREAD,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "applied_tags": [],
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": _now(),
            "locked": False,
        },
    }


def guild(
    gid: int,
    channels: list[dict[str, Any]],
    threads: list[dict[str, Any]] | None = None,
    *,
    bot_permissions: int = 0,
) -> dict[str, Any]:
    """A GUILD_CREATE payload; the bot is a member whose role has `bot_permissions`."""
    role_id = snowflake()
    return {
        "id": str(gid),
        "name": "ZeroTier fans",
        "icon": None,
        "owner_id": "1",
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "roles": [
            {
                "id": str(gid),
                "name": "@everyone",
                "permissions": "0",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            },
            {
                "id": str(role_id),
                "name": "ztbot",
                "permissions": str(bot_permissions),
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": True,
                "mentionable": False,
            },
        ],
        "members": [
            {
                "user": BOT_USER,
                "roles": [str(role_id)],
                "joined_at": _now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "channels": channels,
        "threads": threads or [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "premium_tier": 0,
        "nsfw_level": 0,
        "preferred_locale": "en-US",
        "system_channel_flags": 0,
    }


def _interaction(
    kind: int,
    data: dict[str, Any],
    *,
    channel: dict[str, Any],
    author: dict[str, Any],
    guild_id: int | None,
    permissions: int = 0,
    roles: list[int] | None = None,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(snowflake()),
        "application_id": str(APP_ID),
        "type": kind,
        "data": data,
        "channel_id": channel["id"],
        "channel": channel,
        "token": f"itoken{snowflake()}",
        "version": 1,
        "locale": "en-US",
        "app_permissions": str(1 << 11 | 1 << 13),
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)} if guild_id else {"1": author["id"]},
        "context": 0 if guild_id else 1,
        "attachment_size_limit": 8_388_608,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["member"] = {
            "user": author,
            "roles": [str(r) for r in roles or []],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        }
    else:
        payload["user"] = author
    if message is not None:
        payload["message"] = message
    return payload


_OPTION_TYPES = {str: 3, int: 4, bool: 5}  # Discord's option types by value


def slash(
    path: list[str],
    options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """INTERACTION_CREATE for a slash command: `slash(["zt", "ask"], {"question": "..."})`."""
    leaf: list[dict[str, Any]] = [
        {"name": k, "type": _OPTION_TYPES.get(type(v), 3), "value": v}
        for k, v in (options or {}).items()
    ]
    for depth, name in enumerate(reversed(path[1:])):
        # The leaf is a subcommand (1); a level above it a subcommand group (2).
        leaf = [{"name": name, "type": 1 if depth == 0 else 2, "options": leaf}]
    data = {"id": str(snowflake()), "name": path[0], "type": 1, "options": leaf}
    return _interaction(2, data, **kwargs)


def autocomplete(path: list[str], option: str, typed: str, **kwargs: Any) -> dict[str, Any]:
    """INTERACTION_CREATE for autocomplete: `typed` so far in `option` of the command `path`."""
    leaf: list[dict[str, Any]] = [{"name": option, "type": 3, "value": typed, "focused": True}]
    for name in reversed(path[1:]):
        leaf = [{"name": name, "type": 1, "options": leaf}]
    data = {"id": str(snowflake()), "name": path[0], "type": 1, "options": leaf}
    return _interaction(4, data, **kwargs)


def button(custom_id: str, message: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """INTERACTION_CREATE for a click on the button `custom_id` of `message`."""
    return _interaction(3, {"custom_id": custom_id, "component_type": 2}, message=message, **kwargs)


def modal_submit(custom_id: str, values: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """INTERACTION_CREATE for a submitted modal (`values`: text input custom_id -> text)."""
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": cid, "value": value}]}
        for cid, value in values.items()
    ]
    return _interaction(5, {"custom_id": custom_id, "components": rows}, **kwargs)


def context_menu(name: str, target: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """INTERACTION_CREATE for the message context menu command `name` on message `target`."""
    data = {
        "id": str(snowflake()),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    return _interaction(2, data, **kwargs)


def feed(client: Any, event: str, data: dict[str, Any]) -> None:
    """Hand one gateway dispatch to discord.py's own parser, as the gateway would."""
    client._connection.parsers[event](data)


# Discord's documented limits for what an interaction callback may carry.
_LIMITS = {
    "modal title": 45,
    "text input label": 45,
    "text input placeholder": 100,
    "custom_id": 100,
    "button label": 80,
    "content": 2000,
}


def limit_problems(callback: dict[str, Any]) -> list[str]:
    """Where an interaction callback breaks Discord's limits (empty when it fits)."""
    data = callback.get("data") or {}
    found: list[str] = []

    def check(what: str, value: object) -> None:
        if isinstance(value, str) and len(value) > _LIMITS[what]:
            found.append(f"{what} is {len(value)} characters (limit {_LIMITS[what]})")

    check("content", data.get("content"))
    if callback.get("type") == 9:
        check("modal title", data.get("title"))
        check("custom_id", data.get("custom_id"))
    for row in data.get("components") or ():
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        for component in inner:
            check("custom_id", component.get("custom_id"))
            if component.get("type") == 4:
                check("text input label", component.get("label"))
                check("text input placeholder", component.get("placeholder"))
            if component.get("type") == 2:
                check("button label", component.get("label"))
        if row.get("type") == 18:  # a label wrapping a component (newer modals)
            check("text input label", row.get("label"))
    return found


# Discord's locales (https://discord.com/developers/docs/reference#locales): the only keys a
# command's name_localizations / description_localizations may have.
LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg "
    "ru uk hi th zh-CN ja zh-TW ko".split()
)
_CHAT_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")


def command_problems(commands: list[dict[str, Any]]) -> list[str]:
    """Where application commands break Discord's documented limits (empty when they fit)."""
    found: list[str] = []
    if len(commands) > 100:
        found.append(f"{len(commands)} commands (limit 100 chat input)")
    menus = [c for c in commands if c.get("type") in (2, 3)]
    for kind in (2, 3):
        if sum(1 for c in menus if c.get("type") == kind) > 5:
            found.append(f"more than 5 context menu commands of type {kind}")
    for command in commands:
        found.extend(_command_problems(command, command.get("type", 1)))
    return found


def _command_problems(item: dict[str, Any], kind: int, depth: int = 0) -> list[str]:
    found: list[str] = []
    name = str(item.get("name") or "")
    description = item.get("description")
    where = f"command {name!r}"
    if kind == 1:
        if not _CHAT_NAME.match(name) or name != name.lower():
            found.append(f"{where}: name must be 1-32 lower-case letters, digits, - or _")
        if not 1 <= len(description or "") <= 100:
            found.append(f"{where}: description must be 1-100 characters")
    else:
        if not 1 <= len(name) <= 32:
            found.append(f"{where}: context menu names are 1-32 characters")
        if description:
            found.append(f"{where}: context menu commands have no description")
    for field_name, limit in (("name_localizations", 32), ("description_localizations", 100)):
        for locale, text in (item.get(field_name) or {}).items():
            if locale not in LOCALES:
                found.append(f"{where}: {locale!r} is not a Discord locale")
            if not 1 <= len(str(text)) <= limit:
                found.append(f"{where}: {field_name}[{locale}] over {limit} characters")
            if (
                field_name == "name_localizations"
                and kind == 1
                and (not _CHAT_NAME.match(str(text)) or str(text) != str(text).lower())
            ):
                found.append(f"{where}: name_localizations[{locale}] is not a valid name")
    options = item.get("options") or []
    if len(options) > 25:
        found.append(f"{where}: {len(options)} options (limit 25)")
    for option in options:
        found.extend(_command_problems(option, 1, depth + 1))
        if len(option.get("choices") or []) > 25:
            found.append(f"{where}: option {option.get('name')!r} has over 25 choices")
    return found


def autocomplete_problems(callback: dict[str, Any]) -> list[str]:
    """Where an autocomplete result breaks Discord's limits (at most 25 choices, 1-100 each)."""
    choices = (callback.get("data") or {}).get("choices") or []
    found = [f"{len(choices)} choices (limit 25)"] if len(choices) > 25 else []
    for choice in choices:
        if not 1 <= len(str(choice.get("name") or "")) <= 100:
            found.append(f"choice name {choice.get('name')!r} not 1-100 characters")
        if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
            found.append(f"choice value {choice['value'][:20]!r}... over 100 characters")
    return found


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json.
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


class DiscordApi:
    """The stand-in server. `async with DiscordApi() as api:`; `api.api_url`, `api.gateway_url`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.files: dict[str, bytes] = {}
        self.fetched: list[str] = []  # attachment files downloaded
        self.channels: dict[str, dict[str, Any]] = {}  # for GET /channels/{id}
        self.failures: list[tuple[str, re.Pattern[str], int, int]] = []
        self.rejected: list[list[str]] = []  # callbacks refused for breaking Discord's limits
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # gateway
        self.ready_guilds: list[dict[str, Any]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self.identified = asyncio.Event()
        self.identifies: list[dict[str, Any]] = []  # IDENTIFY payloads (token, intents, shard)
        self.resumed = asyncio.Event()
        self.resumes = 0
        self.heartbeats = 0

    async def __aenter__(self) -> DiscordApi:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in self._sockets:
            await ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def file_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/files/{name}"

    def fail(self, method: str, path_regex: str, status: int, code: int = 0) -> None:
        """Answer matching requests with an error (403 Forbidden, 404 Not Found, ...)."""
        self.failures.append((method, re.compile(path_regex), status, code))

    def matching(self, method: str, path_regex: str) -> list[Request]:
        """Recorded requests with this method whose path matches `path_regex` fully."""
        rx = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    async def wait_for(
        self, method: str, path_regex: str, *, count: int = 1, timeout: float = 5.0
    ) -> list[Request]:
        """Wait until `count` matching requests were made; return them."""

        async def enough() -> list[Request]:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: len(self.matching(method, path_regex)) >= count
                )
            return self.matching(method, path_regex)

        try:
            return await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            seen = "\n".join(f"  {r.method} {r.path}" for r in self.requests)
            raise AssertionError(
                f"no {method} {path_regex} within {timeout}s; saw:\n{seen}"
            ) from None

    # --- REST ---------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.fetched.append(name)
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="text/plain")

    async def _api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                body = {"multipart": raw.decode("utf-8", "replace")}
        rec = Request(request.method, path, dict(request.query), body, dict(request.headers))
        async with self._changed:
            self.requests.append(rec)
            self._changed.notify_all()
        for method, rx, status, code in self.failures:
            if method == request.method and rx.fullmatch(path):
                return _json({"message": "stand-in failure", "code": code}, status)
        return self._answer(request.method, path, body)

    def _answer(self, method: str, path: str, body: Any) -> web.Response:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json(
                {
                    "id": str(APP_ID),
                    "name": "ztbot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user(1, "owner"),
                    "verify_key": "0" * 64,
                    "flags": 0,
                }
            )
        if path in ("/gateway/bot", "/gateway"):
            return _json(
                {
                    # A real gateway answers with its own URL; the bot must not follow it
                    # when a gateway URL is configured.
                    "url": "wss://gateway.invalid",
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if parts[0] == "applications" and method == "PUT":
            guild_id = parts[3] if len(parts) > 3 else None
            problems = command_problems(body or [])
            if problems:
                self.rejected.append(problems)
                return _json(
                    {"message": "Invalid Form Body", "code": 50035, "errors": problems}, 400
                )
            return _json(
                [
                    {
                        "description": "",  # Discord answers "" for context menu commands
                        **cmd,
                        "id": str(snowflake()),
                        "application_id": str(APP_ID),
                        "version": "1",
                        **({"guild_id": guild_id} if guild_id else {}),
                    }
                    for cmd in body or []
                ]
            )
        if parts[0] == "interactions" and parts[-1] == "callback":
            kind = (body or {}).get("type")
            problems = limit_problems(body or {})
            if kind == 8:
                problems = autocomplete_problems(body or {})
            if problems:
                self.rejected.append(problems)
                return _json(
                    {"message": "Invalid Form Body", "code": 50035, "errors": problems}, 400
                )
            response_id = str(snowflake())
            out: dict[str, Any] = {
                "interaction": {
                    "id": parts[1],
                    "type": 2,
                    "response_message_id": response_id,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(
                        ((body or {}).get("data") or {}).get("flags", 0) & 64
                    ),
                }
            }
            if kind == 4:
                data = (body or {}).get("data") or {}
                out["resource"] = {
                    "type": 4,
                    "message": message(
                        channel_id=1,
                        author=BOT_USER,
                        content=data.get("content", ""),
                        message_id=int(response_id),
                    ),
                }
            return _json(out)
        if parts[0] == "webhooks":
            data = body if isinstance(body, dict) else {}
            return _json(
                message(
                    channel_id=1,
                    author=BOT_USER,
                    content=data.get("content") or "",
                    embeds=data.get("embeds"),
                    components=data.get("components"),
                )
            )
        if parts[0] == "channels":
            cid = int(parts[1])
            if len(parts) == 2 and method == "GET":
                found = self.channels.get(parts[1])
                return (
                    _json(found)
                    if found
                    else _json({"message": "Unknown Channel", "code": 10003}, 404)
                )
            if len(parts) == 2 and method == "PATCH":
                current = dict(self.channels.get(parts[1]) or thread(cid, 0, 0, BOT_ID))
                current.update({k: v for k, v in (body or {}).items() if k != "archived"})
                if "archived" in (body or {}):
                    current["thread_metadata"] = {
                        **current["thread_metadata"],
                        "archived": body["archived"],
                    }
                return _json(current)
            if len(parts) == 3 and parts[2] == "messages" and method == "POST":
                data = body if isinstance(body, dict) else {}
                return _json(
                    message(
                        channel_id=cid,
                        author=BOT_USER,
                        content=data.get("content") or "",
                        embeds=data.get("embeds"),
                        components=data.get("components"),
                    )
                )
            if len(parts) == 4 and parts[2] == "messages" and method == "PATCH":
                data = body if isinstance(body, dict) else {}
                return _json(
                    message(
                        channel_id=cid,
                        author=BOT_USER,
                        message_id=int(parts[3]),
                        content=data.get("content") or "",
                        embeds=data.get("embeds"),
                        components=data.get("components"),
                    )
                )
            if len(parts) == 5 and parts[4] == "threads" and method == "POST":
                made = thread(int(parts[3]), 0, cid, BOT_ID, (body or {}).get("name", "t"))
                made.pop("guild_id")  # the client fills it from the parent channel
                return _json(made)
            if method in ("DELETE", "PUT"):
                return web.Response(status=204)
        return _json({"message": "404: Not Found", "code": 0}, 404)

    # --- gateway ------------------------------------------------------------------------

    async def push(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch to every connected gateway client."""
        for ws in self._sockets:
            await self._dispatch(ws, event, data)

    async def ask_to_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session to another server."""
        for ws in list(self._sockets):
            await ws.send_str(json.dumps({"op": 7, "d": None}))

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45_000}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                self.heartbeats += 1
                await ws.send_str(json.dumps({"op": 11}))
            elif frame["op"] == 2:
                self.identifies.append(frame["d"])
                shard = frame["d"].get("shard", [0, 1])
                await self._dispatch(
                    ws,
                    "READY",
                    {
                        "v": 10,
                        "user": BOT_USER,
                        "guilds": [{"id": g["id"], "unavailable": True} for g in self.ready_guilds],
                        "session_id": "session-1",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(APP_ID), "flags": 0},
                        "shard": shard,
                        "private_channels": [],
                        "relationships": [],
                    },
                )
                for g in self.ready_guilds:
                    await self._dispatch(ws, "GUILD_CREATE", g)
                self.identified.set()
            elif frame["op"] == 6:  # RESUME after a reconnect: the session goes on
                self.resumes += 1
                await self._dispatch(ws, "RESUMED", {})
                self.resumed.set()
        self._sockets.remove(ws)
        return ws
