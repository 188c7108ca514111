"""Screenshots of the HTML report at phone and desktop width, for a person to look at.

Run from the repository root (needs Chromium: `apt-get install chromium fonts-liberation`)::

    .venv/bin/python -m bench.report_screens [--out DIR] [--database URL] [--since 42d]

Without --database it fills a throwaway SQLite database with six weeks of made-up turns
(tests/fakes/activity.py). It writes DIR/report.html, DIR/report-phone.png (390 px wide) and
DIR/report-desktop.png (1280 px), full-page, and prints what the browser saw: console errors,
requests (both must be none) and the number of charts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.base.settings import parse_duration
from bot.reports.html import build_html
from tests.browser import find_chromium, open_page
from tests.fakes.activity import fill

WIDTHS = (("phone", 390, 844), ("desktop", 1280, 900))
COUNT = "document.querySelectorAll('svg.chart').length"


def _page(database: str | None, since: str, workdir: Path) -> str:
    url = database or f"sqlite:///{workdir / 'demo.db'}"
    engine = create_engine(url)
    try:
        if database is None:
            filled = fill(engine, turns=4000, days=42)
            start, end = filled.since, filled.until
        else:
            end = datetime.now(UTC)
            start = end - timedelta(seconds=parse_duration(since))
        with Session(engine) as session:
            return build_html(session, since=start, until=end)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path("report-screens"))
    parser.add_argument("--database", metavar="URL", help="an existing ztbot database")
    parser.add_argument("--since", default="42d", help="window with --database (default 42d)")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("Chromium is not installed: apt-get install chromium fonts-liberation")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ztbot-screens-") as tmp:
        page = _page(args.database, args.since, Path(tmp))
    html = args.out / "report.html"
    html.write_text(page, encoding="utf-8")
    print(f"{html}: {len(page.encode()) / 1024:.0f} KiB")
    failed = False
    for name, width, height in WIDTHS:
        shot = args.out / f"report-{name}.png"
        load = asyncio.run(
            open_page(html, width=width, height=height, evaluate=COUNT, screenshot=shot)
        )
        problems = load.console_errors + load.exceptions + load.requests
        failed |= bool(problems)
        print(
            f"{shot}: {width} px wide, {load.value} charts, "
            f"{len(load.console_errors) + len(load.exceptions)} console errors, "
            f"{len(load.requests)} requests"
        )
        for problem in problems:
            print(f"  {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
