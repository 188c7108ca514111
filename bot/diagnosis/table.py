"""One pass over the peers of a message: merged by address, counted into what the rules ask about.

A paste may hold several copies of the peer list (a text table and a `-j` copy, or before and
after a fix). Rows are merged by address in paste order, so the latest row of a peer wins and a
partial copy (a `-j` cut to one object) updates only the peers it shows instead of hiding the
others.

The pass reads each row's `Facts` (nine short strings), not its `Peer`: a 10,000-row table is
counted without building 10,000 objects. The groups the rules report on keep row numbers, and
`Table.peer` builds the few peers a reply names.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import eq, itemgetter, ne
from typing import Final

from bot.diagnosis.model import (
    ADDRESS,
    LATENCY,
    LINK,
    ROLE,
    RX_NEVER,
    SLOW,
    SLOW_MS,
    TUNNELED,
    TX_NEVER,
    VERSION,
    Facts,
    Link,
    ParsedOutput,
    Peer,
    PeerRows,
    Role,
    facts_of,
    is_relayed,
)

__all__ = [
    "ROOT_SILENT_MS",
    "SLOW_MS",
    "ZEROTIER_ROOTS",
    "Table",
    "build",
    "is_relayed",
    "merged_peers",
]

ROOT_ROLES: Final = frozenset({Role.PLANET, Role.MOON, Role.ROOT, Role.RELAY})
_ROOT_LETTERS: Final = frozenset("PMRE")  # PLANET, MOON, ROOT and the 1.1.x RELAY role
# ZeroTier's own roots, past and present (planet files 2015-2024). Any other PLANET is a
# self-hosted planet: its health is the user's server, not ZeroTier's.
ZEROTIER_ROOTS: Final = frozenset(
    {
        "7e19876aba",
        "8841408a2e",
        "9d219039f3",
        "8a6b5a8f4a",
        "34e0a5e174",
        "3a46f1bf30",
        "992fcf1db7",
        "de8950a8b2",
        "62f865ae71",
        "778cde7190",
        "cafe04eba9",
        "cafe9efeb9",
        "cafe80ed74",
        "cafefd6717",
        "61d294b9cb",
    }
)
_ADDRESS, _VERSION, _ROLE, _SLOW, _LATENCY, _LINK, _TUNNELED, _RX_NEVER = (
    itemgetter(i) for i in (ADDRESS, VERSION, ROLE, SLOW, LATENCY, LINK, TUNNELED, RX_NEVER)
)
# A root path not heard from for this long is going stale: roots are pinged about every 60 s
# and a silent path is dropped after a few minutes.
ROOT_SILENT_MS: Final = 180_000


@dataclass(slots=True)
class Table:
    """The merged peer list and the groups the rules look at, filled in one pass.

    Roots are few and kept as peers; leaves are counted, and the groups of leaves keep row
    numbers (into `facts`) for `peer` to build on demand.
    """

    facts: list[Facts] = field(default_factory=list)
    roots: list[Peer] = field(default_factory=list)
    direct_roots: list[Peer] = field(default_factory=list)
    relayed_roots: list[Peer] = field(default_factory=list)
    stale_roots: list[Peer] = field(default_factory=list)
    leaves: int = 0
    relayed_leaves: list[int] = field(default_factory=list)
    # (latency ms, row) of direct leaves at least SLOW_MS slow.
    slow_leaves: list[tuple[int, int]] = field(default_factory=list)
    one_way: list[int] = field(default_factory=list)
    # Every version string in the table ("" or "-" when unknown); see `leaves_on`.
    versions: frozenset[str] = frozenset()
    tunneled: bool = False
    copies: int = 0
    # Peers relayed in an earlier copy of the list and direct in a later one.
    now_direct: list[str] = field(default_factory=list)
    # Where each row's peer comes from: (table, row in it); None for a single table.
    _source: list[tuple[Sequence[Peer], int]] | None = None
    _tables: list[Sequence[Peer]] = field(default_factory=list)
    _index: dict[str, int] | None = None

    @property
    def count(self) -> int:
        """How many peers (one per address)."""
        return len(self.facts)

    @property
    def self_hosted(self) -> bool:
        """True when the roots are the user's own planet or moons, not ZeroTier's."""
        return bool(self.roots) and not any(p.address in ZEROTIER_ROOTS for p in self.roots)

    def peer(self, row: int) -> Peer:
        """The peer of one row, built on first use."""
        if self._source is None:
            return self._tables[0][row]
        table, at = self._source[row]
        return table[at]

    def address(self, row: int) -> str:
        """The address of one row (no peer built)."""
        return self.facts[row][ADDRESS]

    def row_of(self, address: str) -> int | None:
        """The row of the peer with this address, if the table holds it."""
        if not self.facts:
            return None
        if self._index is None:
            self._index = dict(zip(map(_ADDRESS, self.facts), range(self.count), strict=True))
        return self._index.get(address)

    def find(self, address: str) -> Peer | None:
        """The peer with this address, if the table holds it."""
        row = self.row_of(address)
        return None if row is None else self.peer(row)

    def leaves_on(self, versions: Collection[str]) -> list[int]:
        """The rows of the leaves running one of `versions`, in order."""
        if not versions or not self.facts:
            return []
        facts = self.facts
        wanted = map(versions.__contains__, map(_VERSION, facts))
        return [row for row in compress(range(self.count), wanted) if facts[row][ROLE] == "L"]


def table_facts(table: Sequence[Peer]) -> list[Facts]:
    """The facts of every row of one table (read already for a `peers` table)."""
    if isinstance(table, PeerRows):
        return table.facts
    return [facts_of(p) for p in table]


def merged_peers(outputs: Sequence[ParsedOutput]) -> tuple[list[Peer], int, list[str]]:
    """Every peer of every peer list, one per address, the latest row winning; the number of
    copies; and the peers that went from relayed to direct between copies."""
    t = build(outputs)
    return [t.peer(row) for row in range(t.count)], t.copies, t.now_direct


def _merge(tables: Sequence[Sequence[Peer]], t: Table) -> None:
    merged: dict[str, tuple[Facts, tuple[Sequence[Peer], int]]] = {}
    fixed: dict[str, None] = {}
    for table in tables:
        for at, f in enumerate(table_facts(table)):
            address = f[ADDRESS]
            before = merged.pop(address, None)  # re-insert: the latest row, latest place
            if before is not None and before[0][LINK] == "R" and f[LINK] == "D":
                fixed[address] = None
            elif f[LINK] == "R":
                fixed.pop(address, None)
            merged[address] = (f, (table, at))
    t.facts = [f for f, _ in merged.values()]
    t._source = [where for _, where in merged.values()]
    t.now_direct = list(fixed)


def build(outputs: Sequence[ParsedOutput]) -> Table:
    """Sort the merged peers of a message into roots, leaves and their path states."""
    tables = [o.peers for o in outputs if o.peers]
    t = Table(copies=len(tables), _tables=tables)
    if len(tables) == 1:
        t.facts = table_facts(tables[0])
    elif tables:
        _merge(tables, t)
    if not t.facts:
        return t
    # Column by column, with the loops in C (count, compress, map over itemgetter): 10,000
    # rows cost a few passes over tuples of strings, and Python looks only at the rows a group
    # holds (no transposed copy, whose 10,000 iterators would wake the garbage collector).
    facts = t.facts
    rows = range(len(facts))
    others = list(compress(rows, map(ne, map(_ROLE, facts), repeat("L"))))
    t.leaves = len(facts) - len(others)
    # The few rows that are not leaves are taken out with set operations, not a Python test
    # on each of thousands of rows.
    not_leaves = set(others)
    relayed = compress(rows, map(eq, map(_LINK, facts), repeat("R")))
    t.relayed_leaves = sorted(set(relayed).difference(not_leaves))
    slow = sorted(set(compress(rows, map(_SLOW, facts))).difference(not_leaves))
    latency = map(_LATENCY, map(facts.__getitem__, slow))
    t.slow_leaves = list(zip(map(int, latency), slow, strict=True))
    # One way: never heard back (which needs a path) while something was sent.
    unheard = compress(rows, map(_RX_NEVER, facts))
    t.one_way = [row for row in unheard if not facts[row][TX_NEVER]]
    t.tunneled = any(map(_TUNNELED, facts))
    t.versions = frozenset(map(_VERSION, facts))
    for row in others:
        if facts[row][ROLE] not in _ROOT_LETTERS:
            continue
        p = t.peer(row)
        t.roots.append(p)
        if is_relayed(p):
            t.relayed_roots.append(p)
        elif p.link is Link.DIRECT:
            t.direct_roots.append(p)
            if _silent(p):
                t.stale_roots.append(p)
    return t


def _silent(peer: Peer) -> bool:
    ages = [path.last_receive_ms for path in peer.paths if path.last_receive_ms is not None]
    return bool(ages) and min(ages) >= ROOT_SILENT_MS
