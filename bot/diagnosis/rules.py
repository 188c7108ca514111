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
from itertools import islice
from typing import Any, Final

from bot.diagnosis.codes import CODES, Code, Severity
from bot.diagnosis.model import (
    ADDRESS,
    ROLE,
    SLOW_MS,
    VERSION,
    CliError,
    Network,
    NodeInfo,
    NodeStatus,
    OsName,
    ParsedOutput,
    Peer,
    PingResult,
    Role,
)
from bot.diagnosis.table import ROOT_SILENT_MS, Table, build

HIGH_LATENCY_MS: Final = SLOW_MS  # a direct path this slow is worth a look (roots excluded)
OLD_VERSION: Final = (1, 8)  # older than this: several NAT-traversal and TCP-fallback fixes missing
MISMATCH_MINORS: Final = 4  # this many minor releases apart (1.14 vs 1.10) is worth a mention
_MAX_LISTED: Final = 5  # addresses named in one summary; the rest are counted
_MAX_EVIDENCE: Final = 50  # evidence lines kept per finding; the summary carries the count


@dataclass(frozen=True, slots=True)
class Observation:
    """One thing a rule noticed: a code, the values its wording needs, and the evidence."""

    code: Code
    params: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    os: OsName | None = None


@dataclass(frozen=True, slots=True)
class Seen:
    """What the rules read: every output of a message and its merged peer table."""

    outputs: Sequence[ParsedOutput]
    table: Table
    os: OsName | None


Rule = Callable[[Seen], Iterable[Observation]]


def _os(outputs: Sequence[ParsedOutput]) -> OsName | None:
    return next((o.os_hint for o in reversed(outputs) if o.os_hint), None)


def _listed(addresses: Sequence[str], total: int | None = None) -> str:
    shown = ", ".join(f"`{a}`" for a in addresses[:_MAX_LISTED])
    more = (len(addresses) if total is None else total) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _evidence(peers: Sequence[Peer]) -> tuple[str, ...]:
    lines = [_peer_evidence(p) for p in peers[:_MAX_EVIDENCE]]
    if len(peers) > _MAX_EVIDENCE:
        lines.append(f"... and {len(peers) - _MAX_EVIDENCE} more")
    return tuple(lines)


def _rows_evidence(table: Table, rows: Sequence[int]) -> tuple[str, ...]:
    # Only the peers shown are built: a group can hold thousands of rows.
    lines = [_peer_evidence(table.peer(r)) for r in rows[:_MAX_EVIDENCE]]
    if len(rows) > _MAX_EVIDENCE:
        lines.append(f"... and {len(rows) - _MAX_EVIDENCE} more")
    return tuple(lines)


def _listed_rows(table: Table, rows: Sequence[int]) -> str:
    return _listed([table.address(r) for r in rows[: _MAX_LISTED + 1]], len(rows))


def _peer_evidence(peer: Peer) -> str:
    bits = [peer.role.value]
    if peer.version:
        bits.append(peer.version)
    bits.append(peer.link.value)
    if peer.latency_ms is not None:
        bits.append(f"{peer.latency_ms} ms")
    ages = [p.last_receive_ms for p in peer.paths if p.last_receive_ms is not None]
    if ages and min(ages) >= ROOT_SILENT_MS:
        bits.append(f"last heard {min(ages) // 1000} s ago")
    where = f" (line {peer.line})" if peer.line else ""
    return f"{peer.address}: {' '.join(bits)}{where}"


def _is_tunneled(seen: Seen) -> bool:
    infos = [o.info for o in seen.outputs if o.info is not None]
    if infos and infos[-1].status is NodeStatus.TUNNELED:  # the latest state wins
        return True
    return seen.table.tunneled


def _roots_word(table: Table) -> str:
    if not table.self_hosted:
        return "ZeroTier roots"
    if all(p.role is Role.MOON for p in table.roots):
        return "moons"
    return "roots of your own planet"


def rule_roots(seen: Seen) -> Iterable[Observation]:
    """Roots unreachable, partly relayed, silent or slow; then leaves relayed with roots fine."""
    t = seen.table
    if not t.count or _is_tunneled(seen):
        return
    what = _roots_word(t)
    if t.roots and not t.direct_roots:
        yield Observation(
            Code.NO_ROOT_REACHABLE,
            {"roots": len(t.roots), "what": what},
            _evidence(t.roots),
            seen.os,
        )
        return
    if t.relayed_roots:
        yield Observation(
            Code.ROOTS_PARTLY_RELAYED,
            {
                "relayed": len(t.relayed_roots),
                "roots": len(t.roots),
                "what": what,
                "addresses": _listed([p.address for p in t.relayed_roots]),
            },
            _evidence(t.relayed_roots),
            seen.os,
        )
    if t.stale_roots:
        worst = max(min(_rx_ages(r)) for r in t.stale_roots)
        yield Observation(
            Code.ROOTS_STALE,
            {
                "count": len(t.stale_roots),
                "roots": len(t.roots),
                "what": what,
                "seconds": worst // 1000,
            },
            _evidence(t.stale_roots),
            seen.os,
        )
    if t.relayed_leaves:
        yield Observation(
            Code.PEER_RELAYED,
            {
                "relayed": len(t.relayed_leaves),
                "peers": t.leaves,
                "addresses": _listed_rows(t, t.relayed_leaves),
                "roots_direct": len(t.direct_roots),
                "roots": len(t.roots),
                # A table counts roots too: say they were left out of "N of M peers".
                "not_counted": _roots_left_out(len(t.roots)),
            },
            _rows_evidence(t, t.relayed_leaves),
            seen.os,
        )


def _roots_left_out(roots: int) -> str:
    if roots == 0:
        return ""
    return " (the root not counted)" if roots == 1 else f" (the {roots} roots not counted)"


def rule_changes(seen: Seen) -> Iterable[Observation]:
    """Before/after copies of the peer list: peers that were relayed and are direct now."""
    fixed = seen.table.now_direct
    if fixed:
        what = f"{_listed(fixed)} {'is' if len(fixed) == 1 else 'are'} DIRECT now"
        yield Observation(
            Code.STATE_CHANGED,
            {"what": what, "count": len(fixed)},
            tuple(f"{a}: RELAY -> DIRECT" for a in fixed[:_MAX_EVIDENCE]),
            seen.os,
        )


def _rx_ages(peer: Peer) -> list[int]:
    return [p.last_receive_ms for p in peer.paths if p.last_receive_ms is not None]


def rule_node_state(seen: Seen) -> Iterable[Observation]:
    """OFFLINE (no root answers) or TUNNELED (TCP fallback relay), from the latest `info`."""
    infos = [o.info for o in seen.outputs if o.info is not None]
    node: NodeInfo | None = infos[-1] if infos else None
    if node is not None and node.status is NodeStatus.ONLINE:
        # An earlier `info` of this node OFFLINE or TUNNELED: the latest state wins, and the
        # change is said.
        down = [i for i in infos[:-1] if i.address == node.address and i.status in _DOWN]
        if down:
            what = f"{_node(node)} is ONLINE now".replace("This node", "this node")
            shown = (f"before: {down[-1].status.value}", f"after: {node.status.value}")
            yield Observation(Code.STATE_CHANGED, {"what": what, "count": 1}, shown, seen.os)
    if node is not None and node.status is NodeStatus.OFFLINE:
        evidence = f"{node.address}: {node.version or '?'} OFFLINE"
        yield Observation(Code.NODE_OFFLINE, {"node": _node(node)}, (evidence,), seen.os)
    elif _is_tunneled(seen):
        name = _node(node) if node is not None else "This node"
        where = node.address if node is not None else "this node"
        yield Observation(Code.TCP_FALLBACK, {"node": name}, (f"{where}: TUNNELED",), seen.os)


_DOWN: Final = frozenset({NodeStatus.OFFLINE, NodeStatus.TUNNELED})


def _node(node: NodeInfo) -> str:
    # A masked or placeholder address is not worth repeating back.
    return f"`{node.address}`" if _readable_address(node.address) else "This node"


def _readable_address(address: str) -> bool:
    return len(address) == 10 and all(c in "0123456789abcdef" for c in address)


def rule_latency(seen: Seen) -> Iterable[Observation]:
    """Slow direct peers, judged against the roots: when the roots are slow too, the uplink is."""
    t = seen.table
    root_lat = sorted(p.latency_ms for p in t.direct_roots if p.latency_ms is not None)
    median_root = root_lat[len(root_lat) // 2] if root_lat else None
    if len(root_lat) >= 2 and root_lat[0] >= HIGH_LATENCY_MS:
        yield Observation(
            Code.UPLINK_SLOW,
            {"fastest_ms": root_lat[0], "roots": len(root_lat), "what": _roots_word(t)},
            _evidence(t.direct_roots),
            seen.os,
        )
    bar = HIGH_LATENCY_MS if median_root is None else max(HIGH_LATENCY_MS, 2 * median_root)
    slow = [row for ms, row in t.slow_leaves if ms >= bar]
    if slow:
        yield Observation(
            Code.HIGH_LATENCY,
            {
                "count": len(slow),
                "addresses": _listed_rows(t, slow),
                "worst_ms": max(ms for ms, _ in t.slow_leaves),
            },
            _rows_evidence(t, slow),
            seen.os,
        )


def rule_one_way(seen: Seen) -> Iterable[Observation]:
    """Paths we send on but never hear back from: inbound UDP is blocked somewhere."""
    t = seen.table
    if t.one_way:
        yield Observation(
            Code.ONE_WAY_PATH,
            {"count": len(t.one_way), "addresses": _listed_rows(t, t.one_way)},
            _rows_evidence(t, t.one_way),
            seen.os,
        )


_NETWORK_CODES: Final = {
    "NOT_FOUND": Code.NETWORK_NOT_FOUND,
    "ACCESS_DENIED": Code.ACCESS_DENIED,
    "REQUESTING_CONFIGURATION": Code.REQUESTING_CONFIGURATION,
    "PORT_ERROR": Code.PORT_ERROR,
    "AUTHENTICATION_REQUIRED": Code.AUTHENTICATION_REQUIRED,
    "CLIENT_TOO_OLD": Code.CLIENT_TOO_OLD,
}
_RESERVED_CONTROLLERS: Final = frozenset({"0000000000"})


def _network_code(net: Network) -> Code | None:
    nwid = (net.id or "").lower()
    if len(nwid) == 16 and nwid[:10] in _RESERVED_CONTROLLERS and set(nwid) <= set(_HEX):
        return Code.BOGUS_NETWORK_ID
    status = (net.status or "").upper()
    code = _NETWORK_CODES.get(status)
    if code is None and net.auth == "expired":
        return Code.AUTHENTICATION_REQUIRED
    if code is None and status and status != "OK":
        return Code.UNKNOWN_STATUS
    return code


_HEX: Final = "0123456789abcdef"


def rule_networks(seen: Seen) -> Iterable[Observation]:
    """Networks that are not OK (their latest row), each with what its status means."""
    latest: dict[str | None, Network] = {}
    history: dict[str | None, list[str]] = {}
    for out in seen.outputs:
        for net in out.networks:
            latest.pop(net.id, None)
            latest[net.id] = net
            history.setdefault(net.id, []).append(net.status or "?")
    by_code: dict[Code, list[Network]] = {}
    for net in latest.values():
        code = _network_code(net)
        if code is not None:
            by_code.setdefault(code, []).append(net)
    for code, nets in by_code.items():
        evidence = tuple(
            f"{n.id or '(id not shown)'} {n.name or ''} {n.status or ''}".replace("  ", " ").strip()
            + (f" (line {n.line})" if n.line else "")
            for n in nets
        )
        params: dict[str, Any] = {
            "networks": _listed([_net_id(n) for n in nets]),
            "count": len(nets),
            "status": nets[0].status or "?",
            "controller_part": (nets[0].id or "")[:10],
            "about_controller": _about_controller(nets[0], seen.table),
        }
        yield Observation(code, params, evidence, seen.os)
    changed = [
        f"{nwid or '(id not shown)'}: {' -> '.join(dict.fromkeys(states))}"
        for nwid, states in history.items()
        if len(set(states)) > 1 and states[-1] == "OK"
    ]
    if changed:
        yield Observation(
            Code.STATE_CHANGED,
            {"what": f"network {changed[0].split(':')[0]} is now OK", "count": len(changed)},
            tuple(changed),
            seen.os,
        )


def _net_id(net: Network) -> str:
    nwid = net.id or ""
    # A placeholder (`<nwid>`, `[my network id]`) is not an id worth repeating back.
    return "(id not shown)" if not nwid or nwid[0] in "<[" else nwid


def _about_controller(net: Network, table: Table) -> str:
    controller = net.controller
    if controller is None or set(controller) <= {"f"}:
        # Masked or cut: say what the status means without naming what cannot be read.
        return "its controller is not answering"
    seen = table.find(controller)
    if seen is None:
        return f"its controller `{controller}` is not answering (it is not in the peer list)"
    return f"its controller `{controller}` is not answering (it is {seen.link.value} here)"


def rule_config(seen: Seen) -> Iterable[Observation]:
    """`-j info` settings: symmetric NAT, a non-default port, TCP relay forced."""
    infos = [o.info for o in seen.outputs if o.info is not None]
    if not infos:
        return
    node = infos[-1]
    own_ports = {node.primary_port} | {_port(a) for a in node.listening_on}
    by_ip: dict[str, set[int]] = {}
    for surface in node.surface_addresses:
        ip, _, port = surface.rpartition("/")
        if ip and port.isdigit() and len(port) <= 5:
            by_ip.setdefault(ip, set()).add(int(port))
    for ip, ports in by_ip.items():
        foreign = sorted(p for p in ports if p not in own_ports)
        if len(foreign) >= 2:
            yield Observation(
                Code.SYMMETRIC_NAT,
                {"ip": ip, "count": len(foreign), "ports": ", ".join(map(str, foreign[:6]))},
                tuple(f"{ip}/{p}" for p in foreign[:_MAX_EVIDENCE]),
                seen.os,
            )
            break
    if node.primary_port is not None and node.primary_port != 9993:
        yield Observation(
            Code.NON_DEFAULT_PORT,
            {"port": node.primary_port},
            (f"primaryPort: {node.primary_port}",),
            seen.os,
        )
    if node.force_tcp_relay:
        yield Observation(Code.TCP_RELAY_FORCED, {}, ("forceTcpRelay: true",), seen.os)


def _port(endpoint: str) -> int | None:
    tail = endpoint.rpartition("/")[2]
    return int(tail) if tail.isdigit() and len(tail) <= 5 else None


_ERROR_CODES: Final = {
    "service-unreachable": Code.SERVICE_UNREACHABLE,
    "port-missing": Code.SERVICE_UNREACHABLE,
    "home-missing": Code.SERVICE_UNREACHABLE,
    "service-failed": Code.SERVICE_UNREACHABLE,
    "token-unreadable": Code.TOKEN_UNREADABLE,
    "permission-denied": Code.PERMISSION_DENIED,
    "cli-not-found": Code.CLI_NOT_FOUND,
    "invalid-json": Code.WRONG_SERVICE_ON_PORT,
    "tap-device": Code.SERVICE_ERROR,
    "port-in-use": Code.PORT_IN_USE,
}
_HTTP_MEANING: Final = {
    400: "bad request: the command's arguments were not understood",
    403: "forbidden",
    404: "not found: this node knows no such network, moon or peer",
    405: "method not allowed",
    500: "the service failed while handling it",
}
_PLAIN_MEANING: Final = {
    "join-invalid": "the network id is not 16 hex digits",
    "set-invalid": "the `set` command was not written as `set <network id> <setting>=<value>`",
    "unknown-property": "that setting name does not exist",
    "unknown-network": "this node is not a member of that network",
    "usage": "this build does not know the command typed (it printed its help)",
}


def rule_cli_errors(seen: Seen) -> Iterable[Observation]:
    """The CLI could not talk to the service or read its token, or the service said no."""
    done: set[str] = set()
    for out in seen.outputs:
        for err in out.errors:
            code = _ERROR_CODES.get(err.kind)
            params = {"reason": err.reason or ""}
            if err.kind == "http-error" and err.status_code == 401:
                code = Code.UNAUTHORIZED
            elif code is None:
                code = Code.CLI_ERROR
                params["meaning"] = _meaning(err)
            key = f"{code}:{params.get('meaning', '')}"
            if key in done:
                continue
            done.add(key)
            yield Observation(code, params, (_error_evidence(err),), err.os or out.os_hint)


def _meaning(err: CliError) -> str:
    command = f"`{err.command}`" if err.command else "the command"
    if err.kind == "http-error" and err.status_code is not None:
        what = _HTTP_MEANING.get(err.status_code, "an error")
        return f"HTTP {err.status_code} for {command}, {what}"
    if err.kind == "http-error":
        return f"the service refused {command} ({(err.reason or '').strip()[:40] or 'no details'})"
    if err.kind == "usage" and err.version:
        return f"{_PLAIN_MEANING['usage']}: ZeroTier {err.version}"
    return _PLAIN_MEANING.get(err.kind, err.text.strip()[:80])


def _error_evidence(err: CliError) -> str:
    where = f" (line {err.line})" if err.line else ""
    return f"{err.text.strip()[:200]}{where}"


def rule_ping(seen: Seen) -> Iterable[Observation]:
    """Ping over the virtual network, the latest run per target: no reply, loss or slow."""
    runs: dict[str, tuple[PingResult, OsName | None]] = {}
    failed_before: dict[str, PingResult] = {}
    for out in seen.outputs:
        for run in out.pings:
            key = run.target_ip or run.target or "?"
            if key in runs and _ping_failed(runs[key][0]):
                failed_before[key] = runs[key][0]
            runs.pop(key, None)
            runs[key] = (run, run.os or out.os_hint)
    for key, (run, os_name) in runs.items():
        if key in failed_before and not _ping_failed(run):
            yield Observation(
                Code.STATE_CHANGED,
                {"what": f"ping to {key} works now", "count": 1},
                (f"before: {_ping_evidence(failed_before[key])}", f"after: {_ping_evidence(run)}"),
                os_name,
            )
            continue
        yield from _ping_run(run, os_name)


def _ping_failed(run: PingResult) -> bool:
    return not run.replies and bool(run.timeouts or run.unreachable or run.sent)


def _ping_run(run: PingResult, os_name: OsName | None) -> Iterable[Observation]:
    target = run.target_ip or run.target or "the target"
    base: dict[str, Any] = {"target": target, "sent": run.sent or 0, "received": run.received or 0}
    evidence = (_ping_evidence(run),)
    if run.unreachable and not run.replies:
        if _same_subnet(run.unreachable_from, run.target_ip):
            # `From <own address> ... Destination Host Unreachable`: the route is there and
            # the node asked for the peer on that network; the peer did not answer.
            base["source"] = run.unreachable_from
            yield Observation(Code.PING_NO_ANSWER, base, evidence, os_name)
        else:
            yield Observation(Code.PING_UNREACHABLE, base, evidence, os_name)
    elif not run.replies and (run.timeouts or (run.sent and not run.received)):
        yield Observation(Code.PING_TIMEOUT, base, evidence, os_name)
    elif run.times_ms:
        times = [t for t in run.times_ms if t >= 0]
        avg = sum(times) / len(times) if times else 0.0
        loss = run.loss_pct or 0.0
        if avg >= HIGH_LATENCY_MS:
            yield Observation(Code.PING_SLOW, {**base, "avg_ms": round(avg)}, evidence, os_name)
        elif loss > 0:
            yield Observation(Code.PING_LOSS, {**base, "loss": round(loss)}, evidence, os_name)


def _same_subnet(source: str | None, target: str | None) -> bool:
    if not source or not target or source == target:
        return False
    a, b = source.split("."), target.split(".")
    return len(a) == 4 and len(b) == 4 and a[:3] == b[:3]


def _ping_evidence(run: PingResult) -> str:
    parts = [f"ping {run.target_ip or run.target or '(target not shown)'}"]
    if run.sent is not None:
        parts.append(f"{run.received or 0}/{run.sent} replies")
    if run.loss_pct is not None:
        parts.append(f"{run.loss_pct:g}% loss")
    times = [t for t in run.times_ms if t >= 0]
    if times:
        parts.append(f"avg {sum(times) / len(times):.0f} ms")
    if run.timeouts:
        parts.append(f"{run.timeouts} timed out")
    if run.unreachable:
        src = f" from {run.unreachable_from}" if run.unreachable_from else ""
        parts.append(f"{run.unreachable} unreachable{src}")
    return ", ".join(parts)


_VERSION: Final = re.compile(r"(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?")


@lru_cache(maxsize=1024)
def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`1.6.4` -> (1, 6, 4); None for `-`, `-1.-1.-1` or junk."""
    m = _VERSION.match(text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


_VERY_OLD: Final = (1, 2)
# Layouts only very old clients print (a `-` for an empty name is too weak a sign of 1.1).
_OLD_LAYOUTS: Final = {("listnetworks", "2014"): "before 1.1", ("listpeers", "1.1"): "1.1.x"}


def rule_versions(seen: Seen) -> Iterable[Observation]:
    """A very old client (its output's layout shows it), old nodes, or releases far apart."""
    infos = [o.info for o in seen.outputs if o.info is not None]
    node = infos[-1] if infos else None
    mine = parse_version(node.version) if node is not None else None
    layouts = [
        (_OLD_LAYOUTS[(o.command, o.variant or "")], o)
        for o in seen.outputs
        if (o.command, o.variant or "") in _OLD_LAYOUTS and o.items  # a header alone is a quote
    ]
    if node is not None and node.legacy_order and mine is not None and mine[:2] < _VERY_OLD:
        layouts.append(("1.1.x", next(o for o in seen.outputs if o.info is node)))
    very_old_node = node is not None and mine is not None and mine[:2] < _VERY_OLD
    if very_old_node or layouts:
        era = node.version if node is not None and node.version else layouts[0][0]
        lines = [
            f"{o.command}: the layout of {e} (line {o.lines[0]})" for e, o in layouts if o.lines
        ]
        if very_old_node and node is not None:
            lines.append(f"{node.address} (this node): {node.version}")
        evidence = tuple(dict.fromkeys(lines))
        yield Observation(Code.VERY_OLD_CLIENT, {"version": era}, evidence, seen.os)
        return
    old: list[tuple[tuple[int, int, int], str]] = []
    if node is not None and mine is not None and mine[:2] < OLD_VERSION:
        old.append((mine, f"{node.address} (this node): {node.version}"))
    t = seen.table
    # Each version string is parsed once; then the rows of the leaves running the old ones.
    parsed = {text: v for text in t.versions if (v := parse_version(text)) is not None}
    old_rows = t.leaves_on({text for text, v in parsed.items() if v[:2] < OLD_VERSION})
    old.extend((parsed[t.facts[row][VERSION]], _version_evidence(t, row)) for row in old_rows)
    if old:
        oldest = min(old)[1].rsplit(": ", 1)[1]
        yield Observation(
            Code.OLD_VERSION,
            {"count": len(old), "oldest": oldest},
            tuple(e for _, e in old[:_MAX_EVIDENCE]),
            seen.os,
        )
    if node is None or mine is None or mine[:2] < OLD_VERSION:
        return
    apart = t.leaves_on(
        {
            text
            for text, v in parsed.items()
            if v[:2] >= OLD_VERSION and v[0] == mine[0] and abs(v[1] - mine[1]) >= MISMATCH_MINORS
        }
    )
    if apart:
        yield Observation(
            Code.VERSION_MISMATCH,
            {
                "mine": node.version,
                "count": len(apart),
                "addresses": _listed_rows(t, apart),
            },
            _rows_evidence(t, apart),
            seen.os,
        )


def _version_evidence(table: Table, row: int) -> str:
    return f"{table.address(row)}: {table.facts[row][VERSION]}"


def rule_who_are_peers(seen: Seen) -> Iterable[Observation]:
    """Explain a peer list: roots, moons, controllers of the networks shown, other members."""
    t = seen.table
    if not t.count:
        return
    controllers = {n.controller for o in seen.outputs for n in o.networks if n.controller}
    planets = [p.address for p in t.roots if p.role in (Role.PLANET, Role.ROOT)]
    moons = [p.address for p in t.roots if p.role is Role.MOON]
    found = sorted(row for c in controllers if (row := t.row_of(c)) is not None)
    ctrl = [t.address(row) for row in found]
    leaves = t.leaves - sum(1 for row in found if t.facts[row][ROLE] == "L")
    shown = list(
        islice(
            (f[ADDRESS] for f in t.facts if f[ROLE] == "L" and f[ADDRESS] not in controllers), 20
        )
    )
    evidence = []
    if planets:
        who = "roots of your own planet" if seen.table.self_hosted else "ZeroTier root servers"
        evidence.append(f"{who} (PLANET): {', '.join(planets[:20])}")
    if moons:
        evidence.append(f"moons you orbit (MOON): {', '.join(moons[:20])}")
    if ctrl:
        evidence.append(f"network controllers: {', '.join(ctrl[:20])}")
    if leaves:
        evidence.append(f"other nodes (LEAF): {', '.join(shown)}")
    yield Observation(
        Code.PEER_ROLES,
        {
            "planets": len(planets),
            "moons": len(moons),
            "controllers": len(ctrl),
            "leaves": leaves,
        },
        tuple(evidence),
        seen.os,
    )


RULES: Final[tuple[Rule, ...]] = (
    rule_cli_errors,
    rule_versions,
    rule_node_state,
    rule_roots,
    rule_networks,
    rule_config,
    rule_one_way,
    rule_latency,
    rule_ping,
    rule_changes,
    rule_who_are_peers,
)


def observe(outputs: Sequence[ParsedOutput]) -> list[Observation]:
    """Run every rule over the outputs of one message or conversation, in rule order."""
    seen = Seen(outputs, build(outputs), _os(outputs))
    return [obs for rule in RULES for obs in rule(seen)]


__all__ = ["CODES", "Code", "Observation", "Rule", "Seen", "Severity", "observe", "parse_version"]
