"""Rendering replies for Discord: exact embeds and buttons, and Discord's size limits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord_embeds import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    LABEL_MAX,
    TITLE_MAX,
    Button,
    embed_size,
    is_secret_leak,
    render,
    secret_warning,
    split_text,
)
from bot.core.models import Choice, Reply
from bot.diagnosis.findings import Finding
from bot.runtime.frontdesk import wants_feedback

TURN = "0123456789abcdef0123456789abcdef"


def finding(code: str = "network-not-found", summary: str = "Network is NOT_FOUND", **kw: Any):
    values = {
        "severity": "error",
        "explanation": "Check the id.",
        "topics": ("network-not-found",),
        "evidence": ("8056c2e21c000001 NOT_FOUND (line 2)",),
    }
    values.update(kw)
    return Finding(code=code, summary=summary, **values)  # type: ignore[arg-type]


def test_answer_renders_one_embed_with_feedback_buttons() -> None:
    """An FAQ answer: title, body, note and FAQ topic in the footer, Solved / Not helpful."""
    reply = Reply(
        kind="answer",
        body="Run `sudo apt upgrade zerotier-one`.",
        topic="updating",
        section="linux",
        heading="How do I Update Zerotier?",
        note="Steps for macOS are available too.",
        turn_id=TURN,
    )
    [message] = render(reply, feedback=wants_feedback(reply))
    assert message.content is None
    assert message.embeds == (
        {
            "type": "rich",
            "title": "How do I Update Zerotier?",
            "description": "Run `sudo apt upgrade zerotier-one`.",
            "color": 0x5865F2,
            "footer": {"text": "Steps for macOS are available too.\nFAQ: updating › linux"},
        },
    )
    assert message.buttons == (
        Button(f"ztbot:solved:{TURN}", "Solved", "success", "✅", 0),
        Button(f"ztbot:unhelpful:{TURN}", "Not helpful", "secondary", "👎", 0),
    )


def test_diagnosis_title_is_the_lead_finding_and_others_are_fields() -> None:
    """The lead finding is the title (red for an error); further findings become fields."""
    lead = finding()
    other = finding("relayed", "Peer is relayed", severity="warning", evidence=("a", "b"))
    reply = Reply(
        kind="diagnosis",
        body="body",
        heading=lead.summary,
        topic="network-not-found",
        findings=(lead, other),
        turn_id=TURN,
    )
    [message] = render(reply, feedback=wants_feedback(reply))
    [embed] = message.embeds
    assert embed["title"] == "Network is NOT_FOUND"
    assert embed["color"] == 0xED4245
    assert embed["fields"] == [{"name": "🟡 Peer is relayed", "value": "`a`\n`b`", "inline": False}]


def test_choices_become_numbered_buttons_and_none_of_these() -> None:
    """ "Did you mean" choices: one button each (labels within 80), then "None of these"."""
    long_title = "x" * 200
    reply = Reply(
        kind="clarify",
        body="Did you mean?",
        choices=(Choice("a", None, "Ping is not working"), Choice("b", None, long_title)),
        turn_id=TURN,
    )
    [message] = render(reply, feedback=wants_feedback(reply))
    assert [b.custom_id for b in message.buttons] == [
        f"ztbot:pick:{TURN}:1",
        f"ztbot:pick:{TURN}:2",
        f"ztbot:unhelpful:{TURN}",
    ]
    assert message.buttons[0].label == "1. Ping is not working"
    assert len(message.buttons[1].label) == LABEL_MAX
    assert message.buttons[1].label.endswith("…")
    assert message.buttons[2].label == "None of these"
    assert [b.row for b in message.buttons] == [0, 0, 1]


@pytest.mark.parametrize(
    ("kind", "ids"),
    [
        ("help", []),
        ("smalltalk", []),
        ("escalate", []),
        ("abstain", ["unhelpful"]),
        ("answer", ["solved", "unhelpful"]),
    ],
)
def test_which_kinds_get_buttons(kind: str, ids: list[str]) -> None:
    """Feedback buttons only where feedback means something."""
    reply = Reply(kind=kind, body="x", turn_id=TURN)  # type: ignore[arg-type]
    [message] = render(reply, feedback=wants_feedback(reply))
    assert [b.custom_id.split(":")[1] for b in message.buttons] == ids


def test_no_turn_no_buttons() -> None:
    """Without a logged turn there is nothing for a button to refer to."""
    assert render(Reply(kind="answer", body="x"))[0].buttons == ()


def test_long_body_is_split_into_embeds_and_messages_within_limits() -> None:
    """A 20,000-character answer: every embed and message fits, code fences stay balanced."""
    body = "\n\n".join(f"Step {i}\n```\n" + "line\n" * 40 + "```" for i in range(60))
    messages = render(Reply(kind="answer", body=body, heading="Long", turn_id=TURN), feedback=True)
    assert len(messages) > 1
    _assert_fits(messages)
    for message in messages:
        for embed in message.embeds:
            assert embed["description"].count("```") % 2 == 0
    assert messages[-1].buttons and not any(m.buttons for m in messages[:-1])
    joined = "".join(e["description"] for m in messages for e in m.embeds)
    assert joined.count("Step ") == 60


def test_secret_leak_and_warning() -> None:
    """A secret finding is recognised, and the warning says to rotate it."""
    leak = Reply(kind="diagnosis", body="", findings=(finding("secret-exposed", "secret"),))
    assert is_secret_leak(leak)
    assert not is_secret_leak(Reply(kind="diagnosis", body="", findings=(finding(),)))
    assert secret_warning("5", True).startswith("<@5> ⚠️ I removed your message")
    assert "rotate it now" in secret_warning("5", False)


def _assert_fits(messages: Any) -> None:
    for message in messages:
        assert len(message.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in message.embeds) <= EMBED_TOTAL_MAX
        assert message.content is None or len(message.content) <= CONTENT_MAX
        for embed in message.embeds:
            assert len(embed.get("title", "")) <= TITLE_MAX
            assert len(embed["description"]) <= DESCRIPTION_MAX
            assert len(embed.get("fields", [])) <= FIELDS_MAX
            for f in embed.get("fields", []):
                assert len(f["name"]) <= FIELD_NAME_MAX
                assert len(f["value"]) <= FIELD_VALUE_MAX


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)
_markdown = st.lists(
    st.one_of(st.just("```"), st.just("```sh"), st.just(""), st.text(max_size=300)),
    max_size=200,
).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(_text, _markdown), st.integers(min_value=60, max_value=5000))
def test_split_text_respects_the_limit(text: str, limit: int) -> None:
    """Every piece fits the limit and no non-blank text is lost entirely."""
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    if text.strip():
        assert any(p.strip() for p in pieces)


@settings(max_examples=60, deadline=None)
@given(
    body=st.one_of(
        _markdown, st.text(max_size=30_000), st.integers(3500, 4200).map(lambda n: "a" * n)
    ),
    heading=st.text(max_size=600),
    note=st.one_of(st.none(), st.text(max_size=3000)),
    n_findings=st.integers(0, 40),
    summary=st.text(min_size=1, max_size=400),
    evidence=st.lists(st.text(max_size=2000), max_size=5),
    choices=st.lists(st.text(min_size=1, max_size=200), max_size=5),
)
def test_any_reply_fits_discord_limits(
    body: str,
    heading: str,
    note: str | None,
    n_findings: int,
    summary: str,
    evidence: list[str],
    choices: list[str],
) -> None:
    """Whatever the reply, every message respects Discord's embed and message limits."""
    reply = Reply(
        kind="diagnosis",
        body=body,
        heading=heading or None,
        note=note,
        topic="network-not-found",
        findings=tuple(
            finding(f"c{i}", f"{summary}{i}", evidence=tuple(evidence)) for i in range(n_findings)
        ),
        choices=tuple(Choice(f"t{i}", None, c) for i, c in enumerate(choices)),
        turn_id=TURN,
    )
    messages = render(reply)
    _assert_fits(messages)
    assert all(len(b.label) <= LABEL_MAX for m in messages for b in m.buttons)


def test_full_description_title_and_footer_still_fit() -> None:
    """A maximal title, description and footer together stay within 6,000 characters."""
    reply = Reply(
        kind="answer",
        body="a" * 4000,
        heading="h" * 400,
        note="n" * 3000,
        topic="t",
        turn_id=TURN,
    )
    _assert_fits(render(reply))
