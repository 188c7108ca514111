"""Speed work must not change what the matcher says: the ranking of every labelled question
(topics, order, scores within 1e-9) equals the stored snapshot, built or cached.

After an intended accuracy change, regenerate the snapshot (see ranking_snapshot.py).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.unit.core.ranking_snapshot import SNAPSHOT, snapshot

TOLERANCE = 1e-9
REGENERATE = (
    "the ranking changed; if that is intended (an accuracy change), regenerate with: "
    ".venv/bin/python -m tests.unit.core.ranking_snapshot > tests/data/ranking-snapshot.json"
)


def same(a: Any, b: Any) -> bool:
    """Equal, with floats compared within TOLERANCE."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, int | float) and isinstance(b, int | float):
            return (math.isinf(a) and a == b) or abs(a - b) <= TOLERANCE
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.fixture(scope="module")
def expected() -> list[dict[str, Any]]:
    return list(json.loads(SNAPSHOT.read_text(encoding="utf-8")))


def test_ranking_of_every_labelled_question_is_unchanged(expected: list[dict[str, Any]]) -> None:
    """Every labelled question ranks exactly as the snapshot says."""
    got = json.loads(json.dumps(snapshot()))  # the same float round trip as the file
    assert len(got) == len(expected)
    changed = [g["q"] for g, e in zip(got, expected, strict=True) if not same(g, e)]
    assert not changed, f"{REGENERATE}; first: {changed[:3]}"
