"""The HTML report from a database with weeks of turns: sections, charts, tables and privacy.

Runs on a SQLite file and, when ZTBOT_TEST_POSTGRES_URL is set, on a throwaway PostgreSQL
database (the per-day grouping is written per dialect).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from bot.cli.main import main
from bot.reports.html import build_html, page_for
from bot.reports.trends import build_trends
from bot.reports.usage import build_report
from bot.store.db import make_engine, upgrade
from bot.store.models import Turn
from tests.fakes.activity import NOW, Filled, fill

SECRET = "0123456789abcdefghijklmn"  # the authtoken one made-up user pastes


class _Page(HTMLParser):
    """Tags, figures and the attributes that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[str] = []  # src/href values that are not fragments or data URIs
        self.figures: list[dict[str, int]] = []
        self.h2: list[str] = []
        self._in_h2 = False
        self._in_figure = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._in_figure = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "poster") and value and value[0] != "#":
                self.fetching.append(value)
        if tag == "figure":
            self.figures.append({"svg": 0, "title": 0, "table": 0})
            self._in_figure = True
        elif self._in_figure and tag in ("svg", "title", "table"):
            self.figures[-1][tag] += 1
        self._in_h2 = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2.append(data.strip())
            self._in_h2 = False


def _parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def filled(engine: Engine) -> Filled:
    return fill(engine, turns=2500, days=35)


def _page(engine: Engine, filled: Filled, store_text: str = "full") -> str:
    with Session(engine) as session:
        return build_html(
            session,
            since=filled.since,
            until=filled.until,
            store_text=store_text,  # type: ignore[arg-type]
        )


def test_every_section_has_its_chart_and_table(engine: Engine, filled: Filled) -> None:
    """Both platforms, outcomes, feedback, findings and hand-overs are drawn, each with a table."""
    page = _page(engine, filled)
    parsed = _parse(page)
    assert page.startswith("<!doctype html>")
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert parsed.fetching == []
    assert "default-src 'none'" in page
    titles = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert titles == [
        "Turns per day on discord",
        "Turns per day on slack",
        "Share of questions answered, clarified and abstained",
        "Helpful share of feedback per topic",
        "Findings per day by code",
        "Hand-overs per day by platform",
    ]
    # One chart (with its own <title>, and one per bar or row) and one table per figure.
    assert all(f["svg"] == 1 and f["table"] == 1 and f["title"] >= 1 for f in parsed.figures)
    assert [h.split(" (")[0] for h in parsed.h2] == [
        "Turns per day by platform and kind",
        "Answered, clarified and abstained",
        "Helpful rate per topic",
        "Unanswered questions",
        "Pastes to learn from",
        "Findings by code",
        "Hand-overs to people",
        "Knowledge versions",
    ]
    for version in filled.versions:
        assert version in page
    assert "asked about <b>bridging</b>" in page
    assert "<code>peer-relayed</code>" in page


def test_counts_agree_with_the_text_report(engine: Engine, filled: Filled) -> None:
    """Per-period counts add up to the window's totals, as the text report counts them."""
    with Session(engine) as session:
        report = build_report(session, since=filled.since, until=filled.until)
        trends = build_trends(session, since=filled.since, until=filled.until)
    assert report.turns == filled.turns
    assert sum(t.total for t in trends.turns.values()) == filled.turns
    assert set(trends.turns) == set(filled.platforms) == {"discord", "slack"}
    assert len(trends.outcomes.periods) == 36 and trends.step_days == 1
    # The text report counts a clarification with a topic as answered, without one as abstained;
    # it names pastes without a topic and Not helpful clicks apart, which the chart counts
    # among its outcomes.
    assert trends.outcomes.total == (
        report.answered + report.abstained + report.pasted + report.clicks
    )
    assert trends.handovers.total == filled.handovers > 0
    assert len(trends.handover_list) == min(20, filled.handovers)
    assert all(h.turns_before >= 1 for h in trends.handover_list)
    assert sum(v.turns for v in trends.versions) == filled.turns
    assert [v.version for v in trends.versions] == list(filled.versions)
    with Session(engine) as session:
        weekly = build_trends(session, since=filled.until - timedelta(days=90), until=filled.until)
    assert weekly.step_days == 7
    assert sum(t.total for t in weekly.turns.values()) == filled.turns
    assert all(p.weekday() == 0 for p in weekly.outcomes.periods)


@pytest.mark.parametrize(
    ("mode", "shown", "hidden"),
    [
        ("full", ["[redacted authtoken]", "192.168.1.20"], [SECRET]),
        ("redacted", ["[redacted authtoken]", "my node at [ip]"], [SECRET, "192.168.1.20"]),
        ("none", ['ZTBOT_STORE_TEXT is "none"'], [SECRET, "192.168.1.20", "kubernetes"]),
    ],
)
def test_user_text_follows_the_privacy_setting(
    engine: Engine, filled: Filled, mode: str, shown: list[str], hidden: list[str]
) -> None:
    """Secrets are always masked; redacted hides addresses; none shows no user words at all."""
    page = _page(engine, filled, mode)
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_an_empty_window_shows_empty_states(engine: Engine) -> None:
    """No turns: every section says so, and no chart is drawn."""
    upgrade(engine)
    with Session(engine) as session:
        report = build_report(session, since=NOW - timedelta(days=7), until=NOW)
        page = page_for(session, report, store_text="full")
    parsed = _parse(page)
    assert parsed.figures == []
    for text in (
        "No turns in this window.",
        "No questions in this window.",
        "No answers with a topic in this window.",
        "Every question found a topic.",
        "No pastes left unexplained",
        "No diagnosis findings in this window.",
        "No conversation was handed over in this window.",
        "No knowledge version recorded for this window.",
        "Time to the first human answer and to resolution are not recorded",
    ):
        assert text in page


def test_cli_writes_the_page(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`ztbot report --html FILE` writes the page; an unwritable path is a one-line exit 2."""
    fill(engine, turns=300, days=10, until=datetime.now(UTC))
    monkeypatch.setenv("ZTBOT_DATABASE_URL", db_url)
    target = tmp_path / "report.html"
    assert main(["report", "--since", "14d", "--html", str(target)]) == 0
    page = target.read_text(encoding="utf-8")
    assert "<svg" in page and "Turns per day on slack" in page
    assert capsys.readouterr().err.startswith(f"ztbot: wrote {target}")
    assert main(["report", "--html", str(tmp_path / "missing" / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ztbot: error: --html: cannot write") and err.count("\n") == 1


def test_versions_without_a_load_record_are_still_listed(engine: Engine, filled: Filled) -> None:
    """Turns answered by a version the database has no load row for show it as not recorded."""
    with Session(engine) as session:
        changed = session.execute(
            update(Turn)
            .where(Turn.knowledge_version == filled.versions[-1])
            .values(knowledge_version="deadbeef0000")
        ).rowcount
        session.commit()
        trends = build_trends(session, since=filled.since, until=filled.until)
        report = build_report(session, since=filled.since, until=filled.until)
        page = page_for(session, report, store_text="full")
    assert changed > 0
    assert [v.version for v in trends.versions] == [*filled.versions, "deadbeef0000"]
    assert trends.versions[-2].turns == 0  # loaded in the window, but answered nothing
    orphan = trends.versions[-1]
    assert (orphan.loaded_at, orphan.turns) == (None, changed)
    assert '<th scope="row">deadbeef0000</th><td>not recorded</td>' in page
