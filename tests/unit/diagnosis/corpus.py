"""Shared helpers for the diagnosis tests: the paste corpus and a subset matcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PASTES = Path(__file__).resolve().parents[2] / "data" / "pastes"

# Keys of an expected output that are checks, not fields of `ParsedOutput.to_dict()`.
SPECIAL_KEYS = frozenset({"warnings_contain", "no_warnings"})


def corpus_stems() -> list[str]:
    """Every case in tests/data/pastes that has both a .txt and a .yaml."""
    return sorted(p.stem for p in PASTES.glob("*.yaml") if p.with_suffix(".txt").exists())


def read_paste(stem: str) -> str:
    """The raw message as a user pasted it (bytes kept: CRLF, NBSP, escapes)."""
    return (PASTES / f"{stem}.txt").read_bytes().decode("utf-8")


def assert_subset(expected: Any, actual: Any, where: str = "") -> None:
    """Every key in `expected` has the same value in `actual`; lists must match in length."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: missing key {key!r} in {sorted(actual)}"
            assert_subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        assert len(expected) == len(actual), (
            f"{where}: expected {len(expected)} items, got {len(actual)}: {actual!r}"
        )
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(e, a, f"{where}[{i}]")
    elif isinstance(expected, float) and isinstance(actual, int | float):
        assert abs(expected - actual) < 1e-9, f"{where}: expected {expected!r}, got {actual!r}"
    else:
        assert expected == actual, f"{where}: expected {expected!r}, got {actual!r}"
