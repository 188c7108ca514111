"""The engine on pasted output: one targeted reply, evidence first, then the FAQ steps."""

from __future__ import annotations

from bot.core.engine import Engine
from bot.core.models import Attachment, Incoming
from bot.core.render import to_json, to_plain

NOT_FOUND = """\
hi, can't join my network, what is wrong?
```
$ sudo zerotier-cli listnetworks
200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>
200 listnetworks 8056c2e21c00001 - 02:11:22:33:44:55 NOT_FOUND PRIVATE ztabc -
```"""

PEERS = """\
200 peers
<ztaddr>   <ver>  <role> <lat> <link> <lastTX> <lastRX> <path>
61d294b9cb -      PLANET    43 DIRECT 1617     6580     50.7.73.34/9993
62f865ae71 -      PLANET   193 DIRECT 1617     1424     2001:49f0:d0db:2::2/9993
deadbeef01 1.12.2 LEAF      -1 RELAY"""


def test_not_found_paste_explains_and_cites_the_faq(engine: Engine) -> None:
    """A NOT_FOUND listnetworks paste leads with the wrong network id and the FAQ section."""
    reply = engine.respond(Incoming(NOT_FOUND))
    assert reply.kind == "diagnosis"
    assert reply.topic == "network-not-found"
    assert reply.heading is not None and "8056c2e21c00001" in reply.heading
    assert "From the FAQ: Network Status NOT_FOUND" in reply.body
    assert "check your network ID" in reply.body
    data = to_json(reply)
    assert data["findings"][0]["code"] == "network-not-found"
    assert data["findings"][0]["topics"] == ["network-not-found"]


def test_paste_without_a_question_is_still_diagnosed(engine: Engine) -> None:
    """A bare peers table gets the relayed-peer diagnosis with its evidence."""
    reply = engine.respond(Incoming(PEERS))
    assert reply.kind == "diagnosis"
    assert reply.topic == "high-latency-relaying"
    assert "deadbeef01" in to_plain(reply)


def test_the_question_picks_among_the_fixing_topics(engine: Engine) -> None:
    """When the user asks about their router, the router section of the fix is shown."""
    reply = engine.respond(Incoming("what should i change in my router settings?\n" + PEERS))
    assert reply.topic == "router-configuration"


def test_healthy_paste_says_so(engine: Engine) -> None:
    """A paste with nothing wrong says so plainly."""
    healthy = PEERS.replace(
        "deadbeef01 1.12.2 LEAF      -1 RELAY",
        "deadbeef01 1.12.2 LEAF  20 DIRECT 10 10 1.2.3.4/9993",
    )
    reply = engine.respond(Incoming(healthy))
    assert reply.heading == "Diagnosis: nothing looks wrong"
    assert "Nothing looks wrong" in reply.body


def test_attachment_is_diagnosed(engine: Engine) -> None:
    """Output uploaded as a file is read like pasted output."""
    reply = engine.respond(Incoming("see attached", attachments=(Attachment("peers.txt", PEERS),)))
    assert reply.kind == "diagnosis"


def test_leaked_secret_is_warned_about_first(engine: Engine) -> None:
    """A pasted authtoken leads the reply with a rotate-it warning, and is not repeated."""
    token = "abcdefghij0123456789abcd"
    reply = engine.respond(
        Incoming(f"$ cat /var/lib/zerotier-one/authtoken.secret\n{token}\n" + PEERS)
    )
    text = to_plain(reply)
    assert reply.findings[0].code == "secret-exposed"
    assert token not in text
    assert "replace it" in text


def test_question_without_output_asks_for_the_right_command(engine: Engine) -> None:
    """ "It's slow" with no paste asks for `zerotier-cli peers`, written for the user's OS."""
    linux = engine.respond(Incoming("zerotier is so slow and laggy on my ubuntu server"))
    assert linux.note is not None and "`sudo zerotier-cli peers`" in linux.note
    win = engine.respond(Incoming("my zerotier connection is really slow on windows 11"))
    assert win.note is not None and "Run as administrator" in win.note
    assert "sudo" not in win.note
    joined = engine.respond(Incoming("stuck joining my network, it never gets an ip"))
    assert joined.note is not None and "zerotier-cli listnetworks" in joined.note


def test_diagnose_only_mode(engine: Engine) -> None:
    """`Engine.diagnose` says clearly when there is no output to read."""
    reply = engine.diagnose("just some words, no output here")
    assert reply.kind == "abstain"
    assert "no zerotier-cli or ping output" in reply.body


def test_an_os_named_on_the_line_of_the_output_picks_its_section(engine: Engine) -> None:
    """The OS is read from the whole message when the prose around the output names none."""
    for text, section in [
        ("zerotier-cli info only returns: 0 info connection failed. OS is Centos 7", "linux"),
        ("on my win 11 box zerotier-cli status says 0 status connection failed", "windows"),
    ]:
        reply = engine.respond(Incoming(text))
        assert (reply.kind, reply.topic, reply.section) == (
            "diagnosis",
            "service-not-running",
            section,
        ), text
