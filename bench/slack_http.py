"""Slack HTTP mode throughput and latency: signed Events API requests through the real Bolt app.

What it measures: ztbot's Slack front end in HTTP mode (`POST /slack/events` on 127.0.0.1,
signatures verified by Bolt), answering `app_mention` events (FAQ questions, and a pasted
`zerotier-cli peers` table every fourth request) with every turn logged to a SQLite file,
against the loopback Web API stand-in from tests/fakes/slack_api.py, which takes the threaded
`chat.postMessage` replies (and the 👀 reactions on pastes). Two phases, same bot:

1. **open loop**: `--concurrency` clients each send their next request as soon as the previous
   one is acknowledged (HTTP 200, what Slack waits for). Figures: requests/s acknowledged,
   replies/s completed, and the acknowledgement latency p50/p99. Replies queue up behind the
   acknowledgements here, so this phase's reply times measure the backlog, not a request.
2. **closed loop**: `--concurrency` clients each wait for the reply to reach the Web API
   stand-in before sending the next request. Figures: requests/s end to end and the latency
   from sending a request to its reply, p50/p99 (what a user waits).

Then the number of turns in the database is checked against the requests sent. Load
generator, bot and stand-in share one process and one event loop, so the figures are a floor
for a real deployment. The script prints figures; it does not assert.

Run from the repository root::

    .venv/bin/python bench/slack_http.py [--requests 2000] [--concurrency 32] [--no-database]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from sqlalchemy import create_engine, text

from bench._common import DEFAULT_KNOWLEDGE, percentile
from bot.adapters.slack_app import SlackFrontEnd
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.knowledge import load_knowledge
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService
from bot.store import open_store
from tests.fakes.slack_api import Call, SlackApi, event_body, signed_headers

SECRET = "bench-signing-secret"
QUESTIONS = [
    "ping doesn't work on windows",
    "what ports does zerotier use",
    "how do I update zerotier on ubuntu",
    "my network says NOT_FOUND",
    "should I forward ports in my router",
    "why are there nodes I don't know in my peer list",
    "will a paid account make transfers faster",
]
PASTE = (
    "why is it slow?\n```200 peers\n"
    "&lt;ztaddr&gt;   &lt;ver&gt;  &lt;role&gt; &lt;lat&gt; &lt;link&gt;   &lt;lastTX&gt; "
    "&lt;lastRX&gt; &lt;path&gt;\n"
    "62f865ae71 -      PLANET   213 DIRECT   3905     3872     50.7.252.138/9993\n"
    "0123456789 1.14.1 LEAF      12 RELAY\n```"
)
_serial = itertools.count()


def next_request() -> tuple[str, str]:
    """(thread ts, JSON body) of a new, distinct mention; every 4th carries a paste."""
    n = next(_serial)
    ts = f"1700000000.{n:06d}"
    words = PASTE if n % 4 == 3 else QUESTIONS[n % len(QUESTIONS)]
    event = {
        "type": "app_mention",
        "user": f"U{n % 50:04d}",
        "text": f"<@UBOT> {words}",
        "ts": ts,
        "channel": f"C{n % 5:04d}",
    }
    return ts, json.dumps(event_body(event, event_id=f"Ev{n:08d}"))


class Load:
    """Sends signed requests and matches the replies the stand-in receives to them."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api: SlackApi) -> None:
        self.session = session
        self.url = url
        self.statuses: dict[int, int] = {}
        self.waiting: dict[str, asyncio.Future[float]] = {}
        api.on_call = self._replied

    def _replied(self, call: Call) -> None:
        if call.method == "chat.postMessage":
            future = self.waiting.pop(str(call.args.get("thread_ts")), None)
            if future is not None and not future.done():
                future.set_result(call.at)

    async def send(self) -> tuple[float, float, asyncio.Future[float]]:
        """Send one request: (sent at, acknowledged at, future of the reply's arrival)."""
        ts, body = next_request()
        reply = asyncio.get_running_loop().create_future()
        self.waiting[ts] = reply
        headers = signed_headers(SECRET, body)
        sent = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
        return sent, time.perf_counter(), reply


async def open_loop(load: Load, count: int, concurrency: int) -> None:
    left = count
    acks: list[float] = []
    replies: list[asyncio.Future[float]] = []

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            sent, acked, reply = await load.send()
            acks.append(acked - sent)
            replies.append(reply)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    acked = time.perf_counter()
    done = await asyncio.wait_for(asyncio.gather(*replies), 600)
    finished = max(done)
    print(f"open loop, {count} requests, {concurrency} in flight:")
    print(f"  requests/s acknowledged   {count / (acked - start):8.1f}")
    print(f"  replies/s completed       {count / (finished - start):8.1f}")
    print(f"  acknowledgement latency   p50 {_ms(acks, 50)}   p99 {_ms(acks, 99)}")


async def closed_loop(load: Load, count: int, concurrency: int) -> None:
    left = count
    latency: list[float] = []

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            sent, _acked, reply = await load.send()
            latency.append(await asyncio.wait_for(reply, 60) - sent)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    print(f"closed loop, {count} requests, {concurrency} clients waiting for their reply:")
    print(f"  requests/s end to end     {count / elapsed:8.1f}")
    print(f"  request-to-reply latency  p50 {_ms(latency, 50)}   p99 {_ms(latency, 99)}")


def _ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:7.2f} ms"


async def run(count: int, concurrency: int, logging_on: bool) -> None:
    api = await SlackApi().start()
    tmp = Path(tempfile.mkdtemp(prefix="ztbot-bench-"))
    db = f"sqlite:///{tmp / 'ztbot.db'}" if logging_on else None
    settings = Settings(
        data_dir=tmp,
        database_url=db,
        rate_limit=0,  # measuring the app, not the per-user limit
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_mode="http",
        slack_http_host="127.0.0.1",
        slack_http_port=0,
        slack_api_url=api.url,
    )
    engine = Engine(load_knowledge(DEFAULT_KNOWLEDGE))
    store = open_store(db) if db is not None else None
    service = SupportService(engine, settings, store=store, salt="bench")
    front = SlackFrontEnd(
        settings,
        FrontDesk(service, RateLimiter(0, 60.0), settings),
        AdminActions(service.store, None),
    )
    await front.start()
    where = "SQLite logging on" if db is not None else "no database (ZTBOT_DATABASE_URL=none)"
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{where}"
    )
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        load = Load(session, f"http://127.0.0.1:{front.port}/slack/events", api)
        # Warm-up (the first dispatch checks the token, first answers fill caches): not counted.
        for _ in range(20):
            _sent, _acked, reply = await load.send()
            await asyncio.wait_for(reply, 30)
        await open_loop(load, count, concurrency)
        await closed_loop(load, count, concurrency)
        print(f"  HTTP statuses: {load.statuses}")
    await front.stop()
    service.close(60)
    await api.close()
    if db is not None:
        eng = create_engine(db)
        with eng.connect() as conn:
            turns = conn.execute(text("SELECT count(*) FROM turns")).scalar_one()
        eng.dispose()
        print(f"turns logged: {turns} of {next(_serial)} requests sent (warm-up included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per phase")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--no-database", action="store_true", help="turn logging off, to see what it costs"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.requests, args.concurrency, not args.no_database))


if __name__ == "__main__":
    main()
