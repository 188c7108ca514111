"""The usage report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.

The page loads nothing: a Content-Security-Policy forbids every fetch, so it can be mailed,
attached in chat or opened offline. Each chart has a title and description for screen readers
and a table of the same numbers under it. Users' words pass through the store's privacy rules
again as the page is written (secrets are always masked; `ZTBOT_STORE_TEXT=redacted` also hides
addresses, `none` hides the text), so a database filled under a looser setting is shown as the
current setting says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from html import escape
from typing import Final

from sqlalchemy.orm import Session

from bot.base.settings import StoreText
from bot.reports import charts
from bot.reports.trends import OUTCOMES, Timeline, Trends, build_trends
from bot.reports.usage import NO_TEXT, Group, Report, Section, build_report, to_utc
from bot.store.privacy import stored_text

MAX_TOPIC_ROWS: Final = 25  # topics in the helpful-rate chart (most feedback first)
_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS: Final = """
:root{--fg:#1d2330;--muted:#5b6474;--line:#d9dde4;--bg:#fff;--card:#f5f7fa;--accent:#0072b2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:2rem 0 .5rem;
border-bottom:2px solid var(--line);padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .3rem}
.meta,.note,.empty{color:var(--muted)}.empty{font-style:italic}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px;margin:1rem 0}
.tile{background:var(--card);border-radius:6px;padding:8px 10px}
.tile b{display:block;font-size:1.4rem}.tile span{color:var(--muted);font-size:.85rem}
figure{margin:.5rem 0 1rem}figcaption{font-weight:600;margin-bottom:.3rem}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:11px;fill:var(--muted)}svg.chart .grid{stroke:var(--line)}
svg.chart .track{fill:var(--card)}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:4px 14px;
font-size:.85rem}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:4px;
vertical-align:-1px}
details.data summary{cursor:pointer;color:var(--accent);font-size:.9rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0;min-width:50%}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
ol.groups{padding-left:2.2rem}ol.groups li{margin:.5rem 0}
blockquote{margin:.2rem 0 .2rem .5rem;padding-left:.6rem;border-left:3px solid var(--line);
overflow-wrap:anywhere}
code{font-size:.85em;background:var(--card);padding:0 3px;border-radius:3px}
@media (max-width:600px){main{padding:10px}body{font-size:14px}h1{font-size:1.25rem}
.tile b{font-size:1.15rem}svg.chart text{font-size:17px}}
@media print{body{font-size:11pt}main{max-width:none;padding:0}details.data{display:none}
h2{break-after:avoid}figure,li,tr{break-inside:avoid}a{color:inherit}
.tile{border:1px solid var(--line)}}
"""

_KIND_NAMES: Final = {
    "answer": "answered",
    "diagnosis": "diagnosed a paste",
    "clarify": "asked which topic",
    "abstain": "no topic found",
    "escalate": "handed over",
    "help": "help",
    "smalltalk": "small talk",
}


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _period(day: date, step_days: int) -> str:
    return day.strftime("%d %b") if step_days == 1 else f"wk {day.strftime('%d %b')}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


class _Page:
    """Collects the page's parts; charts get ids unique within the page."""

    def __init__(self, mode: StoreText) -> None:
        self.mode = mode
        self.parts: list[str] = []
        self.charts = 0

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def text(self, value: str | None) -> str:
        """A user's words as the privacy setting allows them to be shown, escaped."""
        if value is None or value == NO_TEXT:
            return escape(NO_TEXT)
        shown = stored_text(value, self.mode)
        return escape(NO_TEXT if shown is None else shown)

    def chart_id(self) -> str:
        self.charts += 1
        return f"chart-{self.charts}"


def _legend(names: Iterable[str]) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{charts.color(i)}"></span>{escape(n)}</li>'
        for i, n in enumerate(names)
    )
    return f'<ul class="legend" aria-hidden="true">{items}</ul>'


def _table(head: Sequence[str], rows: Iterable[Sequence[object]], numeric_from: int) -> str:
    """A table whose first column heads the rows; columns from `numeric_from` on are numbers."""
    th = "".join(
        f'<th scope="col"{" class=n" if i >= numeric_from else ""}>{escape(h)}</th>'
        for i, h in enumerate(head)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            value = escape(str(cell))
            if i == 0:
                cells.append(f'<th scope="row">{value}</th>')
            else:
                cells.append(f"<td{' class=n' if i >= numeric_from else ''}>{value}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _figure(page: _Page, title: str, svg: str, legend: str, table: str) -> None:
    page.add(
        f"<figure><figcaption>{escape(title)}</figcaption>{svg}{legend}"
        f'<details class="data"><summary>Table: {escape(title)}</summary>{table}</details>'
        "</figure>"
    )


def _timeline_table(timeline: Timeline, step_days: int, names: Sequence[str]) -> str:
    head = ["Day" if step_days == 1 else "Week of", *names, "Total"]
    rows = [
        [
            _period(day, step_days),
            *[timeline.values[n][i] for n in timeline.names],
            timeline.column(i),
        ]
        for i, day in enumerate(timeline.periods)
    ]
    return _table(head, rows, 1)


def _stacked(
    page: _Page, title: str, timeline: Timeline, trends: Trends, names: Sequence[str]
) -> None:
    labels = [_period(d, trends.step_days) for d in timeline.periods]
    series = [charts.Series(n, tuple(map(float, timeline.values[n]))) for n in timeline.names]
    svg = charts.stacked_bars(page.chart_id(), title, labels, series)
    _figure(page, title, svg, _legend(names), _timeline_table(timeline, trends.step_days, names))


def _summary(page: _Page, report: Report, trends: Trends) -> None:
    questions = trends.outcomes.total
    shares = {n: _pct(sum(trends.outcomes.values.get(n, ())), questions) for n in OUTCOMES}
    tiles = [
        (f"{report.turns:,}", "turns"),
        (shares["answered"], "of questions answered"),
        (shares["clarified"], "of questions clarified"),
        (shares["abstained"], "of questions abstained"),
        (_pct(report.helpful, report.helpful + report.not_helpful), "feedback helpful"),
        (f"{trends.handovers.total:,}", "hand-overs"),
    ]
    page.add(
        '<section class="tiles" aria-label="Summary">'
        + "".join(
            f'<div class="tile"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for v, k in tiles
        )
        + "</section>"
    )


def _turns(page: _Page, trends: Trends) -> None:
    step = "day" if trends.step_days == 1 else "week"
    page.add(f"<h2 id='turns'>Turns per {step} by platform and kind</h2>")
    if not trends.turns:
        page.add('<p class="empty">No turns in this window.</p>')
        return
    for platform, timeline in trends.turns.items():
        names = [_KIND_NAMES.get(n, n) for n in timeline.names]
        _stacked(page, f"Turns per {step} on {platform}", timeline, trends, names)


def _outcomes(page: _Page, trends: Trends) -> None:
    page.add("<h2 id='outcomes'>Answered, clarified and abstained</h2>")
    timeline = trends.outcomes
    if not timeline.total:
        page.add('<p class="empty">No questions in this window.</p>')
        return
    page.add(
        '<p class="note">Share of questions per period (small talk, help and hand-overs left '
        "out): answered with a topic, answered by asking which topic was meant, or no topic "
        "found.</p>"
    )
    names = [n for n in OUTCOMES if n in timeline.values]
    series = []
    for name in names:
        shares = tuple(
            timeline.values[name][i] / timeline.column(i) if timeline.column(i) else float("nan")
            for i in range(len(timeline.periods))
        )
        series.append(charts.Series(name, shares))
    labels = [_period(d, trends.step_days) for d in timeline.periods]
    title = "Share of questions answered, clarified and abstained"
    svg = charts.lines(page.chart_id(), title, labels, series)
    head = ["Day" if trends.step_days == 1 else "Week of", "Questions"]
    head += [f"{n} (share)" for n in names]
    rows = [
        [
            _period(day, trends.step_days),
            timeline.column(i),
            *[
                f"{timeline.values[n][i]} ({_pct(timeline.values[n][i], timeline.column(i))})"
                for n in names
            ],
        ]
        for i, day in enumerate(timeline.periods)
    ]
    _figure(page, title, svg, _legend(names), _table(head, rows, 1))


def _topics(page: _Page, report: Report) -> None:
    page.add("<h2 id='topics'>Helpful rate per topic</h2>")
    rated = [t for t in report.topics if t.helpful + t.not_helpful]
    if not report.topics:
        page.add('<p class="empty">No answers with a topic in this window.</p>')
        return
    if rated:
        rated.sort(key=lambda t: (-(t.helpful + t.not_helpful), t.topic))
        shown = rated[:MAX_TOPIC_ROWS]
        title = "Helpful share of feedback per topic"
        svg = charts.hbars(
            page.chart_id(),
            title,
            [t.topic for t in shown],
            [t.rate or 0.0 for t in shown],
            [
                f"{_pct(t.helpful, t.helpful + t.not_helpful)} of {t.helpful + t.not_helpful}"
                for t in shown
            ],
        )
        rows = [
            [t.topic, t.turns, t.helpful, t.not_helpful, _pct(t.helpful, t.helpful + t.not_helpful)]
            for t in report.topics
        ]
        table = _table(["Topic", "Turns", "Helpful", "Not helpful", "Helpful rate"], rows, 1)
        _figure(page, title, svg, "", table)
        if len(rated) > len(shown):
            page.add(
                f'<p class="note">{len(rated) - len(shown)} more topics with feedback'
                " are in the table.</p>"
            )
    else:
        page.add('<p class="empty">No feedback on answers in this window.</p>')


def _group(page: _Page, group: Group, pastes: bool) -> str:
    people = f"{group.people} {'person' if group.people == 1 else 'people'}"
    times = f" ({group.count} turns)" if group.count != group.people else ""
    # With ZTBOT_STORE_TEXT=none no words are shown, even if older rows kept some.
    examples = list(group.examples) if page.mode != "none" else []
    if pastes:
        what = ", ".join(f"<code>{escape(c)}</code>" for c in group.codes) or "no findings"
        head = f"<b>{people}</b> pasted output with {what}{times}"
    elif group.subject is not None:
        head = f"<b>{people}</b> asked about <b>{escape(group.subject)}</b>{times}"
    elif examples:
        head = f"<b>{people}</b> asked things like{times}"
    else:
        head = f"<b>{people}</b> asked something {escape(NO_TEXT)}{times}"
    quotes = "".join(f"<blockquote>{page.text(e.text)}</blockquote>" for e in examples)
    missing = (
        f'<p class="note">+ {group.no_text} {escape(NO_TEXT)}</p>'
        if group.no_text and examples
        else ""
    )
    return f"<li>{head}{quotes}{missing}</li>"


def _section(page: _Page, section: Section, pastes: bool, empty: str) -> None:
    if not section.groups:
        page.add(f'<p class="empty">{escape(empty)}</p>')
        return
    page.add('<ol class="groups">', *(_group(page, g, pastes) for g in section.groups), "</ol>")
    if section.hidden_groups:
        page.add(
            f'<p class="note">… and {section.hidden_groups} more groups '
            f"({section.hidden_turns} turns).</p>"
        )
    if section.truncated:
        page.add('<p class="note">Only the newest turns were grouped.</p>')


def _gaps(page: _Page, report: Report) -> None:
    page.add(
        f"<h2 id='unanswered'>Unanswered questions ({report.unanswered.count:,})</h2>",
        '<p class="note">Grouped by the subject the bot recognised but does not cover, '
        "else by wording; most asked first.</p>",
    )
    if page.mode == "none":
        page.add('<p class="note">Examples are not shown: ZTBOT_STORE_TEXT is "none".</p>')
    _section(page, report.unanswered, False, "Every question found a topic.")
    page.add(
        f"<h2 id='pastes'>Pastes to learn from ({report.pastes.count:,})</h2>",
        f'<p class="note">{report.pastes_unexplained} not explained by a finding, '
        f"{report.pastes_not_helpful} marked not helpful; grouped by finding codes.</p>",
    )
    _section(page, report.pastes, True, "No pastes left unexplained or marked not helpful.")


def _findings(page: _Page, trends: Trends) -> None:
    page.add("<h2 id='findings'>Findings by code</h2>")
    if not trends.findings.total:
        page.add('<p class="empty">No diagnosis findings in this window.</p>')
        return
    step = "day" if trends.step_days == 1 else "week"
    names = list(trends.findings.names)
    _stacked(page, f"Findings per {step} by code", trends.findings, trends, names)


def _handovers(page: _Page, trends: Trends) -> None:
    page.add("<h2 id='handovers'>Hand-overs to people</h2>")
    if not trends.handovers.total:
        page.add('<p class="empty">No conversation was handed over in this window.</p>')
    else:
        step = "day" if trends.step_days == 1 else "week"
        names = list(trends.handovers.names)
        _stacked(page, f"Hand-overs per {step} by platform", trends.handovers, trends, names)
        rows = [
            [_when(h.at), h.platform, h.last_topic or "—", h.turns_before]
            for h in trends.handover_list
        ]
        head = ["When (UTC)", "Platform", "Last topic shown", "Turns before"]
        page.add("<h3>Newest hand-overs</h3>", _table(head, rows, 3))
    page.add(
        '<p class="note">Time to the first human answer and to resolution are not recorded: '
        "the people answer on the platform, outside the bot.</p>"
    )


def _versions(page: _Page, trends: Trends) -> None:
    page.add("<h2 id='knowledge'>Knowledge versions</h2>")
    if not trends.versions:
        page.add('<p class="empty">No knowledge version recorded for this window.</p>')
        return
    rows = [
        [
            v.version[:12],
            _when(v.loaded_at) if v.loaded_at else "not recorded",
            v.loaded_by or "—",
            "—" if v.topics is None else v.topics,
            v.turns,
        ]
        for v in trends.versions
    ]
    page.add(_table(["Version", "Loaded (UTC)", "By", "Topics", "Turns answered"], rows, 3))


def render_html(
    report: Report, trends: Trends, *, store_text: StoreText, generated: datetime | None = None
) -> str:
    """The whole page for `report` and `trends` of the same window."""
    page = _Page(store_text)
    made = to_utc(generated or datetime.now(UTC))
    window = f"{_when(report.since)} to {_when(report.until)} UTC"
    page.add(
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>ztbot report {escape(window)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>ztbot report</h1>",
        f'<p class="meta">{escape(window)} · made {escape(_when(made))} UTC</p>',
    )
    _summary(page, report, trends)
    _turns(page, trends)
    _outcomes(page, trends)
    _topics(page, report)
    _gaps(page, report)
    _findings(page, trends)
    _handovers(page, trends)
    _versions(page, trends)
    page.add("</main></body></html>")
    return "\n".join(page.parts) + "\n"


def page_for(session: Session, report: Report, *, store_text: StoreText) -> str:
    """The page for an already built `report`: the over-time sections are queried for its window."""
    trends = build_trends(session, since=report.since, until=report.until)
    return render_html(report, trends, store_text=store_text)


def build_html(
    session: Session,
    *,
    since: datetime,
    until: datetime | None = None,
    max_groups: int = 20,
    store_text: StoreText = "full",
) -> str:
    """Query the window [since, until) and render the page."""
    report = build_report(session, since=since, until=until, max_groups=max_groups)
    return page_for(session, report, store_text=store_text)
