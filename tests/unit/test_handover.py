"""Not helpful, solved and the hand-over summary: next topics first, then people, secrets masked."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.handover import escalation_markdown, to_asked
from bot.core.models import Incoming, Reply
from bot.runtime.service import SupportService
from bot.store import open_store
from bot.store.models import Conversation, Feedback, Turn

RELAYED = """\
200 peers
<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>
62f865ae71 -      PLANET    52 DIRECT   4480     4436     50.7.252.138/9993
778cde7190 -      PLANET   114 DIRECT   4480     4363     103.195.103.66/9993
a84ac5c10a 1.14.2 LEAF      -1 RELAY
"""
TOKEN = "curl -H 'Authorization: token 9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u' my.zerotier.com"


def _in(text: str, conversation: str = "slack:T:C:1", **kw: object) -> Incoming:
    return Incoming(text, platform="slack", user="U1", conversation=conversation, **kw)  # type: ignore[arg-type]


def _service(engine: Engine, tmp_path: Path, **kw: object) -> SupportService:
    return SupportService(engine, Settings(data_dir=tmp_path, database_url=None, **kw))  # type: ignore[arg-type]


def test_not_helpful_offers_next_topics_then_escalates_with_a_summary(
    engine: Engine, tmp_path: Path
) -> None:
    """The first "not helpful" offers other topics; the second hands over what was tried."""
    service = _service(engine, tmp_path)
    first = service.handle(_in("ping doesn't work on windows"))
    assert first is not None and first.topic == "ping-not-working"
    offer = service.decline(_in("(not helpful)"), first.turn_id)
    assert offer.kind == "clarify" and offer.choices and offer.escalation is None
    assert all(c.topic != "ping-not-working" for c in offer.choices)
    picked = service.handle(_in("1"))
    assert picked is not None and picked.topic == offer.choices[0].topic
    handed = service.decline(_in("(not helpful)"), picked.turn_id)
    assert handed.kind == "escalate" and handed.escalation is not None
    esc = handed.escalation
    assert esc.asked[0] == "ping doesn't work on windows"
    assert "Ping is not working › Windows" in esc.shown[0]
    assert len(esc.shown) == 2
    text = escalation_markdown(esc, who="<@U1>", link="https://example.test/t")
    assert "<@U1>" in text and "https://example.test/t" in text
    assert "ping doesn't work on windows" in text


def test_escalation_names_findings_and_masks_secrets(engine: Engine, tmp_path: Path) -> None:
    """Relayed peers and a leaked token: the summary lists findings and never the token."""
    service = _service(engine, tmp_path)
    reply = service.handle(_in(f"my peers are slow\n```\n{RELAYED}```\n{TOKEN}"))
    assert reply is not None and reply.kind == "diagnosis"
    service.decline(_in("no"), reply.turn_id)
    handed = service.decline(_in("no"), reply.turn_id)
    assert handed.escalation is not None
    text = escalation_markdown(handed.escalation, who="someone")
    assert any(f.startswith("peer-relayed") for f in handed.escalation.found)
    assert "9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u" not in text
    assert "[pasted output: peers]" in text
    assert "50.7.252.138" not in "\n".join(
        handed.escalation.asked
    )  # the paste is named, not quoted


def test_not_helpful_with_nothing_to_offer_escalates_at_once(
    engine: Engine, tmp_path: Path
) -> None:
    """A conversation with no topic and no ranking goes straight to people."""
    service = _service(engine, tmp_path)
    reply = service.decline(_in("not helpful", conversation="slack:T:C:empty"), None)
    assert reply.kind == "escalate" and reply.escalation is not None
    assert reply.escalation.asked == () and reply.escalation.shown == ()


def test_decline_and_solved_are_logged(engine: Engine, tmp_path: Path) -> None:
    """Feedback rows and the hand-over turn reach the database; the context stays private."""
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    service = SupportService(
        engine,
        Settings(data_dir=tmp_path, database_url=None, store_text="none"),
        store=store,
        salt="s",
    )
    first = service.handle(_in("ping doesn't work on windows"))
    assert first is not None and first.turn_id is not None
    service.solved(first.turn_id, "U1")
    service.decline(_in("no"), first.turn_id)
    assert service.close()
    with Session(store.engine) as session:
        assert [f.helpful for f in session.scalars(select(Feedback)).all()] == [False]
        kinds = session.scalars(select(Turn.kind).order_by(Turn.created_at)).all()
        assert kinds == ["answer", "clarify"]
        context = session.scalars(select(Conversation.context)).one()
        assert context is not None and context["asked"] == [] and context["declined"] == 1


def test_listeners_hear_turns_and_feedback(engine: Engine, tmp_path: Path) -> None:
    """Metrics hook in through listeners: every turn and vote is reported once."""
    service = _service(engine, tmp_path)
    turns: list[tuple[str, Reply, float]] = []
    votes: list[bool] = []
    service.turn_listeners.append(lambda i, r, ms: turns.append((i.platform, r, ms)))
    service.feedback_listeners.append(votes.append)
    reply = service.handle(_in("what ports does zerotier use"))
    assert reply is not None and reply.turn_id is not None
    service.solved(reply.turn_id, "U1")
    assert [(p, r.topic) for p, r, _ in turns] == [("slack", "ports-used")]
    assert votes == [True]


def test_concurrent_redeliveries_are_answered_once(engine: Engine, tmp_path: Path) -> None:
    """Retries of one event arriving on several threads at once get one reply between them."""
    service = _service(engine, tmp_path)
    replies: list[Reply | None] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        barrier.wait()
        replies.append(service.handle(_in("ports?", event_id="Ev1")))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in replies) == 1


def test_asked_lines_are_short_and_masked() -> None:
    """A long message is cut, a secret never survives into the summary."""
    reply = Reply(kind="answer", body="")
    assert to_asked("x " * 400, reply).endswith("…")
    assert len(to_asked("x " * 400, reply)) == 300
    assert "9fZyQ2xR7mWkP3sT8vLbN4cD6hJ1aE5u" not in to_asked(TOKEN, reply)
