"""The HTML report in a real browser: headless Chromium at phone and desktop width.

Skipped when Chromium is not installed (Debian's `chromium` package; .ci/run installs it).
A control page that does fetch and log an error shows the browser harness would notice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.reports.html import build_html
from tests.browser import find_chromium, open_page
from tests.fakes.activity import fill

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="Chromium is not installed (Debian package 'chromium')"
)

INSPECT = """(() => {
  const figures = [...document.querySelectorAll('figure')];
  const charts = [...document.querySelectorAll('svg.chart')];
  return {
    figures: figures.length,
    charts: charts.length,
    drawn: charts.filter(s => s.getBoundingClientRect().width > 100
                              && s.getBoundingClientRect().height > 20).length,
    titled: charts.filter(s => s.querySelector(':scope > title')
                               && s.getAttribute('aria-labelledby')).length,
    tables: figures.filter(f => f.querySelector('svg.chart') && f.querySelector('table')).length,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
})()"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    engine = create_engine(f"sqlite:///{tmp / 'ztbot.db'}")
    filled = fill(engine, turns=4000, days=42)
    with Session(engine) as session:
        page = build_html(session, since=filled.since, until=filled.until)
    engine.dispose()
    path = tmp / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [390, 1280])
async def test_report_renders_offline_with_every_chart(
    report: Path, width: int, tmp_path: Path
) -> None:
    """No console errors, no requests; six charts drawn, titled, with tables; no sideways scroll."""
    shot = tmp_path / f"report-{width}.png"
    load = await open_page(report, width=width, evaluate=INSPECT, screenshot=shot)
    assert load.console_errors == [] and load.exceptions == []
    assert load.requests == []
    assert load.value == {
        "figures": 6,
        "charts": 6,
        "drawn": 6,
        "titled": 6,
        "tables": 6,
        "overflow": 0,
    }
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_the_harness_sees_requests_and_errors(tmp_path: Path) -> None:
    """The same checks catch a page that fetches and logs an error (nothing listens there)."""
    page = tmp_path / "noisy.html"
    page.write_text(
        '<!doctype html><img src="http://127.0.0.1:9/pixel.png">'
        '<script>console.error("boom")</script>',
        encoding="utf-8",
    )
    load = await open_page(page, evaluate="1 + 1")
    assert load.value == 2
    assert "http://127.0.0.1:9/pixel.png" in load.requests
    assert any("boom" in e for e in load.console_errors)
