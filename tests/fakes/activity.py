"""Weeks of made-up but realistic bot activity in a database, for report tests and benchmarks.

Turns on Slack and Discord with a weekday rhythm, answered, clarified and abstained questions,
pastes with findings, feedback, hand-overs and knowledge reloads. Seeded, so a run is repeatable.
Rows go in with bulk inserts: 100,000 turns take a few seconds on SQLite.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from bot.store.db import upgrade
from bot.store.models import (
    Conversation,
    Feedback,
    Finding,
    KnowledgeVersion,
    Turn,
)

NOW: Final = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOPICS: Final = (
    "ping-not-working",
    "router-configuration",
    "ports-used",
    "port-forwarding",
    "firewall-security-software",
    "high-latency-relaying",
    "paid-account-speed",
    "unknown-peers",
    "network-not-found",
    "service-not-running",
    "updating",
)
QUESTIONS: Final = (
    "ping between my two nodes doesn't work",
    "which ports does zerotier need open?",
    "do I have to forward a port on my router",
    "windows firewall blocks zerotier, what do I allow",
    "why is my connection so slow, peers says RELAY",
    "will paying make it faster",
    "who are these peers I don't know in listpeers",
    "join says NOT_FOUND for my network",
    "zerotier-one service won't start on boot",
    "how do I update zerotier on ubuntu",
)
UNCOVERED: Final = (
    ("bridging", "how do I bridge my LAN into the zerotier network"),
    ("dns", "can zerotier resolve hostnames of my nodes"),
    ("moons-and-roots", "should I run my own moon"),
    ("self-hosted-controller", "how do I host my own network controller"),
)
UNKNOWN: Final = (
    "does zerotier work inside kubernetes pods",
    "zerotier in a kubernetes pod does not get an address",
    "can I run zerotier on my printer",
    "is there a terraform provider",
    "how do I use a terraform provider for zerotier networks",
    "is this right? authtoken.secret: 0123456789abcdefghijklmn",
    "my node at 192.168.1.20 can't see 10.147.17.5, why?",
)
PASTE: Final = (
    "nodes are relayed, why?\n```\n$ zerotier-cli peers\n"
    "200 listpeers 8056c2e21c 50.7.252.138/9993;47;47 111 LEAF 1.10.6\n```"
)
PASTE_CODES: Final = (
    ("peer-relayed", "warning"),
    ("no-root-reachable", "error"),
    ("tcp-fallback", "warning"),
    ("node-offline", "error"),
    ("old-version", "info"),
    ("port-error", "error"),
    ("access-denied", "error"),
    ("high-latency", "warning"),
    ("network-not-found", "error"),
    ("secret-exposed", "warning"),
)
PLATFORMS: Final = (("slack", 0.6), ("discord", 0.4))


@dataclass(frozen=True, slots=True)
class Filled:
    """What `fill` wrote, to check a report against."""

    turns: int
    since: datetime
    until: datetime
    platforms: tuple[str, ...]
    handovers: int
    feedback: int
    versions: tuple[str, ...]


def _kind(rng: random.Random) -> tuple[str, str | None, str | None, str, bool]:
    """kind, topic, uncovered subject, text, has_output."""
    roll = rng.random()
    if roll < 0.50:
        i = rng.randrange(len(QUESTIONS))
        return "answer", TOPICS[i], None, QUESTIONS[i], False
    if roll < 0.62:
        return "diagnosis", "high-latency-relaying", None, PASTE, True
    if roll < 0.68:
        return "clarify", rng.choice(TOPICS), None, "zerotier does not work", False
    if roll < 0.76:
        subject, text = rng.choice(UNCOVERED)
        return "abstain", None, subject, text, False
    if roll < 0.86:
        return "abstain", None, None, rng.choice(UNKNOWN), False
    if roll < 0.90:
        return "diagnosis", None, None, "still broken\n" + PASTE, True
    if roll < 0.93:
        return "escalate", None, None, "can I talk to a person", False
    if roll < 0.97:
        return "smalltalk", None, None, "thanks!", False
    return "help", None, None, "help", False


def fill(
    engine: Engine,
    *,
    turns: int = 3000,
    days: int = 35,
    until: datetime = NOW,
    seed: int = 20,
    store_text: bool = True,
) -> Filled:
    """Migrate the schema and add `turns` turns spread over the `days` days before `until`."""
    upgrade(engine)
    rng = random.Random(seed)
    since = until - timedelta(days=days)
    versions = ("3f1c2a9be0d4", "8a7e55c01b2f", "c49d0e7a6f11")
    loads = (
        since - timedelta(days=3),
        since + timedelta(days=days // 3),
        until - timedelta(days=5),
    )
    conversations: list[dict[str, Any]] = []
    for n in range(max(1, turns // 4)):
        platform = "slack" if rng.random() < PLATFORMS[0][1] else "discord"
        conversations.append(
            {
                "id": n + 1,
                "key": f"{platform}:T{n % 7}:C{n % 31}:{n}",
                "platform": platform,
                "workspace": f"T{n % 7}",
                "channel": f"C{n % 31}",
                "thread": str(n),
                "user_hash": f"user{rng.randrange(max(2, turns // 10))}",
                "started_at": since,
                "last_seen_at": until,
            }
        )
    turn_rows: list[dict[str, Any]] = []
    finding_rows: list[dict[str, Any]] = []
    feedback_rows: list[dict[str, Any]] = []
    handovers = 0
    seconds = days * 86400
    for n in range(turns):
        # Weekdays busier than weekends, working hours busier than nights.
        while True:
            at = since + timedelta(seconds=rng.randrange(seconds))
            weight = (1.0 if at.weekday() < 5 else 0.4) * (1.0 if 8 <= at.hour < 19 else 0.35)
            if rng.random() < weight:
                break
        conv = conversations[rng.randrange(len(conversations))]
        kind, topic, uncovered, text, has_output = _kind(rng)
        version = versions[sum(1 for load in loads if load <= at) - 1]
        turn_id = uuid.UUID(int=rng.getrandbits(128)).hex
        turn_rows.append(
            {
                "id": turn_id,
                "conversation_id": conv["id"],
                "platform": conv["platform"],
                "event_id": f"ev{n}",
                "user_hash": conv["user_hash"],
                "created_at": at,
                "text": text if store_text else None,
                "reply": "…",
                "kind": kind,
                "topic": topic,
                "section": None,
                "confidence": 0.8 if topic else 0.1,
                "uncovered": uncovered,
                "latency_ms": rng.uniform(2, 40),
                "knowledge_version": version,
                "has_output": has_output,
            }
        )
        handovers += kind == "escalate"
        if has_output:
            for code, severity in rng.sample(PASTE_CODES[: 4 + n % 6], rng.randint(0, 2)):
                finding_rows.append(
                    {
                        "turn_id": turn_id,
                        "code": code,
                        "severity": severity,
                        "summary": code,
                        "topics": "high-latency-relaying",
                    }
                )
        if topic is not None and rng.random() < 0.3:
            # Some topics help more often than others.
            helpful = rng.random() < 0.45 + 0.05 * (TOPICS.index(topic) % 10)
            feedback_rows.append(
                {
                    "turn_id": turn_id,
                    "user_hash": conv["user_hash"],
                    "helpful": helpful,
                    "created_at": at + timedelta(minutes=2),
                }
            )
    with Session(engine) as session:
        session.execute(insert(Conversation), conversations)
        for start in range(0, len(turn_rows), 10_000):
            session.execute(insert(Turn), turn_rows[start : start + 10_000])
        if finding_rows:
            session.execute(insert(Finding), finding_rows)
        if feedback_rows:
            session.execute(insert(Feedback), feedback_rows)
        session.execute(
            insert(KnowledgeVersion),
            [
                {
                    "version": v,
                    "loaded_at": at,
                    "loaded_by": "console" if i == 0 else f"admin{i}",
                    "topics": 20 + i,
                    "content": None,
                }
                for i, (v, at) in enumerate(zip(versions, loads, strict=True))
            ],
        )
        session.commit()
    return Filled(
        turns=turns,
        since=since,
        until=until,
        platforms=tuple(sorted({c["platform"] for c in conversations})),
        handovers=handovers,
        feedback=len(feedback_rows),
        versions=versions,
    )
