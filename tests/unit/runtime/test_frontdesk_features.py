"""The front desk's desk features, the same on every platform: edits, sharing, hand-overs."""

from __future__ import annotations

from pathlib import Path

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.frontdesk import (
    ALREADY_CLAIMED,
    ALREADY_DIAGNOSED,
    ALREADY_RESOLVED,
    EDIT_WINDOW_S,
    NOTHING_TO_DIAGNOSE,
    FrontDesk,
)
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService

KEY = "slack:T:C:1700000000.000100"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _in(text: str, user: str = "U1", event: str | None = None) -> Incoming:
    return Incoming(
        text, platform="slack", user=user, conversation=KEY, workspace="T", event_id=event
    )


def _desk(engine: Engine, tmp_path: Path, clock: Clock, limit: int = 30) -> FrontDesk:
    settings = Settings(data_dir=tmp_path, database_url=None, rate_limit=limit)  # type: ignore[call-arg]
    service = SupportService(engine, settings)
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    return FrontDesk(service, limiter, settings, clock=clock)


async def test_an_edit_is_answered_again_only_within_the_window(engine, tmp_path):
    """Answered and edited soon: a new reply replacing the old answer. Too late, or a message
    never answered: nothing."""
    clock = Clock()
    desk = _desk(engine, tmp_path, clock)
    desk.answered("C:1.1", "answer-ts")
    soon = await desk.edited(_in("how do I update zerotier", event="e1"), "C:1.1")
    assert soon.reply is not None and soon.update == "answer-ts"
    assert (await desk.edited(_in("ping fails", event="e2"), "C:9.9")).silent
    clock.now += EDIT_WINDOW_S + 1
    assert (await desk.edited(_in("ping fails", event="e3"), "C:1.1")).silent


async def test_a_message_is_diagnosed_once_and_empty_ones_not_at_all(engine, tmp_path):
    """Diagnose: the author's message answered; chosen again: already done; empty: said so."""
    desk = _desk(engine, tmp_path, Clock())
    first = await desk.diagnose(_in("ping fails on windows", "AUTHOR", "d:1"), by="MOD")
    assert first.reply is not None and first.private
    again = await desk.diagnose(_in("ping fails on windows", "AUTHOR", "d:1"), by="MOD2")
    assert again.reply is None and again.private == ALREADY_DIAGNOSED
    empty = await desk.diagnose(_in("  ", "AUTHOR", "d:2"), by="MOD")
    assert empty.private == NOTHING_TO_DIAGNOSE


async def test_a_private_answer_is_shared_by_its_asker_once(engine, tmp_path):
    """Private: `share` set; another user cannot share it; the asker can, once."""
    desk = _desk(engine, tmp_path, Clock())
    outcome = await desk.message(_in("how do I update zerotier"), private=True)
    assert outcome.share and outcome.reply is not None and outcome.reply.turn_id
    turn = outcome.reply.turn_id
    assert desk.share(_in("", "U2"), turn).public is None
    assert desk.share(_in(""), turn).public == "how do I update zerotier"
    assert desk.share(_in(""), turn).public is None


async def test_claim_then_resolve(engine, tmp_path):
    """The first claim wins; others hear it is taken; resolve once."""
    desk = _desk(engine, tmp_path, Clock())
    first = await desk.claim(_in("", "H1"), KEY)
    assert first.claim is not None and first.claim.step == "claimed" and first.claim.by == "H1"
    late = await desk.claim(_in("", "H2"), KEY)
    assert late.private == ALREADY_CLAIMED and late.claim == first.claim
    done = await desk.resolve(_in("", "H2"), KEY)
    assert done.claim is not None and done.claim.step == "resolved" and done.claim.by == "H2"
    assert (await desk.resolve(_in("", "H1"), KEY)).private == ALREADY_RESOLVED
