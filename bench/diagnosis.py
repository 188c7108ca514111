"""Time parsing and full diagnosis of a 10,000-row `peers` paste and of 1 MB of junk.

Run: `.venv/bin/python bench/diagnosis.py`. Prints a floor (one compiled regular expression
finding the same rows in the same text) and every figure as a ratio to it: parse + diagnose of
10,000 rows in-process at most 2.5x the floor and under 50 ms; what `ztbot diagnose FILE` adds
over a one-row paste (with and without `--json`) at most 5x; 1 MB of junk under 100 ms.
"""

from __future__ import annotations

import random
import re
import resource
import statistics
import string
import subprocess
import sys
import tempfile
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
    """Median CPU time of `func` in milliseconds (CPU, not wall: on a shared machine the wall
    clock also counts the time other processes held the cores)."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        func()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


# The floor: one compiled regular expression finding the same rows in the same text. This
# machine's speed varies from hour to hour; ratios to a floor measured in the same run do not.
FLOOR_ROW = re.compile(
    r"^([0-9a-f]{10}) +(\S+) +(PLANET|MOON|LEAF) +(-?\d+) +(DIRECT|RELAY)"
    r"(?: +(-?\d+) +(-?\d+) +(\S+))?$",
    re.MULTILINE,
)
IN_PROCESS_RATIO = 2.5  # parse + diagnose of 10,000 rows, at most this many floors
IN_PROCESS_MS = 50.0
COMMAND_RATIO = 5.0  # what `ztbot diagnose FILE` adds over a one-row paste
JUNK_MS = 100.0
COMMAND_RUNS = 9


def floor_ms(text: str) -> float:
    """Median time of one compiled regex finding every peers row of `text`."""
    return median_ms(lambda: FLOOR_ROW.findall(text))


def _command_cpu_ms(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000


def command_added_ms(big: Path, small: Path, *args: str, runs: int = COMMAND_RUNS) -> float:
    """CPU time (user + system) that `ztbot diagnose [args] FILE` spends on `big` beyond `small`,
    reply rendered and written to a pipe; runs interleaved so drift hits both alike. Each side
    is its fastest run (as `timeit` reports): a busy neighbour only ever adds time, and a whole
    process start varies by more than the difference being measured."""
    base = [sys.executable, "-m", "bot", "diagnose", *args]
    bigs, smalls = [], []
    for _ in range(runs):
        bigs.append(_command_cpu_ms([*base, str(big)]))
        smalls.append(_command_cpu_ms([*base, str(small)]))
    return min(bigs) - min(smalls)


def _verdict(ok: bool) -> str:
    return "HOLDS" if ok else "FAILS"


def main() -> None:
    """Print the floor, the in-process and command figures, their ratios, and the verdicts."""
    kb = load_knowledge(Path(__file__).resolve().parents[1] / "knowledge")
    peers = peers_paste()
    one = peers_paste(rows=1)
    junk = junk_paste()
    found = parse_message(peers)
    count = sum(len(o.items) for o in found)
    floor = floor_ms(peers)
    print(f"peers paste: 10,000 rows, {len(peers):,} chars, {count:,} peers parsed")
    print(
        f"floor (one regex, same rows)    {floor:8.1f} ms  ({len(FLOOR_ROW.findall(peers)):,} rows)"
    )
    parse = median_ms(lambda: parse_message(peers))
    full = median_ms(lambda: diagnose(peers, kb.finding_text))
    print(f"parse    10,000-row peers       {parse:8.1f} ms  {parse / floor:5.1f}x floor")
    ok = full <= IN_PROCESS_RATIO * floor and full < IN_PROCESS_MS
    print(
        f"diagnose 10,000-row peers       {full:8.1f} ms  {full / floor:5.1f}x floor"
        f"  (bar <= {IN_PROCESS_RATIO}x and < {IN_PROCESS_MS:.0f} ms: {_verdict(ok)})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "peers.txt", Path(tmp) / "one.txt"
        big.write_text(peers, encoding="utf-8")
        small.write_text(one, encoding="utf-8")
        for args in ((), ("--json",)):
            added = command_added_ms(big, small, *args)
            label = " ".join(("ztbot diagnose", *args, "(added)"))
            print(
                f"{label:31} {added:8.1f} ms  {added / floor:5.1f}x floor"
                f"  (bar <= {COMMAND_RATIO}x: {_verdict(added <= COMMAND_RATIO * floor)})"
            )
    junk_ms = median_ms(lambda: diagnose(junk, kb.finding_text))
    print(
        f"diagnose 1 MB junk              {junk_ms:8.1f} ms"
        f"  (bar < {JUNK_MS:.0f} ms: {_verdict(junk_ms < JUNK_MS)})"
    )
    print(
        f"(CPU time; medians of {RUNS} runs in-process; commands: the fastest of "
        f"{COMMAND_RUNS} runs each)"
    )


if __name__ == "__main__":
    main()
