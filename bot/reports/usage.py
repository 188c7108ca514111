"""Admin reports over the store: what was asked, answered, liked, and what the bot could not do.

`build_report` runs a few aggregate queries for the counts and reads at most `max_texts` rows per
section for grouping, so a report stays quick on a busy database. Grouping is greedy: each text is
compared with the representative of every group so far (O(texts x groups)), with the number of
groups capped too.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.base.text import canonical, terms, words
from bot.diagnosis.extract import clean_line, extract_blocks, find_prompt
from bot.diagnosis.normalize import normalize_text
from bot.reports.handovers import Handovers, handover_stats, render_handovers
from bot.store.models import Feedback, Finding, Turn

# Replies that never try to answer a question, so a missing topic is not an abstention.
NOT_QUESTIONS: Final = ("smalltalk", "help", "escalate")
PROBLEM_SEVERITIES: Final = ("warning", "error")
MAX_TEXTS: Final = 5000  # rows read per section; the newest win
MAX_CLUSTERS: Final = 1000  # beyond this, unmatched texts share one "other" group
SIMILARITY: Final = 60.0  # fuzz.token_set_ratio threshold for "the same question"
MORE_EXAMPLES: Final = 3
NO_TEXT: Final = "(text not stored)"
OUTPUT_ONLY: Final = "(output only)"
_EXAMPLE_WIDTH: Final = 100
_MEDOID_SAMPLE: Final = 30  # distinct phrasings compared when picking a group's representative
_CHUNK: Final = 500  # ids per IN (...) list
_SPACE: Final = re.compile(r"\s+")

# Words that show the user thinks something is wrong (compared in canonical, stemmed form).
_PROBLEM_WORDS: Final = frozenset(
    canonical(w)
    for w in """
    not error errors fail failed failing fails failure problem problems issue issues broken
    wrong offline down slow lag latency timeout timed unreachable drop dropped dropping drops
    disconnect disconnected disconnects stuck relay denied lost loss why weird strange missing
    blocked nothing only instead high crash crashed hangs
    """.split()
)

# Words too common in support questions to make two of them alike ("set up dns on my nodes" and
# "set a default route through a node"); "not" too: "can't bridge" and "how to bridge" are one
# subject for an admin.
_GENERIC: Final = frozenset(
    canonical(w)
    for w in """
    not set setup node nodes device devices computer member members peer peers connect connection
    problem issue
    """.split()
)


@dataclass(frozen=True, slots=True)
class Example:
    """One user message shown in a group, with its turn id for looking up the full text."""

    text: str
    turn: str

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {"text": self.text, "turn": self.turn}


@dataclass(frozen=True, slots=True)
class Group:
    """Similar messages: by uncovered subject, finding codes and text; the first example leads."""

    count: int
    people: int
    examples: tuple[Example, ...]
    subject: str | None = None  # the uncovered subject the bot recognised, if any
    codes: tuple[str, ...] = ()  # finding codes shared by the group's pastes
    no_text: int = 0  # turns in the group whose text was not stored

    @property
    def example(self) -> str:
        """The representative message."""
        return self.examples[0].text if self.examples else NO_TEXT

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "count": self.count,
            "people": self.people,
            "subject": self.subject,
            "codes": list(self.codes),
            "no_text": self.no_text,
            "example": self.example,
            "examples": [e.to_dict() for e in self.examples],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Group:
        """Inverse of `to_dict`."""
        return cls(
            count=data["count"],
            people=data["people"],
            examples=tuple(Example(e["text"], e["turn"]) for e in data["examples"]),
            subject=data["subject"],
            codes=tuple(data["codes"]),
            no_text=data["no_text"],
        )


@dataclass(frozen=True, slots=True)
class Section:
    """A grouped list of turns: the largest groups, and how much was left out."""

    count: int  # turns grouped
    groups: tuple[Group, ...] = ()
    hidden_groups: int = 0
    hidden_turns: int = 0
    truncated: bool = False  # more rows matched than were read (only the newest were grouped)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "count": self.count,
            "groups": [g.to_dict() for g in self.groups],
            "hidden_groups": self.hidden_groups,
            "hidden_turns": self.hidden_turns,
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Section:
        """Inverse of `to_dict`."""
        return cls(
            count=data["count"],
            groups=tuple(Group.from_dict(g) for g in data["groups"]),
            hidden_groups=data["hidden_groups"],
            hidden_turns=data["hidden_turns"],
            truncated=data["truncated"],
        )


@dataclass(frozen=True, slots=True)
class TopicStats:
    """Turns that showed a topic, and the feedback they got."""

    topic: str
    turns: int
    helpful: int = 0
    not_helpful: int = 0

    @property
    def rate(self) -> float | None:
        """Share of feedback that was helpful; None without feedback."""
        return rate(self.helpful, self.not_helpful)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "topic": self.topic,
            "turns": self.turns,
            "helpful": self.helpful,
            "not_helpful": self.not_helpful,
            "rate": self.rate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TopicStats:
        """Inverse of `to_dict`."""
        return cls(data["topic"], data["turns"], data["helpful"], data["not_helpful"])


@dataclass(frozen=True, slots=True)
class Report:
    """What happened in a time window, for the people who maintain the knowledge base."""

    since: datetime
    until: datetime
    turns: int
    answered: int
    abstained: int
    other: int  # smalltalk and help without a topic
    no_text: int  # turns whose text was not stored
    helpful: int
    not_helpful: int
    topics: tuple[TopicStats, ...]  # by turns, most first
    unanswered: Section
    pastes: Section
    pastes_unexplained: int = 0
    pastes_not_helpful: int = 0
    pasted: int = 0  # pastes the diagnosis handled without a topic: not unanswered questions
    clicks: int = 0  # "Not helpful" clicks (their follow-up turns have no text of their own)
    handovers: Handovers | None = None

    @property
    def rate(self) -> float | None:
        """Share of all feedback that was helpful; None without feedback."""
        return rate(self.helpful, self.not_helpful)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `ztbot report --json`."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "turns": self.turns,
            "answered": self.answered,
            "abstained": self.abstained,
            "pasted": self.pasted,
            "not_helpful_clicks": self.clicks,
            "other": self.other,
            "no_text": self.no_text,
            "feedback": {
                "helpful": self.helpful,
                "not_helpful": self.not_helpful,
                "rate": self.rate,
            },
            "topics": [t.to_dict() for t in self.topics],
            "unanswered": self.unanswered.to_dict(),
            "pastes": {
                **self.pastes.to_dict(),
                "unexplained": self.pastes_unexplained,
                "not_helpful": self.pastes_not_helpful,
            },
            **({"handovers": self.handovers.to_dict()} if self.handovers else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Inverse of `to_dict` (for tools that read saved reports)."""
        return cls(
            since=datetime.fromisoformat(data["since"]),
            until=datetime.fromisoformat(data["until"]),
            turns=data["turns"],
            answered=data["answered"],
            abstained=data["abstained"],
            other=data["other"],
            no_text=data["no_text"],
            helpful=data["feedback"]["helpful"],
            not_helpful=data["feedback"]["not_helpful"],
            topics=tuple(TopicStats.from_dict(t) for t in data["topics"]),
            unanswered=Section.from_dict(data["unanswered"]),
            pastes=Section.from_dict(data["pastes"]),
            pastes_unexplained=data["pastes"]["unexplained"],
            pastes_not_helpful=data["pastes"]["not_helpful"],
            pasted=data.get("pasted", 0),
            clicks=data.get("not_helpful_clicks", 0),
            handovers=Handovers.from_dict(data["handovers"]) if "handovers" in data else None,
        )


# --- pure helpers -------------------------------------------------------------------------------


def rate(helpful: int, not_helpful: int) -> float | None:
    """helpful / all, or None when there is no feedback."""
    total = helpful + not_helpful
    return helpful / total if total else None


def to_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values (SQLite returns them) are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_key(text: str) -> str:
    """The similarity key of a message: its sorted content terms, stopwords and negation dropped."""
    return " ".join(sorted({t for t in terms(text) if t not in _GENERIC}))


def to_prose(text: str) -> str:
    """The user's own words in a message: pasted command output and typed commands removed."""
    lines = normalize_text(text).split("\n")
    output = {n for block in extract_blocks(text) for n in block.numbers}
    kept: list[str] = []
    for num, raw in enumerate(lines, start=1):
        if num in output:
            continue
        line = clean_line(raw)[0]
        if not any(c.isalnum() for c in line):
            continue
        prompt = find_prompt(line)
        if prompt is not None and len(line.split()) <= len(prompt.typed.split()) + 1:
            continue  # "$ zerotier-cli peers": the command, not something the user said
        kept.append(line)
    return " ".join(kept)


def suggests_problem(prose: str) -> bool:
    """True when the user's words say something is wrong or ask why."""
    return "?" in prose or not _PROBLEM_WORDS.isdisjoint(words(prose))


def to_display(text: str, width: int = _EXAMPLE_WIDTH) -> str:
    """One line of at most `width` characters."""
    line = _SPACE.sub(" ", text).strip()
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Item:
    """A turn to be grouped: its shown text (None if not stored), similarity key and user."""

    turn: str
    display: str | None  # None when the text was not stored
    key: str | None
    user: str | None


# Items of one group, with the uncovered subject or finding codes they share.
_Bucket = tuple[list[Item], str | None, tuple[str, ...]]


def _people(items: Iterable[Item]) -> int:
    # Turns without a user hash are counted as one person each.
    users: set[str] = set()
    anonymous = 0
    for item in items:
        if item.user is None:
            anonymous += 1
        else:
            users.add(item.user)
    return len(users) + anonymous


def cluster(items: Sequence[Item], threshold: float = SIMILARITY) -> list[list[Item]]:
    """Group items whose keys are similar; items without text form their own group."""
    by_key: dict[str, list[Item]] = defaultdict(list)
    missing: list[Item] = []
    for item in items:
        if item.key is None:
            missing.append(item)
        else:
            by_key[item.key].append(item)
    # Frequent phrasings first, so they become the representatives others are compared with.
    keys = sorted(by_key, key=lambda k: -len(by_key[k]))
    reps: list[str] = []
    clusters: list[list[Item]] = []
    other: list[Item] = []
    for key in keys:
        hit = None
        if key:
            hit = process.extractOne(key, reps, scorer=fuzz.token_set_ratio, score_cutoff=threshold)
        if hit is not None:
            clusters[hit[2]].extend(by_key[key])
        elif len(reps) < MAX_CLUSTERS:
            # An empty key (only stopwords) never matches: its own exact-key group.
            reps.append(key or "\0")
            clusters.append(list(by_key[key]))
        else:
            other.extend(by_key[key])
    if other:
        clusters.append(other)
    if missing:
        clusters.append(missing)
    return clusters


def _medoid(keys: Counter[str]) -> str:
    # The phrasing most similar to the others (weighted by how often each was used).
    sample = [k for k, _ in keys.most_common(_MEDOID_SAMPLE)]
    if len(sample) < 3:
        return sample[0]
    best, best_score = sample[0], -1.0
    for k in sample:
        score = sum(keys[o] * fuzz.token_set_ratio(k, o) for o in sample if o != k)
        if score > best_score:
            best, best_score = k, score
    return best


def to_group(
    items: Sequence[Item], *, subject: str | None = None, codes: tuple[str, ...] = ()
) -> Group:
    """A `Group` of items (newest first): the most central message leads, then other phrasings."""
    texts = [i for i in items if i.display is not None and i.key is not None]
    examples: list[Example] = []
    if texts:
        keys = Counter(i.key for i in texts if i.key is not None)
        lead = _medoid(keys)
        # Its most used wording (the newest on a tie: items come newest first).
        wordings = Counter(i.display for i in texts if i.key == lead)
        wording = wordings.most_common(1)[0][0]
        first = next(i for i in texts if i.display == wording)
        examples.append(Example(first.display or "", first.turn))
        seen = {first.display}
        # Other phrasings before repeats of one already shown.
        by_phrasing = sorted(texts, key=lambda i: (i.key == lead, -keys[i.key or ""]))
        for item in by_phrasing:
            if len(examples) > MORE_EXAMPLES:
                break
            if item.display not in seen:
                seen.add(item.display)
                examples.append(Example(item.display or "", item.turn))
    return Group(
        count=len(items),
        people=_people(items),
        examples=tuple(examples),
        subject=subject,
        codes=codes,
        no_text=sum(1 for i in items if i.display is None),
    )


def to_section(
    buckets: Iterable[_Bucket],
    *,
    max_groups: int,
    truncated: bool,
) -> Section:
    """Rank (items, subject, codes) buckets by size and build the largest `max_groups`."""
    # Largest first; on a tie, named subjects before text clusters.
    ranked = sorted(
        buckets, key=lambda b: (-len(b[0]), -_people(b[0]), b[1] is None, b[1] or "", b[2])
    )
    shown = ranked[:max_groups]
    hidden = ranked[max_groups:]
    return Section(
        count=sum(len(b[0]) for b in ranked),
        groups=tuple(to_group(items, subject=s, codes=c) for items, s, c in shown),
        hidden_groups=len(hidden),
        hidden_turns=sum(len(b[0]) for b in hidden),
        truncated=truncated,
    )


# --- queries ------------------------------------------------------------------------------------


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _codes(session: Session, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Finding.turn_id, Finding.code).where(Finding.turn_id.in_(chunk))
        )
        for turn_id, code in rows:
            found[turn_id].add(code)
    return {turn: tuple(sorted(codes)) for turn, codes in found.items()}


def _topics(session: Session, window: Sequence[ColumnElement[bool]]) -> tuple[TopicStats, ...]:
    turns = dict(
        session.execute(
            select(Turn.topic, func.count())
            .where(*window, Turn.topic.is_not(None))
            .group_by(Turn.topic)
        ).all()
    )
    votes: dict[tuple[str, bool], int] = {}
    for topic, helpful, n in session.execute(
        select(Turn.topic, Feedback.helpful, func.count())
        .join(Feedback, Feedback.turn_id == Turn.id)
        .where(*window, Turn.topic.is_not(None))
        .group_by(Turn.topic, Feedback.helpful)
    ):
        if topic is not None:
            votes[topic, bool(helpful)] = n
    stats = [
        TopicStats(topic, n, votes.get((topic, True), 0), votes.get((topic, False), 0))
        for topic, n in turns.items()
        if topic is not None
    ]
    return tuple(sorted(stats, key=lambda s: (-s.turns, s.topic)))


def _unanswered(
    session: Session,
    window: Sequence[ColumnElement[bool]],
    abstained: ColumnElement[bool],
    *,
    max_groups: int,
    max_texts: int,
) -> Section:
    rows = session.execute(
        select(Turn.id, Turn.text, Turn.uncovered, Turn.user_hash, Turn.has_output)
        .where(*window, abstained)
        .order_by(Turn.created_at.desc(), Turn.id)
        .limit(max_texts + 1)
    ).all()
    subjects: dict[str, list[Item]] = defaultdict(list)
    rest: list[Item] = []
    for turn, text, uncovered, user, has_output in rows[:max_texts]:
        words_only = to_prose(text) if has_output and text is not None else text
        item = Item(
            turn=turn,
            display=None if text is None else to_display(words_only or text),
            key=None if text is None else to_key(words_only or ""),
            user=user,
        )
        if uncovered is not None:
            subjects[uncovered].append(item)
        else:
            rest.append(item)
    buckets: list[_Bucket] = [(items, subject, ()) for subject, items in subjects.items()]
    buckets += [(items, None, ()) for items in cluster(rest)]
    return to_section(buckets, max_groups=max_groups, truncated=len(rows) > max_texts)


def _pastes(
    session: Session,
    window: Sequence[ColumnElement[bool]],
    *,
    max_groups: int,
    max_texts: int,
) -> tuple[Section, int, int]:
    explained = (
        select(Finding.id)
        .where(Finding.turn_id == Turn.id, Finding.severity.in_(PROBLEM_SEVERITIES))
        .exists()
    )
    unhelpful = (
        select(Feedback.id).where(Feedback.turn_id == Turn.id, Feedback.helpful.is_(False)).exists()
    )
    rows = session.execute(
        select(Turn.id, Turn.text, Turn.user_hash, explained.label("e"), unhelpful.label("u"))
        .where(*window, Turn.has_output.is_(True), or_(~explained, unhelpful))
        .order_by(Turn.created_at.desc(), Turn.id)
        .limit(max_texts + 1)
    ).all()
    picked: list[tuple[Item, bool]] = []
    unexplained = not_helpful = 0
    for turn, text, user, is_explained, is_unhelpful in rows[:max_texts]:
        prose = None if text is None else to_prose(text)
        # Without the text we cannot tell whether the user saw a problem: keep the turn, since
        # diagnosis could not explain it and the count still tells admins about the gap. A
        # paste with no words at all is kept too: nobody pastes output for nothing.
        if not is_unhelpful and prose and not suggests_problem(prose):
            continue
        unexplained += not is_explained
        not_helpful += bool(is_unhelpful)
        item = Item(
            turn=turn,
            display=None if prose is None else to_display(prose or OUTPUT_ONLY),
            key=None if prose is None else to_key(prose),
            user=user,
        )
        picked.append((item, bool(is_explained)))
    codes = _codes(session, [item.turn for item, _ in picked])
    by_codes: dict[tuple[str, ...], list[Item]] = defaultdict(list)
    for item, _ in picked:
        by_codes[codes.get(item.turn, ())].append(item)
    buckets: list[_Bucket] = [
        (items, None, signature)
        for signature, members in by_codes.items()
        for items in cluster(members)
    ]
    section = to_section(buckets, max_groups=max_groups, truncated=len(rows) > max_texts)
    return section, unexplained, not_helpful


def build_report(
    session: Session,
    *,
    since: datetime,
    until: datetime | None = None,
    max_groups: int = 20,
    max_texts: int = MAX_TEXTS,
) -> Report:
    """Count, rate and group the turns made in [since, until) (until defaults to now)."""
    since = to_utc(since)
    until = to_utc(until) if until is not None else datetime.now(UTC)
    window = (Turn.created_at >= since, Turn.created_at < until)
    answered = Turn.topic.is_not(None)
    # A click on "Not helpful" is logged as a turn with no text of its own.
    no_words = func.coalesce(Turn.text, "-") == ""  # NULL (not stored) is not a click
    click = and_(no_words, Turn.has_output.is_not(True), Turn.kind.not_in(NOT_QUESTIONS))
    unanswered = and_(Turn.topic.is_(None), Turn.kind.not_in(NOT_QUESTIONS))
    pasted = and_(unanswered, Turn.has_output.is_(True))
    abstained = and_(unanswered, Turn.has_output.is_not(True), ~click)
    turns, n_answered, n_abstained, n_pasted, n_clicks, no_text = session.execute(
        select(
            func.count(),
            _sum(answered),
            _sum(abstained),
            _sum(pasted),
            _sum(and_(Turn.topic.is_(None), click)),
            _sum(Turn.text.is_(None)),
        ).where(*window)
    ).one()
    votes = dict(
        session.execute(
            select(Feedback.helpful, func.count())
            .join(Turn, Feedback.turn_id == Turn.id)
            .where(*window)
            .group_by(Feedback.helpful)
        ).all()
    )
    pastes, unexplained, not_helpful = _pastes(
        session, window, max_groups=max_groups, max_texts=max_texts
    )
    return Report(
        since=since,
        until=until,
        turns=int(turns),
        answered=int(n_answered),
        abstained=int(n_abstained),
        other=int(turns) - int(n_answered) - int(n_abstained) - int(n_pasted) - int(n_clicks),
        no_text=int(no_text),
        helpful=votes.get(True, 0),
        not_helpful=votes.get(False, 0),
        topics=_topics(session, window),
        unanswered=_unanswered(
            session, window, abstained, max_groups=max_groups, max_texts=max_texts
        ),
        pastes=pastes,
        pastes_unexplained=unexplained,
        pastes_not_helpful=not_helpful,
        pasted=int(n_pasted),
        clicks=int(n_clicks),
        handovers=handover_stats(session, since, until),
    )


# --- rendering ----------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    —"


def _rate(value: float | None) -> str:
    return f"{100 * value:5.1f}%" if value is not None else "    —"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _who(group: Group) -> tuple[str, str]:
    people = f"{group.people} {'person' if group.people == 1 else 'people'}"
    times = f"  ({group.count} turns)" if group.count != group.people else ""
    return people, times


def _quote(example: Example, *, turn: bool = False) -> str:
    quoted = f'      "{example.text}"'
    return f"{quoted}  [turn {example.turn[:8]}]" if turn else quoted


def _section(lines: list[str], section: Section, pastes: bool) -> None:
    if not section.groups:
        lines.append("  none")
        return
    for group in section.groups:
        who, times = _who(group)
        examples = list(group.examples)
        if pastes:
            what = ", ".join(group.codes) if group.codes else "no findings"
            lines.append(f"  {who} pasted output with {what}{times}")
        elif group.subject is not None:
            lines.append(f"  {who} asked about {group.subject}{times}")
        elif examples:
            lines.append(f'  {who} asked things like "{examples.pop(0).text}"{times}')
        else:
            lines.append(f"  {who} asked something {NO_TEXT}{times}")
        lines.extend(_quote(e, turn=pastes) for e in examples)
        if group.no_text and examples:
            lines.append(f"      + {group.no_text} {NO_TEXT}")
        elif group.no_text and (pastes or group.subject is not None):
            lines.append(f"      {NO_TEXT}")
    if section.hidden_groups:
        lines.append(f"  … and {section.hidden_groups} more groups ({section.hidden_turns} turns)")


def render_report(report: Report) -> str:
    """The report as plain text for a terminal: headings, aligned counts and percentages."""
    t = report.turns
    votes = report.helpful + report.not_helpful
    lines = [
        f"ztbot report  {_when(report.since)} to {_when(report.until)} UTC",
        "",
        f"Turns              {t:>6}",
        f"  answered         {report.answered:>6}  {_pct(report.answered, t)}",
        f"  abstained        {report.abstained:>6}  {_pct(report.abstained, t)}",
        f"  pastes, no topic {report.pasted:>6}  {_pct(report.pasted, t)}",
        f"  not-helpful clicks {report.clicks:>4}  {_pct(report.clicks, t)}",
        f"  smalltalk, help  {report.other:>6}  {_pct(report.other, t)}",
    ]
    if report.no_text:
        lines.append(f"  text not stored  {report.no_text:>6}  {_pct(report.no_text, t)}")
    lines += [
        f"Feedback           {votes:>6}  {_rate(report.rate)} helpful"
        f"  ({report.helpful} helpful, {report.not_helpful} not)",
        "",
        "Top topics",
    ]
    if report.topics:
        width = min(max(len(s.topic) for s in report.topics), 40)
        lines.append(f"  {'topic':<{width}}  {'turns':>6}  {'good':>5}  {'bad':>5}  {'helpful':>6}")
        lines.extend(
            f"  {s.topic:<{width}}  {s.turns:>6}  {s.helpful:>5}  {s.not_helpful:>5}"
            f"  {_rate(s.rate)}"
            for s in report.topics
        )
    else:
        lines.append("  none")
    newest = " (newest only)" if report.unanswered.truncated else ""
    lines += ["", f"Unanswered questions  {report.unanswered.count}{newest}"]
    _section(lines, report.unanswered, pastes=False)
    newest = " (newest only)" if report.pastes.truncated else ""
    lines += [
        "",
        f"Pastes to learn from  {report.pastes.count}{newest}"
        f"  ({report.pastes_unexplained} not explained,"
        f" {report.pastes_not_helpful} marked not helpful)",
    ]
    _section(lines, report.pastes, pastes=True)
    if report.handovers is not None:
        lines += ["", *render_handovers(report.handovers)]
    return "\n".join(lines) + "\n"
