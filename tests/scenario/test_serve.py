"""`ztbot serve` as a real process, with a Slack and a Discord stand-in on loopback.

The process is started the way an admin (or the container) starts it: environment variables
only. It connects to both stand-ins, answers a question on each, reports ready on /readyz,
counts both turns in /metrics, and on SIGTERM exits 0 with every turn in the database (SQLite,
and PostgreSQL too when ZTBOT_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.fakes import discord_api as dfake
from tests.fakes.discord_api import BOT_ID, BOT_USER, DiscordApi
from tests.fakes.slack_api import SlackApi, event_body

ROOT = Path(__file__).resolve().parents[2]
GUILD, GENERAL = 700000000000000101, 700000000000000110
ALICE = dfake.user(800000000000000101, "alice")
START_TIMEOUT = 30.0


@pytest.fixture
async def slack() -> AsyncIterator[SlackApi]:
    fake = await SlackApi().start()
    yield fake
    await fake.close()


@pytest.fixture
async def discord() -> AsyncIterator[DiscordApi]:
    async with DiscordApi() as fake:
        fake.ready_guilds = [
            dfake.guild(
                GUILD,
                [dfake.text_channel(GENERAL, GUILD, "general")],
                bot_permissions=(1 << 11) | (1 << 35) | (1 << 13),  # send, threads, manage msgs
            )
        ]
        yield fake


class Served:
    """The running `ztbot serve` process and what it logged."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.port: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def read_logs(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.raw.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a traceback line, say; kept in `raw` for the failure message
            self.lines.append(record)
            if (
                "port" in record
                and record.get("logger") == "bot.runtime.health"
                and not self.port.done()
            ):
                self.port.set_result(int(record["port"]))

    def log(self) -> str:
        return "\n".join(self.raw[-60:])


@pytest.fixture
async def served(
    slack: SlackApi, discord: DiscordApi, tmp_path: Path, db_url: str
) -> AsyncIterator[Served]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ZTBOT_", "SLACK_", "DISCORD_"))
    }
    env.update(
        {
            "ZTBOT_DATA_DIR": str(tmp_path),
            "ZTBOT_DATABASE_URL": db_url,
            "ZTBOT_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "ZTBOT_HTTP_HOST": "127.0.0.1",
            "ZTBOT_HTTP_PORT": "0",
            "ZTBOT_LOG_FORMAT": "json",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "SLACK_API_URL": slack.url,
            "DISCORD_TOKEN": dfake.TOKEN,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    running = Served(proc)
    reader = asyncio.create_task(running.read_logs())
    try:
        yield running
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        await asyncio.wait_for(reader, 10)


async def _ready(http: aiohttp.ClientSession, base: str, served: Served) -> dict[str, Any]:
    """Poll /readyz (an external process: there is no event to await) until it says 200."""
    last: dict[str, Any] = {}
    for _ in range(int(START_TIMEOUT / 0.1)):
        async with http.get(f"{base}/readyz") as r:
            last = await r.json()
            if r.status == 200:
                return last
        assert served.proc.returncode is None, served.log()
        await asyncio.sleep(0.1)
    raise AssertionError(f"/readyz never became 200: {last}\n{served.log()}")


def _turns_by_platform(metrics_text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        if family.name == "ztbot_turns":
            for sample in family.samples:
                if sample.name == "ztbot_turns_total":
                    platform = sample.labels["platform"]
                    out[platform] = out.get(platform, 0) + sample.value
    return out


async def test_serve_answers_on_slack_and_discord_and_stops_cleanly_on_sigterm(
    served: Served, slack: SlackApi, discord: DiscordApi, db_url: str
) -> None:
    """Both platforms answer, /readyz is 200, SIGTERM exits 0 with every turn saved."""
    try:
        port = await asyncio.wait_for(asyncio.shield(served.port), START_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"no health listener port logged\n{served.log()}") from None
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as r:
            assert r.status == 200
        await slack.wait_socket(START_TIMEOUT)
        await asyncio.wait_for(discord.identified.wait(), START_TIMEOUT)
        ready = await _ready(http, base, served)
        assert ready["checks"] == {
            "knowledge": True,
            "database": True,
            "slack": True,
            "discord": True,
        }

        # Slack, over Socket Mode: an app mention in a channel is answered in its thread.
        await slack.send_envelope(
            event_body(
                {
                    "type": "app_mention",
                    "user": "U0ALICE",
                    "text": "<@UBOT> how do i update zerotier",
                    "ts": "1700000500.000100",
                    "channel": "C0SUPPORT",
                },
                event_id="Ev0SERVE",
            )
        )
        [posted] = await slack.wait_for("chat.postMessage", timeout=10)
        assert posted.token == "xoxb-test"
        assert posted.args["channel"] == "C0SUPPORT"
        assert posted.args["thread_ts"] == "1700000500.000100"

        # Discord, over the gateway: a mention is answered in a thread on the message.
        msg = dfake.message(
            channel_id=GENERAL,
            guild_id=GUILD,
            author=ALICE,
            content=f"<@{BOT_ID}> how do i update zerotier",
            mentions=[BOT_USER],
        )
        await discord.push("MESSAGE_CREATE", msg)
        [sent] = await discord.wait_for("POST", rf"/channels/{msg['id']}/messages", timeout=10)
        assert sent.json["embeds"][0]["title"] == "How do I Update Zerotier?"

        async with http.get(f"{base}/metrics") as r:
            assert r.status == 200
            turns = _turns_by_platform(await r.text())
        assert turns == {"slack": 1, "discord": 1}

    served.proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(served.proc.wait(), 30)
    assert code == 0, served.log()
    assert not any("Traceback" in line for line in served.raw), served.log()
    messages = [r.get("msg", "") for r in served.lines]
    assert any(m.startswith("stopping") for m in messages)
    assert messages[-1] == "stopped (exit 0)"
    # Nothing logged at INFO carries the question's text or a token.
    for secret in ("update zerotier", "xoxb-test", "xapp-test", dfake.TOKEN):
        assert not any(secret in line for line in served.raw), secret

    db = create_engine(db_url)
    try:
        with db.connect() as conn:
            rows = conn.execute(
                text("SELECT platform, event_id, kind, topic FROM turns ORDER BY platform")
            ).all()
    finally:
        db.dispose()
    assert [(r.platform, r.kind, r.topic) for r in rows] == [
        ("discord", "answer", "updating"),
        ("slack", "answer", "updating"),
    ]
    assert rows[1].event_id == "Ev0SERVE"
