"""Table-driven checks: every paste in tests/data/pastes parses to the facts in its .yaml."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.diagnosis import parse_message
from tests.unit.diagnosis.corpus import (
    PASTES,
    SPECIAL_KEYS,
    assert_subset,
    corpus_stems,
    read_paste,
)


def _check_output(expected: dict[str, Any], actual: dict[str, Any], where: str) -> None:
    fields = {k: v for k, v in expected.items() if k not in SPECIAL_KEYS}
    assert_subset(fields, actual, where)
    warnings = actual["warnings"]
    if expected.get("no_warnings"):
        assert warnings == [], f"{where}: unexpected warnings {warnings}"
    for needle in expected.get("warnings_contain", []):
        assert any(needle in w for w in warnings), (
            f"{where}: no warning mentions {needle!r}: {warnings}"
        )


@pytest.mark.parametrize("stem", corpus_stems())
def test_paste_parses_to_expected_facts(stem: str) -> None:
    """The paste yields exactly the expected outputs, in order, with the expected facts."""
    case = yaml.safe_load((PASTES / f"{stem}.yaml").read_text("utf-8"))
    outputs = [o.to_dict() for o in parse_message(read_paste(stem))]
    expected = case["outputs"]
    commands = [o["command"] for o in outputs]
    assert len(outputs) == len(expected), f"{stem}: got {commands}"
    for i, (exp, act) in enumerate(zip(expected, outputs, strict=True)):
        _check_output(exp, act, f"{stem}[{i}]")


def test_corpus_is_not_empty() -> None:
    """The corpus is found (a moved data folder must not make the table test vacuous)."""
    assert len(corpus_stems()) >= 50
