"""Parser for the `-j` JSON forms: `info`, `peers`/`listpeers`, `listnetworks` (and raw bodies).

The CLI re-prints these with 1-space indentation and sorted keys; raw service bodies (`-j join`,
`/status`, `dump`) are compact from 1.12.0. The form is told from the keys, not the prompt.
A paste cut off half way keeps every element that was complete plus the readable part of the
last one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.diagnosis.model import (
    Command,
    Item,
    Link,
    Network,
    NodeInfo,
    NodeStatus,
    ParsedOutput,
    Path,
    Peer,
    Role,
)
from bot.diagnosis.parsers import listmoons
from bot.diagnosis.parsers._common import read_address, read_endpoint, read_version
from bot.diagnosis.parsers._json import load_lenient

_PEER_KEYS = frozenset({"latency", "paths", "role", "isBonded", "tunneled", "versionMajor"})
_NET_KEYS = frozenset({"nwid", "assignedAddresses", "portDeviceName", "netconfRevision"})
_INFO_KEYS = frozenset({"online", "tcpFallbackActive", "publicIdentity", "planetWorldId", "clock"})
_MOON_KEYS = frozenset({"roots", "updatesMustBeSignedBy"})
_ANY_KEY = (*_PEER_KEYS, *_NET_KEYS, *_INFO_KEYS, *_MOON_KEYS, "address")
_ROLES = {r.value: r for r in Role}
_EMPTY_HINTS: dict[str, Command] = {
    "listmoons": "listmoons",
    "json-peers": "json-peers",
    "json-listnetworks": "json-listnetworks",
}
_ADDRESS_HINTS: dict[str, Command] = {"json-info": "json-info", "json-peers": "json-peers"}
_ID_LINE = re.compile(r'"(?:address|nwid|id)"\s*:\s*"([^"]{1,64})"')


def parse(
    lines: Sequence[str], numbers: Sequence[int] | None = None, *, hint: str | None = None
) -> ParsedOutput | None:
    """Parse one pasted JSON value; None when it is not a form we know (e.g. `{"result":true}`)."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    text = "\n".join(lines)
    if hint not in _EMPTY_HINTS and not any(key in text for key in _ANY_KEY):
        # No key a form is told by: not one of ours, whatever it parses to (the cheap exit
        # for brackets in prose and junk).
        return None
    loaded = load_lenient(text)
    if loaded is None:
        return None
    value, repaired = loaded
    id_lines = _id_lines(lines, nums)
    first = nums[0] if nums else None
    warnings = [f"line {first}: JSON cut off; kept what parsed"] if repaired else []
    kind = _kind(value, hint)
    if kind is None and isinstance(value, dict):
        # A form nested in another document (`{"zerotier": {...-j info...}}`).
        for inner in value.values():
            kind = _kind(inner, hint) if isinstance(inner, dict | list) else None
            if kind is not None:
                value = inner
                break
    items: list[Item] = []
    if kind == "listmoons":
        moons = listmoons.moons_from_json(value, first)
        return ParsedOutput(
            command="listmoons", items=tuple(moons), lines=tuple(nums), warnings=tuple(warnings)
        )
    elements = value if isinstance(value, list) else [value]
    dicts = [e for e in elements if isinstance(e, dict)]
    if kind == "json-peers":
        items.extend(peer_from_json(d, id_lines.get(str(d.get("address")), first)) for d in dicts)
    elif kind == "json-listnetworks":
        items.extend(network_from_json(d, id_lines.get(_nwid(d), first)) for d in dicts)
    elif kind == "json-info":
        items.extend(info_from_json(d, first) for d in dicts[:1])
    else:
        return None
    for item in items:
        flags = getattr(item, "flags", ())
        if flags:
            label = getattr(item, "address", None) or getattr(item, "id", "")
            warnings.append(f"line {getattr(item, 'line', first)}: {label}: {', '.join(flags)}")
    return ParsedOutput(
        command=kind, items=tuple(items), lines=tuple(nums), warnings=tuple(warnings)
    )


def _kind(value: Any, hint: str | None) -> Command | None:
    if isinstance(value, list):
        keys: set[str] = set()
        for e in value[:3]:
            if isinstance(e, dict):
                keys.update(e)
        if not value:
            # `[]` says nothing by itself; only the typed command tells what is empty.
            return _EMPTY_HINTS.get(hint or "")
    elif isinstance(value, dict):
        keys = set(value)
    else:
        return None
    if keys & _MOON_KEYS:
        return "listmoons"
    if keys & _NET_KEYS:
        return "json-listnetworks"
    if keys & _INFO_KEYS and "address" in keys and "paths" not in keys:
        return "json-info"
    if keys & _PEER_KEYS or ("address" in keys and isinstance(value, list)):
        return "json-peers"
    if "address" in keys:
        return _ADDRESS_HINTS.get(hint or "")
    return None


def _id_lines(lines: Sequence[str], nums: Sequence[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for text, num in zip(lines, nums, strict=False):
        for m in _ID_LINE.finditer(text):
            found.setdefault(m.group(1), num)
    return found


def peer_from_json(d: Mapping[str, Any], line: int | None = None) -> Peer:
    """Build a peer from one `_peerToJson` object; direct iff a preferred path and not tunneled."""
    flags: list[str] = []
    address, aflags = read_address(_str(d, "address") or "")
    flags.extend(aflags)
    version, vflags = read_version(_str(d, "version") or _version_parts(d))
    flags.extend(vflags)
    latency = _int(d, "latency")
    if latency is not None and latency > _MAX_LATENCY_MS:
        flags.append("unreadable-latency")  # outside what ZeroTier can report (0xffff ms)
        latency = None
    elif "latency" in d and latency is None and d.get("latency") is not None:
        flags.append("unreadable-latency")
    role = _ROLES.get(_str(d, "role") or "", Role.UNKNOWN)
    tunneled = _bool(d, "tunneled")
    raw_paths = d.get("paths")
    paths = (
        tuple(_path(p) for p in raw_paths if isinstance(p, dict))
        if isinstance(raw_paths, list)
        else ()
    )
    # Keys print sorted (address, isBonded, latency, paths, role, tunneled, version): an object
    # cut off half way lacks the later ones.
    truncated = raw_paths is None or "role" not in d
    if truncated:
        flags.append("truncated")
    if any(p.preferred for p in paths) and tunneled is not True:
        link = Link.DIRECT
    elif truncated:
        link = Link.UNKNOWN
    else:
        link = Link.RELAY
    for p in paths:
        flags.extend(p.flags)
    return Peer(
        address=address,
        version=version,
        role=role,
        latency_ms=latency if latency is not None and latency >= 0 else None,
        link=link,
        paths=paths,
        tunneled=tunneled,
        line=line,
        flags=tuple(dict.fromkeys(flags)),
    )


def _path(d: Mapping[str, Any]) -> Path:
    endpoint = _str(d, "address") or ""
    ip, port, flags = read_endpoint(endpoint)
    send = _int(d, "lastSend")
    recv = _int(d, "lastReceive")
    return Path(
        address=endpoint,
        ip=ip,
        port=port,
        # Epoch ms in JSON; 0 means never (negatives were clamped to 0 from 1.2.6).
        sent=None if send is None else send > 0,
        received=None if recv is None else recv > 0,
        last_send_epoch_ms=send if send else None,
        last_receive_epoch_ms=recv if recv else None,
        preferred=_bool(d, "preferred"),
        active=_bool(d, "active"),
        expired=_bool(d, "expired"),
        link_quality=_float(d, "linkQuality"),
        flags=flags,
    )


def network_from_json(d: Mapping[str, Any], line: int | None = None) -> Network:
    """Build a network from one `_networkToJson` object."""
    nwid, flags = read_address(_nwid(d), 16)
    raw_ips = d.get("assignedAddresses")
    ips = tuple(a for a in raw_ips if isinstance(a, str)) if isinstance(raw_ips, list) else ()
    auth: str | None = None
    if d.get("ssoEnabled") is True:
        auth = "expired" if _str(d, "status") == "AUTHENTICATION_REQUIRED" else "ok"
    missing = [k for k in ("status", "type", "portDeviceName") if k not in d]
    return Network(
        id=nwid,
        name=_str(d, "name"),
        mac=_str(d, "mac"),
        status=_str(d, "status"),
        type=_str(d, "type"),
        device=_str(d, "portDeviceName"),
        ips=ips,
        auth=auth,
        auth_url=_str(d, "authenticationURL") or None,
        port_error=_int(d, "portError"),
        netconf_revision=_int(d, "netconfRevision"),
        line=line,
        flags=flags + (("truncated",) if missing else ()),
    )


def info_from_json(d: Mapping[str, Any], line: int | None = None) -> NodeInfo:
    """Build the node info from the `/status` object (`-j info`)."""
    address, flags = read_address(_str(d, "address") or "")
    version, vflags = read_version(_str(d, "version") or "-")
    online = _bool(d, "online")
    fallback = _bool(d, "tcpFallbackActive")
    # The CLI's own rule: TUNNELED if the TCP fallback is active, else ONLINE/OFFLINE.
    if fallback:
        status = NodeStatus.TUNNELED
    elif online is not None:
        status = NodeStatus.ONLINE if online else NodeStatus.OFFLINE
    else:
        status = NodeStatus.UNKNOWN
    config = d.get("config")
    settings = config.get("settings") if isinstance(config, dict) else None
    s: Mapping[str, Any] = settings if isinstance(settings, dict) else {}
    return NodeInfo(
        address=address,
        version=version,
        status=status,
        online=online,
        tcp_fallback_active=fallback,
        clock_ms=_int(d, "clock"),
        planet_world_id=_int(d, "planetWorldId"),
        primary_port=_int(s, "primaryPort"),
        port_mapping_enabled=_bool(s, "portMappingEnabled"),
        allow_tcp_fallback_relay=_bool(s, "allowTcpFallbackRelay"),
        force_tcp_relay=_bool(s, "forceTcpRelay"),
        listening_on=_strs(s, "listeningOn"),
        surface_addresses=_strs(s, "surfaceAddresses"),
        home_dir=_str(s, "homeDir"),
        line=line,
        flags=flags + vflags + (() if "online" in d else ("truncated",)),
    )


def _nwid(d: Mapping[str, Any]) -> str:
    return _str(d, "nwid") or _str(d, "id") or ""


def _version_parts(d: Mapping[str, Any]) -> str:
    parts = [_int(d, k) for k in ("versionMajor", "versionMinor", "versionRev")]
    if any(p is None or p < 0 for p in parts):
        return "-"
    return ".".join(str(p) for p in parts)


def _str(d: Mapping[str, Any], key: str) -> str | None:
    v = d.get(key)
    return v if isinstance(v, str) else None


# JSON numbers are unbounded; ZeroTier's are 64-bit. Beyond that a value is damage, not data.
_INT_LIMIT = 2**63
_MAX_LATENCY_MS = 0xFFFF


def _int(d: Mapping[str, Any], key: str) -> int | None:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int):
        return None
    return v if -_INT_LIMIT <= v < _INT_LIMIT else None


def _float(d: Mapping[str, Any], key: str) -> float | None:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    if isinstance(v, int) and not -_INT_LIMIT <= v < _INT_LIMIT:
        return None  # float() of a huge int raises OverflowError
    f = float(v)
    return f if math.isfinite(f) else None


def _bool(d: Mapping[str, Any], key: str) -> bool | None:
    v = d.get(key)
    return v if isinstance(v, bool) else None


def _strs(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    v = d.get(key)
    return tuple(x for x in v if isinstance(x, str)) if isinstance(v, list) else ()
