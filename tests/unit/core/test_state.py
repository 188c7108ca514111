"""Conversation state survives a round trip through JSON whole, whatever it holds."""

from __future__ import annotations

import json
from dataclasses import fields

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Choice, Context, Offer
from bot.core.state import context_from_json, context_to_json
from bot.diagnosis.ends import NodeView, PeerLink

_text = st.text(max_size=20)
_opt = st.none() | _text
_choice = st.builds(Choice, _text, _opt, _text, st.floats(0, 1))
_FIELDS = {
    "topic": _opt,
    "section": _opt,
    "os": st.sampled_from([None, "windows", "macos", "linux", "ios", "android"]),
    "shown": st.tuples(_text) | st.just(()),
    "ranked": st.lists(_text, max_size=3).map(tuple),
    "choices": st.lists(_choice, max_size=3).map(tuple),
    "nodes": st.lists(
        st.builds(
            NodeView,
            address=_text,
            version=_opt,
            status=_opt,
            roots_direct=st.none() | st.booleans(),
            links=st.lists(
                st.builds(PeerLink, _text, _text, st.none() | st.integers(-1, 10**6), _opt),
                max_size=2,
            ).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    "asked": st.lists(_text, max_size=4).map(tuple),
    "found": st.lists(_text, max_size=4).map(tuple),
    "sections": st.lists(_text, max_size=4).map(tuple),
    "declined": st.integers(0, 5),
    "asker": _text,
    "handed_over": st.booleans(),
    "offers": st.lists(
        st.builds(Offer, _text, st.lists(_choice, max_size=3).map(tuple)), max_size=3
    ).map(tuple),
    "judged": st.lists(_text, max_size=3).map(tuple),
}
_contexts = st.builds(Context, **_FIELDS)


@settings(max_examples=200, deadline=None)
@given(ctx=_contexts)
def test_every_field_survives_a_round_trip_through_json(ctx: Context) -> None:
    """Stored as JSON and read back, a context is equal to the original, field for field."""
    stored = json.loads(json.dumps(context_to_json(ctx)))
    assert context_from_json(stored) == ctx


def test_the_strategy_sets_every_field() -> None:
    """The round trip above covers every field of Context (a new field must be added there)."""
    covered = (
        set(_contexts.wrapped_strategy.kwargs) if hasattr(_contexts, "wrapped_strategy") else set()
    )
    covered = covered or set(_contexts.kwargs)  # type: ignore[attr-defined]
    assert covered == {f.name for f in fields(Context)}


def test_hand_over_fields_are_restored() -> None:
    """What a hand-over needs (asked, found, sections, declined, asker) survives a restart."""
    ctx = Context(
        asked=("ping fails",),
        found=("peer-relayed: x",),
        sections=("ping-not-working",),
        declined=1,
        asker="U1",
        handed_over=True,
    )
    assert context_from_json(context_to_json(ctx)) == ctx


@given(
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_malformed_data_gives_a_fresh_context(data: object) -> None:
    """Anything that is not a stored context (older formats, hand edits) gives a usable one."""
    assert isinstance(context_from_json(data), Context)


def test_wrong_types_give_a_fresh_context() -> None:
    """A field of the wrong type is not trusted."""
    assert context_from_json({"declined": "two"}) == Context()
    assert context_from_json({"os": "plan9"}) == Context()
    assert context_from_json({"offers": [{"turn": "t"}]}) == Context()
    assert context_from_json({"topic": "updating", "unknown": 1}).topic == "updating"
