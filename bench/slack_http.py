"""Slack HTTP mode throughput: signed Events API requests through the real Bolt app.

What it measures: ztbot's Slack front end in HTTP mode (`POST /slack/events` on 127.0.0.1,
signatures verified by Bolt), answering `app_mention` events (a mix of FAQ questions and a
pasted `zerotier-cli peers` table) with every turn logged to a SQLite file, against the
loopback Web API stand-in from tests/fakes/slack_api.py, which takes the `chat.postMessage`
replies (and the 👀 reactions on pastes). Clients keep `--concurrency` requests in flight.

Figures printed:
- requests/s: requests answered by HTTP 200 (Slack's 3-second acknowledgement) per second;
- replies/s: replies received by the Web API stand-in per second (end to end);
- ack latency p50/p99: from sending a request to its HTTP response;
- reply latency p50/p99: from sending a request to its threaded reply reaching the stand-in;
- turns logged: rows in the `turns` table after the service flushed (must equal the requests).

Everything (load generator, bot, stand-in) shares one process and one event loop, so the
figures are a floor for a real deployment. The script prints figures; it does not assert.

Run from the repository root::

    .venv/bin/python bench/slack_http.py [--requests 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
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
from bot.admin import AdminActions
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.ratelimit import RateLimiter
from bot.service import SupportService
from bot.settings import Settings
from bot.store import open_store
from tests.fakes.slack_api import SlackApi, event_body, signed_headers

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


def requests_for(count: int) -> list[tuple[str, str]]:
    """(thread ts, signed-later JSON body) for `count` distinct mentions; every 4th a paste."""
    out = []
    for n in range(count):
        ts = f"1700000000.{n:06d}"
        words = PASTE if n % 4 == 3 else QUESTIONS[n % len(QUESTIONS)]
        event = {
            "type": "app_mention",
            "user": f"U{n % 50:04d}",
            "text": f"<@UBOT> {words}",
            "ts": ts,
            "channel": f"C{n % 5:04d}",
        }
        out.append((ts, json.dumps(event_body(event, event_id=f"Ev{n:08d}"))))
    return out


async def run(count: int, concurrency: int) -> None:
    api = await SlackApi().start()
    tmp = Path(tempfile.mkdtemp(prefix="ztbot-bench-"))
    db = f"sqlite:///{tmp / 'ztbot.db'}"
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
    started = time.perf_counter()
    engine = Engine(load_knowledge(DEFAULT_KNOWLEDGE))
    service = SupportService(engine, settings, store=open_store(db), salt="bench")
    front = SlackFrontEnd(settings, service, AdminActions(service, None), RateLimiter(0, 60.0))
    await front.start()
    print(f"start-up (knowledge, database, app): {time.perf_counter() - started:.2f} s")
    url = f"http://127.0.0.1:{front.port}/slack/events"
    work = requests_for(count)
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            ts, body = queue.get_nowait()
            headers = signed_headers(SECRET, body)
            t0 = time.perf_counter()
            sent_at[ts] = t0
            async with session.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
            acks.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Warm-up: first dispatch runs auth.test and imports; not counted.
        _ts, body = requests_for(1)[0]
        warm = json.loads(body)
        warm["event_id"] = "EvWARMUP"
        warm["event"]["ts"] = warm["event"]["event_ts"] = "1600000000.000001"
        warm_body = json.dumps(warm)
        async with session.post(url, data=warm_body, headers=signed_headers(SECRET, warm_body)):
            pass
        await api.wait_for("chat.postMessage", 1, timeout=30)
        baseline = len(api.of("chat.postMessage"))

        t_start = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        t_acked = time.perf_counter()
        await api.wait_for("chat.postMessage", baseline + count, timeout=600)
        t_done = time.perf_counter()

    replies = [c for c in api.of("chat.postMessage") if c.args.get("thread_ts") in sent_at]
    reply_latency = [c.at - sent_at[c.args["thread_ts"]] for c in replies]
    await front.stop()
    service.close(60)
    eng = create_engine(db)
    with eng.connect() as conn:
        turns = conn.execute(text("SELECT count(*) FROM turns")).scalar_one()
    eng.dispose()
    await api.close()

    ms = 1000.0
    print(f"python {platform.python_version()} on {platform.machine()}, SQLite logging on")
    print(f"requests: {count} signed app_mention events, concurrency {concurrency}")
    print(f"HTTP statuses: {statuses}")
    print(f"requests/s (acknowledged):   {count / (t_acked - t_start):8.1f}")
    print(f"replies/s (end to end):      {len(replies) / (t_done - t_start):8.1f}")
    print(
        f"ack latency   p50 {percentile(acks, 50) * ms:7.2f} ms   "
        f"p99 {percentile(acks, 99) * ms:7.2f} ms   max {max(acks) * ms:7.2f} ms"
    )
    print(
        f"reply latency p50 {percentile(reply_latency, 50) * ms:7.2f} ms   "
        f"p99 {percentile(reply_latency, 99) * ms:7.2f} ms   "
        f"max {max(reply_latency) * ms:7.2f} ms"
    )
    print(f"turns logged: {turns} (warm-up included: {count + 1} expected)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.requests, args.concurrency))


if __name__ == "__main__":
    main()
