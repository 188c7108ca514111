"""The shipped knowledge base holds the whole seed FAQ, faithfully, under the fixed ids."""

from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge import KnowledgeBase

# The source FAQ the knowledge base was written from, kept in the repository so this test runs
# in every clone.
SEED = Path(__file__).resolve().parents[2] / "data" / "faq-source.txt"

FIXED_IDS = {
    "ping-not-working": ["windows", "macos", "linux"],
    "router-configuration": [],
    "ports-used": [],
    "port-forwarding": [],
    "firewall-security-software": [],
    "high-latency-relaying": [],
    "paid-account-speed": [],
    "unknown-peers": [],
    "network-not-found": [],
    "service-not-running": ["windows", "macos", "linux", "still-doesnt-work"],
    "updating": ["macos-windows", "linux", "ios-android"],
}


def _norm(text: str) -> str:
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"\s+", " ", text).strip()


def _all_text(kb: KnowledgeBase) -> str:
    parts = []
    for t in kb.topics:
        parts += [t.title, t.answer] + [s.title + "\n" + s.answer for s in t.sections]
    return _norm("\n".join(parts))


def test_topic_and_section_ids_are_the_fixed_ones(kb: KnowledgeBase) -> None:
    """Topic ids, their order and their section ids match the published contract."""
    assert {t.id: [s.id for s in t.sections] for t in kb.topics} == FIXED_IDS


def test_every_line_of_the_seed_is_present(kb: KnowledgeBase) -> None:
    """Every instruction, command and caveat of the seed appears in some answer or title."""
    body = SEED.read_text(encoding="utf-8").split("---", 2)[2]
    corpus = _all_text(kb)
    missing = []
    for raw in body.splitlines():
        line = _norm(raw.lstrip("#*0123456789. "))
        if not line or line.startswith("```") or line == "Troubleshooting & FAQ":
            continue
        if line not in corpus:
            missing.append(line)
    assert missing == []


def test_key_facts_survive(kb: KnowledgeBase) -> None:
    """Spot checks of numbers and commands an admin would notice if lost."""
    text = _all_text(kb)
    for fact in [
        "9993",
        "16,000 devices",
        "60 seconds",
        "sudo launchctl unload /Library/LaunchDaemons/com.zerotier.one.plist",
        "sudo service zerotier-one start",
        "/etc/init.d/zerotier-one start",
        "deadbeef01 1.6.4 LEAF -1 RELAY",
        "ZeroTierOneService",
        "https://www.zerotier.com/download",
    ]:
        assert fact in text, fact


def test_every_topic_has_matching_material(kb: KnowledgeBase) -> None:
    """Each topic carries enough example questions and keywords to be found."""
    for t in kb.topics:
        assert len(t.questions) >= 8, t.id
        assert len(t.keywords) >= 10, t.id
