"""How a diagnosis reply is composed: severity leads, the question is answered too, and no
"nothing looks wrong" is said over an error line or a value that could not be read."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.core.render import to_diagnose_json, to_plain
from bot.diagnosis.codes import Code

OLD_NODE = "200 info 0a0b0c0d0e 1.6.5 ONLINE"
PORT_ERROR = (
    "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
    "200 listnetworks 8bd5124fd6b1a2c3 lab 02:aa:bb:cc:dd:ee PORT_ERROR PRIVATE  -"
)


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        (f"{OLD_NODE}\n{PORT_ERROR}", Code.PORT_ERROR),
        (f"{PORT_ERROR}\n{OLD_NODE}", Code.PORT_ERROR),
        (
            "bash: /usr/sbin/zerotier-cli: Permission denied\n"
            "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
            "200 listnetworks 8bd5124fd6b1a2c3 lab 02:aa:bb:cc:dd:ee REQUESTING_CONFIGURATION"
            " PRIVATE zt0 -",
            Code.PERMISSION_DENIED,
        ),
    ],
)
def test_the_most_severe_finding_leads_even_without_a_topic(
    engine: Engine, text: str, lead: Code
) -> None:
    """The heading is the most severe finding; a milder one with a topic still brings its FAQ."""
    reply = engine.diagnose(text)
    assert reply.findings[0].code == lead
    assert reply.heading == reply.findings[0].summary


def test_severe_without_topic_still_brings_the_milder_findings_faq(engine: Engine) -> None:
    """PORT_ERROR (no FAQ topic) leads; the old version's update steps follow."""
    reply = engine.diagnose(f"{OLD_NODE}\n{PORT_ERROR}")
    assert reply.topic == "updating"
    assert "Also found" in reply.body


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Do I need to forward any ports on my router for this?", "router-configuration"),
        ("why does my peer list have nodes I don't recognize?", "unknown-peers"),
    ],
)
def test_question_and_finding_are_both_answered(engine: Engine, question: str, asked: str) -> None:
    """A real question plus an unrelated finding: the finding's FAQ and the question's FAQ."""
    reply = engine.respond(Incoming(f"{question}\n{OLD_NODE}"))
    assert reply.kind == "diagnosis"
    assert reply.findings[0].code == Code.OLD_VERSION
    plain = to_plain(reply)
    assert "How do I Update Zerotier" in plain
    assert plain.count("From the FAQ:") == 2, plain


@pytest.mark.parametrize(
    "text",
    [
        "$ sudo zerotier-cli orbit 1234512345 1234512345\n404 orbit\n"
        + OLD_NODE.replace("1.6.5", "1.14.2"),
        "200 info 0a0b0c0d0e 1.14.2 ONLINE\n$ zerotier-cli set 8bd5124fd6b1a2c3 foo=1\n"
        "error, unknown property name",
    ],
)
def test_never_nothing_wrong_over_an_error_line(engine: Engine, text: str) -> None:
    """An error line always yields a problem finding."""
    reply = engine.diagnose(text)
    assert reply.heading is not None and "nothing looks wrong" not in reply.heading.lower()
    assert any(f.code == Code.CLI_ERROR for f in reply.findings)


def test_never_nothing_wrong_over_an_unreadable_value(engine: Engine) -> None:
    """A value outside any sane range is called unreadable, not healthy."""
    reply = engine.diagnose("Reply from 10.0.0.1: bytes=32 time=" + "9" * 60 + "ms TTL=64")
    plain = to_plain(reply)
    assert "Nothing looks wrong" not in plain
    assert "could not be read" in plain


def test_typed_command_lines_are_not_question_words(engine: Engine) -> None:
    """`zerotier-cli peers` typed above a healthy table does not pull in the peers FAQ."""
    text = (
        "user@nas:~$ sudo zerotier-cli peers\n200 peers\n"
        "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n"
        "0d1e2f3a4b 1.14.2 LEAF      20 DIRECT   1000     990      192.0.2.32/41000\n"
        "cafe04eba9 -      PLANET    60 DIRECT   3000     2900     198.51.100.12/9993\n"
        "user@nas:~$ sudo zerotier-cli listpeers"
    )
    reply = engine.respond(Incoming(text))
    assert reply.topic is None


def test_diagnose_json_keeps_the_contract(engine: Engine) -> None:
    """`ztbot diagnose --json`: outputs, findings with their named fields, and text."""
    data = to_diagnose_json(engine.diagnose(f"{OLD_NODE}\n{PORT_ERROR}"))
    assert {"outputs", "findings", "text"} <= set(data)
    assert [o["command"] for o in data["outputs"]] == ["info", "listnetworks"]
    assert data["outputs"][0]["address"] == "0a0b0c0d0e"
    assert data["outputs"][1]["networks"][0]["status"] == "PORT_ERROR"
    for finding in data["findings"]:
        assert {"code", "severity", "summary", "topics", "evidence"} <= set(finding)
        assert isinstance(finding["code"], str)
