"""The engine: targeted answers, follow-ups that use the conversation, and honest abstention."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.models import Context, Incoming, Reply
from bot.core.render import to_json, to_markdown, to_plain


def _say(engine: Engine, text: str, ctx: Context | None = None) -> Reply:
    return engine.respond(Incoming(text), ctx)


def test_named_os_gets_its_section_first(engine: Engine) -> None:
    """The Windows steps come with the FAQ heading, and the other systems are offered."""
    reply = _say(engine, "ping doesn't work on windows")
    assert (reply.kind, reply.topic, reply.section) == ("answer", "ping-not-working", "windows")
    assert reply.heading == "Ping is not working › Windows"
    assert "Echo Request - ICMPv4-In" in reply.body
    assert "stealth mode" not in reply.body
    assert reply.note is not None and "macOS" in reply.note and "Linux" in reply.note


def test_no_os_gives_overview_and_section_list(engine: Engine) -> None:
    """Without an OS the reply is the overview plus the list of sections."""
    reply = _say(engine, "ping is not working between my zerotier nodes")
    assert reply.section is None
    assert "authorized" in reply.body
    for title in ("Windows", "macOS", "Linux"):
        assert f"• {title}" in reply.body


def test_os_follow_up_uses_context(engine: Engine) -> None:
    """After "ping doesn't work", "I'm on a mac" answers the macOS section of the same topic."""
    first = _say(engine, "ping doesn't work")
    second = _say(engine, "I'm on a mac", first.context)
    assert (second.topic, second.section) == ("ping-not-working", "macos")
    assert "stealth mode" in second.body


def test_os_is_remembered_for_the_next_topic(engine: Engine) -> None:
    """An OS said once selects the section of a later topic too."""
    first = _say(engine, "ping doesn't work on linux")
    second = _say(engine, "zerotier-cli says cannot connect to the zerotier service", first.context)
    assert (second.topic, second.section) == ("service-not-running", "linux")


def test_that_didnt_help_offers_next_best(engine: Engine) -> None:
    """ "That didn't help" offers other likely topics, never the one already shown."""
    first = _say(engine, "can't ping my other box, maybe the firewall blocks it")
    second = _say(engine, "that didn't help", first.context)
    assert second.kind == "clarify"
    assert second.choices
    assert first.topic not in {c.topic for c in second.choices}
    third = _say(engine, "1", second.context)
    assert third.kind == "answer"
    assert third.topic == second.choices[0].topic


def test_still_doesnt_work_moves_to_the_case_section(engine: Engine) -> None:
    """For the service error, "still doesn't work" shows the firewall section."""
    first = _say(engine, "cannot connect to zerotier service on windows")
    assert first.section == "windows"
    second = _say(engine, "still doesn't work", first.context)
    assert (second.topic, second.section) == ("service-not-running", "still-doesnt-work")
    assert "TCP port 9993" in second.body


def test_a_new_question_is_not_taken_as_a_follow_up(engine: Engine) -> None:
    """A full new question changes topic even in a conversation."""
    first = _say(engine, "ping doesn't work on windows")
    second = _say(engine, "how do I update zerotier on ubuntu?", first.context)
    assert (second.topic, second.section) == ("updating", "linux")


def test_ambiguous_question_asks_did_you_mean(engine: Engine) -> None:
    """Two close topics give a clarify reply with both as numbered choices."""
    reply = _say(engine, "udp 9993 router")
    assert reply.kind == "clarify"
    topics = {c.topic for c in reply.choices}
    assert {"ports-used", "port-forwarding"} <= topics
    picked = _say(engine, "2", reply.context)
    assert picked.topic == reply.choices[1].topic


def test_smalltalk_help_and_abstain(engine: Engine) -> None:
    """Thanks and greetings get a short reply, off-topic chat abstains without guessing."""
    assert _say(engine, "thanks!").kind == "smalltalk"
    assert _say(engine, "hi there").kind == "smalltalk"
    assert "Ping is not working" in _say(engine, "help").body
    off = _say(engine, "what's the weather like")
    assert (off.kind, off.topic) == ("abstain", None)
    moon = _say(engine, "how do I set up a moon?")
    assert moon.uncovered == "moons-and-roots"
    assert "Moons" in moon.body


def test_renderings(engine: Engine) -> None:
    """Markdown keeps the heading in bold; plain text drops markers; JSON has the contract keys."""
    reply = _say(engine, "how do I restart the zerotier service on macOS")
    md = to_markdown(reply)
    assert md.startswith("**Error: Cannot connect to ZeroTier service")
    plain = to_plain(reply)
    assert "**" not in plain
    assert "    sudo launchctl load /Library/LaunchDaemons/com.zerotier.one.plist" in plain
    data = to_json(reply)
    assert set(data) >= {"topic", "section", "confidence", "candidates", "findings", "text"}
    assert data["section"] == "macos"
    assert all(set(c) == {"topic", "section", "score"} for c in data["candidates"])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=200),
            st.sampled_from(["1", "2", "that didn't help", "I'm on a mac", "thanks", "help", ""]),
        ),
        max_size=6,
    )
)
def test_any_conversation_never_raises(engine: Engine, messages: list[str]) -> None:
    """Any sequence of messages, fed with the context each reply returns, gets a reply."""
    ctx = Context()
    for text in messages:
        reply = engine.respond(Incoming(text), ctx)
        assert reply.body
        assert reply.topic is None or reply.topic in engine.kb.by_id
        ctx = reply.context


def test_repeating_the_question_is_not_negative_feedback(engine: Engine) -> None:
    """The same question twice is answered twice; "doesn't work" alone is feedback."""
    first = _say(engine, "ping doesn't work on windows")
    again = _say(engine, "ping doesn't work on windows", first.context)
    assert (again.kind, again.topic, again.section) == ("answer", "ping-not-working", "windows")
    verdict = _say(engine, "still doesn't work", first.context)
    assert verdict.kind == "clarify"
    bare = _say(engine, "doesn't work", first.context)
    assert bare.kind == "clarify"


def test_still_broken_after_a_service_answer_gives_its_still_doesnt_work_steps(
    engine: Engine,
) -> None:
    """ "still broken" after the Windows service steps: the "Still doesn't work?" section."""
    first = _say(engine, "zerotier-cli says cannot connect to zerotier service on windows")
    assert (first.topic, first.section) == ("service-not-running", "windows")
    for text in ("still broken", "it still doesn't work"):
        reply = _say(engine, text, first.context)
        assert (reply.topic, reply.section) == ("service-not-running", "still-doesnt-work")


def test_that_didnt_help_offers_see_also_first(engine: Engine) -> None:
    """The topic's own "see also" is the first thing offered after "that didn't help"."""
    first = _say(engine, "ping doesn't work on windows")
    reply = _say(engine, "that didn't help", first.context)
    assert reply.kind == "clarify"
    assert reply.choices[0].topic == "firewall-security-software"


def test_out_of_range_pick_says_which_numbers_are_valid(engine: Engine) -> None:
    """ "5" after three choices names the valid numbers and keeps the choices open."""
    offer = _say(engine, "udp 9993 router")
    assert offer.kind == "clarify"
    n = len(offer.choices)
    reply = _say(engine, "5", offer.context)
    assert reply.kind == "clarify"
    assert f"a number from 1 to {n}" in reply.body
    assert reply.context.choices == offer.choices


def test_related_section_is_a_pointer_not_an_answer(engine: Engine) -> None:
    """The topic's words with another intent: no answer, the related section offered plainly."""
    reply = _say(engine, "Can I make ZeroTier listen on 443 instead of its usual port?")
    assert (reply.kind, reply.topic) == ("abstain", None)
    assert reply.candidates[0].topic == "ports-used"
    assert "doesn't answer that" in reply.body
    assert "What ports does ZeroTier use?" in reply.body
    picked = _say(engine, "1", reply.context)
    assert picked.topic == "ports-used"


def test_never_asks_for_the_output_just_pasted(engine: Engine) -> None:
    """A pasted `listnetworks` (even a bare header) is not asked for again in the reply."""
    text = (
        "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
        "my network status is NOT_FOUND, what does it mean?"
    )
    reply = _say(engine, text)
    assert reply.topic == "network-not-found"
    assert "listnetworks" not in (reply.note or "")
    assert "listnetworks" in (_say(engine, text.splitlines()[1]).note or "")
