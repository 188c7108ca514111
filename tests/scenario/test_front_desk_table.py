"""One table of conversations, run against every front end: Slack over HTTP and Socket Mode,
Discord through discord.py's own parsing, and the terminal chat.

Each platform gets a small driver that plays the steps with that platform's real payloads (signed
requests into the Bolt app, Socket Mode envelopes, gateway events and interactions, lines typed
into `ztbot chat`) and reads back what the user saw and what the support team was sent. The
expectations are the same for every platform because the policy lives in one front desk; a new
platform needs only a driver here.
"""

from __future__ import annotations

import asyncio
import io
import json
import queue
import re
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.adapters import console
from bot.adapters.discord_client import DiscordFrontEnd, configure_endpoints
from bot.adapters.slack_app import SlackFrontEnd
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import HANDOVER_POSTED, FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService
from bot.store import open_store
from tests.fakes import discord_api as fake
from tests.fakes.discord_api import APP_ID, BOT_ID, BOT_USER, TOKEN, DiscordApi
from tests.fakes.slack_api import TEAM, FakeFile, SlackApi, event_body, signed_headers

SECRET = "table-signing-secret"
LISTNETWORKS = (
    "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
    "200 listnetworks 8056c2e21c000001  0a:1b:2c:3d:4e:5f NOT_FOUND PRIVATE ztabcdef \n"
)
GUILD, GENERAL, ESCALATION, ROLE = 700000000000000001, 700000000000000010, 700000000000000013, 7
USER = fake.user(800000000000000001, "alice")


class Driver(Protocol):
    """Plays one conversation on one platform and reports what people saw."""

    async def say(self, text: str) -> None: ...  # a new question addressed to the bot
    async def follow(self, text: str) -> None: ...  # a follow-up in the same conversation
    async def upload(self, name: str, data: bytes) -> None: ...  # a file with no comment
    async def own(self, text: str) -> None: ...  # a message the bot itself posted
    async def redeliver(self) -> None: ...  # the last event delivered again
    async def pick(self, n: int) -> None: ...  # choice n of the last offer
    async def solved(self) -> None: ...
    async def not_helpful(self) -> None: ...
    def said(self) -> list[str]: ...  # every message the user saw, in order
    def handovers(self) -> list[str]: ...  # summaries sent to the support team


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: Callable[[Driver], Any]
    check: Callable[[Driver, Engine], None]
    settings: dict[str, Any] = field(default_factory=dict)
    needs: frozenset[str] = frozenset()  # abilities a platform must have ("upload", "events")


def _joined(d: Driver) -> str:
    return "\n".join(d.said())


async def _mention(d: Driver) -> None:
    await d.say("ping doesn't work on windows")


async def _follow_up(d: Driver) -> None:
    await d.say("ping doesn't work")
    await d.follow("I'm on a mac")


async def _paste(d: Driver) -> None:
    await d.say(f"my network doesn't work\n```\n{LISTNETWORKS}```")


async def _upload(d: Driver) -> None:
    await d.upload("out.log", LISTNETWORKS.encode())


async def _pick(d: Driver) -> None:
    await d.say("udp 9993 router")
    await d.pick(2)


async def _solved(d: Driver) -> None:
    await d.say("how do I update zerotier on linux")
    await d.solved()


async def _not_helpful_twice(d: Driver) -> None:
    await d.say("ping doesn't work on windows")
    await d.not_helpful()
    await d.not_helpful()


async def _rate_limit(d: Driver) -> None:
    await d.say("how do I update zerotier")
    await d.follow("and on linux?")
    await d.follow("and on windows?")


async def _own(d: Driver) -> None:
    await d.own("ping doesn't work on windows")


async def _redelivery(d: Driver) -> None:
    await d.say("how do I update zerotier")
    await d.redeliver()


def _offered(engine: Engine) -> str:
    """The title of the second topic the bot offers for "udp 9993 router"."""
    return engine.respond(Incoming("udp 9993 router")).choices[1].title


SCENARIOS = [
    Scenario(
        "mention",
        _mention,
        lambda d, e: (len(d.said()) == 1 and "Windows" in d.said()[0]) or _fail(d),
    ),
    Scenario("thread follow-up", _follow_up, lambda d, e: "macOS" in d.said()[-1] or _fail(d)),
    Scenario("paste", _paste, lambda d, e: "NOT_FOUND" in _joined(d) or _fail(d)),
    Scenario(
        "upload with no comment",
        _upload,
        lambda d, e: ("NOT_FOUND" in _joined(d) and "Topics I know" not in _joined(d)) or _fail(d),
        needs=frozenset({"upload"}),
    ),
    Scenario("pick", _pick, lambda d, e: _offered(e) in d.said()[-1] or _fail(d)),
    Scenario("solved", _solved, lambda d, e: "Glad that helped" in d.said()[-1] or _fail(d)),
    Scenario(
        "not helpful twice",
        _not_helpful_twice,
        lambda d, e: (
            (
                len(d.handovers()) == 1
                and "Ping is not working" in d.handovers()[0]
                and "ping doesn't work on windows" in d.handovers()[0]
            )
            or _fail(d)
        ),
    ),
    Scenario(
        "rate limit",
        _rate_limit,
        lambda d, e: (
            (sum("faster than I can answer" in s for s in d.said()) == 1 and len(d.said()) == 3)
            or _fail(d)
        ),
        settings={"rate_limit": 2, "rate_window_s": 600},
    ),
    Scenario(
        "bot's own message",
        _own,
        lambda d, e: d.said() == [] or _fail(d),
        needs=frozenset({"events"}),
    ),
    Scenario(
        "redelivery",
        _redelivery,
        lambda d, e: len(d.said()) == 1 or _fail(d),
        needs=frozenset({"events"}),
    ),
]


def _fail(d: Driver) -> bool:
    raise AssertionError(f"the user saw: {d.said()!r}\nthe team got: {d.handovers()!r}")


# --- Slack ------------------------------------------------------------------------------------


class SlackDriver:
    """Slack: events, slash-free mentions and button presses, over HTTP or Socket Mode."""

    abilities = frozenset({"upload", "events"})

    def __init__(self, api: SlackApi, front: SlackFrontEnd, socket: bool) -> None:
        self.api = api
        self.front = front
        self.socket = socket
        self.http = aiohttp.ClientSession()
        self.sent = 0
        self.ts = 0
        self.thread = ""
        self.last: tuple[dict[str, Any], str] | None = None

    async def close(self) -> None:
        await self.http.close()

    async def _post(self, payload: dict[str, Any], kind: str, retry: int = 0) -> None:
        """Deliver a payload as Slack would: an envelope, or a signed HTTP request."""
        self.sent += 1
        if self.socket:
            await self.api.send_envelope(payload, kind=kind, retry=retry)
        else:
            if kind == "interactive":
                body, content_type = urlencode({"payload": json.dumps(payload)}), _FORM
            else:
                body, content_type = json.dumps(payload), "application/json"
            headers = signed_headers(SECRET, body, content_type=content_type)
            if retry:
                headers["x-slack-retry-num"] = str(retry)
            url = f"http://127.0.0.1:{self.front.port}/slack/events"
            async with self.http.post(url, data=body.encode(), headers=headers):
                pass
        await self.front.wait_processed(self.sent, timeout=10)

    async def _event(self, event: dict[str, Any]) -> None:
        self.ts += 1
        self.last = (event, f"Ev{self.ts}")
        await self._post(event_body(event, event_id=f"Ev{self.ts}"), "events_api")

    async def say(self, text: str) -> None:
        self.thread = f"1700000000.{self.ts + 1:06d}"
        await self._event(
            {
                "type": "app_mention",
                "user": "U0ALICE",
                "text": f"<@UBOT> {text}",
                "ts": self.thread,
                "channel": "C0SUPPORT",
            }
        )

    async def follow(self, text: str) -> None:
        await self._event(
            {
                "type": "message",
                "channel_type": "channel",
                "user": "U0ALICE",
                "text": text,
                "ts": f"1700000000.{self.ts + 1:06d}",
                "thread_ts": self.thread,
                "channel": "C0SUPPORT",
            }
        )

    async def upload(self, name: str, data: bytes) -> None:
        file = self.api.add_file(FakeFile("F0OUT", name, data))
        await self._event(
            {
                "type": "message",
                "subtype": "file_share",
                "channel_type": "im",
                "user": "U0ALICE",
                "text": "",
                "ts": f"1700000000.{self.ts + 1:06d}",
                "channel": "D0ALICE",
                "files": [file],
            }
        )

    async def own(self, text: str) -> None:
        event = {
            "type": "message",
            "channel_type": "channel",
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": text,
            "ts": f"1700000000.{self.ts + 1:06d}",
            "channel": "C0SUPPORT",
        }
        # Bolt drops the app's own events before any listener, so there is no "processed" to
        # wait for: the acknowledgement is the end of it.
        if self.socket:
            while not self.api.acks.empty():
                self.api.acks.get_nowait()
            envelope = await self.api.send_envelope(event_body(event, event_id="EvOWN"))
            ack = await asyncio.wait_for(self.api.acks.get(), 5)
            assert ack["envelope_id"] == envelope
        else:
            self.sent -= 1
            await self._post(event_body(event, event_id="EvOWN"), "events_api")

    async def redeliver(self) -> None:
        assert self.last is not None
        event, event_id = self.last
        await self._post(event_body(event, event_id=event_id), "events_api", retry=1)

    def _posts(self) -> list[Any]:
        return [c for c in self.api.of("chat.postMessage") if c.args["channel"] != "C0ESCALATE"]

    def _last_with(self, action: str) -> dict[str, Any]:
        for call in reversed(self._posts()):
            for block in call.args.get("blocks") or ():
                for element in block.get("elements") or ():
                    if str(element.get("action_id", "")).startswith(action):
                        return call.args
        raise AssertionError(f"no message with a {action} button")

    async def _press(self, message: dict[str, Any], action_id: str, value: str) -> None:
        ts = f"1700000001.{len(self._posts()):06d}"
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": "U0ALICE"},
            "channel": {"id": message["channel"]},
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": message["channel"],
                "thread_ts": message.get("thread_ts"),
            },
            "message": {
                "type": "message",
                "ts": ts,
                "thread_ts": message.get("thread_ts"),
                "text": message["text"],
                "blocks": message["blocks"],
            },
            "actions": [{"action_id": action_id, "value": value, "type": "button"}],
        }
        await self._post(payload, "interactive")

    def _button(self, message: dict[str, Any], action: str) -> tuple[str, str]:
        for block in message["blocks"]:
            for element in block.get("elements") or ():
                if str(element.get("action_id", "")).startswith(action):
                    return element["action_id"], element["value"]
        raise AssertionError(action)

    async def pick(self, n: int) -> None:
        message = self._last_with("zt_choice_")
        await self._press(message, *self._button(message, f"zt_choice_{n}"))

    async def solved(self) -> None:
        message = self._last_with("zt_solved")
        await self._press(message, *self._button(message, "zt_solved"))

    async def not_helpful(self) -> None:
        message = self._last_with("zt_not_helpful")
        await self._press(message, *self._button(message, "zt_not_helpful"))

    def said(self) -> list[str]:
        return [
            _slack_text(c.args)
            for c in self.api.calls
            if c.method == "chat.postEphemeral"
            or (c.method == "chat.postMessage" and c.args["channel"] != "C0ESCALATE")
        ]

    def handovers(self) -> list[str]:
        return [
            _slack_text(c.args)
            for c in self.api.of("chat.postMessage")
            if c.args["channel"] == "C0ESCALATE"
        ]


_FORM = "application/x-www-form-urlencoded"


def _slack_text(args: dict[str, Any]) -> str:
    parts = [args.get("text") or ""]
    for block in args.get("blocks") or ():
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        for element in block.get("elements") or ():
            if isinstance(element.get("text"), str):
                parts.append(element["text"])
            elif isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
    return "\n".join(parts)


# --- Discord ----------------------------------------------------------------------------------


class DiscordDriver:
    """Discord: gateway events and component interactions through discord.py's parsers."""

    abilities = frozenset({"upload", "events"})

    def __init__(self, api: DiscordApi, front: DiscordFrontEnd) -> None:
        self.api = api
        self.front = front
        self.thread: dict[str, Any] | None = None
        self.last: dict[str, Any] | None = None

    def _feed(self, event: str, data: dict[str, Any]) -> None:
        fake.feed(self.front.client, event, data)

    async def _settle(self) -> None:
        """Until the front end is idle and the stand-in saw no new request for a moment."""
        seen = -1
        quiet = 0
        for _ in range(500):
            await asyncio.sleep(0.02)
            now = len(self.api.requests)
            busy = self.front._in_flight > 0
            quiet = quiet + 1 if (now == seen and not busy) else 0
            seen = now
            if quiet >= 10:
                return
        raise AssertionError("the Discord front end did not settle")

    async def _message(self, content: str, **kwargs: Any) -> None:
        msg = fake.message(**{"guild_id": GUILD, "author": USER, "content": content, **kwargs})
        self.last = msg
        self._feed("MESSAGE_CREATE", msg)
        await self._settle()

    async def say(self, text: str) -> None:
        await self._message(f"<@{BOT_ID}> {text}", channel_id=GENERAL, mentions=[BOT_USER])
        assert self.last is not None
        made = fake.thread(int(self.last["id"]), GUILD, GENERAL, BOT_ID, "help")
        self._feed("THREAD_CREATE", {**made, "newly_created": True})
        self.thread = made

    async def follow(self, text: str) -> None:
        assert self.thread is not None
        await self._message(text, channel_id=int(self.thread["id"]))

    async def upload(self, name: str, data: bytes) -> None:
        self.api.files[name] = data
        attachment = {
            "id": str(fake.snowflake()),
            "filename": name,
            "size": len(data),
            "url": self.api.file_url(name),
            "proxy_url": self.api.file_url(name),
        }
        await self._message(
            f"<@{BOT_ID}>", channel_id=GENERAL, mentions=[BOT_USER], attachments=[attachment]
        )

    async def own(self, text: str) -> None:
        await self._message(text, channel_id=GENERAL, author=BOT_USER)

    async def redeliver(self) -> None:
        assert self.last is not None
        self._feed("MESSAGE_CREATE", self.last)
        await self._settle()

    def _sent(self) -> list[Any]:
        """Messages and follow-ups the bot sent, outside the escalation channel."""
        return [
            r
            for r in self.api.requests
            if r.method == "POST"
            and (
                (re.fullmatch(r"/channels/\d+/messages", r.path) and str(ESCALATION) not in r.path)
                or re.fullmatch(rf"/webhooks/{APP_ID}/[^/]+", r.path)
            )
        ]

    async def _click(self, prefix: str, n: int | None = None) -> None:
        for request in reversed(self._sent()):
            ids = [
                c["custom_id"]
                for row in request.json.get("components") or ()
                for c in row["components"]
            ]
            wanted = [i for i in ids if i.startswith(prefix)]
            if not wanted:
                continue
            custom_id = wanted[n - 1] if n is not None else wanted[0]
            channel = self.thread or fake.text_channel(GENERAL, GUILD)
            message = fake.message(
                channel_id=int(channel["id"]),
                guild_id=GUILD,
                author=BOT_USER,
                embeds=request.json.get("embeds"),
                components=request.json.get("components"),
            )
            click = fake.button(custom_id, message, channel=channel, author=USER, guild_id=GUILD)
            self._feed("INTERACTION_CREATE", click)
            await self._settle()
            return
        raise AssertionError(f"no {prefix} button was sent")

    async def pick(self, n: int) -> None:
        await self._click("ztbot:pick:", n)

    async def solved(self) -> None:
        await self._click("ztbot:solved:")

    async def not_helpful(self) -> None:
        await self._click("ztbot:unhelpful:")

    def said(self) -> list[str]:
        return [_discord_text(r.json) for r in self._sent()]

    def handovers(self) -> list[str]:
        return [
            _discord_text(r.json)
            for r in self.api.requests
            if r.method == "POST" and r.path == f"/channels/{ESCALATION}/messages"
        ]


def _discord_text(payload: dict[str, Any]) -> str:
    parts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or ():
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [(embed.get("footer") or {}).get("text") or ""]
    for row in payload.get("components") or ():
        parts += [c.get("label") or "" for c in row["components"]]
    return "\n".join(p for p in parts if p)


# --- the terminal -----------------------------------------------------------------------------


class _LineFeed(io.TextIOBase):
    """Standard input that the test types into, one line at a time, from another thread."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()

    def readline(self, size: int | None = -1) -> str:
        return self.lines.get()

    def isatty(self) -> bool:
        return False


class ConsoleDriver:
    """`ztbot chat`, running in its own thread: lines typed at the prompt; /good and /bad are
    the buttons."""

    abilities: frozenset[str] = frozenset()

    def __init__(self, desk: FrontDesk) -> None:
        self.desk = desk
        self.inp = _LineFeed()
        self.out = io.StringIO()
        self.typed = 0
        self.session = threading.Thread(
            target=console.chat,
            args=(desk,),
            kwargs={"inp": self.inp, "out": self.out, "user": "alice"},
        )
        self.session.start()

    def close(self) -> None:
        self.inp.lines.put("")  # end of input: the chat ends
        self.session.join(10)

    async def _type(self, line: str) -> None:
        self.typed += 1
        self.inp.lines.put(line + "\n")
        for _ in range(1500):  # every line typed gets one "ztbot> " answer
            if self.out.getvalue().count("ztbot> ") >= self.typed:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"no answer to {line!r}")

    async def say(self, text: str) -> None:
        await self._type(text.replace("\n", " "))

    async def follow(self, text: str) -> None:
        await self._type(text)

    async def upload(self, name: str, data: bytes) -> None:
        raise AssertionError("the terminal has no uploads")

    async def own(self, text: str) -> None:
        raise AssertionError("the terminal has no bot messages")

    async def redeliver(self) -> None:
        raise AssertionError("the terminal has no redeliveries")

    async def pick(self, n: int) -> None:
        await self._type(str(n))

    async def solved(self) -> None:
        await self._type("/good")

    async def not_helpful(self) -> None:
        await self._type("/bad")

    def said(self) -> list[str]:
        return self.out.getvalue().split("ztbot> ")[1:]

    def handovers(self) -> list[str]:
        return [s for s in self.said() if "Here is a summary" in s]


# --- the harness ------------------------------------------------------------------------------


def _settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "data_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'table.db'}",
        "faq_url": "https://docs.example.com/faq",
        **extra,
    }


@pytest.fixture(params=["slack-http", "slack-socket", "discord", "console"])
async def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _driver(
    platform: str, engine: Engine, tmp_path: Path, extra: dict[str, Any]
) -> AsyncIterator[Driver]:
    if platform.startswith("slack"):
        api = await SlackApi().start()
        socket = platform == "slack-socket"
        values = _settings(
            tmp_path,
            slack_bot_token="xoxb-test",
            slack_api_url=api.url,
            slack_escalation_channel="C0ESCALATE",
            slack_escalation_group="S0SUPPORT",
            **extra,
        )
        if socket:
            values["slack_app_token"] = "xapp-test"
        else:
            values.update(
                slack_signing_secret=SECRET,
                slack_mode="http",
                slack_http_host="127.0.0.1",
                slack_http_port=0,
            )
        settings = Settings(**values)
        service = SupportService(engine, settings, store=open_store(settings.database_url or ""))
        desk = FrontDesk(
            service, RateLimiter(settings.rate_limit, settings.rate_window_s), settings
        )
        front = SlackFrontEnd(settings, desk, AdminActions(service.store, None))
        await front.start()
        if socket:
            await api.wait_socket()
        driver = SlackDriver(api, front, socket)
        try:
            yield driver
        finally:
            await driver.close()
            await front.stop()
            service.close()
            await api.close()
    elif platform == "discord":
        async with DiscordApi() as api:
            settings = Settings(
                **_settings(
                    tmp_path,
                    discord_token=TOKEN,
                    discord_api_url=api.api_url,
                    discord_gateway_url=api.gateway_url,
                    discord_escalation_channel=str(ESCALATION),
                    discord_escalation_role=str(ROLE),
                    **extra,
                )
            )
            service = SupportService(
                engine, settings, store=open_store(settings.database_url or "")
            )
            limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
            front = DiscordFrontEnd(
                settings, FrontDesk(service, limiter, settings), AdminActions(service.store, None)
            )
            configure_endpoints(settings)
            await front.client.login(TOKEN)
            fake.feed(
                front.client,
                "GUILD_CREATE",
                fake.guild(
                    GUILD,
                    [
                        fake.text_channel(GENERAL, GUILD, "general"),
                        fake.text_channel(ESCALATION, GUILD, "mods"),
                    ],
                    None,
                    bot_permissions=(1 << 10) | (1 << 11) | (1 << 13) | (1 << 35),
                ),
            )
            try:
                yield DiscordDriver(api, front)
            finally:
                await front.stop()
                service.close()
    else:
        settings = Settings(**_settings(tmp_path, **extra))
        service = SupportService(engine, settings, store=open_store(settings.database_url or ""))
        desk = FrontDesk(
            service, RateLimiter(settings.rate_limit, settings.rate_window_s), settings
        )
        console_driver = ConsoleDriver(desk)
        try:
            yield console_driver
        finally:
            console_driver.close()
            service.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_every_front_end_follows_the_same_policy(
    scenario: Scenario, platform: str, engine: Engine, tmp_path: Path
) -> None:
    """The same steps give the same outcome on Slack (HTTP, Socket Mode), Discord and the
    terminal."""
    abilities = {
        "slack-http": SlackDriver.abilities,
        "slack-socket": SlackDriver.abilities,
        "discord": DiscordDriver.abilities,
        "console": ConsoleDriver.abilities,
    }[platform]
    if not scenario.needs <= abilities:
        pytest.skip(f"{platform} has no {', '.join(sorted(scenario.needs - abilities))}")
    async for driver in _driver(platform, engine, tmp_path, scenario.settings):
        await scenario.steps(driver)
        scenario.check(driver, engine)
        if scenario.name == "not helpful twice" and platform != "console":
            assert HANDOVER_POSTED in driver.said()[-1]
