"""Before and after: two outputs of one command with the user's words between them.

The latest state is judged, the change is said with the user's own words, and words written
about the state before the change are not read as the question. Examples written for this file.
"""

from __future__ import annotations

import pytest

from bot.diagnosis import parse_message
from bot.diagnosis.codes import Code
from bot.diagnosis.findings import Diagnosis, diagnose
from bot.diagnosis.words import change_words
from bot.knowledge import KnowledgeBase

HEADER = "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>"
NETS = "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>"
NET = "200 listnetworks 3c4d5e6f7a8b9c0d office 02:11:22:33:44:55 {} PRIVATE zt7yyy 10.9.0.4/24"


def _peers(*rows: str) -> str:
    return "\n".join(["200 peers", HEADER, *rows])


def _ping_fail(target: str) -> str:
    return "\n".join(
        [
            f"PING {target} ({target}) 56(84) bytes of data.",
            "",
            f"--- {target} ping statistics ---",
            "4 packets transmitted, 0 received, 100% packet loss, time 3050ms",
        ]
    )


def _ping_ok(target: str) -> str:
    return "\n".join(
        [
            f"PING {target} ({target}) 56(84) bytes of data.",
            f"64 bytes from {target}: icmp_seq=1 ttl=64 time=12.1 ms",
            f"64 bytes from {target}: icmp_seq=2 ttl=64 time=11.8 ms",
            "",
            f"--- {target} ping statistics ---",
            "2 packets transmitted, 2 received, 0% packet loss, time 1001ms",
        ]
    )


ROOT_A = "778cde7190 -      PLANET   130 DIRECT   3000     2900     203.0.113.80/9993"
ROOT_B = "cafe04eba9 -      PLANET   140 DIRECT   3100     3000     198.51.100.20/9993"

CASES = [
    pytest.param(
        f"{_ping_fail('10.9.0.7')}\nafter I restarted zerotier on the NAS it works:\n"
        f"{_ping_ok('10.9.0.7')}",
        "after I restarted zerotier on the NAS it works",
        (Code.STATE_CHANGED,),
        (Code.PING_TIMEOUT,),
        id="ping-fails-then-works-after-a-restart",
    ),
    pytest.param(
        "\n".join([NETS, NET.format("ACCESS_DENIED"), "and now", NETS, NET.format("OK")]),
        "and now",
        (Code.STATE_CHANGED,),
        (Code.ACCESS_DENIED,),
        id="network-authorized-now",
    ),
    pytest.param(
        _peers(ROOT_A, "4c4c4c4c4c 1.14.2 LEAF      -1 RELAY")
        + "\n\nafter I fixed the port forward on the router:\n\n"
        + _peers(
            ROOT_A, "4c4c4c4c4c 1.14.2 LEAF      21 DIRECT   600      580      192.0.2.4/9993"
        ),
        "after I fixed the port forward on the router",
        (Code.STATE_CHANGED,),
        (Code.PEER_RELAYED,),
        id="peer-relayed-then-direct-after-a-fix",
    ),
    pytest.param(
        "200 info 5a5a5a5a5a 1.14.2 OFFLINE\nrebooted the box, then:\n"
        "200 info 5a5a5a5a5a 1.14.2 ONLINE",
        "rebooted the box, then",
        (Code.STATE_CHANGED,),
        (Code.NODE_OFFLINE,),
        id="node-offline-then-online-after-a-reboot",
    ),
    pytest.param(
        "200 info 5a5a5a5a5a 1.14.2 TUNNELED\nafter allowing UDP 9993 outbound:\n"
        "200 info 5a5a5a5a5a 1.14.2 ONLINE",
        "after allowing UDP 9993 outbound",
        (Code.STATE_CHANGED,),
        (Code.TCP_FALLBACK,),
        id="tunneled-then-online",
    ),
    pytest.param(
        _peers(ROOT_A, "cafe9efeb9 -      PLANET    -1 RELAY")
        + "\nafter changing the firewall profile to private:\n"
        + _peers(
            ROOT_A, "cafe9efeb9 -      PLANET   150 DIRECT   3200     3100     84.17.53.1/9993"
        ),
        "after changing the firewall profile to private",
        (Code.STATE_CHANGED,),
        (Code.ROOTS_PARTLY_RELAYED,),
        id="a-root-relayed-then-direct-said-from-the-earlier-findings",
    ),
]


def _diag(kb: KnowledgeBase, text: str) -> Diagnosis:
    return diagnose(text, kb.finding_text)


@pytest.mark.parametrize(("text", "words", "present", "absent"), CASES)
def test_the_latest_state_wins_and_the_change_is_said_in_the_users_words(
    kb: KnowledgeBase,
    text: str,
    words: str,
    present: tuple[Code, ...],
    absent: tuple[Code, ...],
) -> None:
    """The later output is judged; the change finding quotes the words between the outputs."""
    d = _diag(kb, text)
    codes = {f.code for f in d.findings}
    assert set(present) <= codes, codes
    assert not set(absent) & codes, codes
    (change,) = [f for f in d.findings if f.code == Code.STATE_CHANGED]
    assert f"“{words}”" in change.summary
    assert any(words in e for e in change.evidence)


NO_CHANGE_CASES = [
    pytest.param(
        f"{_ping_fail('10.9.0.7')}\nstill not working:\n{_ping_fail('10.9.0.7')}",
        id="still-failing",
    ),
    pytest.param(
        f"{_ping_fail('10.9.0.7')}\nafter a restart:\n{_ping_ok('10.9.0.8')}", id="other-target"
    ),
    pytest.param(_ping_fail("10.9.0.7"), id="one-output"),
    pytest.param(
        f"{_ping_fail('10.9.0.7')}\n$ ping -c 2 10.9.0.7\n{_ping_ok('10.9.0.7')}",
        id="only-a-typed-command-between",
    ),
]


@pytest.mark.parametrize("text", NO_CHANGE_CASES)
def test_no_change_words(text: str) -> None:
    """No before/after without words of a change between two outputs of one command."""
    assert change_words(text, parse_message(text)) is None


def test_words_about_the_state_before_are_not_the_question(kb: KnowledgeBase) -> None:
    """ "I couldn't ping it" above a failed run, a fix, then a clean run: no symptom finding."""
    text = (
        f"I couldn't ping my NAS at first:\n{_ping_fail('10.9.0.7')}\n"
        f"after allowing ICMP in the Windows firewall it works:\n{_ping_ok('10.9.0.7')}"
    )
    d = _diag(kb, text)
    codes = {f.code for f in d.findings}
    assert Code.SYMPTOM_UNREACHABLE not in codes
    assert Code.STATE_CHANGED in codes
    assert not d.problems


def test_words_after_the_change_still_count(kb: KnowledgeBase) -> None:
    """A symptom written after the later (clean) output is still read."""
    text = (
        f"{_ping_fail('10.9.0.7')}\nafter a reboot:\n{_ping_ok('10.9.0.7')}\n"
        "but I still can't ssh into it"
    )
    assert Code.SYMPTOM_UNREACHABLE in {f.code for f in _diag(kb, text).findings}


def test_the_nearest_words_before_the_later_output_are_taken() -> None:
    """Of several lines between the outputs, the words of a change nearest the later one."""
    text = (
        f"{_ping_fail('10.9.0.7')}\nthen I restarted the router\nand after that it works:\n"
        f"{_ping_ok('10.9.0.7')}"
    )
    change = change_words(text, parse_message(text))
    assert change is not None
    assert change.words == "and after that it works"
    assert change.line == 6
