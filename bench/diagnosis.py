"""Time parsing and full diagnosis of a 10,000-row `peers` paste and of 1 MB of junk.

Run: `.venv/bin/python bench/diagnosis.py` (bars: 100 ms and 200 ms, parse + diagnose).
"""

from __future__ import annotations

import random
import statistics
import string
import time
from collections.abc import Callable
from pathlib import Path

from bot.diagnosis import parse_message
from bot.diagnosis.findings import diagnose
from bot.knowledge import load_knowledge

RUNS = 7


def peers_paste(rows: int = 10_000, seed: int = 1) -> str:
    """A `peers` paste with `rows` rows, mixing DIRECT, RELAY and IPv6 rows."""
    rnd = random.Random(seed)
    lines = [
        "$ sudo zerotier-cli peers",
        "```",
        "200 peers",
        "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>",
    ]
    for i in range(rows):
        addr = f"{rnd.getrandbits(40):010x}"
        kind = i % 4
        lat = rnd.randint(1, 400)
        tx, rx = rnd.randint(0, 9999), rnd.randint(0, 9999)
        if kind == 3:
            lines.append(f"{addr} 1.14.1 LEAF     -1 RELAY")
        elif kind == 2:
            path = f"2001:db8::{i % 65535:x}/9993"
            lines.append(f"{addr} 1.12.2 LEAF   {lat:4d} DIRECT   {tx:<8d} -1       {path}")
        else:
            ip = f"10.{i % 256}.{(i // 256) % 256}.{rnd.randint(1, 254)}"
            lines.append(f"{addr} 1.14.1 LEAF   {lat:4d} DIRECT   {tx:<8d} {rx:<8d} {ip}/9993")
    lines.append("```")
    return "\n".join(lines) + "\n"


def junk_paste(size: int = 1_000_000, seed: int = 2) -> str:
    """About `size` characters of printable junk, binary noise and near-miss fragments."""
    rnd = random.Random(seed)
    alphabet = string.printable + "\x00\x01\x1b\u00a0\u201c\u2019❯%$#{}[]<>"
    parts: list[str] = []
    total = 0
    fragments = ["200 ", '{"', "[", "PLANET ", "Reply from ", "zerotier-cli ", "&lt;", "```"]
    while total < size:
        chunk = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(20, 400)))
        if rnd.random() < 0.3:
            chunk += rnd.choice(fragments)
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)[:size]


def median_ms(func: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `func` in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print parse-only and full-diagnosis figures, and whether the bars hold."""
    kb = load_knowledge(Path(__file__).resolve().parents[1] / "knowledge")
    peers = peers_paste()
    junk = junk_paste()
    found = parse_message(peers)
    count = sum(len(o.items) for o in found)
    print(f"peers paste: 10,000 rows, {len(peers):,} chars, {count:,} peers parsed")
    rows = [
        ("parse   10,000-row peers", lambda: parse_message(peers), None),
        ("diagnose 10,000-row peers", lambda: diagnose(peers, kb.finding_text), 100.0),
        ("parse   1 MB junk", lambda: parse_message(junk), None),
        ("diagnose 1 MB junk", lambda: diagnose(junk, kb.finding_text), 200.0),
    ]
    print(f"{'':28} {'median ms':>10}  (median of {RUNS} runs)")
    for name, func, bar in rows:
        ms = median_ms(func)
        verdict = "" if bar is None else f"  bar < {bar:.0f} ms: {'HOLDS' if ms < bar else 'FAILS'}"
        print(f"{name:28} {ms:10.1f}{verdict}")


if __name__ == "__main__":
    main()
