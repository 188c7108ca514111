"""The hand-over summary: what a person taking over reads first."""

from __future__ import annotations

from bot.core.engine import Engine
from bot.core.handover import with_case
from bot.core.models import Context, Incoming


def test_hand_over_keeps_the_first_problem_and_drops_chatter(engine: Engine) -> None:
    """After many turns the first problem stated is still in the summary; thanks never is."""
    ctx = Context()
    turns = [
        "zerotier-cli says cannot connect to zerotier service on windows",
        "thanks!",
        "ping doesn't work on windows",
        "what ports does zerotier use",
        "+1 same here",
        "my network status is NOT_FOUND",
        "peers shows RELAY for my other node",
    ]
    for text in turns:
        reply = engine.respond(Incoming(text=text), ctx)
        ctx = with_case(ctx, text, reply)
    assert ctx.asked[0] == turns[0]
    assert ctx.asked[-1] == turns[-1]
    assert not any(a in ("thanks!", "+1 same here") for a in ctx.asked)
