"""Direct checks of each format parser (pure functions over lines), table-driven."""

from __future__ import annotations

import pytest

from bot.diagnosis.model import Link, NodeStatus, Role
from bot.diagnosis.parsers import (
    cli_errors,
    info,
    json_forms,
    listmoons,
    listnetworks,
    listpeers,
    peers,
    ping,
)
from bot.diagnosis.parsers._common import (
    is_masked,
    read_address,
    read_age,
    read_endpoint,
    read_latency,
    read_version,
)
from bot.diagnosis.parsers._json import load_lenient


@pytest.mark.parametrize(
    ("token", "masked"),
    [
        ("xxxxxxxxxx", True),
        ("xx.xx.xx.xxx", True),
        ("<redacted>", True),
        ("[hidden]", True),
        ("REDACTED", True),
        ("...", True),
        ("62f865ae71...", True),
        ("***", True),
        ("62f865ae71", False),
        ("-", False),
        ("-1", False),
        ("feth1234", False),
        ("ztabcdef12", False),
    ],
)
def test_is_masked(token: str, masked: bool) -> None:
    """Masks people type over ids and IPs are recognised; real values are not."""
    assert is_masked(token) is masked


@pytest.mark.parametrize(
    ("token", "length", "value", "flags"),
    [
        ("62F865AE71", 10, "62f865ae71", ()),
        ("62f865ae7", 10, "62f865ae7", ("bad-address-length",)),
        ("xxxxxxxxxx", 10, "xxxxxxxxxx", ("masked-address",)),
        ("zzzzzzzzzz", 10, "zzzzzzzzzz", ("damaged-address",)),
        ("0123456789abcdef", 16, "0123456789abcdef", ()),
        ("0123456789abcde", 16, "0123456789abcde", ("bad-id-length",)),
    ],
)
def test_read_address(token: str, length: int, value: str, flags: tuple[str, ...]) -> None:
    """Addresses and network ids are lower-cased and checked for length and masks."""
    assert read_address(token, length) == (value, flags)


@pytest.mark.parametrize(
    ("token", "zero_is_never", "expected"),
    [
        ("3905", False, (3905, True, True)),
        ("-1", False, (None, False, True)),
        ("1550565220631", False, (None, False, True)),
        ("0", False, (0, True, True)),
        ("0", True, (None, False, True)),
        ("abc", False, (None, None, False)),
    ],
)
def test_read_age(token: str, zero_is_never: bool, expected: tuple[object, ...]) -> None:
    """-1, epoch-ms (display bug) and 1.1's 0 all mean never."""
    assert read_age(token, zero_is_never=zero_is_never) == expected


def test_read_endpoint_variants() -> None:
    """IPv4 and IPv6 endpoints split at the last slash; masks keep the port."""
    assert read_endpoint("50.7.252.138/9993") == ("50.7.252.138", 9993, ())
    assert read_endpoint("2001:db8::5/21003") == ("2001:db8::5", 21003, ())
    assert read_endpoint("xx.xx.xx.xxx/9993") == (None, 9993, ("masked-ip",))
    assert read_endpoint("<redacted>") == (None, None, ("masked-path",))
    assert read_endpoint("1.2.3.4/99999")[1] is None


def test_read_version_and_latency() -> None:
    """`-` and `-1.-1.-1` are unknown versions; negative latencies are unknown."""
    assert read_version("-") == (None, ())
    assert read_version("-1.-1.-1") == (None, ())
    assert read_version("1.16.10") == ("1.16.10", ())
    assert read_latency("-1") == (None, ())
    assert read_latency("-216") == (None, ())
    assert read_latency("12") == (12, ())


@pytest.mark.parametrize(
    ("row", "address", "role", "latency", "link", "variant"),
    [
        (
            "62f865ae71 -      PLANET   213 DIRECT   3905     3872     50.7.252.138/9993",
            "62f865ae71",
            Role.PLANET,
            213,
            Link.DIRECT,
            "1.10.3+",
        ),
        (
            "62f865ae71 -      PLANET   213 DIRECT 3905     3872     50.7.252.138/9993",
            "62f865ae71",
            Role.PLANET,
            213,
            Link.DIRECT,
            "1.4-1.10.2",
        ),
        ("778cde7190 -      PLANET    -1 RELAY", "778cde7190", Role.PLANET, None, Link.RELAY, None),
        (
            "9876543210 1.12.2 LEAF      35 RELAY 4012     -1       2001:db8::5/21003",
            "9876543210",
            Role.LEAF,
            35,
            Link.RELAY,
            "1.10.3+",
        ),
        (
            "abcdef0123 1.14.1 MOON     9 DIRECT   1 2 xx.xx.xx.xxx/9993",
            "abcdef0123",
            Role.MOON,
            9,
            Link.DIRECT,
            "1.10.3+",
        ),
    ],
)
def test_peers_rows(
    row: str, address: str, role: Role, latency: int | None, link: Link, variant: str | None
) -> None:
    """Each peers row shape reads to the right address, role, latency, link and layout."""
    peer, got_variant = peers.parse_row(row, 1)
    assert peer is not None
    assert (peer.address, peer.role, peer.latency_ms, peer.link) == (address, role, latency, link)
    assert got_variant == variant


def test_peers_not_a_row() -> None:
    """A line without a role word is not a peers row."""
    assert peers.parse_row("hello world", 1) == (None, None)


def test_peers_note_marks_every_pathed_peer_tunneled() -> None:
    """The NOTE line is node-wide: peers with a path are tunneled, pathless ones unchanged."""
    out = peers.parse(
        [
            "200 peers",
            "62f865ae71 -      PLANET   290 RELAY 1     2     204.80.128.1/443",
            "778cde7190 -      PLANET    -1 RELAY",
            "NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.",
        ]
    )
    assert [p.tunneled for p in out.peers] == [True, None]
    assert out.notes and out.lines == (1, 2, 3, 4)


def test_listpeers_row_versions() -> None:
    """The path field of each listpeers era is read, and `-` means relayed."""
    p11, v11 = listpeers.parse_row(
        "7e19876aba 1.2.3.4/9993;10;0;preferred 96 - ROOT", 1, legacy=True
    )
    assert p11 is not None and p11.role is Role.ROOT and v11 == "1.1"
    assert p11.paths[0].received is False
    p12, v12 = listpeers.parse_row("8841408a2e 1.2.3.4/9993;5;6;1.00 142 - PLANET", 1)
    assert p12 is not None and p12.paths[0].link_quality == 1.0 and v12 == "1.2.0-1.2.4"
    p18, v18 = listpeers.parse_row("1a2b3c4d5e 1.2.3.4/9993;-1;5012 3 1.14.1 LEAF", 1)
    assert p18 is not None and p18.paths[0].sent is False and v18 == "1.8.1+"
    relay, _ = listpeers.parse_row("778cde7190 - -1 - PLANET", 1)
    assert relay is not None and relay.link is Link.RELAY and relay.latency_ms is None


@pytest.mark.parametrize(
    ("body", "address", "version", "status", "legacy"),
    [
        (" 1a2b3c4d5e 1.14.1 ONLINE", "1a2b3c4d5e", "1.14.1", NodeStatus.ONLINE, False),
        (" 1a2b3c4d5e 1.12.2 TUNNELED", "1a2b3c4d5e", "1.12.2", NodeStatus.TUNNELED, False),
        (" 89e92ceee5 OFFLINE 1.1.14", "89e92ceee5", "1.1.14", NodeStatus.OFFLINE, True),
        (" 1a2b3c4d5e - ONLINE", "1a2b3c4d5e", None, NodeStatus.ONLINE, False),
    ],
)
def test_info_orders(
    body: str, address: str, version: str | None, status: NodeStatus, legacy: bool
) -> None:
    """Both field orders (1.1 and 1.2+) read the same facts."""
    node = info.parse_line(body, 1)
    assert node is not None
    assert (node.address, node.version, node.status, node.legacy_order) == (
        address,
        version,
        status,
        legacy,
    )


@pytest.mark.parametrize(
    ("body", "name", "status", "device", "ips"),
    [
        (
            " 0123456789abcdef My Net 2a:11:22:33:44:55 OK PRIVATE zt0 10.1.1.1/24",
            "My Net",
            "OK",
            "zt0",
            ("10.1.1.1/24",),
        ),
        (
            " 0123456789abcdef  2a:11:22:33:44:55 REQUESTING_CONFIGURATION PRIVATE zt0 -",
            "",
            "REQUESTING_CONFIGURATION",
            "zt0",
            (),
        ),
        (" 0123456789abcdef n 2a:11:22:33:44:55 OK PRIVATE  -", "n", "OK", "", ()),
        (
            " 0123456789abcdef n 2a:11:22:33:44:55 PORT_ERROR PRIVATE"
            " [ConvertInterfaceLuidToName() failed] -",
            "n",
            "PORT_ERROR",
            "[ConvertInterfaceLuidToName() failed]",
            (),
        ),
    ],
)
def test_listnetworks_rows(
    body: str, name: str, status: str, device: str, ips: tuple[str, ...]
) -> None:
    """Rows are read from both ends around the status word."""
    net = listnetworks.parse_row(body, 1)
    assert net is not None
    assert (net.name, net.status, net.device, net.ips) == (name, status, device, ips)


@pytest.mark.parametrize(
    ("line", "kind", "os"),
    [
        (
            "Error connecting to the ZeroTier service: connection failed",
            "service-unreachable",
            None,
        ),
        ("Error connecting to the ZeroTier service: {}", "http-error", None),
        ("401 status {}", "http-error", None),
        ("404 join", "http-error", None),
        ("0 join connection failed", "service-unreachable", None),
        ("0 info invalid JSON response (expected value)", "service-unreachable", None),
        ("200 listpeers invalid JSON response (unknown exception)", "invalid-json", None),
        (
            "zerotier-cli: authtoken.secret not found or readable in /var/lib/zerotier-one"
            " (try again as root)",
            "token-unreadable",
            "linux",
        ),
        (
            "zerotier-cli: missing port and zerotier-one.port not found in /var/db/zerotier-one",
            "port-missing",
            "bsd",
        ),
        (
            "C:\\Program Files (x86)\\ZeroTier\\One\\zerotier-one_x64.exe: "
            "authtoken.secret not found or readable in C:\\ProgramData\\ZeroTier\\One"
            " (try again as root)",
            "token-unreadable",
            "windows",
        ),
        ("invalid network id", "join-invalid", None),
        ("ZeroTier One version 1.14.1 build 0 (platform 1 arch 2)", "usage", None),
        ("zsh: command not found: zerotier-cli", "cli-not-found", "macos"),
        (
            "zerotier-cli : The term 'zerotier-cli' is not recognized as the name of a cmdlet",
            "cli-not-found",
            "windows",
        ),
    ],
)
def test_cli_error_lines(line: str, kind: str, os: str | None) -> None:
    """Every CLI error wording maps to its kind and, where the text shows it, the OS."""
    err = cli_errors.parse_line(line, 1)
    assert err is not None
    assert (err.kind, err.os) == (kind, os)


@pytest.mark.parametrize(
    "line",
    ["200 listpeers 62f865ae71 - -1 - PLANET", "I have 200 peers", "100 packets", "0 / junk here"],
)
def test_not_cli_errors(line: str) -> None:
    """Success rows and prose with numbers are not errors."""
    assert cli_errors.parse_line(line, 1) is None


def test_ping_without_summary_counts_lines() -> None:
    """An interrupted ping without statistics is summarised from its lines."""
    out = ping.parse(
        [
            "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
            "64 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=1.5 ms",
            "Request timeout for icmp_seq 1",
        ]
    )
    (run,) = out.pings
    assert (run.os, run.sent, run.received, run.loss_pct, run.has_summary) == (
        "macos",
        2,
        1,
        50.0,
        False,
    )


def test_ping_two_runs_in_one_block() -> None:
    """Two ping headers in one block give two runs."""
    out = ping.parse(
        [
            "Pinging 10.0.0.2 with 32 bytes of data:",
            "Request timed out.",
            "Pinging 10.0.0.3 with 32 bytes of data:",
            "Reply from 10.0.0.3: bytes=32 time=4ms TTL=64",
        ]
    )
    assert [p.target for p in out.pings] == ["10.0.0.2", "10.0.0.3"]
    assert [p.timeouts for p in out.pings] == [1, 0]


def test_lenient_json_repairs_every_cut() -> None:
    """A JSON array cut at any character loads (or gives up) without raising."""
    text = (
        '[{"address": "62f865ae71", "latency": 5, "paths": [{"address": "1.2.3.4/9993"}]},'
        ' {"a": [1, 2]}]'
    )
    for cut in range(len(text) + 1):
        loaded = load_lenient(text[:cut])
        if loaded is not None:
            assert isinstance(loaded[1], bool)
    assert load_lenient(text) == (
        [
            {"address": "62f865ae71", "latency": 5, "paths": [{"address": "1.2.3.4/9993"}]},
            {"a": [1, 2]},
        ],
        False,
    )
    assert load_lenient('{"a": 1, "b": [1, 2') == ({"a": 1, "b": [1]}, True)
    assert load_lenient("no json here") is None


def test_json_forms_kind_by_keys() -> None:
    """The -j form is told from the keys; an empty array needs the typed command."""
    peers_out = json_forms.parse(
        ['[{"address":"62f865ae71","latency":1,"paths":[],"role":"LEAF"}]']
    )
    assert peers_out is not None and peers_out.command == "json-peers"
    assert json_forms.parse(["[]"]) is None
    empty = json_forms.parse(["[]"], hint="json-listnetworks")
    assert empty is not None and empty.command == "json-listnetworks" and not empty.items
    assert json_forms.parse(['{"result":true}']) is None


def test_listmoons_unreadable() -> None:
    """An unreadable listmoons output gives no moons and a warning."""
    out = listmoons.parse(["not json"])
    assert out.moons == () and out.warnings
