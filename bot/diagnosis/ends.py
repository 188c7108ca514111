"""Two ends of a link: correlate pastes from both nodes of a conversation.

Each paste that shows a node's identity (`info`) and its peers becomes a compact NodeView,
kept in the conversation context. When two views name each other, their findings are joined:
how each side reaches the other, and which side's network is the likely culprit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.diagnosis.codes import Code
from bot.diagnosis.model import LINK, ROLE, TUNNELED, Link, NodeStatus, ParsedOutput
from bot.diagnosis.rules import Observation, parse_version
from bot.diagnosis.table import table_facts

_MAX_VIEWS: Final = 4  # nodes remembered per conversation


@dataclass(frozen=True, slots=True)
class PeerLink:
    """How one node reaches one LEAF peer."""

    address: str
    link: str
    latency_ms: int | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class NodeView:
    """What one node's paste showed: who it is and how it reaches its peers."""

    address: str
    version: str | None = None
    status: str | None = None
    roots_direct: bool | None = None
    links: tuple[PeerLink, ...] = ()

    def link_to(self, address: str) -> PeerLink | None:
        """This node's link to `address`, if its peer list shows one."""
        return next((p for p in self.links if p.address == address), None)

    @property
    def upstream_blocked(self) -> bool:
        """True when this node cannot use UDP to the internet (offline, tunneled, no root)."""
        return self.status in ("OFFLINE", "TUNNELED") or self.roots_direct is False


def view_of(outputs: Sequence[ParsedOutput]) -> NodeView | None:
    """A NodeView from one message's outputs; None unless it shows the node's own address."""
    infos = [o.info for o in outputs if o.info is not None and o.info.address]
    if not infos:
        return None
    node = infos[-1]
    tables = [o for o in outputs if o.peers]
    # The facts of the rows, not their peers: a big table builds no objects here.
    rows = table_facts(tables[-1].peers) if tables else []
    roots = [f[LINK] for f in rows if f[ROLE] in ("P", "M")]
    links = tuple(
        PeerLink(address, _LINKS.get(link, "UNKNOWN"), _latency(latency), _version(version))
        for address, version, role, _, latency, link, *_ in rows
        if role == "L"
    )
    tunneled = node.status is NodeStatus.TUNNELED or any(f[TUNNELED] for f in rows)
    return NodeView(
        address=node.address,
        version=node.version,
        status="TUNNELED" if tunneled else node.status.value,
        roots_direct="D" in roots if roots else None,
        links=links,
    )


_LINKS: Final = {"D": Link.DIRECT.value, "R": Link.RELAY.value}


def _latency(text: str) -> int | None:
    return int(text) if text and text[0] != "-" else None


def _version(text: str) -> str | None:
    return None if text in ("", "-") else text


def remember(views: Sequence[NodeView], new: NodeView | None) -> tuple[NodeView, ...]:
    """Add or replace `new` (by address) in the remembered views, keeping the latest few."""
    if new is None:
        return tuple(views)
    kept = [v for v in views if v.address != new.address]
    return (*kept, new)[-_MAX_VIEWS:]


def _relayed_share(view: NodeView, other: str) -> float | None:
    others = [p for p in view.links if p.address != other]
    if not others:
        return None
    return sum(p.link == "RELAY" for p in others) / len(others)


def _culprit(a: NodeView, b: NodeView) -> str:
    """The side whose network most likely breaks the direct path, or 'either side'."""
    if a.upstream_blocked != b.upstream_blocked:
        return a.address if a.upstream_blocked else b.address
    share_a, share_b = _relayed_share(a, b.address), _relayed_share(b, a.address)
    if share_a is not None and share_b is not None and abs(share_a - share_b) >= 0.5:
        return a.address if share_a > share_b else b.address
    if share_a is not None and share_b is None and share_a >= 0.5:
        return a.address
    if share_b is not None and share_a is None and share_b >= 0.5:
        return b.address
    return "either side"


def correlate(views: Sequence[NodeView]) -> Iterable[Observation]:
    """One observation per pair of remembered nodes that show each other."""
    for a, b in itertools.combinations(views, 2):
        a_sees, b_sees = a.link_to(b.address), b.link_to(a.address)
        if a_sees is None or b_sees is None:
            continue
        evidence = (
            f"{a.address} sees {b.address}: {a_sees.link}"
            + (f" {a_sees.latency_ms} ms" if a_sees.latency_ms is not None else ""),
            f"{b.address} sees {a.address}: {b_sees.link}"
            + (f" {b_sees.latency_ms} ms" if b_sees.latency_ms is not None else ""),
        )
        va, vb = parse_version(a.version), parse_version(b.version)
        versions = f"{a.version or '?'} and {b.version or '?'}"
        params = {
            "a": a.address,
            "b": b.address,
            "a_sees": a_sees.link,
            "b_sees": b_sees.link,
            "versions": versions,
            "same_version": "yes" if va is not None and va[:2] == (vb or ())[:2] else "no",
        }
        if a_sees.link == "DIRECT" and b_sees.link == "DIRECT":
            yield Observation(Code.TWO_ENDS_DIRECT, params, evidence)
        else:
            yield Observation(
                Code.TWO_ENDS_RELAYED, {**params, "culprit": _culprit(a, b)}, evidence
            )
