"""The matcher: chat-style questions land on the right topic and section, or it abstains."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.base.text import english_ranks, stem
from bot.core.matching import Matcher
from bot.knowledge import KnowledgeBase

CASES = [
    # (question, topic or None, section or None)
    ("zerotear pnig not working on win11", "ping-not-working", "windows"),
    ("cant ping my other box over zt", "ping-not-working", None),
    ("ubuntu box wont answer ping on its zerotier ip", "ping-not-working", "linux"),
    ("im on osx and nobody can ping me, stealth mode?", "ping-not-working", "macos"),
    ("ping above 500 in minecraft, so laggy", "high-latency-relaying", None),
    ("peers shows RELAY for my other node, why so slow", "high-latency-relaying", None),
    ("do i need to forward port 9993 on my router", "port-forwarding", None),
    ("which udp ports does zerotier listen on", "ports-used", None),
    ("will paying for zerotier make my transfers faster", "paid-account-speed", None),
    ("illegal user in my peers? who are these nodes i dont recognize", "unknown-peers", None),
    ("my network status is NOT_FOUND", "network-not-found", None),
    (
        "zerotier-cli says cannot connect to zerotier service on my mac",
        "service-not-running",
        "macos",
    ),
    ("node id unknown in the tray app on windows 10", "service-not-running", "windows"),
    ("how do i update zerotier on my iphone", "updating", "ios-android"),
    (
        "symmetric nat and double nat, what router settings are best for zt",
        "router-configuration",
        None,
    ),
    (
        "can ping the server but ssh over zerotier times out, iptables?",
        "firewall-security-software",
        None,
    ),
    ("thanks!", None, None),
    ("what's the weather like tomorrow", None, None),
    ("how do i set up a moon", None, None),
]


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


@pytest.mark.parametrize(("question", "topic", "section"), CASES)
def test_chat_style_questions(
    matcher: Matcher, question: str, topic: str | None, section: str | None
) -> None:
    """Typos, slang, symptoms and off-topic chat land where a supporter would send them."""
    result = matcher.match(question)
    assert (result.topic, result.section) == (topic, section)


def test_greetings_and_rambling_around_the_question(matcher: Matcher) -> None:
    """A long message with greetings and context still finds its one real question."""
    text = (
        "hey everyone, hope you're all doing well! long time lurker here. so i set up zt on "
        "my dads pc and my laptop last weekend, everything was fine, authorized both in "
        "central. but since yesterday i cant ping his pc at all, request timed out every time. "
        "any idea? thanks in advance, you guys are great"
    )
    assert matcher.match(text).topic == "ping-not-working"


def test_uncovered_subject_is_named(matcher: Matcher) -> None:
    """A ZeroTier question the FAQ does not cover abstains and names the subject."""
    result = matcher.match("how do I bridge zerotier to my home lan with br0")
    assert result.topic is None
    assert result.uncovered == "bridging"


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("pnig", "ping"), ("latancy", "latency"), ("firewal", "firewall"), ("bread", None)],
)
def test_typos_are_corrected_but_real_words_are_not(
    matcher: Matcher, typed: str, corrected: str | None
) -> None:
    """Swaps and dropped letters are typos; "bread" is a word of its own, not "break"."""
    terms = matcher.query_terms(typed)
    if corrected is None:
        assert terms == [typed]
    else:
        assert corrected in terms


def test_off_topic_kitchen_question_abstains(matcher: Matcher) -> None:
    """A question from another world entirely gets no ZeroTier topic."""
    assert matcher.match("how do I bake bread").topic is None


def test_excluding_a_topic_offers_the_next(matcher: Matcher) -> None:
    """Excluded topics never come back (used for "that didn't help")."""
    result = matcher.match("cant ping my other box over zt", exclude={"ping-not-working"})
    assert all(c.topic != "ping-not-working" for c in result.candidates)


def test_candidates_are_ranked_and_bounded(matcher: Matcher) -> None:
    """Candidates come best first, with confidences in 0..1."""
    result = matcher.match("slow relayed connection and high latency, firewall maybe?")
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_never_raises_on_any_text(matcher: Matcher, text: str) -> None:
    """Arbitrary unicode never crashes the matcher and confidences stay in range."""
    result = matcher.match(text)
    assert 0.0 <= result.confidence <= 1.0
    assert result.topic is None or result.topic in {t.id for t in matcher.kb.topics}


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_binary_junk_abstains(matcher: Matcher, junk: bytes) -> None:
    """Binary junk decoded as text never produces a confident answer."""
    result = matcher.match(junk.decode("latin-1"))
    assert result.topic is None or result.confidence < 1.0


def test_huge_message_is_bounded(matcher: Matcher) -> None:
    """A megabyte of text is cut to a bounded prefix instead of scanned whole."""
    text = "my zerotier ping is not working " + "lorem ipsum dolor " * 60_000
    assert matcher.match(text).topic == "ping-not-working"


def test_leave_one_out_keeps_examples_honest(kb: KnowledgeBase) -> None:
    """Each example question, removed from the index, still ranks its own topic first (>= 90%)."""
    total = hits = 0
    for ti, topic in enumerate(kb.topics):
        for qi, question in enumerate(topic.questions):
            without = dataclasses.replace(
                topic, questions=topic.questions[:qi] + topic.questions[qi + 1 :]
            )
            topics = (*kb.topics[:ti], without, *kb.topics[ti + 1 :])
            result = Matcher(dataclasses.replace(kb, topics=topics)).match(question)
            total += 1
            hits += bool(result.candidates) and result.candidates[0].topic == topic.id
    assert hits / total >= 0.90, f"{hits}/{total}"


def test_common_english_words_are_never_typo_corrected(kb: KnowledgeBase) -> None:
    """The 5,000 most frequent English words are read as themselves, never as knowledge words
    ("execution" is not "exception", "minutes" not "mint", "privileged" not "unprivileged")."""
    matcher = Matcher(kb)
    frequent = sorted(english_ranks(), key=english_ranks().__getitem__)[:5000]
    corrected = {w: fixed for w in frequent if (fixed := matcher._correct(w)) is not None}
    assert corrected == {}
    assert matcher.query_terms("execution privileged minutes") == [
        stem("execution"),
        stem("privileged"),
        stem("minutes"),
    ]
