"""One pass over the peers of a message: merged by address, sorted into what the rules ask about.

A paste may hold several copies of the peer list (a text table and a `-j` copy, or before and
after a fix). Rows are merged by address in paste order, so the latest row of a peer wins and a
partial copy (a `-j` cut to one object) updates only the peers it shows instead of hiding the
others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from bot.diagnosis.model import Link, ParsedOutput, Peer, Role

ROOT_ROLES: Final = frozenset({Role.PLANET, Role.MOON, Role.ROOT, Role.RELAY})
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
# A root path not heard from for this long is going stale: roots are pinged about every 60 s
# and a silent path is dropped after a few minutes.
ROOT_SILENT_MS: Final = 180_000


@dataclass(slots=True)
class Table:
    """The merged peer list and the groups the rules look at, filled in one pass."""

    peers: list[Peer] = field(default_factory=list)
    roots: list[Peer] = field(default_factory=list)
    leaves: list[Peer] = field(default_factory=list)
    direct_roots: list[Peer] = field(default_factory=list)
    relayed_roots: list[Peer] = field(default_factory=list)
    stale_roots: list[Peer] = field(default_factory=list)
    relayed_leaves: list[Peer] = field(default_factory=list)
    direct_leaves: list[Peer] = field(default_factory=list)
    one_way: list[Peer] = field(default_factory=list)
    tunneled: bool = False
    copies: int = 0
    # Peers relayed in an earlier copy of the list and direct in a later one.
    now_direct: list[str] = field(default_factory=list)

    @property
    def self_hosted(self) -> bool:
        """True when the roots are the user's own planet or moons, not ZeroTier's."""
        return bool(self.roots) and not any(p.address in ZEROTIER_ROOTS for p in self.roots)


def is_relayed(peer: Peer) -> bool:
    """Relayed: link RELAY, or a row with no path and no link (a bare `-`); a row cut off
    before its link says nothing either way."""
    if peer.link is Link.RELAY:
        return True
    return peer.link is Link.UNKNOWN and not peer.paths and "truncated" not in peer.flags


def merged_peers(outputs: Sequence[ParsedOutput]) -> tuple[list[Peer], int, list[str]]:
    """Every peer of every peer list, one per address, the latest row winning; the number of
    copies; and the peers that went from relayed to direct between copies."""
    tables = [o.peers for o in outputs if o.peers]
    if len(tables) == 1:
        return list(tables[0]), 1, []
    merged: dict[str, Peer] = {}
    fixed: dict[str, None] = {}
    for rows in tables:
        for peer in rows:
            before = merged.pop(peer.address, None)  # re-insert: the latest row, latest place
            if before is not None and is_relayed(before) and peer.link is Link.DIRECT:
                fixed[peer.address] = None
            elif is_relayed(peer):
                fixed.pop(peer.address, None)
            merged[peer.address] = peer
    return list(merged.values()), len(tables), list(fixed)


def build(outputs: Sequence[ParsedOutput]) -> Table:
    """Sort the merged peers of a message into roots, leaves and their path states."""
    peers, copies, now_direct = merged_peers(outputs)
    t = Table(peers=peers, copies=copies, now_direct=now_direct)
    for p in peers:
        relayed = is_relayed(p)
        if p.tunneled:
            t.tunneled = True
        if p.role in ROOT_ROLES:
            t.roots.append(p)
            if relayed:
                t.relayed_roots.append(p)
            elif p.link is Link.DIRECT:
                t.direct_roots.append(p)
                if _silent(p):
                    t.stale_roots.append(p)
        elif p.role is Role.LEAF:
            t.leaves.append(p)
            if relayed:
                t.relayed_leaves.append(p)
            elif p.link is Link.DIRECT:
                t.direct_leaves.append(p)
        if p.paths and _one_way(p):
            t.one_way.append(p)
    return t


def _silent(peer: Peer) -> bool:
    ages = [path.last_receive_ms for path in peer.paths if path.last_receive_ms is not None]
    return bool(ages) and min(ages) >= ROOT_SILENT_MS


def _one_way(peer: Peer) -> bool:
    paths = peer.paths
    if len(paths) == 1:  # the common case, without two generators per row
        return paths[0].received is False and paths[0].sent is not False
    return all(path.received is False for path in paths) and any(
        path.sent is not False for path in paths
    )
