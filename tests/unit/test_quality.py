"""Quality floors on the labelled question set (tests/data/questions.yaml), via the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.engine import Engine
from bot.core.models import Incoming

QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "questions.yaml"


@pytest.fixture(scope="module")
def labelled() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return items


def test_set_is_large_and_varied(labelled: list[dict[str, Any]]) -> None:
    """At least 150 items, with off-topic/uncovered ones and per-OS sections."""
    assert len(labelled) >= 150
    assert sum(i["topic"] == "none" for i in labelled) >= 30
    assert sum(bool(i.get("section")) for i in labelled) >= 25


def test_top1_and_abstention_floors(engine: Engine, labelled: list[dict[str, Any]]) -> None:
    """Top-1 topic accuracy >= 0.92 on covered items, abstention >= 0.90 on `none` items."""
    covered = [i for i in labelled if i["topic"] != "none"]
    none = [i for i in labelled if i["topic"] == "none"]
    top1 = sum(engine.respond(Incoming(i["q"])).topic == i["topic"] for i in covered)
    abstained = sum(engine.respond(Incoming(i["q"])).topic is None for i in none)
    assert top1 / len(covered) >= 0.92, f"top-1 {top1}/{len(covered)}"
    assert abstained / len(none) >= 0.90, f"abstained {abstained}/{len(none)}"


def test_section_floor(engine: Engine, labelled: list[dict[str, Any]]) -> None:
    """When the user names or implies an OS, the right section is chosen (>= 0.85)."""
    sectioned = [i for i in labelled if i.get("section")]
    hits = 0
    for item in sectioned:
        reply = engine.respond(Incoming(item["q"]))
        hits += (reply.topic, reply.section) == (item["topic"], item["section"])
    assert hits / len(sectioned) >= 0.85, f"{hits}/{len(sectioned)}"
