"""SVG charts and period arithmetic of the HTML report: well-formed, titled, to scale."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reports import charts
from bot.reports.charts import Series
from bot.reports.trends import outcome, periods, to_timeline

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on malformed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None and title.text and desc.text
    labelled = (root.get("aria-labelledby") or "").split()
    assert labelled == [title.get("id"), desc.get("id")]
    return root


@pytest.mark.parametrize(
    ("value", "top"),
    [(0, 1), (-3, 1), (0.3, 0.5), (1, 1), (1.01, 2), (7, 10), (20, 20), (21, 50), (999, 1000)],
)
def test_nice_max(value: float, top: float) -> None:
    """Axis tops are 1, 2 or 5 times a power of ten."""
    assert charts.nice_max(value) == pytest.approx(top)


@pytest.mark.parametrize(("top", "n"), [(1, 5), (2, 4), (5, 5), (10, 5), (20, 4), (0.5, 5)])
def test_grid_steps_are_round(top: float, n: int) -> None:
    """1 and 5 split in fifths, 2 in quarters: steps of 0.2, 0.5 or 1 times a power of ten."""
    assert charts.intervals(top) == n


def test_small_counts_get_whole_number_grid_lines() -> None:
    svg = charts.stacked_bars("s", "Few", ["a", "b"], [Series("x", (1, 2))])
    ticks = re.findall(r'text-anchor="end">([^<]*)</text>', svg)
    assert ticks == ["0", "1", "2", "3", "4", "5"]


@given(st.floats(min_value=1e-6, max_value=1e12))
def test_nice_max_is_a_close_upper_bound(value: float) -> None:
    top = charts.nice_max(value)
    assert value <= top * (1 + 1e-9) and top < 2.5 * value * (1 + 1e-9)


def test_stacked_bars_scale_and_escape() -> None:
    """Each positive value is one bar; heights are to scale; labels are escaped."""
    svg = charts.stacked_bars(
        "c1",
        "Turns <by> kind",
        ["d1", "d2", "<script>"],
        [Series("answer", (10, 0, 20)), Series("abstain & co", (10, 5, 0))],
    )
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == "Turns <by> kind"  # type: ignore[union-attr]
    rects = root.findall(f"{SVG}g[@fill]/{SVG}rect")
    assert len(rects) == 4
    hover = [t.text for t in root.findall(f"{SVG}g[@fill-opacity]/{SVG}rect/{SVG}title")]
    assert hover == ["d1: answer 10, abstain & co 10", "d2: abstain & co 5", "<script>: answer 20"]
    heights = sorted(float(r.get("height", "0")) for r in rects)
    # Totals 20, 5, 20 on an axis to 20: the value 20 fills the plot, the value 5 a quarter.
    assert heights[-1] == pytest.approx(194) and heights[0] == pytest.approx(48.5)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    groups = root.findall(f"{SVG}g[@fill]")
    assert [g.get("fill") for g in groups] == [charts.color(0), charts.color(1)]


def test_lines_skip_missing_values() -> None:
    """A NaN share (a period without questions) leaves a gap instead of a point at zero."""
    root = _parse(
        charts.lines("c2", "Shares", ["a", "b", "c"], [Series("answered", (0.5, math.nan, 1.0))])
    )
    assert len(root.findall(f".//{SVG}circle")) == 2
    hover = [t.text for t in root.findall(f"{SVG}g[@fill-opacity]/{SVG}rect/{SVG}title")]
    assert hover == ["a: answered 50%", "b: none", "c: answered 100%"]
    points = root.find(f".//{SVG}polyline").get("points", "").split()  # type: ignore[union-attr]
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1]  # 100% is drawn above 50%


def test_hbars_width_is_the_share() -> None:
    root = _parse(charts.hbars("c3", "Helpful", ["a", "b"], [0.25, 1.0], ["25% of 4", "100% of 2"]))
    bars = [r for r in root.findall(f".//{SVG}rect") if r.get("class") != "track"]
    widths = [float(r.get("width", "0")) for r in bars]
    assert widths[0] * 4 == pytest.approx(widths[1], rel=0.01)


def test_empty_charts_are_still_valid() -> None:
    _parse(charts.stacked_bars("e1", "Nothing", [], []))
    _parse(charts.lines("e2", "Nothing", [], []))
    _parse(charts.hbars("e3", "Nothing", [], [], []))


@pytest.mark.parametrize(
    ("since", "until", "step", "first", "count"),
    [
        (datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 8, 9, tzinfo=UTC), 1, 1, 8),
        (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC), 1, 1, 7),
        # Weeks start on Monday: 1 March 2026 is a Sunday, so the first week began 23 February.
        (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC), 7, 23, 3),
    ],
)
def test_periods(since: datetime, until: datetime, step: int, first: int, count: int) -> None:
    spans = periods(since, until, step)
    assert spans[0].day == first and len(spans) == count


def test_timeline_rolls_days_into_weeks_and_orders_names() -> None:
    spans = periods(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC), 7)
    rows = [
        (date(2026, 3, 2), "b", 1),
        (date(2026, 3, 8), "b", 2),  # Sunday: same week
        (date(2026, 3, 9), "a", 5),
        (date(2026, 3, 9), "c", 9),
        (date(2026, 4, 1), "a", 100),  # outside the window
    ]
    timeline = to_timeline(rows, spans, 7, order=("a",))
    assert timeline.names == ("a", "c", "b")
    assert timeline.values == {"a": (0, 5), "b": (3, 0), "c": (0, 9)}
    assert timeline.total == 17 and timeline.column(1) == 14


@pytest.mark.parametrize(
    ("kind", "topic", "result"),
    [
        ("answer", "ports-used", "answered"),
        ("diagnosis", "high-latency-relaying", "answered"),
        ("diagnosis", None, "abstained"),
        ("clarify", "ports-used", "clarified"),
        ("clarify", None, "clarified"),
        ("abstain", None, "abstained"),
        ("smalltalk", None, None),
        ("help", None, None),
        ("escalate", None, None),
    ],
)
def test_outcome(kind: str, topic: str | None, result: str | None) -> None:
    assert outcome(kind, topic) == result
