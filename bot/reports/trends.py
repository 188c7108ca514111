"""What changed over a report's window: turns, outcomes, findings and hand-overs per day or week.

Each query groups by calendar day (UTC) in the database, so 100,000 turns come back as a few
hundred rows; longer windows are rolled up to weeks here. The shapes are plain frozen
dataclasses for `bot.reports.html` to draw.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.reports.usage import NOT_QUESTIONS, to_utc
from bot.store.models import Finding, KnowledgeVersion, Turn

WEEKLY_AFTER_DAYS: Final = 62  # longer windows are drawn per week, so bars stay readable
MAX_CODES: Final = 8  # finding codes drawn one by one; the rest are summed as "other"
MAX_HANDOVERS: Final = 20  # hand-overs listed (newest first)
OUTCOMES: Final = ("answered", "clarified", "abstained")
OTHER: Final = "other"


@dataclass(frozen=True, slots=True)
class Timeline:
    """Counts per period: `values[name][i]` belongs to the period starting on `periods[i]`."""

    periods: tuple[date, ...]
    names: tuple[str, ...]  # series, in drawing order
    values: Mapping[str, tuple[int, ...]]

    @property
    def total(self) -> int:
        """All counts added up."""
        return sum(sum(v) for v in self.values.values())

    def column(self, index: int) -> int:
        """The total of one period."""
        return sum(self.values[name][index] for name in self.names)


@dataclass(frozen=True, slots=True)
class Handover:
    """A conversation handed over to people, as far as the database records it."""

    at: datetime
    platform: str
    turns_before: int  # turns in the conversation up to and including the hand-over
    last_topic: str | None  # the last topic shown before it, if any


@dataclass(frozen=True, slots=True)
class VersionLoad:
    """A knowledge version, when it was loaded, and how many turns of the window it answered."""

    version: str
    loaded_at: datetime | None  # None when turns name a version the database has no row for
    loaded_by: str | None
    topics: int | None
    turns: int


@dataclass(frozen=True, slots=True)
class Trends:
    """The over-time sections of the HTML report."""

    since: datetime
    until: datetime
    step_days: int  # 1 (daily) or 7 (weekly)
    turns: Mapping[str, Timeline]  # per platform: turns by reply kind
    outcomes: Timeline  # answered / clarified / abstained questions
    findings: Timeline  # by finding code
    handovers: Timeline  # by platform
    handover_list: tuple[Handover, ...]
    versions: tuple[VersionLoad, ...]  # in load order


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    # The calendar day in UTC: SQLite keeps UTC text; PostgreSQL converts from timestamptz.
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def periods(since: datetime, until: datetime, step_days: int) -> tuple[date, ...]:
    """The starts of the periods covering [since, until): days, or weeks starting on Monday."""
    first = to_utc(since).date()
    last = (to_utc(until) - timedelta(microseconds=1)).date()
    if step_days == 7:
        first -= timedelta(days=first.weekday())
    out = []
    day = first
    while day <= last:
        out.append(day)
        day += timedelta(days=step_days)
    return tuple(out)


def to_timeline(
    counts: Iterable[tuple[date, str, int]],
    spans: Sequence[date],
    step_days: int,
    order: Sequence[str] = (),
) -> Timeline:
    """Per-day (day, name, count) rows summed into periods; names in `order` first, then by size."""
    index = {start: i for i, start in enumerate(spans)}
    values: dict[str, list[int]] = defaultdict(lambda: [0] * len(spans))
    for day, name, n in counts:
        start = day - timedelta(days=day.weekday()) if step_days == 7 else day
        if start in index:
            values[name][index[start]] += n
    known = [n for n in order if n in values]
    rest = sorted((n for n in values if n not in order), key=lambda n: (-sum(values[n]), n))
    names = tuple(known + rest)
    return Timeline(tuple(spans), names, {n: tuple(values[n]) for n in names})


def _top(timeline: Timeline, keep: int) -> Timeline:
    # The `keep` largest series, and the others summed into one.
    if len(timeline.names) <= keep:
        return timeline
    shown = sorted(timeline.names, key=lambda n: -sum(timeline.values[n]))[:keep]
    rest = [n for n in timeline.names if n not in shown]
    values = {n: timeline.values[n] for n in shown}
    values[OTHER] = tuple(
        sum(timeline.values[n][i] for n in rest) for i in range(len(timeline.periods))
    )
    return Timeline(timeline.periods, (*shown, OTHER), values)


def outcome(kind: str, topic: str | None) -> str | None:
    """answered, clarified or abstained for a question; None for small talk, help, hand-over."""
    if kind == "clarify":
        return "clarified"
    if topic is not None:
        return "answered"
    if kind in NOT_QUESTIONS:
        return None
    return "abstained"


def _turns(session: Session, window: Sequence[ColumnElement[bool]]) -> list[tuple[Any, ...]]:
    day = _day(session, Turn.created_at)
    return list(
        session.execute(
            select(
                day,
                Turn.platform,
                Turn.kind,
                Turn.topic.is_(None),
                Turn.knowledge_version,
                func.count(),
            )
            .where(*window)
            .group_by(day, Turn.platform, Turn.kind, Turn.topic.is_(None), Turn.knowledge_version)
        ).all()
    )


def _findings(session: Session, window: Sequence[ColumnElement[bool]]) -> list[tuple[Any, ...]]:
    day = _day(session, Turn.created_at)
    return list(
        session.execute(
            select(day, Finding.code, func.count())
            .join(Turn, Finding.turn_id == Turn.id)
            .where(*window)
            .group_by(day, Finding.code)
        ).all()
    )


def _handovers(session: Session, window: Sequence[ColumnElement[bool]]) -> tuple[Handover, ...]:
    rows = session.execute(
        select(Turn.created_at, Turn.platform, Turn.conversation_id)
        .where(*window, Turn.kind == "escalate")
        .order_by(Turn.created_at.desc(), Turn.id)
        .limit(MAX_HANDOVERS)
    ).all()
    out = []
    for at, platform, conversation in rows:
        before = (
            Turn.conversation_id == conversation,
            Turn.created_at <= at,
        )
        n = session.execute(select(func.count()).where(*before)).scalar_one()
        last_topic = session.execute(
            select(Turn.topic)
            .where(*before, Turn.topic.is_not(None))
            .order_by(Turn.created_at.desc())
            .limit(1)
        ).scalar()
        out.append(Handover(to_utc(at), platform, int(n), last_topic))
    return tuple(out)


def _versions(
    session: Session, used: Mapping[str, int], since: datetime, until: datetime
) -> tuple[VersionLoad, ...]:
    # Versions loaded in the window, and the one in force when it began.
    loaded = list(
        session.execute(
            select(KnowledgeVersion).where(
                KnowledgeVersion.loaded_at >= since, KnowledgeVersion.loaded_at < until
            )
        ).scalars()
    )
    before = session.execute(
        select(KnowledgeVersion)
        .where(KnowledgeVersion.loaded_at < since)
        .order_by(KnowledgeVersion.loaded_at.desc())
        .limit(1)
    ).scalar()
    rows = ([before] if before is not None else []) + loaded
    named = {r.version for r in rows}
    extra = [str(v) for v in used if v not in named]
    if extra:  # turns answered by versions loaded earlier still in the window
        rows += list(
            session.execute(
                select(KnowledgeVersion).where(KnowledgeVersion.version.in_(extra))
            ).scalars()
        )
        named = {r.version for r in rows}
    out = [
        VersionLoad(
            r.version, to_utc(r.loaded_at), r.loaded_by, r.topics, int(used.get(r.version, 0))
        )
        for r in sorted(rows, key=lambda r: to_utc(r.loaded_at))
    ]
    out += [
        VersionLoad(str(v), None, None, None, int(n)) for v, n in used.items() if v not in named
    ]
    return tuple(out)


def build_trends(session: Session, *, since: datetime, until: datetime) -> Trends:
    """Count turns, outcomes, findings and hand-overs per period of [since, until)."""
    since, until = to_utc(since), to_utc(until)
    step = 7 if (until - since).days > WEEKLY_AFTER_DAYS else 1
    spans = periods(since, until, step)
    window = (Turn.created_at >= since, Turn.created_at < until)
    by_platform: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
    outcomes: list[tuple[date, str, int]] = []
    handovers: list[tuple[date, str, int]] = []
    used: dict[str, int] = defaultdict(int)
    for day, platform, kind, no_topic, version, n in _turns(session, window):
        when = _as_date(day)
        if version is not None:
            used[version] += n
        by_platform[platform].append((when, kind, n))
        result = outcome(kind, None if no_topic else "")
        if result is not None:
            outcomes.append((when, result, n))
        if kind == "escalate":
            handovers.append((when, platform, n))
    kinds = ("answer", "diagnosis", "clarify", "abstain", "escalate", "help", "smalltalk")
    findings = [(_as_date(day), code, n) for day, code, n in _findings(session, window)]
    return Trends(
        since=since,
        until=until,
        step_days=step,
        turns={p: to_timeline(rows, spans, step, kinds) for p, rows in sorted(by_platform.items())},
        outcomes=to_timeline(outcomes, spans, step, OUTCOMES),
        findings=_top(to_timeline(findings, spans, step), MAX_CODES),
        handovers=to_timeline(handovers, spans, step),
        handover_list=_handovers(session, window),
        versions=_versions(session, used, since, until),
    )
