"""Admin reports: counts, feedback rates and grouped unanswered questions and pastes.

Every database test runs on a SQLite file and, when ZTBOT_TEST_POSTGRES_URL is set, on a fresh
PostgreSQL database made for the test and dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session

from bot.reports import usage as reports
from bot.reports.usage import (
    NO_TEXT,
    Report,
    build_report,
    cluster,
    render_report,
    suggests_problem,
    to_key,
    to_prose,
    to_utc,
)
from bot.store.models import Base, Candidate, Conversation, Feedback, Finding, Turn

POSTGRES_URL = os.environ.get("ZTBOT_TEST_POSTGRES_URL")
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)
HOUR = timedelta(hours=1)

RELAYED_PASTE = """my nodes are relayed and slow, why?
```
$ zerotier-cli peers
200 listpeers 8056c2e21c 50.7.252.138/9993;47;47 111 LEAF 1.10.6
200 listpeers 62f865ae71 - -1 -1 PLANET
```"""


def _sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'ztbot.db'}")

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    try:
        yield engine
    finally:
        engine.dispose()


def _postgres(url: str) -> Iterator[Engine]:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"ztbot_test_{uuid.uuid4().hex}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(url).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    elif POSTGRES_URL is None:
        pytest.skip("ZTBOT_TEST_POSTGRES_URL is not set")
    else:
        yield from _postgres(POSTGRES_URL)


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    Base.metadata.create_all(db)
    with Session(db) as s:
        yield s


@dataclass
class Store:
    """Adds turns (with candidates, findings and feedback) to one conversation."""

    session: Session
    ids: Iterator[int] = field(default_factory=count)
    conversation: Conversation | None = None

    def turn(
        self,
        text: str | None,
        *,
        kind: str = "answer",
        topic: str | None = None,
        uncovered: str | None = None,
        user: str | None = "alice",
        at: datetime = NOW - HOUR,
        has_output: bool = False,
        findings: Sequence[tuple[str, str]] = (),
        votes: Sequence[bool] = (),
    ) -> Turn:
        if self.conversation is None:
            self.conversation = Conversation(
                key="console:test", platform="console", started_at=SINCE, last_seen_at=NOW
            )
            self.session.add(self.conversation)
            self.session.flush()
        n = next(self.ids)
        row = Turn(
            id=uuid.uuid4().hex,
            conversation_id=self.conversation.id,
            platform="console",
            event_id=f"event-{n}",
            user_hash=user,
            created_at=at,
            text=text,
            reply="…",
            kind=kind,
            topic=topic,
            confidence=0.9 if topic else 0.1,
            uncovered=uncovered,
            latency_ms=3.0,
            knowledge_version="v1",
            has_output=has_output,
        )
        if topic is not None:
            row.candidates.append(Candidate(rank=1, topic=topic, score=0.9))
        row.candidates.append(Candidate(rank=2, topic="other-topic", score=0.2))
        for code, severity in findings:
            row.findings.append(
                Finding(code=code, severity=severity, summary=code, topics="topic-a")
            )
        for i, helpful in enumerate(votes):
            row.feedback.append(Feedback(user_hash=f"voter{i}", helpful=helpful, created_at=NOW))
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture
def store(session: Session) -> Store:
    return Store(session)


def _report(session: Session, **kwargs: Any) -> Report:
    session.commit()
    return build_report(session, since=SINCE, until=NOW, **kwargs)


def _examples(report_group: reports.Group) -> list[str]:
    return [e.text for e in report_group.examples]


# --- counts and feedback ------------------------------------------------------------------------


def test_answered_abstained_and_other(store: Store, session: Session) -> None:
    """Topic set is answered (diagnoses too); no topic is abstained unless smalltalk or help."""
    store.turn("how do I ping", topic="ping-not-working")
    store.turn("why relayed", kind="diagnosis", topic="relayed", has_output=True)
    store.turn("which one?", kind="clarify", topic="moons")
    store.turn("what is a flux capacitor")
    store.turn("blah", kind="abstain")
    store.turn("200 info 8056c2e21c 1.10.6 ONLINE", kind="diagnosis", has_output=True)
    store.turn("", kind="clarify")  # a Not helpful click offering other topics
    store.turn("", kind="abstain")  # ... or saying there is nothing closer
    store.turn("hello", kind="smalltalk")
    store.turn("/help", kind="help")
    report = _report(session)
    assert (report.turns, report.answered, report.abstained, report.other) == (10, 3, 2, 2)
    assert (report.pasted, report.clicks) == (1, 2)
    assert report.no_text == 0
    assert sorted(g.example for g in report.unanswered.groups) == [
        "blah",
        "what is a flux capacitor",
    ]
    # The bare paste nothing explained is one to learn from, beside "why relayed".
    assert report.pastes.count == 2
    assert "(output only)" in [g.example for g in report.pastes.groups]
    rendered = render_report(report)
    assert "pastes, no topic      1" in rendered and "not-helpful clicks    2" in rendered


def test_window_excludes_old_and_later_turns(store: Store, session: Session) -> None:
    """Only turns in [since, until) count; a since in another time zone is converted to UTC."""
    store.turn("old", topic="a", at=SINCE - HOUR)
    store.turn("at start", topic="a", at=SINCE)
    store.turn("inside", topic="b", at=NOW - HOUR)
    store.turn("at end", topic="a", at=NOW)
    assert _report(session).turns == 2
    plus_two = timezone(timedelta(hours=2))
    # 12:00+02:00 is 10:00 UTC, before the turn at 11:00 UTC; compared as wall-clock time
    # (what SQLite would do unconverted) it would be after it.
    later = build_report(session, since=(NOW - HOUR / 2).astimezone(plus_two), until=NOW)
    assert later.turns == 0
    earlier = build_report(session, since=(NOW - 2 * HOUR).astimezone(plus_two), until=NOW)
    assert earlier.turns == 1
    assert earlier.since == NOW - 2 * HOUR and earlier.since.tzinfo == UTC


def test_until_defaults_to_now(store: Store, session: Session) -> None:
    """Without `until` the window runs to the present."""
    store.turn("recent", topic="a", at=datetime.now(UTC) - timedelta(minutes=5))
    session.commit()
    report = build_report(session, since=datetime.now(UTC) - HOUR)
    assert report.turns == 1
    assert report.until.tzinfo == UTC


def test_feedback_rates_per_topic(store: Store, session: Session) -> None:
    """Helpful rate per topic; topics without feedback show none; topics sorted by turns."""
    store.turn("a1", topic="ping-not-working", votes=[True, True, False])
    store.turn("a2", topic="ping-not-working", votes=[True])
    store.turn("a3", topic="ping-not-working")
    store.turn("b1", topic="relayed", votes=[False])
    store.turn("b2", topic="relayed")
    store.turn("c1", topic="moons")
    store.turn("no topic", votes=[False])  # counted in the totals only
    store.turn("old", topic="moons", at=SINCE - HOUR, votes=[True])
    report = _report(session)
    stats = {s.topic: s for s in report.topics}
    assert [s.topic for s in report.topics] == ["ping-not-working", "relayed", "moons"]
    assert (stats["ping-not-working"].turns, stats["ping-not-working"].helpful) == (3, 3)
    assert stats["ping-not-working"].not_helpful == 1
    assert stats["ping-not-working"].rate == pytest.approx(0.75)
    assert stats["relayed"].rate == 0.0
    assert stats["moons"].rate is None
    assert (report.helpful, report.not_helpful) == (3, 3)
    assert report.rate == pytest.approx(0.5)


def test_empty_window(session: Session) -> None:
    """An empty database gives zeros, no rates and no groups, and still renders."""
    report = _report(session)
    assert (report.turns, report.answered, report.abstained, report.rate) == (0, 0, 0, None)
    assert report.topics == () and report.unanswered.groups == () and report.pastes.groups == ()
    assert "none" in render_report(report)


# --- unanswered questions -----------------------------------------------------------------------


def test_unanswered_grouped_by_similarity(store: Store, session: Session) -> None:
    """Differently worded questions about one thing share a group; other questions do not."""
    store.turn("how do I bridge zerotier to my lan", user="u1")
    store.turn("bridge zt with my home network?", user="u2")
    store.turn("Bridging my LAN", user="u3")
    store.turn("how do I bridge zerotier to my lan", user="u1")  # the same person again
    store.turn("does zerotier work with docker containers", user="u4")
    store.turn("docker container cant reach zerotier", user="u5")
    store.turn("how much does it cost", user="u6")
    report = _report(session)
    groups = report.unanswered.groups
    assert report.unanswered.count == 7
    assert [(g.count, g.people) for g in groups] == [(4, 3), (2, 2), (1, 1)]
    bridge = groups[0]
    assert bridge.subject is None
    assert bridge.example == "how do I bridge zerotier to my lan"
    assert set(_examples(bridge)) == {
        "how do I bridge zerotier to my lan",
        "bridge zt with my home network?",
        "Bridging my LAN",
    }
    assert set(_examples(groups[1])) == {
        "does zerotier work with docker containers",
        "docker container cant reach zerotier",
    }
    assert groups[2].example == "how much does it cost"


def test_uncovered_subject_groups_whatever_the_wording(store: Store, session: Session) -> None:
    """Turns the bot tied to an uncovered subject are one group, named by the subject."""
    for i, question in enumerate(["layer 2 to my lan", "join home network", "br0 setup", "x"]):
        store.turn(question, uncovered="bridging", user=f"u{i}")
    store.turn("dns names for members", uncovered="dns")
    store.turn("bridge my lan please")  # similar text, but no subject: a group of its own
    report = _report(session)
    groups = report.unanswered.groups
    assert [(g.subject, g.count) for g in groups] == [("bridging", 4), ("dns", 1), (None, 1)]
    assert len(groups[0].examples) == 4  # the lead and three more
    assert "4 people asked about bridging" in render_report(report)


def test_examples_are_distinct_and_capped(store: Store, session: Session) -> None:
    """A group shows one lead and at most three more examples, never the same text twice."""
    for i in range(6):
        store.turn(f"how to bridge lan number {i}", user=f"u{i}")
        store.turn(f"how to bridge lan number {i}", user=f"u{i}")
    (group,) = _report(session).unanswered.groups
    assert group.count == 12 and group.people == 6
    assert len(group.examples) == 4
    assert len(set(_examples(group))) == 4


def test_max_groups_hides_the_smallest(store: Store, session: Session) -> None:
    """Only the largest `max_groups` groups are built; the rest are summed up."""
    store.turn("bridge my lan", uncovered="bridging")
    store.turn("bridge my lan", uncovered="bridging")
    store.turn("dns please", uncovered="dns")
    store.turn("sso login", uncovered="sso")
    report = _report(session, max_groups=1)
    assert [g.subject for g in report.unanswered.groups] == ["bridging"]
    assert (report.unanswered.hidden_groups, report.unanswered.hidden_turns) == (2, 2)
    assert "… and 2 more groups (2 turns)" in render_report(report)


def test_max_texts_reads_only_the_newest(store: Store, session: Session) -> None:
    """Beyond `max_texts` rows only the newest are grouped and the section says so."""
    store.turn("old bridge lan", at=NOW - 3 * HOUR, uncovered="bridging")
    store.turn("new dns", at=NOW - HOUR, uncovered="dns")
    store.turn("newer dns", at=NOW - HOUR / 2, uncovered="dns")
    report = _report(session, max_texts=2)
    assert report.abstained == 3
    assert report.unanswered.truncated and report.unanswered.count == 2
    assert [g.subject for g in report.unanswered.groups] == ["dns"]
    assert "(newest only)" in render_report(report)


def test_text_not_stored(store: Store, session: Session) -> None:
    """Turns without text are counted and shown as "(text not stored)"."""
    store.turn(None, user="u1")
    store.turn(None, user="u2")
    store.turn(None, uncovered="bridging", user="u3")
    store.turn("bridge lan", uncovered="bridging", user="u4")
    store.turn(None, topic="ping-not-working")
    report = _report(session)
    assert report.no_text == 4
    groups = {g.subject: g for g in report.unanswered.groups}
    assert groups[None].count == 2 and groups[None].no_text == 2
    assert groups[None].example == NO_TEXT and groups[None].examples == ()
    assert groups["bridging"].no_text == 1 and groups["bridging"].example == "bridge lan"
    rendered = render_report(report)
    assert f"2 people asked something {NO_TEXT}" in rendered
    assert f"+ 1 {NO_TEXT}" in rendered


# --- pastes -------------------------------------------------------------------------------------


def test_pastes_to_learn_from(store: Store, session: Session) -> None:
    """Unexplained pastes with a complaint and not-helpful ones are kept, grouped by codes."""
    keep_unexplained = store.turn(
        RELAYED_PASTE, kind="diagnosis", has_output=True, findings=[("version", "info")]
    )
    store.turn(
        "connection is slow\n200 info 8056c2e21c 1.10.6 ONLINE",
        kind="diagnosis",
        has_output=True,
        user="bob",
    )
    store.turn(  # explained by a warning and found helpful: nothing to learn
        RELAYED_PASTE,
        kind="diagnosis",
        topic="relayed",
        has_output=True,
        findings=[("peer-relayed", "warning")],
        votes=[True],
    )
    store.turn(  # nothing wrong according to the user
        "here is my output, all fine now thanks\n200 info 8056c2e21c 1.10.6 ONLINE",
        kind="diagnosis",
        has_output=True,
    )
    for user in ("carol", "dave"):
        store.turn(
            RELAYED_PASTE.replace("slow", "laggy"),
            kind="diagnosis",
            topic="relayed",
            has_output=True,
            findings=[("peer-relayed", "warning"), ("version", "info")],
            votes=[False],
            user=user,
        )
    store.turn("why so slow", topic="relayed", votes=[False])  # no output: not a paste
    report = _report(session)
    assert (report.pastes.count, report.pastes_unexplained, report.pastes_not_helpful) == (4, 2, 2)
    groups = report.pastes.groups
    assert [(g.codes, g.count, g.people) for g in groups] == [
        (("peer-relayed", "version"), 2, 2),
        ((), 1, 1),
        (("version",), 1, 1),
    ]
    assert groups[0].example == "my nodes are relayed and laggy, why?"  # output lines dropped
    assert groups[1].example == "connection is slow"
    assert groups[2].examples[0].turn == keep_unexplained.id
    rendered = render_report(report)
    assert "2 people pasted output with peer-relayed, version" in rendered
    assert "1 person pasted output with no findings" in rendered
    assert f"[turn {keep_unexplained.id[:8]}]" in rendered


def test_pastes_grouped_by_text_within_codes(store: Store, session: Session) -> None:
    """Within one set of codes, pastes with different complaints form different groups."""
    out = "\n200 info 8056c2e21c 1.10.6 ONLINE"
    store.turn("relayed and laggy, why?" + out, has_output=True, user="a")
    store.turn("why is it relayed and lagging" + out, has_output=True, user="b")
    store.turn("android app crashes on start" + out, has_output=True, user="c")
    store.turn(out.strip(), has_output=True, user="d", votes=[False])
    store.turn(None, has_output=True, user="e")
    groups = _report(session).pastes.groups
    assert all(g.codes == () for g in groups)
    assert groups[0].count == 2
    assert set(_examples(groups[0])) == {"relayed and laggy, why?", "why is it relayed and lagging"}
    assert sorted((g.count, g.example) for g in groups[1:]) == [
        (1, "(output only)"),
        (1, NO_TEXT),
        (1, "android app crashes on start"),
    ]


# --- JSON and rendering -------------------------------------------------------------------------


def test_json_round_trip(store: Store, session: Session) -> None:
    """`to_dict` is JSON-ready and `from_dict` rebuilds the same report."""
    store.turn("ping", topic="ping-not-working", votes=[True, False])
    store.turn("bridge my lan", uncovered="bridging")
    store.turn(None)
    store.turn(RELAYED_PASTE, has_output=True, findings=[("version", "info")])
    report = _report(session)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["feedback"] == {"helpful": 1, "not_helpful": 1, "rate": 0.5}
    assert data["unanswered"]["groups"][0]["subject"] == "bridging"
    assert data["pastes"]["unexplained"] == 1
    assert data["since"] == "2025-05-25T12:00:00+00:00"
    assert Report.from_dict(data) == report


def test_render_aligns_counts_and_percentages(store: Store, session: Session) -> None:
    """The text report has headings, right-aligned counts and percentages."""
    store.turn("ping", topic="ping-not-working", votes=[True, True, True, False])
    store.turn("relay", topic="relayed")
    store.turn("bridge lan", uncovered="bridging", user="u1")
    store.turn("bridge home network", uncovered="bridging", user="u2")
    store.turn("hi", kind="smalltalk")
    rendered = render_report(_report(session))
    lines = rendered.splitlines()
    assert lines[0] == "ztbot report  2025-05-25 12:00 to 2025-06-01 12:00 UTC"
    assert "Turns                   5" in lines
    assert "  answered              2   40.0%" in lines
    assert "  abstained             2   40.0%" in lines
    assert "  smalltalk, help       1   20.0%" in lines
    assert "Feedback                4   75.0% helpful  (3 helpful, 1 not)" in lines
    assert "  topic              turns   good    bad  helpful" in lines
    assert "  ping-not-working       1      3      1   75.0%" in lines
    assert "  relayed                1      0      0      —" in lines
    assert "2 people asked about bridging" in rendered
    assert rendered.endswith("\n")


# --- pure helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("how do I bridge zerotier to my lan", "bridge zt with my home network?", True),
        ("set up dns for my nodes", "dns server for zt", True),
        ("set up dns for my nodes", "how do I set a default route through a node", False),
        ("how do I bridge zerotier to my lan", "does zerotier work with docker", False),
        ("can't ping my nas", "ping my nas", True),
    ],
)
def test_cluster_pairs(a: str, b: str, same: bool) -> None:
    """Pairs of questions land in one group exactly when they are about the same thing."""
    items = [reports.Item(str(i), t, to_key(t), None) for i, t in enumerate([a, b])]
    assert (len(cluster(items)) == 1) is same


def test_cluster_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_CLUSTERS groups, unmatched texts share one overflow group."""
    monkeypatch.setattr(reports, "MAX_CLUSTERS", 2)
    texts = ["bridge lan", "docker container", "sso login", "ipv6 address", "bridging lan"]
    items = [reports.Item(str(i), t, to_key(t), None) for i, t in enumerate(texts)]
    groups = [[i.display for i in g] for g in cluster(items)]
    assert groups == [
        ["bridge lan", "bridging lan"],
        ["docker container"],
        ["sso login", "ipv6 address"],
    ]


@pytest.mark.parametrize(
    ("message", "prose"),
    [
        (RELAYED_PASTE, "my nodes are relayed and slow, why?"),
        ("200 info 8056c2e21c 1.10.6 ONLINE", ""),
        (
            "> I ran zerotier-cli peers on my box\n200 listpeers 8056c2e21c - -1 -1 LEAF",
            "I ran zerotier-cli peers on my box",
        ),
        ("just words", "just words"),
    ],
)
def test_to_prose(message: str, prose: str) -> None:
    """Pasted output, fences and typed commands are removed; the user's words stay."""
    assert to_prose(message) == prose


@pytest.mark.parametrize(
    ("prose", "problem"),
    [
        ("my nodes are relayed, why", True),
        ("is this right?", True),
        ("can't reach my nas", True),
        ("connection drops", True),
        ("here is my output, all fine now thanks", False),
        ("", False),
    ],
)
def test_suggests_problem(prose: str, problem: bool) -> None:
    """Complaints and questions suggest a problem; a plain "here is my output" does not."""
    assert suggests_problem(prose) is problem


def test_to_utc() -> None:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    naive = datetime(2025, 1, 1, 12)
    assert to_utc(naive) == datetime(2025, 1, 1, 12, tzinfo=UTC)
    aware = datetime(2025, 1, 1, 14, tzinfo=timezone(timedelta(hours=2)))
    assert to_utc(aware) == datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert to_utc(aware).tzinfo == UTC
