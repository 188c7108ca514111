"""Big `peers` tables are read in bulk: the same peers, facts and findings as row by row.

Past the first rows of a table, the rest is read by one regular expression into each row's
facts, and a peer is built only when asked for. These tests hold the bulk path to the row-by-row
parser on generated tables, and check what the rules and the JSON read from big tables.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import ParsedOutput, parse_message
from bot.diagnosis.codes import Code
from bot.diagnosis.extract import BULK_AFTER
from bot.diagnosis.findings import diagnose
from bot.diagnosis.model import JSON_PEERS, Facts, PeerRows, facts_of
from bot.diagnosis.parsers import peers as peers_parser
from bot.knowledge import KnowledgeBase

HEADER = "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>"
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_AGE = st.one_of(
    st.integers(min_value=-1, max_value=99_999).map(str),
    st.sampled_from(["1700000000000", "1600000000123", "0", "-1"]),
)
_PATH = st.one_of(
    st.tuples(st.integers(1, 254), st.integers(0, 255), st.integers(1, 65535)).map(
        lambda t: f"10.{t[0]}.{t[1]}.9/{t[2]}"
    ),
    st.integers(1, 0xFFFF).map(lambda n: f"2001:db8::{n:x}/9993"),
)


@st.composite
def _row(draw: st.DrawFn, address: str) -> str:
    version = draw(st.sampled_from(["-", "1.14.2", "1.6.4", "1.10.6", "1.4.6"]))
    role = draw(st.sampled_from(["LEAF", "LEAF", "LEAF", "PLANET", "MOON"]))
    latency = draw(st.one_of(st.just(-1), st.integers(0, 70_000)))
    if draw(st.booleans()) and draw(st.booleans()):
        return f"{address} {version:6} {role:6} {latency:5} RELAY"
    link = draw(st.sampled_from(["DIRECT", "DIRECT", "RELAY"]))
    gap = draw(st.sampled_from([" ", "   "]))
    tx, rx, path = draw(_AGE), draw(_AGE), draw(_PATH)
    tail = draw(st.sampled_from(["", "  ", " \t"]))
    return f"{address} {version:6} {role:6} {latency:5} {link}{gap}{tx:<8} {rx:<8} {path}{tail}"


@st.composite
def _table(draw: st.DrawFn) -> list[str]:
    count = draw(st.integers(min_value=BULK_AFTER + 1, max_value=BULK_AFTER + 24))
    addresses = [f"{n:010x}" for n in range(0x1A00000000, 0x1A00000000 + count)]
    rows = [draw(_row(a)) for a in addresses]
    if draw(st.booleans()):
        rows.append("NOTE: TCP fallback relay is active")
    return rows


def _normal(f: Facts) -> tuple[object, ...]:
    # Marks are compared by presence; unknown version and latency have two spellings.
    address, version, role, slow, latency, link, tunneled, tx, rx = f
    known = latency if latency and latency[0] != "-" else ""
    return (
        address,
        version.strip("-"),
        role,
        bool(slow),
        known,
        link,
        bool(tunneled),
        bool(tx),
        bool(rx),
    )


def _only(text: str) -> ParsedOutput:
    (out,) = parse_message(text)
    return out


@FAST
@given(_table())
def test_bulk_rows_read_as_row_by_row(rows: list[str]) -> None:
    """Each row read in bulk gives the peer `parse_row` gives, and facts that match it."""
    out = _only("\n".join(["200 peers", HEADER, *rows]))
    table = out.peers
    assert isinstance(table, PeerRows)
    data_rows = [r for r in rows if not r.startswith("NOTE")]
    assert len(table) == len(data_rows)
    for row, peer, facts in zip(data_rows, table, table.facts, strict=True):
        alone, _ = peers_parser.parse_row(row.strip(), peer.line)
        assert alone is not None
        if rows[-1].startswith("NOTE"):
            alone = peers_parser._with_tunneled(alone)
        assert peer == alone, row
        assert _normal(facts) == _normal(facts_of(peer)), row


@FAST
@given(_table())
def test_bulk_and_row_by_row_parse_agree(rows: list[str]) -> None:
    """The whole output (peers, lines, variant, notes, warnings) is the same either way."""
    text = "\n".join(["200 peers", HEADER, *rows])
    bulk = _only(text)
    # Blank lines between rows keep every row on the one-by-one path.
    slow = _only("\n\n".join(["200 peers", HEADER, *rows]))
    assert [p.address for p in bulk.peers] == [p.address for p in slow.peers]
    assert [(p.role, p.link, p.latency_ms, p.paths, p.tunneled) for p in bulk.peers] == [
        (p.role, p.link, p.latency_ms, p.paths, p.tunneled) for p in slow.peers
    ]
    assert (bulk.variant, bulk.notes) == (slow.variant, slow.notes)


def _big(rows: int) -> str:
    lines = [
        "200 peers",
        HEADER,
        "778cde7190 -      PLANET    88 DIRECT   16       8594     103.195.103.66/9993",
    ]
    for n in range(rows):
        address = f"{0x2B00000000 + n:010x}"
        if n % 3 == 0:
            lines.append(f"{address} 1.14.2 LEAF      -1 RELAY")
        else:
            lines.append(
                f"{address} 1.14.2 LEAF    {300 + n % 50:4d} DIRECT   {n:<8d} 90       "
                f"192.0.2.{n % 250 + 1}/9993"
            )
    return "\n".join(lines)


def test_a_big_table_builds_only_the_peers_a_reply_names(kb: KnowledgeBase) -> None:
    """Rules count 3,000 rows from their facts; only the peers in evidence are built."""
    d = diagnose(_big(3_000), kb.finding_text)
    table = d.outputs[0].peers
    assert isinstance(table, PeerRows)
    built = sum(1 for p in table._built if p is not None)
    assert built < 300
    relayed = next(f for f in d.findings if f.code == Code.PEER_RELAYED)
    assert "1000 of 3000" in relayed.summary
    slow = next(f for f in d.findings if f.code == Code.HIGH_LATENCY)
    assert slow.summary.startswith("2000 ") or "2000" in slow.summary


def test_json_of_a_big_table_lists_some_peers_and_counts_the_rest() -> None:
    """The JSON keeps the contract for the peers it lists, and says how many it left out."""
    out = _only(_big(1_000))
    data = json.loads(json.dumps(out.to_dict()))
    assert data["count"] == 1_001
    assert len(data["peers"]) == JSON_PEERS
    assert data["peers_omitted"] == 1_001 - JSON_PEERS
    assert data["peers_summary"]["roles"] == {"PLANET": 1, "LEAF": 1_000}
    first = data["peers"][0]
    assert {"address", "version", "role", "latency_ms", "link", "paths"} <= set(first)


def test_a_repeated_address_starts_a_new_snapshot() -> None:
    """A second copy of a big table without its header is a second output, merged by address."""
    text = _big(100)
    rows = text.split("\n")[2:]
    outputs = parse_message("\n".join([text, *rows]))
    assert [len(o.peers) for o in outputs] == [101, 101]


def test_a_latency_zerotier_cannot_report_is_flagged_not_fatal() -> None:
    """A row with latency 65536 is read the careful way and flagged; the table is kept."""
    peer, _ = peers_parser.parse_row("1a2b3c4d5e 1.14.2 LEAF   65536 DIRECT 10 10 10.0.0.1/9993", 3)
    assert peer is not None
    assert peer.latency_ms is None and "unreadable-latency" in peer.flags
    rows = [
        f"{0x3C00000000 + n:010x} 1.14.2 LEAF  {n:5d} DIRECT 10 10 10.0.0.1/9993" for n in range(40)
    ]
    rows[35] = rows[35].replace("   35 ", "65536 ")
    out = _only("\n".join(["200 peers", HEADER, *rows]))
    assert len(out.peers) == 40
    assert out.peers[35].latency_ms is None
