"""Start-up time of one-shot commands, beside a bare `python -c pass` measured in the same run.

Each command runs `--runs` times in a fresh process (like hyperfine); the median and the best
wall time are printed, with the median's ratio to the floor. The database is off (`none`) so
the figures are the command line's own, not a disk's.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASTE = "200 info 8056c2e21c 1.10.6 ONLINE\n"

COMMANDS: list[tuple[str, list[str], str | None]] = [
    ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
    ("ztbot --version", [sys.executable, "-m", "bot", "--version"], None),
    ("ztbot --help", [sys.executable, "-m", "bot", "--help"], None),
    ("ztbot config show", [sys.executable, "-m", "bot", "config", "show"], None),
    ("ztbot kb check", [sys.executable, "-m", "bot", "kb", "check"], None),
    ("ztbot diagnose -", [sys.executable, "-m", "bot", "diagnose"], PASTE),
    ("ztbot ask (no database)", [sys.executable, "-m", "bot", "ask", "ping doesnt work"], None),
]


def _time(argv: list[str], stdin: str | None, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv,
        input=stdin,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        check=False,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "ZTBOT_DATABASE_URL": "none", "ZTBOT_DATA_DIR": "/tmp/ztbot-bench"}
    floor = None
    print(f"{'command':28} {'median':>8} {'best':>8} {'x floor':>8}")
    for name, argv, stdin in COMMANDS:
        _time(argv, stdin, env)  # warm the file cache
        runs = sorted(_time(argv, stdin, env) for _ in range(args.runs))
        median = statistics.median(runs)
        floor = floor if floor is not None else median
        print(f"{name:28} {median * 1000:7.0f}ms {runs[0] * 1000:7.0f}ms {median / floor:8.1f}")


if __name__ == "__main__":
    main()
