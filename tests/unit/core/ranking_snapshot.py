"""The matcher's full ranking output on the labelled questions, as plain data.

`tests/unit/core/test_ranking_identity.py` compares it with `tests/data/ranking-snapshot.json`,
so a speed change that alters a topic, an order or a score by more than 1e-9 fails. After an
intended accuracy change, regenerate the snapshot:

    .venv/bin/python -m tests.unit.core.ranking_snapshot > tests/data/ranking-snapshot.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from bot.core.matching import Matcher, fuse
from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[3]
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
SNAPSHOT = ROOT / "tests" / "data" / "ranking-snapshot.json"


def questions() -> list[str]:
    """The `q` of every labelled question."""
    return [str(item["q"]) for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]


def _ordered(rows: Iterable[list[Any]]) -> list[list[Any]]:
    """Rows ending in a score, best first; equal scores by name. The matcher's own order of
    tied items follows set iteration (the hash seed), so it is not part of the snapshot."""
    return sorted(rows, key=lambda row: (-round(row[-1], 9), str(row[0])))


def ranking(matcher: Matcher, text: str) -> dict[str, Any]:
    """Everything the matcher decides about `text`: evidence, fused order and verdict."""
    ev = matcher.evidence(text)
    topics = matcher.kb.topics
    result = matcher.verdict(ev, text)
    raw, mass = matcher.scores(text)
    return {
        "q": text,
        "topic": result.topic,
        "section": result.section,
        "uncovered": result.uncovered,
        "ambiguous": result.ambiguous,
        "candidates": _ordered([c.topic, c.section, c.score] for c in result.candidates),
        "fused": _ordered([topics[i].id, s] for i, s in fuse(ev, matcher.config)),
        "lexical": _ordered([topics[i].id, s] for i, s in ev.lexical.items()),
        "ranks": _ordered([topics[i].id, s] for i, s in ev.ranks.items()),
        "other": ev.other,
        "other_score": ev.other_score,
        "evidence_uncovered": ev.uncovered,
        "uncovered_ratio": ev.uncovered_ratio,
        "verbatim": ev.verbatim,
        "near_miss": ev.near_miss,
        "raw": _ordered([i, s] for i, s in raw),
        "mass": mass,
    }


def snapshot(matcher: Matcher | None = None) -> list[dict[str, Any]]:
    """The ranking of every labelled question by `matcher` (default: the shipped knowledge)."""
    matcher = matcher or Matcher(load_knowledge(ROOT / "knowledge"))
    return [ranking(matcher, q) for q in questions()]


if __name__ == "__main__":
    sys.stdout.write("[\n" + ",\n".join(json.dumps(r) for r in snapshot()) + "\n]\n")
