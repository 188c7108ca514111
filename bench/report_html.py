"""HTML report benchmark: 100,000 turns rendered, and the two ways of drawing its charts.

Run from the repository root::

    .venv/bin/python bench/report_html.py [--turns N] [--days N] [--runs N]

1. **Whole report**: a SQLite database with N turns (default 100,000 over 8 weeks, both
   platforms, pastes with findings, feedback, hand-overs and knowledge reloads; made by
   tests/fakes/activity.py) is turned into the HTML page, median of --runs runs. The floor is
   the text report (`build_report`) on the same database in the same run: the page costs the
   floor plus the over-time queries and the drawing. The bar: the page in under 5 s.
2. **Chart options**: the same six charts drawn by bot/reports/charts.py (hand-written SVG)
   and, where matplotlib is installed (`pip install matplotlib`; not a dependency), by
   matplotlib's SVG backend with text kept as text: render time and bytes per page.

It prints figures; it does not assert.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.reports import charts
from bot.reports.html import render_html
from bot.reports.trends import Trends, build_trends
from bot.reports.usage import build_report
from tests.fakes.activity import fill

TARGET_S = 5.0


CPU: dict[str, float] = {}  # median CPU seconds by label: steadier than wall time on a busy host


def _median(fn: Callable[[], object], runs: int, label: str = "") -> tuple[float, object]:
    times, cpu = [], []
    result: object = None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times), result


def _chart_data(trends: Trends) -> list[tuple[str, list[str], list[charts.Series]]]:
    """The report's time charts as (title, x labels, series), one drawing job each."""
    jobs = []
    timelines = [*trends.turns.values(), trends.outcomes, trends.findings, trends.handovers]
    for n, timeline in enumerate(timelines):
        labels = [d.strftime("%d %b") for d in timeline.periods]
        series = [
            charts.Series(name, tuple(float(v) for v in timeline.values[name]))
            for name in timeline.names
        ]
        jobs.append((f"chart {n}", labels, series))
    return jobs


def _hand_written(jobs: Sequence[tuple[str, list[str], list[charts.Series]]]) -> str:
    return "".join(
        charts.stacked_bars(f"c{n}", title, labels, series)
        for n, (title, labels, series) in enumerate(jobs)
    )


def _matplotlib(jobs: Sequence[tuple[str, list[str], list[charts.Series]]]) -> str | None:
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("svg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return None
    plt.rcParams["svg.fonttype"] = "none"  # text as <text>, not glyph paths: smaller, readable
    out = []
    for title, labels, series in jobs:
        fig, ax = plt.subplots(figsize=(7.2, 2.4))
        base = [0.0] * len(labels)
        for s in series:
            ax.bar(range(len(labels)), s.values, bottom=base, label=s.name)
            base = [b + v for b, v in zip(base, s.values, strict=True)]
        ax.set_title(title)
        step = max(1, len(labels) // 10)
        ax.set_xticks(range(0, len(labels), step), labels[::step])
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
        plt.close(fig)
        out.append(buffer.getvalue())
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=56)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ztbot-bench-") as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'ztbot.db'}")
        start = time.perf_counter()
        filled = fill(engine, turns=args.turns, days=args.days)
        print(
            f"database: {args.turns:,} turns over {args.days} days on SQLite, made in "
            f"{time.perf_counter() - start:.1f} s"
        )
        since, until = filled.since, filled.until

        with Session(engine) as session:
            floor, _ = _median(
                lambda: build_report(session, since=since, until=until), args.runs, "floor"
            )
            trends_s, trends = _median(
                lambda: build_trends(session, since=since, until=until), args.runs, "trends"
            )

            def whole() -> str:
                report = build_report(session, since=since, until=until)
                return render_html(
                    report, build_trends(session, since=since, until=until), store_text="full"
                )

            page_s, page = _median(whole, args.runs, "page")
        engine.dispose()
    assert isinstance(trends, Trends) and isinstance(page, str)
    size = len(page.encode())
    verdict = "under" if page_s < TARGET_S else "OVER"
    cpu_verdict = "under" if CPU["page"] < TARGET_S else "OVER"
    print(f"\n{'':34} {'wall s':>8} {'CPU s':>8}  (medians of {args.runs} runs)")
    print(f"{'text report (floor)':34} {floor:8.2f} {CPU['floor']:8.2f}")
    print(f"{'over-time queries':34} {trends_s:8.2f} {CPU['trends']:8.2f}")
    print(
        f"{'HTML page, all in':34} {page_s:8.2f} {CPU['page']:8.2f}  "
        f"{page_s / floor:.2f}x the floor"
    )
    load = os.getloadavg()[0]
    print(
        f"the {TARGET_S:.0f} s bar: wall {verdict}, CPU {cpu_verdict} (load average {load:.1f} on "
        f"{os.cpu_count()} CPUs; on a busy host judge by CPU time)"
    )
    print(f"{'page size':34} {size / 1024:9.1f} KiB")

    jobs = _chart_data(trends)
    runs = max(5, args.runs)
    hand_s, hand = _median(lambda: _hand_written(jobs), runs)
    print(f"\ncharts: {len(jobs)} time charts of {len(jobs[0][1])} periods, median of {runs}")
    print(
        f"{'hand-written SVG (bot/reports/charts)':40} {1000 * hand_s:8.1f} ms "
        f"{len(str(hand).encode()) / 1024:8.1f} KiB"
    )
    mpl_s, mpl = _median(lambda: _matplotlib(jobs), runs)
    if mpl is None:
        print("matplotlib SVG: not installed (pip install matplotlib to compare)")
    else:
        print(
            f"{'matplotlib SVG (text as text)':40} {1000 * mpl_s:8.1f} ms "
            f"{len(str(mpl).encode()) / 1024:8.1f} KiB  "
            f"({mpl_s / hand_s:.0f}x the time, "
            f"{len(str(mpl)) / len(str(hand)):.1f}x the bytes)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
