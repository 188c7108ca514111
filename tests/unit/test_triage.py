"""Triage: chatter gets small talk or a request for details, never a FAQ section."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.base.text import fold
from bot.core.engine import Engine
from bot.core.models import Context, Incoming
from bot.core.triage import triage


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("great answer, thanks for the quick help!", "thanks"),
        ("thank you so much", "thanks"),
        ("+1 same here", "bump"),
        ("any news on this one?", "bump"),
        ("any update??", "bump"),
        ("did anyone find a solution? i have the same problem", "bump"),
        ("same here, windows 11 23h2", "bump"),
        ("test", "test"),
        ("testing 123", "test"),
        ("lol ok", "ack"),
        ("hello?", "greeting"),
        ("good morning everyone", "greeting"),
    ],
)
def test_chatter_is_recognised(text: str, kind: str) -> None:
    """Thanks, bumps, tests, greetings and acknowledgements are chatter of their kind."""
    assert triage(fold(text)).kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "thanks, but ping still times out between my two pcs",
        "hello, zerotier service won't start on windows",
        "I'm on a mac",
        "windows 10",
        "that didn't help",
        "still broken",
        "any update on how to open port 9993 on my router?",
    ],
)
def test_problems_and_follow_ups_are_not_chatter(text: str) -> None:
    """A problem with thanks is a problem; an OS or feedback is for the conversation."""
    assert triage(fold(text)).kind is None


@pytest.mark.parametrize(
    "text",
    ["great answer, thanks for the quick help!", "+1 same here", "test", "hello?", "lol ok"],
)
def test_engine_never_answers_chatter_with_a_faq_section(engine: Engine, text: str) -> None:
    """Chatter gets small talk, whatever was discussed before."""
    reply = engine.respond(Incoming(text=text), Context(topic="ping-not-working"))
    assert reply.kind == "smalltalk"
    assert reply.topic is None


def test_bump_asks_for_details(engine: Engine) -> None:
    """A bump is answered with a request for what the user sees, not with small talk only."""
    reply = engine.respond(Incoming(text="any news on this one?"))
    assert "zerotier-cli info" in reply.body


@pytest.mark.parametrize(
    "text",
    ["thank you so much " * 22, "hi " * 5000, "+1 " * 3000, "ok! " * 4000, "a1 " * 4000],
)
def test_long_repetitions_are_classified_in_linear_time(engine: Engine, text: str) -> None:
    """Repeated chatter never triggers catastrophic backtracking (the old pattern took 8 s on
    the first of these and exponentially longer on the others); a hang fails the test."""
    with _deadline(seconds=5):
        triage(fold(text))
        engine.respond(Incoming(text=text))


def test_a_long_message_is_never_mere_chatter() -> None:
    """Past a thousand characters a message is looked up, whatever its words."""
    assert triage(fold("thanks " + "!" * 990)).kind == "thanks"
    assert triage(fold("thanks " + "!" * 1000)).kind is None


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError("the message was not classified in time")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@given(st.text(max_size=200))
def test_triage_never_fails(text: str) -> None:
    """Any text gets a verdict."""
    assert triage(fold(text)).kind in (None, "thanks", "greeting", "bump", "test", "ack")
