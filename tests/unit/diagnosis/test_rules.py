"""Rules and findings: pasted output -> stable codes, evidence and the topics that fix them."""

from __future__ import annotations

import pytest

from bot.diagnosis.findings import diagnose, fill
from bot.knowledge import KnowledgeBase

HEADER = "<ztaddr>   <ver>  <role> <lat> <link> <lastTX> <lastRX> <path>"
ROOTS = """\
61d294b9cb -      PLANET    43 DIRECT 1617     6580     50.7.73.34/9993
62f865ae71 -      PLANET   193 DIRECT 1617     1424     2001:49f0:d0db:2::2/9993
778cde7190 -      PLANET    76 DIRECT 1617     11607    103.195.103.66/9993"""
ROOTS_DOWN = """\
61d294b9cb -      PLANET    -1 RELAY
62f865ae71 -      PLANET    -1 RELAY
778cde7190 -      PLANET    -1 RELAY"""


def _peers(rows: str) -> str:
    return f"```\n$ zerotier-cli peers\n200 peers\n{HEADER}\n{rows}\n```"


def _codes(kb: KnowledgeBase, text: str) -> list[str]:
    return [f.code for f in diagnose(text, kb.finding_text).findings]


def test_relayed_peer_with_roots_direct(kb: KnowledgeBase) -> None:
    """Roots direct + a LEAF relayed = NAT traversal between the two ends, with evidence."""
    text = _peers(ROOTS + "\ndeadbeef01 1.12.2 LEAF      -1 RELAY")
    d = diagnose(text, kb.finding_text)
    lead = d.problems[0]
    assert lead.code == "peer-relayed"
    assert lead.topics[0] == "high-latency-relaying"
    assert "1 of 1 peers are relayed" in lead.summary
    assert any("deadbeef01" in e for e in lead.evidence)


def test_no_root_reachable_is_not_a_peer_problem(kb: KnowledgeBase) -> None:
    """When no root is direct, the finding is about outbound UDP, not the peer."""
    codes = _codes(kb, _peers(ROOTS_DOWN + "\ndeadbeef01 1.12.2 LEAF      -1 RELAY"))
    assert "no-root-reachable" in codes
    assert "peer-relayed" not in codes


def test_slow_direct_peer_and_old_version(kb: KnowledgeBase) -> None:
    """A direct LEAF at 730 ms and a 1.4 peer are both reported."""
    codes = _codes(
        kb, _peers(ROOTS + "\n6c0ffee001 1.4.6  LEAF     730 DIRECT 8714 8714 35.222.83.92/62191")
    )
    assert "high-latency" in codes
    assert "old-version" in codes


def test_healthy_peers_only_explain_roles(kb: KnowledgeBase) -> None:
    """A healthy table gives only the informational peer-roles finding."""
    d = diagnose(
        _peers(ROOTS + "\n6c0ffee001 1.14.2 LEAF  12 DIRECT 10 10 35.222.83.92/62191"),
        kb.finding_text,
    )
    assert d.problems == ()
    assert [f.code for f in d.findings] == ["peer-roles"]


@pytest.mark.parametrize(
    ("status", "code", "topic"),
    [
        ("NOT_FOUND", "network-not-found", "network-not-found"),
        ("ACCESS_DENIED", "access-denied", "ping-not-working"),
        ("REQUESTING_CONFIGURATION", "requesting-configuration", "router-configuration"),
        ("PORT_ERROR", "port-error", None),
        ("AUTHENTICATION_REQUIRED", "authentication-required", None),
    ],
)
def test_network_statuses(kb: KnowledgeBase, status: str, code: str, topic: str | None) -> None:
    """Each non-OK network status has its own finding and fixing topic."""
    text = (
        "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
        f"200 listnetworks 8056c2e21c000001 home 02:11:22:33:44:55 {status} PRIVATE zt0 -"
    )
    (finding,) = [f for f in diagnose(text, kb.finding_text).findings if f.code == code]
    assert "8056c2e21c000001" in finding.summary
    assert (finding.topics[0] if finding.topics else None) == topic


def test_service_and_token_errors_carry_the_os(kb: KnowledgeBase) -> None:
    """CLI errors map to the service topic with the OS read from the paste."""
    linux = "zerotier-cli: missing port and zerotier-one.port not found in /var/lib/zerotier-one"
    (f,) = diagnose(linux, kb.finding_text).findings
    assert (f.code, f.os) == ("service-unreachable", "linux")
    win = (
        "C:\\Program Files (x86)\\ZeroTier\\One\\zerotier-one_x64.exe: authtoken.secret not found "
        "or readable in C:\\ProgramData\\ZeroTier\\One (try again as root)"
    )
    (g,) = diagnose(win, kb.finding_text).findings
    assert (g.code, g.os) == ("token-unreadable", "windows")


def test_ping_timeouts(kb: KnowledgeBase) -> None:
    """Windows ping with every request timed out is a ping-timeout finding."""
    text = (
        "Pinging 10.147.17.5 with 32 bytes of data:\n"
        "Request timed out.\nRequest timed out.\nRequest timed out.\nRequest timed out.\n\n"
        "Ping statistics for 10.147.17.5:\n"
        "    Packets: Sent = 4, Received = 0, Lost = 4 (100% loss),\n"
    )
    (f,) = diagnose(text, kb.finding_text).findings
    assert f.code == "ping-timeout"
    assert "10.147.17.5" in f.summary


def test_secret_is_reported_first(kb: KnowledgeBase) -> None:
    """A leaked authtoken comes before any other finding, with its line, masked."""
    text = "$ sudo cat /var/lib/zerotier-one/authtoken.secret\nabcdefghij0123456789abcd\n" + _peers(
        ROOTS + "\ndeadbeef01 1.12.2 LEAF      -1 RELAY"
    )
    d = diagnose(text, kb.finding_text)
    assert d.findings[0].code == "secret-exposed"
    assert "abcdefghij0123456789abcd" not in " ".join(d.findings[0].evidence)
    assert d.findings[0].evidence == ("authtoken.secret on line 2 (masked)",)


def test_templates_survive_admin_typos() -> None:
    """Unknown placeholders print '?', broken braces print the template as written."""
    assert fill("{count} peers, {typo}", {"count": 2}) == "2 peers, ?"
    assert fill("broken {", {}) == "broken {"


def test_every_rule_code_has_wording(kb: KnowledgeBase) -> None:
    """Each code the rules can emit, and the secret warning, is worded in diagnosis.yaml."""
    from bot.diagnosis.rules import CODES

    assert CODES | {"secret-exposed"} <= set(kb.finding_text)


def test_prose_after_a_relay_row_is_not_tcp_fallback(kb: KnowledgeBase) -> None:
    """'RELAY   how do I fix this' is a bare RELAY row plus a question, not a tunneled path."""
    codes = _codes(kb, "deadbeef01 1.12.2 LEAF -1 RELAY   how do i get this to DIRECT")
    assert "peer-relayed" in codes
    assert "tcp-fallback" not in codes


def test_versions_far_apart_are_mentioned(kb: KnowledgeBase) -> None:
    """A 1.14 node talking to a 1.8 member gets the informational mismatch finding."""
    text = "200 info aaaaaaaaaa 1.14.2 ONLINE\n" + _peers(
        ROOTS + "\n6c0ffee001 1.8.4  LEAF  20 DIRECT 10 10 35.222.83.92/62191"
    )
    d = diagnose(text, kb.finding_text)
    (mismatch,) = [f for f in d.findings if f.code == "version-mismatch"]
    assert mismatch.severity == "info"
    assert "1.14.2" in mismatch.summary and "6c0ffee001" in mismatch.summary
