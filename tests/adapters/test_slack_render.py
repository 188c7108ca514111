"""Reply -> Slack Block Kit: mrkdwn conversion, blocks, buttons and Slack's size limits."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.adapters.slack_blocks import (
    MAX_BLOCKS,
    MAX_HEADER,
    MAX_SECTION,
    choice_value,
    parse_choice_value,
    render,
    render_escalation,
    render_markdown,
    resolved_blocks,
    split_text,
    to_mrkdwn,
)
from bot.core.links import faq_link, slug
from bot.core.models import Choice, Escalation, FaqLink, Reply
from bot.diagnosis.findings import Finding
from bot.runtime.frontdesk import wants_feedback

RELAYED = Finding(
    code="peer-relayed",
    severity="warning",
    summary="1 of 1 peers are relayed: `0123456789`.",
    explanation="",
    topics=("high-latency-relaying",),
    evidence=("0123456789: LEAF 1.14.1 RELAY 12 ms (line 6)",),
)
SECRET = Finding(
    code="secret-exposed",
    severity="error",
    summary="This message contains a secret (authtoken.secret): treat it as leaked and replace it.",
    explanation="",
    topics=(),
    evidence=("authtoken.secret on line 1 (masked)",),
)


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** text", "*bold* text"),
        ("an *italic* word", "an _italic_ word"),
        ("_already_ italic", "_already_ italic"),
        ("**bold** and *it*", "*bold* and _it_"),
        ("[the FAQ](https://x.y/faq?a=1&b=2)", "<https://x.y/faq?a=1&amp;b=2|the FAQ>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("<!channel> ping", "&lt;!channel&gt; ping"),  # an echo never pings everyone
        ("- one\n- two", "• one\n• two"),
        ("  * nested", "  • nested"),
        ("## Steps", "*Steps*"),
        ("`**not bold**` and `<x>`", "`**not bold**` and `&lt;x&gt;`"),
        ("```text\n<ztaddr> **x**\n```", "```\n&lt;ztaddr&gt; **x**\n```"),
        ("```\nunclosed", "```\nunclosed\n```"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_to_mrkdwn(markdown, mrkdwn):
    """CommonMark-ish Markdown becomes Slack mrkdwn."""
    assert to_mrkdwn(markdown) == mrkdwn


@pytest.mark.parametrize(
    ("title", "anchor"),
    [
        ("High Latency & Relaying", "high-latency--relaying"),
        ("Ping is not working", "ping-is-not-working"),
        ("What ports does ZeroTier use?", "what-ports-does-zerotier-use"),
        (
            'Error: Cannot connect to ZeroTier service (or Node ID "Unknown" in the GUI apps)',
            "error-cannot-connect-to-zerotier-service-or-node-id-unknown-in-the-gui-apps",
        ),
    ],
)
def test_slug(title, anchor):
    """FAQ heading anchors as documentation sites build them."""
    assert slug(title) == anchor


def test_faq_link(kb):
    """A topic links to its heading, a section to the section's heading; no URL, no link."""
    base = "https://docs.example.com/faq"
    assert faq_link(kb, "high-latency-relaying", None, base) == FaqLink(
        "High Latency & Relaying", f"{base}#high-latency--relaying"
    )
    assert faq_link(kb, "ping-not-working", "windows", base) == FaqLink(
        "Ping is not working › Windows", f"{base}#windows"
    )
    assert faq_link(kb, "ping-not-working", None, None) is None
    assert faq_link(kb, None, None, base) is None
    assert faq_link(kb, "no-such-topic", None, base) is None


def test_render_diagnosis():
    """Header, body, evidence, FAQ link, then Solved / Not helpful carrying the turn id."""
    reply = Reply(
        kind="diagnosis",
        body="`0123456789: LEAF 1.14.1 RELAY 12 ms (line 6)`\n\nPackets bounce through the roots.",
        topic="high-latency-relaying",
        heading="1 of 1 peers are relayed: `0123456789`.",
        findings=(RELAYED,),
        turn_id="t1",
    )
    link = FaqLink("High Latency & Relaying", "https://f/faq#high-latency--relaying")
    msg = render(replace(reply, link=link), feedback=True)
    assert list(msg.blocks) == [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "1 of 1 peers are relayed: 0123456789."},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    "`0123456789: LEAF 1.14.1 RELAY 12 ms (line 6)`\n\n"
                    "Packets bounce through the roots."
                ),
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": (
                        ":warning: 1 of 1 peers are relayed: `0123456789`. "
                        "`0123456789: LEAF 1.14.1 RELAY 12 ms (line 6)`"
                    ),
                }
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": (
                        ":book: From the FAQ: "
                        "<https://f/faq#high-latency--relaying|High Latency &amp; Relaying>"
                    ),
                }
            ],
        },
        {
            "type": "actions",
            "block_id": "zt_feedback",
            "elements": [
                {
                    "type": "button",
                    "text": {
                        "type": "plain_text",
                        "text": ":white_check_mark: Solved",
                        "emoji": True,
                    },
                    "action_id": "zt_solved",
                    "value": "t1",
                    "style": "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Not helpful", "emoji": True},
                    "action_id": "zt_not_helpful",
                    "value": "t1",
                },
            ],
        },
    ]
    assert msg.text.startswith("1 of 1 peers are relayed: 0123456789.")
    assert msg.kwargs() == {"text": msg.text, "blocks": list(msg.blocks)}


def test_render_secret_warning_comes_first():
    """A pasted secret: the first block says to rotate it, and the fallback text too."""
    reply = Reply(
        kind="diagnosis",
        body="Anyone who saw it can use it.",
        heading=SECRET.summary,
        findings=(SECRET,),
        turn_id="t",
    )
    msg = render(reply)
    assert msg.blocks[0] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": (
                ":rotating_light: This message contains a secret (authtoken.secret): "
                "treat it as leaked and replace it. *Rotate it now.*"
            ),
        },
    }
    assert all(b["type"] != "header" for b in msg.blocks)  # not said twice
    assert msg.text.startswith("⚠ This message contains a secret")


def test_render_choices_and_feedback_kinds():
    """Did-you-mean buttons carry turn, number and title; help and smalltalk get no feedback."""
    choices = (
        Choice("ports-used", None, "What ports does ZeroTier use?"),
        Choice("port-forwarding", None, "Should I forward any ports in my router?"),
    )
    msg = render(
        Reply(kind="clarify", body="Did you mean:", choices=choices, turn_id="t9"), feedback=True
    )
    actions = [b for b in msg.blocks if b["type"] == "actions"]
    assert [a["block_id"] for a in actions] == ["zt_choices", "zt_feedback"]
    buttons = actions[0]["elements"]
    assert [b["action_id"] for b in buttons] == ["zt_choice_1", "zt_choice_2"]
    # "Did you mean" can be declined, not marked Solved.
    assert [b["action_id"] for b in actions[1]["elements"]] == ["zt_not_helpful"]
    assert parse_choice_value(buttons[1]["value"]) == (
        "t9",
        2,
        "Should I forward any ports in my router?",
    )
    for kind in ("help", "smalltalk", "escalate"):
        quiet = Reply(kind=kind, body="hi", turn_id="t")  # type: ignore[arg-type]
        plain = render(quiet, feedback=wants_feedback(quiet))
        assert all(b["type"] != "actions" for b in plain.blocks)


def test_choice_value_round_trip_and_garbage():
    """Button values survive a round trip; a malformed one is number 0."""
    assert parse_choice_value(choice_value(None, 3, "X")) == (None, 3, "X")
    assert parse_choice_value("not json") == (None, 0, "")
    assert parse_choice_value("[1]") == (None, 0, "")


def test_long_answers_are_split_at_paragraphs_and_code_blocks_stay_closed():
    """A 10,000-character answer becomes several sections, each valid on its own."""
    para = "word " * 150  # 750 characters
    code = "```\n" + "\n".join(f"line {n} " + "x" * 60 for n in range(60)) + "\n```"
    body = "\n\n".join([para] * 6 + [code] + [para] * 4)
    msg = render(Reply(kind="answer", body=body, heading="Long", turn_id="t"))
    sections = [b["text"]["text"] for b in msg.blocks if b["type"] == "section"]
    assert len(sections) >= 4
    assert all(len(s) <= MAX_SECTION for s in sections)
    for s in sections:
        assert s.count("```") % 2 == 0
    joined = "".join(sections)
    assert joined.count("line 59 ") == 1


def test_too_many_blocks_are_trimmed_with_a_pointer_to_the_faq():
    """Past 50 blocks the answer is cut and says where the rest is."""
    body = "\n".join("y" * 2990 for _ in range(80))
    reply = Reply(kind="answer", body=body, turn_id="t", link=FaqLink("T", "https://f#t"))
    msg = render(reply, feedback=True)
    assert len(msg.blocks) == MAX_BLOCKS
    assert msg.blocks[-1]["type"] == "actions"
    assert "see <https://f#t|the FAQ>" in json.dumps(msg.blocks[-3])


def test_escalation_message():
    """The hand-over mentions the group, the user and links the thread; user text is escaped."""
    esc = Escalation(
        asked=("ping <!channel> fails [redacted authtoken]",),
        found=("secret-exposed: leaked",),
        shown=("Ping is not working › Windows",),
        platform="slack",
        user="U1",
        conversation="slack:T:C:1",
    )
    msg = render_escalation(esc, user="U1", link="https://s/p1", group="S1")
    text = msg.blocks[0]["text"]["text"]
    assert text.startswith(
        "<!subteam^S1> *Support needed* for <@U1>: <https://s/p1|open the thread>"
    )
    assert "• `ping &lt;!channel&gt; fails [redacted authtoken]`" in text
    assert "*Diagnosis found*\n• `secret-exposed: leaked`" in text
    assert "*FAQ sections already shown*\n• Ping is not working › Windows" in text
    assert msg.text == "Support needed for <@U1>: https://s/p1"
    bare = render_escalation(esc, user="U1", link=None, group=None)
    assert bare.blocks[0]["text"]["text"].startswith("*Support needed* for <@U1>\n")


def test_resolved_blocks_and_small_messages():
    """Buttons are replaced by a note; notes, admin output and help render as sections."""
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "a"}},
        {"type": "actions", "elements": []},
    ]
    assert resolved_blocks(blocks, "done") == [
        blocks[0],
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "done"}]},
    ]
    note = render_markdown("```\nztbot report\n```")
    assert note.blocks == (
        {"type": "section", "text": {"type": "mrkdwn", "text": "```\nztbot report\n```"}},
    )


# --- limits, for any input ----------------------------------------------------------------

_PIECES = [*"ab <>&*_`[]()#-\n é🙂", "```\n", "**", "\n\n", "word " * 40, "x" * 700]
_text = st.lists(st.sampled_from(_PIECES), max_size=400).map("".join)


def _check_limits(blocks, text) -> None:
    assert 1 <= len(blocks) <= MAX_BLOCKS
    assert len(text) <= 40_000
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= MAX_SECTION
        elif block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= MAX_HEADER
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        elif block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])
            assert all(len(e["value"]) <= 2000 for e in block["elements"])
    json.dumps(blocks)


@settings(max_examples=150, deadline=None)
@given(
    body=_text,
    heading=st.one_of(st.none(), st.text(min_size=1, max_size=400)),
    note=st.one_of(st.none(), st.text(max_size=3000)),
    titles=st.lists(st.text(min_size=1, max_size=200), max_size=8),
    evidence=st.lists(st.text(max_size=3000), max_size=5),
    findings=st.integers(0, 15),
)
def test_render_stays_within_slack_limits(body, heading, note, titles, evidence, findings):
    """Whatever the reply, the message is valid Block Kit within Slack's limits."""
    found = tuple(
        Finding("peer-relayed", "warning", f"summary {n}", "", (), tuple(evidence))
        for n in range(findings)
    )
    reply = Reply(
        kind="clarify",
        body=body or "x",
        heading=heading,
        note=note,
        choices=tuple(Choice(f"t{n}", None, t) for n, t in enumerate(titles)),
        findings=found,
        turn_id="a" * 32,
    )
    msg = render(replace(reply, link=FaqLink("T", "https://f#t")), feedback=True)
    _check_limits(msg.blocks, msg.text)


@settings(max_examples=150, deadline=None)
@given(text=_text, limit=st.integers(20, 3000))
@example(text="aa" + "x" * 700 + "```\n", limit=20)  # a cut inside a run of backticks
def test_split_text_respects_the_limit_and_keeps_every_character(text, limit):
    """Chunks fit, and nothing but fence markers and cut marks is added or lost."""
    chunks = split_text(to_mrkdwn(text), limit)
    assert all(len(c) <= limit for c in chunks)
    # Cut marks first: a hard cut can fall inside a run of backticks.
    kept = "".join(chunks).replace("…", "").replace("```", "")
    original = to_mrkdwn(text).replace("…", "").replace("```", "")
    assert sorted(kept.replace("\n", "").replace(" ", "")) == sorted(
        original.replace("\n", "").replace(" ", "").replace("…", "")
    )
