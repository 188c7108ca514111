"""Plain facts parsed out of pasted zerotier-cli output.

Every type is a frozen, slotted dataclass with a `to_dict()` giving the JSON shape that
`ztbot diagnose --json` prints (see DESIGN.md, "CLI contract"). Values that could not be read
(masked, damaged, cut off) are None and named in the item's `flags`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from operator import itemgetter
from typing import Any, Final, Literal, cast, overload

JsonDict = dict[str, Any]

Command = Literal[
    "peers",
    "listpeers",
    "info",
    "listnetworks",
    "listmoons",
    "json-peers",
    "json-info",
    "json-listnetworks",
    "error",
    "ping",
]
OsName = Literal["windows", "macos", "linux", "bsd"]


class Role(StrEnum):
    """A peer's role; RELAY and ROOT are the 1.1.x names, not link states."""

    PLANET = "PLANET"
    MOON = "MOON"
    LEAF = "LEAF"
    ROOT = "ROOT"
    RELAY = "RELAY"
    UNKNOWN = "UNKNOWN"


class Link(StrEnum):
    """How traffic reaches a peer: a direct UDP path or relayed (roots or TCP fallback)."""

    DIRECT = "DIRECT"
    RELAY = "RELAY"
    UNKNOWN = "UNKNOWN"


class NodeStatus(StrEnum):
    """The node state printed by `info`; TUNNELED hides whether it is also online."""

    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    TUNNELED = "TUNNELED"
    UNKNOWN = "UNKNOWN"


_PEER_COMMANDS: Final = frozenset({"peers", "listpeers", "json-peers"})


NETWORK_STATUSES = frozenset(
    {
        "REQUESTING_CONFIGURATION",
        "OK",
        "ACCESS_DENIED",
        "NOT_FOUND",
        "PORT_ERROR",
        "CLIENT_TOO_OLD",
        "AUTHENTICATION_REQUIRED",
    }
)


@dataclass(frozen=True, slots=True)
class Path:
    """One physical path to a peer (`IP/port`), with ages in ms since last send/receive."""

    address: str
    ip: str | None = None
    port: int | None = None
    # Ages in ms; None when never (-1, 0 in 1.1, epoch-ms display bug) or unreadable.
    last_send_ms: int | None = None
    last_receive_ms: int | None = None
    # False when the output says "never"; None when the output does not say.
    sent: bool | None = None
    received: bool | None = None
    # JSON forms give epoch ms instead of ages (no clock beside them to subtract).
    last_send_epoch_ms: int | None = None
    last_receive_epoch_ms: int | None = None
    preferred: bool | None = None
    active: bool | None = None
    expired: bool | None = None
    link_quality: float | None = None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this path."""
        return {
            "address": self.address,
            "ip": self.ip,
            "port": self.port,
            "last_send_ms": self.last_send_ms,
            "last_receive_ms": self.last_receive_ms,
            "sent": self.sent,
            "received": self.received,
            "last_send_epoch_ms": self.last_send_epoch_ms,
            "last_receive_epoch_ms": self.last_receive_epoch_ms,
            "preferred": self.preferred,
            "active": self.active,
            "expired": self.expired,
            "link_quality": self.link_quality,
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class Peer:
    """One peer row of `peers`, `listpeers` or their `-j` forms."""

    address: str
    version: str | None = None
    role: Role = Role.UNKNOWN
    latency_ms: int | None = None
    link: Link = Link.UNKNOWN
    paths: tuple[Path, ...] = ()
    # True on 1.10.3+ `RELAY <tx> <rx> <path>` rows, under the NOTE line, or `tunneled: true`.
    tunneled: bool | None = None
    line: int | None = None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this peer."""
        return {
            "address": self.address,
            "version": self.version,
            "role": self.role.value,
            "latency_ms": self.latency_ms,
            "link": self.link.value,
            "paths": [p.to_dict() for p in self.paths],
            "tunneled": self.tunneled,
            "line": self.line,
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """This node's identity and state from `info`/`status` or `-j info`."""

    address: str
    version: str | None = None
    status: NodeStatus = NodeStatus.UNKNOWN
    online: bool | None = None
    tcp_fallback_active: bool | None = None
    # 1.1.x printed the state before the version.
    legacy_order: bool = False
    clock_ms: int | None = None
    planet_world_id: int | None = None
    primary_port: int | None = None
    port_mapping_enabled: bool | None = None
    allow_tcp_fallback_relay: bool | None = None
    force_tcp_relay: bool | None = None
    listening_on: tuple[str, ...] = ()
    surface_addresses: tuple[str, ...] = ()
    home_dir: str | None = None
    line: int | None = None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this node."""
        return {
            "address": self.address,
            "version": self.version,
            "status": self.status.value,
            "online": self.online,
            "tcp_fallback_active": self.tcp_fallback_active,
            "legacy_order": self.legacy_order,
            "clock_ms": self.clock_ms,
            "planet_world_id": self.planet_world_id,
            "primary_port": self.primary_port,
            "port_mapping_enabled": self.port_mapping_enabled,
            "allow_tcp_fallback_relay": self.allow_tcp_fallback_relay,
            "force_tcp_relay": self.force_tcp_relay,
            "listening_on": list(self.listening_on),
            "surface_addresses": list(self.surface_addresses),
            "home_dir": self.home_dir,
            "line": self.line,
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class Network:
    """One joined network from `listnetworks` or `-j listnetworks`."""

    # None when only the tail of a row was pasted (`REQUESTING_CONFIGURATION PRIVATE zt0 -`).
    id: str | None
    name: str | None = None
    mac: str | None = None
    status: str | None = None
    type: str | None = None
    device: str | None = None
    ips: tuple[str, ...] = ()
    # SSO (1.8.1+): "ok" or "expired" from the indented `AUTH ...` line.
    auth: str | None = None
    auth_url: str | None = None
    auth_expires_in_s: int | None = None
    port_error: int | None = None
    netconf_revision: int | None = None
    config_age_s: int | None = None
    line: int | None = None
    flags: tuple[str, ...] = ()

    @property
    def controller(self) -> str | None:
        """The controller's address: the first 10 hex digits of a well-formed network id."""
        nwid = self.id or ""
        return nwid[:10] if len(nwid) == 16 and _is_hex(nwid) else None

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this network."""
        return {
            "id": self.id,
            "name": self.name,
            "mac": self.mac,
            "status": self.status,
            "type": self.type,
            "device": self.device,
            "ips": list(self.ips),
            "controller": self.controller,
            "auth": self.auth,
            "auth_url": self.auth_url,
            "auth_expires_in_s": self.auth_expires_in_s,
            "port_error": self.port_error,
            "netconf_revision": self.netconf_revision,
            "config_age_s": self.config_age_s,
            "line": self.line,
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class MoonRoot:
    """One root of a moon: its address and stable endpoints."""

    address: str
    stable_endpoints: tuple[str, ...] = ()

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this moon root."""
        return {"address": self.address, "stable_endpoints": list(self.stable_endpoints)}


@dataclass(frozen=True, slots=True)
class Moon:
    """One orbited moon from `listmoons`."""

    id: str
    roots: tuple[MoonRoot, ...] = ()
    timestamp: int | None = None
    waiting: bool | None = None
    line: int | None = None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this moon."""
        return {
            "id": self.id,
            "roots": [r.to_dict() for r in self.roots],
            "timestamp": self.timestamp,
            "waiting": self.waiting,
            "line": self.line,
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class CliError:
    """An error printed by zerotier-cli (or the shell running it), with the OS it implies."""

    # service-unreachable, token-unreadable, port-missing, home-missing, http-error,
    # invalid-json, join-invalid, set-invalid, unknown-property, unknown-network,
    # usage, cli-not-found
    kind: str
    text: str
    command: str | None = None
    status_code: int | None = None
    reason: str | None = None
    home: str | None = None
    program: str | None = None
    version: str | None = None
    os: OsName | None = None
    line: int | None = None

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this error."""
        return {
            "kind": self.kind,
            "text": self.text,
            "command": self.command,
            "status_code": self.status_code,
            "reason": self.reason,
            "home": self.home,
            "program": self.program,
            "version": self.version,
            "os": self.os,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class PingResult:
    """One run of the system ping command (Windows, macOS or Linux flavour)."""

    os: OsName | None = None
    target: str | None = None
    target_ip: str | None = None
    # From the summary line when present, else counted from the reply lines.
    sent: int | None = None
    received: int | None = None
    loss_pct: float | None = None
    # Real echo replies; Windows counts "Destination host unreachable" replies as received.
    replies: int = 0
    times_ms: tuple[float, ...] = ()
    timeouts: int = 0
    unreachable: int = 0
    unreachable_from: str | None = None
    errors: tuple[str, ...] = ()
    has_summary: bool = False
    line: int | None = None

    def to_dict(self) -> JsonDict:
        """Return the JSON shape of this ping run."""
        return {
            "os": self.os,
            "target": self.target,
            "target_ip": self.target_ip,
            "sent": self.sent,
            "received": self.received,
            "loss_pct": self.loss_pct,
            "replies": self.replies,
            "times_ms": list(self.times_ms),
            "timeouts": self.timeouts,
            "unreachable": self.unreachable,
            "unreachable_from": self.unreachable_from,
            "errors": list(self.errors),
            "has_summary": self.has_summary,
            "line": self.line,
        }


Item = Peer | NodeInfo | Network | Moon | CliError | PingResult

# What the rules need of one peer row, as nine strings (a `findall` tuple for a big table):
# address; version ("" or "-" when unknown); role letter (P, M, L, R for ROOT, E for the 1.1.x
# RELAY role, U); a mark when the link is direct and at least SLOW_MS slow; the latency ("" or
# negative when unknown); link letter (D direct, R relayed, "" neither); then marks, non-empty
# when: tunneled; nothing ever sent (lastTX never, on every path); nothing ever received
# (lastRX never, on every path; never set without a path). A big table keeps only these; its
# peers are built when asked for.
Facts = tuple[str, str, str, str, str, str, str, str, str]
ADDRESS, VERSION, ROLE, SLOW, LATENCY, LINK, TUNNELED, TX_NEVER, RX_NEVER = range(9)
SLOW_MS: Final = 250  # the latency in SLOW: the latency rule's bar is never lower
JSON_PEERS: Final = 100  # peers listed in the JSON of one table; the rest are counted


class PeerRows(Sequence[Peer]):
    """The peers of one table: the facts of every row, each `Peer` built on first use.

    Reading 10,000 rows must not build 10,000 objects with their paths: the rules read the
    facts, and only the few peers a reply names (or the JSON lists) are built.
    """

    __slots__ = ("_build", "_built", "_facts", "_nums", "_texts")

    def __init__(
        self,
        facts: list[Facts],
        built: list[Peer | None],
        texts: list[str],
        nums: list[int],
        build: Callable[[str, int], Peer],
    ) -> None:
        self._facts = facts
        self._built = built
        self._texts = texts  # the row's text, read again by `build` when the peer is asked for
        self._nums = nums
        self._build = build

    @property
    def facts(self) -> list[Facts]:
        """The facts of every row, in order."""
        return self._facts

    def __len__(self) -> int:
        return len(self._facts)

    @overload
    def __getitem__(self, index: int) -> Peer: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Peer, ...]: ...

    def __getitem__(self, index: int | slice) -> Peer | tuple[Peer, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        peer = self._built[index]
        if peer is None:
            i = index % len(self._built)
            peer = self._build(self._texts[i], self._nums[i])
            self._built[i] = peer
        return peer

    def __iter__(self) -> Iterator[Peer]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PeerRows | tuple | list):
            return len(self) == len(other) and all(
                a == b for a, b in zip(self, other, strict=False)
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"PeerRows({len(self)} rows)"


def peers_summary(peers: Sequence[Peer]) -> JsonDict:
    """Counts by role and by link: what the JSON says of the rows it does not list."""
    if isinstance(peers, PeerRows):
        facts = peers.facts
        # Counted in C by letter, then named.
        roles = Counter(map(itemgetter(ROLE), facts))
        links = Counter(map(itemgetter(LINK), facts))
        return {
            "roles": _named(roles, _ROLE_NAMES),
            "links": _named(links, _LINK_NAMES),
        }
    return {
        "roles": dict(Counter(p.role.value for p in peers)),
        "links": dict(Counter(p.link.value for p in peers)),
    }


def _named(counts: Counter[str], names: dict[str, str]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for letter, n in counts.items():
        out[names.get(letter, "UNKNOWN")] += n
    return dict(out)


_ROLE_NAMES: Final = {"P": "PLANET", "M": "MOON", "L": "LEAF", "R": "ROOT", "E": "RELAY"}
_LINK_NAMES: Final = {"D": "DIRECT", "R": "RELAY"}
_ROLE_LETTERS: Final = {Role(name): letter for letter, name in _ROLE_NAMES.items()}


def is_relayed(peer: Peer) -> bool:
    """Relayed: link RELAY, or a row with no path and no link (a bare `-`); a row cut off
    before its link says nothing either way."""
    if peer.link is Link.RELAY:
        return True
    return peer.link is Link.UNKNOWN and not peer.paths and "truncated" not in peer.flags


def facts_of(peer: Peer) -> Facts:
    """The facts of a peer already built (see `Facts`)."""
    direct = peer.link is Link.DIRECT
    latency = peer.latency_ms
    paths = peer.paths
    return (
        peer.address,
        peer.version or "",
        _ROLE_LETTERS.get(peer.role, "U"),
        "1" if direct and latency is not None and latency >= SLOW_MS else "",
        "" if latency is None else str(latency),
        "D" if direct else ("R" if is_relayed(peer) else ""),
        "T" if peer.tunneled else "",
        "-" if paths and all(p.sent is False for p in paths) else "",
        "-" if paths and all(p.received is False for p in paths) else "",
    )


@dataclass(frozen=True, slots=True)
class ParsedOutput:
    """One command output found in a message and what could be read from it."""

    command: Command
    # A tuple, or PeerRows for a `peers` table (its peers built on first use).
    items: Sequence[Item] = ()
    # 1-based line numbers (in the message) of the lines this output was read from.
    lines: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    os_hint: OsName | None = None
    # The command line typed before the output, when the paste shows it.
    typed: str | None = None
    # A version range read from the layout, e.g. "1.10.3+" for the 3-space `peers` header.
    variant: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def peers(self) -> Sequence[Peer]:
        """The peers in this output."""
        if self.command not in _PEER_COMMANDS:
            return ()
        # Peer tables hold only peers; skipping the per-item check matters at 10,000 rows.
        return cast("Sequence[Peer]", self.items)

    # Each command holds one kind of item: the accessors answer from the command alone, so a
    # 10,000-row peer table is never walked to find that it holds no networks.
    @property
    def networks(self) -> tuple[Network, ...]:
        """The networks in this output."""
        if self.command not in ("listnetworks", "json-listnetworks"):
            return ()
        return tuple(i for i in self.items if isinstance(i, Network))

    @property
    def moons(self) -> tuple[Moon, ...]:
        """The moons in this output."""
        if self.command != "listmoons":
            return ()
        return tuple(i for i in self.items if isinstance(i, Moon))

    @property
    def errors(self) -> tuple[CliError, ...]:
        """The CLI errors in this output."""
        if self.command != "error":
            return ()
        return tuple(i for i in self.items if isinstance(i, CliError))

    @property
    def pings(self) -> tuple[PingResult, ...]:
        """The ping runs in this output."""
        if self.command != "ping":
            return ()
        return tuple(i for i in self.items if isinstance(i, PingResult))

    @property
    def info(self) -> NodeInfo | None:
        """The node info in this output, if any."""
        if self.command not in ("info", "json-info"):
            return None
        return next((i for i in self.items if isinstance(i, NodeInfo)), None)

    def to_dict(self) -> JsonDict:
        """Return the DESIGN.md shape: `command`, the parsed facts, then provenance."""
        out: JsonDict = {"command": self.command}
        if self.command in ("peers", "listpeers", "json-peers"):
            peers = self.peers
            # A huge table is listed in part (the JSON of 10,000 peers with their paths is
            # megabytes nobody reads); "count" keeps the total, "peers_summary" the shape.
            out["peers"] = [p.to_dict() for p in islice(peers, JSON_PEERS)]
            if len(peers) > JSON_PEERS:
                out["peers_omitted"] = len(peers) - JSON_PEERS
                out["peers_summary"] = peers_summary(peers)
        elif self.command in ("info", "json-info"):
            info = self.info
            # The info fields sit at the top level (the contract) and under "info".
            if info is not None:
                out.update(info.to_dict())
            out["info"] = info.to_dict() if info is not None else None
        elif self.command in ("listnetworks", "json-listnetworks"):
            out["networks"] = [n.to_dict() for n in self.networks]
        elif self.command == "listmoons":
            out["moons"] = [m.to_dict() for m in self.moons]
        elif self.command == "error":
            errors = [e.to_dict() for e in self.errors]
            if errors:
                out.update(errors[0])
            out["errors"] = errors
        elif self.command == "ping":
            pings = [p.to_dict() for p in self.pings]
            if pings:
                out.update(pings[0])
            out["pings"] = pings
        out["command"] = self.command
        out["count"] = len(self.items)
        out["lines"] = list(self.lines)
        out["warnings"] = list(self.warnings)
        out["os_hint"] = self.os_hint
        out["typed"] = self.typed
        out["variant"] = self.variant
        out["notes"] = list(self.notes)
        return out


def to_jsonable(outputs: list[ParsedOutput] | tuple[ParsedOutput, ...]) -> list[JsonDict]:
    """Return the `outputs` list of `ztbot diagnose --json`."""
    return [o.to_dict() for o in outputs]


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)
