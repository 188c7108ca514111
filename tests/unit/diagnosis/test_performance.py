"""Bounded time: guards against pathological slowness (regex backtracking, quadratic scans).

The bounds are 10-20x the measured figures so a loaded machine cannot flake; the real
speed figures and their bars are printed by bench/diagnosis.py.
"""

from __future__ import annotations

import random
import time

from bot.diagnosis import parse_message

HEADER = "200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n"


def _peers_paste(rows: int) -> str:
    rnd = random.Random(7)
    lines = [
        f"{rnd.getrandbits(40):010x} 1.14.1 LEAF   {rnd.randint(1, 400):4d} DIRECT   "
        f"{rnd.randint(0, 9999):<8d} {rnd.randint(0, 9999):<8d} 10.0.{i % 256}.{i % 200 + 1}/9993"
        for i in range(rows)
    ]
    return HEADER + "\n".join(lines) + "\n"


def _best_of(runs: int, func: object) -> float:
    assert callable(func)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def test_ten_thousand_peer_rows_parse_quickly() -> None:
    """A 10,000-row peers paste is read completely, in bounded time."""
    text = _peers_paste(10_000)
    outputs = parse_message(text, max_chars=len(text))
    assert [o.command for o in outputs] == ["peers"]
    assert len(outputs[0].peers) == 10_000
    assert _best_of(3, lambda: parse_message(text, max_chars=len(text))) < 2.0


def test_megabyte_of_junk_is_quick() -> None:
    """1 MB of junk is turned away in bounded time."""
    rnd = random.Random(3)
    junk = "".join(chr(rnd.randint(1, 0x2FF)) for _ in range(1_000_000))
    assert _best_of(2, lambda: parse_message(junk, max_chars=len(junk))) < 3.0
