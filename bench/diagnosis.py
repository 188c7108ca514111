"""Time `parse_message` on a 10,000-row `peers` paste and on 1 MB of junk (median of runs).

Run: `.venv/bin/python bench/diagnosis.py` (bars: well under 100 ms and 200 ms).
"""

from __future__ import annotations

import random
import statistics
import string
import time
from collections.abc import Callable

from bot.diagnosis import parse_message

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
    """Print the two figures."""
    peers = peers_paste()
    junk = junk_paste()
    found = parse_message(peers)
    count = sum(len(o.items) for o in found)
    peers_ms = median_ms(lambda: parse_message(peers, max_chars=len(peers)))
    junk_ms = median_ms(lambda: parse_message(junk, max_chars=len(junk)))
    print(f"peers paste: 10,000 rows, {len(peers):,} chars, {count:,} peers parsed (default cap)")
    print(
        f"peers paste, whole (max_chars={len(peers):,}): median {peers_ms:.1f} ms over {RUNS} runs"
    )
    print(f"junk paste: {len(junk):,} chars: median {junk_ms:.1f} ms over {RUNS} runs")


if __name__ == "__main__":
    main()
