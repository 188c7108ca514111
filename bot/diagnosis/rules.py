"""Rules: parsed zerotier-cli facts -> observations with a stable code and evidence.

Each rule is a pure function over every output found in a message (or in a conversation).
Rules do not word anything for users: the text for each code lives in the knowledge YAML
(`findings:`), so admins can reword it. See the formats document, section 12, for the
meaning of each signal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal

from bot.diagnosis.model import (
    CliError,
    Link,
    Network,
    NodeInfo,
    NodeStatus,
    OsName,
    ParsedOutput,
    Peer,
    PingResult,
    Role,
)

Severity = Literal["info", "warning", "error"]

HIGH_LATENCY_MS: Final = 250  # a direct path this slow is worth a look (roots excluded)
OLD_VERSION: Final = (1, 8)  # older than this: several NAT-traversal and TCP-fallback fixes missing
MISMATCH_MINORS: Final = 4  # this many minor releases apart (1.14 vs 1.10) is worth a mention
_MAX_LISTED: Final = 5  # addresses named in one summary; the rest are counted
_MAX_EVIDENCE: Final = 50  # evidence lines kept per finding; the summary carries the count


@dataclass(frozen=True, slots=True)
class Observation:
    """One thing a rule noticed: a code, the values its wording needs, and the evidence."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    os: OsName | None = None


Rule = Callable[[Sequence[ParsedOutput]], Iterable[Observation]]


def _peers(outputs: Sequence[ParsedOutput]) -> list[Peer]:
    """The peers of the last peers-like output (a paste may hold several snapshots)."""
    tables = [o for o in outputs if o.peers]
    return list(tables[-1].peers) if tables else []


def _os(outputs: Sequence[ParsedOutput]) -> OsName | None:
    return next((o.os_hint for o in reversed(outputs) if o.os_hint), None)


def _listed(addresses: Sequence[str]) -> str:
    shown = ", ".join(f"`{a}`" for a in addresses[:_MAX_LISTED])
    more = len(addresses) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _evidence(peers: Sequence[Peer]) -> tuple[str, ...]:
    lines = [_peer_evidence(p) for p in peers[:_MAX_EVIDENCE]]
    if len(peers) > _MAX_EVIDENCE:
        lines.append(f"... and {len(peers) - _MAX_EVIDENCE} more")
    return tuple(lines)


def _peer_evidence(peer: Peer) -> str:
    bits = [peer.role.value]
    if peer.version:
        bits.append(peer.version)
    bits.append(peer.link.value)
    if peer.latency_ms is not None:
        bits.append(f"{peer.latency_ms} ms")
    where = f" (line {peer.line})" if peer.line else ""
    return f"{peer.address}: {' '.join(bits)}{where}"


def _is_relayed(peer: Peer) -> bool:
    return peer.link is Link.RELAY or (peer.link is Link.UNKNOWN and not peer.paths)


def _is_tunneled(outputs: Sequence[ParsedOutput]) -> bool:
    if any(o.info is not None and o.info.status is NodeStatus.TUNNELED for o in outputs):
        return True
    return any(p.tunneled for p in _peers(outputs))


def rule_roots(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """No root reachable directly, versus roots fine but some peers relayed."""
    peers = _peers(outputs)
    if not peers or _is_tunneled(outputs):
        return
    roots = [p for p in peers if p.role in (Role.PLANET, Role.MOON)]
    leaves = [p for p in peers if p.role is Role.LEAF]
    direct_roots = [p for p in roots if p.link is Link.DIRECT and not _is_relayed(p)]
    if roots and not direct_roots:
        yield Observation(
            "no-root-reachable",
            {"roots": len(roots)},
            _evidence(roots),
            _os(outputs),
        )
        return
    relayed = [p for p in leaves if _is_relayed(p)]
    if relayed:
        yield Observation(
            "peer-relayed",
            {
                "relayed": len(relayed),
                "peers": len(leaves),
                "addresses": _listed([p.address for p in relayed]),
                "roots_direct": len(direct_roots),
                "roots": len(roots),
                # A table counts roots too: say they were left out of "N of M peers".
                "not_counted": _roots_left_out(len(roots)),
            },
            _evidence(relayed),
            _os(outputs),
        )


def _roots_left_out(roots: int) -> str:
    if roots == 0:
        return ""
    return " (the root not counted)" if roots == 1 else f" (the {roots} roots not counted)"


def rule_node_state(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """OFFLINE (no root answers) or TUNNELED (TCP fallback relay)."""
    infos = [o.info for o in outputs if o.info is not None]
    node: NodeInfo | None = infos[-1] if infos else None
    if node is not None and node.status is NodeStatus.OFFLINE:
        evidence = f"{node.address}: {node.version or '?'} OFFLINE"
        yield Observation("node-offline", {"address": node.address}, (evidence,), _os(outputs))
    elif _is_tunneled(outputs):
        address = node.address if node is not None else "this node"
        yield Observation(
            "tcp-fallback", {"address": address}, (f"{address}: TUNNELED",), _os(outputs)
        )


def rule_latency(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """Direct paths to other members that are slow anyway."""
    slow = [
        p
        for p in _peers(outputs)
        if p.role is Role.LEAF
        and p.link is Link.DIRECT
        and p.latency_ms is not None
        and p.latency_ms >= HIGH_LATENCY_MS
    ]
    if slow:
        yield Observation(
            "high-latency",
            {
                "count": len(slow),
                "addresses": _listed([p.address for p in slow]),
                "worst_ms": max(p.latency_ms or 0 for p in slow),
            },
            _evidence(slow),
            _os(outputs),
        )


def rule_one_way(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """Paths we send on but never hear back from: inbound UDP is blocked somewhere."""
    one_way = [
        p
        for p in _peers(outputs)
        if p.paths
        and all(path.received is False for path in p.paths)
        and any(path.sent is not False for path in p.paths)
    ]
    if one_way:
        yield Observation(
            "one-way-path",
            {"count": len(one_way), "addresses": _listed([p.address for p in one_way])},
            _evidence(one_way),
            _os(outputs),
        )


_NETWORK_CODES: Final = {
    "NOT_FOUND": "network-not-found",
    "ACCESS_DENIED": "access-denied",
    "REQUESTING_CONFIGURATION": "requesting-configuration",
    "PORT_ERROR": "port-error",
    "AUTHENTICATION_REQUIRED": "authentication-required",
    "CLIENT_TOO_OLD": "client-too-old",
}


def rule_networks(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """Networks that are not OK, each with what its status means."""
    latest: dict[str, Network] = {}
    for out in outputs:
        for net in out.networks:
            latest[net.id] = net
    peers = {p.address: p for p in _peers(outputs)}
    by_code: dict[str, list[Network]] = {}
    for net in latest.values():
        code = _NETWORK_CODES.get((net.status or "").upper())
        if code is None and net.auth == "expired":
            code = "authentication-required"
        if code is not None:
            by_code.setdefault(code, []).append(net)
    for code, nets in by_code.items():
        evidence = tuple(
            f"{n.id} {n.name or ''} {n.status or ''}".replace("  ", " ").strip()
            + (f" (line {n.line})" if n.line else "")
            for n in nets
        )
        params: dict[str, Any] = {"networks": _listed([n.id for n in nets]), "count": len(nets)}
        controller = nets[0].controller
        if controller:
            params["controller"] = controller
            seen = peers.get(controller)
            params["controller_seen"] = (
                f"{seen.link.value.lower()}" if seen is not None else "not in the peer list"
            )
        yield Observation(code, params, evidence, _os(outputs))


_ERROR_CODES: Final = {
    "service-unreachable": "service-unreachable",
    "port-missing": "service-unreachable",
    "home-missing": "service-unreachable",
    "token-unreadable": "token-unreadable",
    "cli-not-found": "cli-not-found",
    "invalid-json": "wrong-service-on-port",
}


def rule_cli_errors(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """The CLI could not talk to the service, could not read the token, or got an HTTP error."""
    seen: set[str] = set()
    for out in outputs:
        for err in out.errors:
            code = _ERROR_CODES.get(err.kind)
            if code is None and err.kind == "http-error" and err.status_code == 401:
                code = "unauthorized"
            if code is None or code in seen:
                continue
            seen.add(code)
            yield Observation(
                code,
                {"reason": err.reason or "", "home": err.home or "", "program": err.program or ""},
                (_error_evidence(err),),
                err.os or out.os_hint,
            )


def _error_evidence(err: CliError) -> str:
    where = f" (line {err.line})" if err.line else ""
    return f"{err.text.strip()[:200]}{where}"


def rule_ping(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """Ping over the virtual network: no reply, unreachable, loss or slow replies."""
    for out in outputs:
        for run in out.pings:
            target = run.target_ip or run.target or "the target"
            base = {"target": target, "sent": run.sent or 0, "received": run.received or 0}
            evidence = (_ping_evidence(run),)
            if run.unreachable and not run.replies:
                yield Observation("ping-unreachable", base, evidence, run.os or out.os_hint)
            elif not run.replies and (run.timeouts or (run.sent and not run.received)):
                yield Observation("ping-timeout", base, evidence, run.os or out.os_hint)
            elif run.times_ms:
                avg = sum(run.times_ms) / len(run.times_ms)
                loss = run.loss_pct or 0.0
                if avg >= HIGH_LATENCY_MS:
                    yield Observation(
                        "ping-slow", {**base, "avg_ms": round(avg)}, evidence, run.os or out.os_hint
                    )
                elif loss > 0:
                    yield Observation(
                        "ping-loss", {**base, "loss": round(loss)}, evidence, run.os or out.os_hint
                    )


def _ping_evidence(run: PingResult) -> str:
    parts = [f"ping {run.target_ip or run.target or '?'}"]
    if run.sent is not None:
        parts.append(f"{run.received or 0}/{run.sent} replies")
    if run.loss_pct is not None:
        parts.append(f"{run.loss_pct:g}% loss")
    if run.times_ms:
        parts.append(f"avg {sum(run.times_ms) / len(run.times_ms):.0f} ms")
    if run.timeouts:
        parts.append(f"{run.timeouts} timed out")
    if run.unreachable:
        parts.append(f"{run.unreachable} unreachable")
    return ", ".join(parts)


_VERSION: Final = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


@lru_cache(maxsize=1024)
def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`1.6.4` -> (1, 6, 4); None for `-`, `-1.-1.-1` or junk."""
    m = _VERSION.match(text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def rule_versions(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """This node, or members it talks to, run an old ZeroTier."""
    infos = [o.info for o in outputs if o.info is not None]
    mine = parse_version(infos[-1].version) if infos else None
    old: list[str] = []
    if infos and mine is not None and mine[:2] < OLD_VERSION:
        old.append(f"{infos[-1].address} (this node): {infos[-1].version}")
    for peer in _peers(outputs):
        v = parse_version(peer.version)
        if peer.role is Role.LEAF and v is not None and v[:2] < OLD_VERSION:
            old.append(f"{peer.address}: {peer.version}")
    if old:
        yield Observation(
            "old-version",
            {"count": len(old), "oldest": min(e.split(": ")[1] for e in old)},
            tuple(old[:_MAX_EVIDENCE]),
            _os(outputs),
        )
    if mine is None or mine[:2] < OLD_VERSION:
        return
    apart = [
        p
        for p in _peers(outputs)
        if p.role is Role.LEAF
        and (v := parse_version(p.version)) is not None
        and v[:2] >= OLD_VERSION
        and v[0] == mine[0]
        and abs(v[1] - mine[1]) >= MISMATCH_MINORS
    ]
    if apart:
        yield Observation(
            "version-mismatch",
            {
                "mine": infos[-1].version,
                "count": len(apart),
                "addresses": _listed([p.address for p in apart]),
            },
            _evidence(apart),
            _os(outputs),
        )


def rule_who_are_peers(outputs: Sequence[ParsedOutput]) -> Iterable[Observation]:
    """Explain a peer list: roots, moons, controllers of the networks shown, other members."""
    peers = _peers(outputs)
    if not peers:
        return
    controllers = {n.controller for o in outputs for n in o.networks if n.controller is not None}
    planets = [p.address for p in peers if p.role in (Role.PLANET, Role.ROOT)]
    moons = [p.address for p in peers if p.role is Role.MOON]
    ctrl = [p.address for p in peers if p.address in controllers]
    leaves = [p.address for p in peers if p.role is Role.LEAF and p.address not in controllers]
    evidence = []
    if planets:
        evidence.append(f"ZeroTier root servers (PLANET): {', '.join(planets)}")
    if moons:
        evidence.append(f"moons you orbit (MOON): {', '.join(moons)}")
    if ctrl:
        evidence.append(f"network controllers: {', '.join(ctrl)}")
    if leaves:
        evidence.append(f"other nodes (LEAF): {', '.join(leaves[:20])}")
    yield Observation(
        "peer-roles",
        {
            "planets": len(planets),
            "moons": len(moons),
            "controllers": len(ctrl),
            "leaves": len(leaves),
        },
        tuple(evidence),
        _os(outputs),
    )


RULES: Final[tuple[Rule, ...]] = (
    rule_cli_errors,
    rule_node_state,
    rule_roots,
    rule_networks,
    rule_one_way,
    rule_latency,
    rule_ping,
    rule_versions,
    rule_who_are_peers,
)


def observe(outputs: Sequence[ParsedOutput]) -> list[Observation]:
    """Run every rule over the outputs of one message or conversation, in rule order."""
    return [obs for rule in RULES for obs in rule(outputs)]


# Every code a rule can emit (the knowledge base must word each one).
CODES: Final[frozenset[str]] = frozenset(
    {
        "no-root-reachable",
        "peer-relayed",
        "tcp-fallback",
        "node-offline",
        "high-latency",
        "one-way-path",
        "old-version",
        "peer-roles",
        "ping-timeout",
        "ping-unreachable",
        "ping-loss",
        "ping-slow",
        "unauthorized",
        "version-mismatch",
        *_NETWORK_CODES.values(),
        *_ERROR_CODES.values(),
    }
)
