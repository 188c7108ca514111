"""The front desk's policy, platform by platform the same: rights, picks, hand-over, limits."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Choice, Incoming, Reply
from bot.runtime.frontdesk import (
    ALREADY,
    NOT_YOURS,
    OLD_OFFER,
    TOO_MUCH,
    FrontDesk,
    echo,
    file_verdict,
    thread_title,
)
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService
from bot.store import open_store

KEY = "slack:T:C:1700000000.000100"


def _in(text: str, user: str = "U1", **kw: object) -> Incoming:
    return Incoming(text, platform="slack", user=user, conversation=KEY, workspace="T", **kw)  # type: ignore[arg-type]


def _desk(engine: Engine, tmp_path: Path, db: str | None = None, **kw: object) -> FrontDesk:
    settings = Settings(data_dir=tmp_path, database_url=db, **kw)  # type: ignore[arg-type]
    store = open_store(db) if db else None
    service = SupportService(engine, settings, store=store, shared=store is not None)
    return FrontDesk(service, RateLimiter(settings.rate_limit, settings.rate_window_s), settings)


async def _ask(desk: FrontDesk, text: str, user: str = "U1") -> Reply:
    outcome = await desk.message(_in(text, user))
    assert outcome.reply is not None
    return outcome.reply


async def test_only_the_asker_or_a_moderator_may_judge_an_answer(engine, tmp_path):
    """Someone else's Solved gets a private note and changes nothing; a moderator's counts."""
    desk = _desk(engine, tmp_path)
    reply = await _ask(desk, "ping doesn't work on windows")
    assert reply.turn_id is not None
    other = await desk.feedback(_in("", "U2"), reply.turn_id, helpful=True)
    assert other.private == NOT_YOURS and not other.resolved and other.close is None
    moderator = await desk.feedback(_in("", "U3"), reply.turn_id, helpful=True, moderator=True)
    assert moderator.resolved and moderator.close == "solved" and moderator.by == "U3"


async def test_a_second_click_on_the_same_answer_does_nothing(engine, tmp_path):
    """Solved twice is processed once: the second click only hears that it was noted."""
    desk = _desk(engine, tmp_path)
    reply = await _ask(desk, "how do I update zerotier")
    assert reply.turn_id is not None
    first = await desk.feedback(_in(""), reply.turn_id, helpful=True)
    second = await desk.feedback(_in(""), reply.turn_id, helpful=True)
    assert first.resolved and first.notice
    assert second.private == ALREADY and not second.resolved and second.notice is None


async def test_picks_use_the_offer_of_their_own_turn(engine, tmp_path):
    """An older offer's button picks from that offer, not from the latest one."""
    desk = _desk(engine, tmp_path)
    older = await _ask(desk, "udp 9993 router")
    newer = await _ask(desk, "my peers show relay and ping is slow")
    assert older.choices and older.turn_id is not None
    picked = await desk.pick(_in(""), older.turn_id, 2)
    assert picked.reply is not None and picked.reply.topic == older.choices[1].topic
    del newer


async def test_a_pick_out_of_range_or_from_an_unknown_offer_says_so(engine, tmp_path):
    """ "5" after three choices names the valid numbers; an unknown turn asks to ask again."""
    desk = _desk(engine, tmp_path)
    offer = await _ask(desk, "udp 9993 router")
    assert offer.turn_id is not None
    wrong = await desk.pick(_in(""), offer.turn_id, 9)
    assert wrong.private == f"Pick a number from 1 to {len(offer.choices)}." and wrong.reply is None
    gone = await desk.pick(_in(""), "0" * 32, 1)
    assert gone.private == OLD_OFFER


async def _hand_over(desk: FrontDesk) -> None:
    reply = await _ask(desk, "ping doesn't work on windows")
    assert reply.turn_id is not None
    offer = await desk.feedback(_in(""), reply.turn_id, helpful=False)
    assert offer.reply is not None and offer.reply.turn_id is not None
    handed = await desk.feedback(_in(""), offer.reply.turn_id, helpful=False)
    assert handed.handover is not None


async def test_after_a_hand_over_the_bot_leaves_the_thread_to_people(engine, tmp_path):
    """Supporters' messages and the asker's chat go unanswered; the asker calling the bot is."""
    desk = _desk(engine, tmp_path)
    await _hand_over(desk)
    assert (await desk.message(_in("try restarting the service", "U2"), addressed=False)).silent
    assert (await desk.message(_in("@bot what is a moon?", "U2"), addressed=True)).silent
    assert (await desk.message(_in("ok trying that", "U1"), addressed=False)).silent
    back = await desk.message(_in("how do I update zerotier", "U1"), addressed=True)
    assert back.reply is not None and back.reply.topic == "updating"


async def test_the_hand_over_carries_the_whole_conversation_after_a_restart(
    engine, tmp_path, db_url
):
    """Not helpful once, a restart, Not helpful again: the summary still holds everything."""
    db = db_url
    before = _desk(engine, tmp_path, db)
    await _ask(before, "ping does not work on windows")
    reply = await _ask(before, "still failing. my authtoken.secret: abcdefghijklmnopqrstuvwx")
    assert reply.turn_id is not None
    offer = await before.feedback(_in(""), reply.turn_id, helpful=False)
    assert offer.reply is not None and offer.reply.turn_id is not None
    assert before.service.close()

    after = _desk(engine, tmp_path, db)  # a new process, the same database
    handed = await after.feedback(_in(""), offer.reply.turn_id, helpful=False)
    assert handed.handover is not None
    esc = handed.handover.escalation
    assert esc.user == "U1"
    assert esc.asked and esc.asked[0].startswith("ping does not work on windows")
    assert "abcdefghijklmnopqrstuvwx" not in " ".join(esc.asked)
    assert any("Ping is not working" in s for s in esc.shown)
    after.service.close()


async def test_a_second_replica_sees_the_turns_the_first_served(engine, tmp_path, db_url):
    """Two replicas on one database: the conversation each sees is the newest, wherever it was
    served (a replica's own memory does not go stale)."""
    db = db_url
    one, two = _desk(engine, tmp_path, db), _desk(engine, tmp_path, db)
    try:
        first = await _ask(one, "ping doesn't work")
        assert first.topic == "ping-not-working"
        assert one.service.store is not None and one.service.store.writer.flush()
        on_two = await _ask(two, "I'm on a mac")  # a follow-up, served by the other replica
        assert on_two.section == "macos"
        assert two.service.store is not None and two.service.store.writer.flush()
        assert one.service.state(KEY).section == "macos"
        assert one.service.state(KEY).asker == "U1"
    finally:
        assert one.service.close() and two.service.close()


async def test_rate_limited_users_are_told_once_per_window(engine, tmp_path):
    """Over the limit: one private notice, then silence until the window passes."""
    desk = _desk(engine, tmp_path, rate_limit=1, rate_window_s=60)
    await _ask(desk, "how do I update zerotier")
    told = await desk.message(_in("and on linux?"))
    assert told.private is not None and "faster than I can answer" in told.private
    assert (await desk.message(_in("hello?"))).silent


async def test_an_answer_over_its_deadline_gets_a_short_reply(engine, tmp_path):
    """A message that takes too long gets "paste less", and other work is not held up."""
    release = threading.Event()

    class Stuck(SupportService):
        def answer(self, incoming: Incoming, choice: Choice | None = None) -> Reply:
            release.wait(5)
            return super().answer(incoming, choice)

    settings = Settings(data_dir=tmp_path, database_url=None)
    desk = FrontDesk(Stuck(engine, settings), RateLimiter(0, 60), settings, deadline_s=0.2)
    try:
        outcome = await desk.message(_in("x" * 100))
    finally:
        release.set()
    assert outcome.reply is not None and outcome.reply.body == TOO_MUCH


async def test_help_goes_through_the_engine_and_is_logged(engine, tmp_path):
    """Help is a turn like any other, with no raw placeholders in it."""
    desk = _desk(engine, tmp_path)
    outcome = await desk.help(_in("/zt help"))
    assert outcome.reply is not None and outcome.reply.kind == "help"
    assert outcome.reply.turn_id is not None
    assert "<question>" not in outcome.reply.body


async def test_faq_links_on_every_answer_with_a_topic(engine, tmp_path):
    """Every answer carries its FAQ link when the FAQ's address is configured."""
    desk = _desk(engine, tmp_path, faq_url="https://docs.example.com/faq")
    reply = await _ask(desk, "ping doesn't work on windows")
    assert reply.link is not None and reply.link.url.startswith("https://docs.example.com/faq#")


@pytest.mark.parametrize(
    ("name", "size", "verdict"),
    [
        ("out.log", 10, "read"),
        ("peers.TXT", 10, "read"),
        ("info.json", 10, "read"),
        ("huge.txt", 2_000_000, "too_big"),
        ("shot.png", 10, "image"),
        ("shot.png", 2_000_000, "too_big"),
        ("Untitled", 10, "not_text"),
        ("zerotier-one.exe", 10, "not_text"),
        ("noext", 10, "not_text"),
    ],
)
def test_one_attachment_policy(name, size, verdict):
    """The same files are read on every platform: text files and screenshots within the size
    limit."""
    assert file_verdict(name, size, 1_000_000) == verdict
    assert file_verdict("Untitled", 10, 1_000_000, "text/plain") == "read"  # a snippet
    assert file_verdict("upload", 10, 1_000_000, "image/webp") == "image"


def test_repeated_words_have_secrets_masked():
    """The echo of a question and a thread title never repeat a secret."""
    secret = "my authtoken.secret: abcdefghijklmnopqrstuvwx"
    assert "abcdefghijklmnopqrstuvwx" not in echo(secret)
    assert "abcdefghijklmnopqrstuvwx" not in thread_title(secret)
    assert thread_title("```\n200 info\n```\nping fails on windows") == "ping fails on windows"
    assert len(thread_title("x" * 500)) == 100


async def test_an_upload_with_no_comment_is_diagnosed(engine, tmp_path):
    """A file and no words is a paste to read, not a request for help."""
    from bot.core.models import Attachment

    desk = _desk(engine, tmp_path)
    paste = (
        "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
        "200 listnetworks 8056c2e21c000001  0a:1b:2c:3d:4e:5f NOT_FOUND PRIVATE ztabcdef \n"
    )
    outcome = await desk.message(replace(_in(""), attachments=(Attachment("out.log", paste),)))
    assert outcome.reply is not None and outcome.reply.kind == "diagnosis"
