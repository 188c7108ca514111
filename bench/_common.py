"""Helpers shared by the benchmarks: repository paths, the labelled set and percentiles."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_QUESTIONS = REPO / "tests" / "data" / "questions.yaml"
DEFAULT_KNOWLEDGE = REPO / "knowledge"
NONE = "none"  # the label of items the bot should abstain on


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled question."""

    q: str
    topic: str  # a topic id, or "none"
    section: str | None
    style: str


def load_labelled(path: Path) -> list[Item]:
    """Read the labelled question set (a YAML list of {q, topic, section, style})."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise SystemExit(f"{path}: expected a YAML list of questions")
    items = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict) or "q" not in entry or "topic" not in entry:
            raise SystemExit(f"{path}: item {n} needs at least 'q' and 'topic'")
        section = entry.get("section")
        items.append(
            Item(
                q=str(entry["q"]),
                topic=str(entry["topic"]),
                section=str(section) if section else None,
                style=str(entry.get("style") or "-"),
            )
        )
    return items


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def ratio(num: int, den: int) -> float:
    """num/den, or NaN when there is nothing to divide by."""
    return num / den if den else math.nan
