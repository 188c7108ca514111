"""Parser for `zerotier-cli listpeers` (1.1 to 1.16).

Row: `200 listpeers <ztaddr> <path> <latency> <version> <role>`. The path field changed:
1.1.x lists every active path `IP/port;send;recv;preferred|active` (comma-separated),
1.2.0-1.2.4 add a link quality as a fourth field, later versions give `IP/port;send;recv` for
the preferred path only, and `-` when there is none (relayed).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.diagnosis.model import Link, ParsedOutput, Path, Peer, Role
from bot.diagnosis.parsers._common import (
    EPOCH_MS_FLOOR,
    merge_masks,
    read_address,
    read_age,
    read_endpoint,
    read_float,
    read_latency,
    read_version,
)

_ROLES = {
    "PLANET": Role.PLANET,
    "MOON": Role.MOON,
    "LEAF": Role.LEAF,
    "ROOT": Role.ROOT,
    "RELAY": Role.RELAY,
}
# 0.9.x prefixed each path with its transport.
_TRANSPORTS = frozenset({"udp", "tcp_out", "tcp_in", "eth", "unknown"})
_PREFIX = "200 listpeers"
_ADDRESS_CHARS = frozenset("0123456789abcdefABCDEFxX*#")


def parse(lines: Sequence[str], numbers: Sequence[int] | None = None) -> ParsedOutput:
    """Parse `200 listpeers` lines (header and rows) into peers."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    peers: list[Peer] = []
    bodies: list[str] = []
    warnings: list[str] = []
    used: list[int] = []
    variants: list[str] = []
    legacy = False
    for text, num in zip(lines, nums, strict=False):
        s = text.strip()
        if not s:
            continue
        i = s.find(_PREFIX)
        if i < 0:
            if s.strip(".… ") == "":
                used.append(num)
                warnings.append(f"line {num}: rows left out ({s})")
            elif peers and peers[-1].flags:
                # The tail of a row a terminal hard-wrapped: glue it back if that reads better.
                joined = _rejoin(bodies[-1], s, peers[-1], legacy=legacy)
                if joined is not None:
                    used.append(num)
                    peers[-1], bodies[-1] = joined
            continue
        used.append(num)
        body = s[i + len(_PREFIX) :].strip()
        if body.startswith("<ztaddr>") and body.rsplit(None, 1)[-1] not in _ROLES:
            legacy = "<paths>" in body
            if legacy:
                variants.append("1.1")
            continue
        peer, variant = parse_row(body, num, legacy=legacy)
        if peer is None:
            warnings.append(f"line {num}: unreadable listpeers row: {s[:60]}")
            continue
        if variant:
            variants.append(variant)
        peers.append(peer)
        bodies.append(body)
    for peer in peers:
        if peer.flags:
            warnings.append(f"line {peer.line}: {peer.address}: {', '.join(peer.flags)}")
    return ParsedOutput(
        command="listpeers",
        items=tuple(peers),
        lines=tuple(used),
        warnings=tuple(warnings),
        variant=_pick_variant(variants),
    )


def parse_row(
    body: str, num: int | None = None, *, legacy: bool = False
) -> tuple[Peer | None, str | None]:
    """Parse the part of a row after `200 listpeers`; returns (peer, layout variant)."""
    tokens = merge_masks(body.split())
    if not tokens:
        return None, None
    flags: list[str] = []
    addr_token = tokens[0]
    # A lost space glues the address (masked too: `778cdeXXXX`) to its path:
    # `62f865ae7150.7.252.138/9993;...`.
    if (
        len(addr_token) > 10
        and all(c in _ADDRESS_CHARS for c in addr_token[:10])
        and ("/" in addr_token or ";" in addr_token)
    ):
        tokens = [addr_token[:10], addr_token[10:], *tokens[1:]]
        flags.append("glued-path")
    address, aflags = read_address(tokens[0])
    flags.extend(aflags)
    rest = tokens[1:]
    # A shell comment after the role (`... MOON # connected!`) is not part of the row.
    hashes = [k for k, t in enumerate(rest) if t.startswith("#")]
    if hashes and hashes[0] > 0 and rest[hashes[0] - 1] in _ROLES:
        rest = rest[: hashes[0]]
    role = Role.UNKNOWN
    if rest and rest[-1] in _ROLES:
        role = _ROLES[rest[-1]]
        rest = rest[:-1]
        if len(rest) < 3:
            flags.append("truncated")
    else:
        flags.append("truncated")
    # From the right: version, latency; what remains on the left is the path field.
    version: str | None = None
    latency: int | None = None
    path_text = ""
    if len(rest) >= 3:
        version, vflags = read_version(rest[-1])
        latency, lflags = read_latency(rest[-2])
        flags.extend(vflags + lflags)
        path_text = " ".join(rest[:-2])
    elif rest:
        path_text = rest[0]
        if len(rest) == 2:
            latency, lflags = read_latency(rest[1])
            flags.extend(lflags)
    paths, variant, pflags = _paths(path_text, legacy=legacy or role in (Role.ROOT, Role.RELAY))
    flags.extend(pflags)
    if path_text == "-":
        link = Link.RELAY
    elif paths:
        link = Link.DIRECT
    else:
        link = Link.UNKNOWN
    peer = Peer(
        address=address,
        version=version,
        role=role,
        latency_ms=latency,
        link=link,
        paths=paths,
        line=num,
        flags=tuple(dict.fromkeys(flags)),
    )
    return peer, variant


def _rejoin(prev: str, extra: str, before: Peer, *, legacy: bool) -> tuple[Peer, str] | None:
    best: tuple[Peer, str] | None = None
    for joined in (prev + extra, prev + " " + extra):
        peer, _ = parse_row(joined, before.line, legacy=legacy)
        if peer is None or len(peer.flags) >= len(before.flags):
            continue
        if best is None or len(peer.flags) < len(best[0].flags):
            best = (peer, joined)
    return best


def _paths(text: str, *, legacy: bool) -> tuple[tuple[Path, ...], str | None, list[str]]:
    if not text or text == "-":
        return (), None, []
    paths: list[Path] = []
    flags: list[str] = []
    variant: str | None = None
    for chunk in text.split(","):
        fields = chunk.split(";")
        if fields and fields[0] in _TRANSPORTS:
            fields = fields[1:]
        if not fields or not fields[0]:
            continue
        endpoint = fields[0]
        ip, port, eflags = read_endpoint(endpoint)
        pflags = list(eflags)
        preferred: bool | None = True
        active: bool | None = None
        quality: float | None = None
        fourth = fields[3] if len(fields) > 3 else None
        if fourth in ("preferred", "active"):
            # 1.1.x: every active path, the preferred one marked; 0 meant "never".
            legacy = True
            preferred = fourth == "preferred"
            active = True
            variant = "1.1"
        elif fourth is not None:
            quality = read_float(fourth)
            variant = variant or "1.2.0-1.2.4"
        tx = fields[1] if len(fields) > 1 else ""
        rx = fields[2] if len(fields) > 2 else ""
        send_age, sent, ok_tx = read_age(tx, zero_is_never=legacy)
        recv_age, received, ok_rx = read_age(rx, zero_is_never=legacy)
        if len(fields) < 3:
            pflags.append("truncated")
        elif not (ok_tx and ok_rx):
            pflags.append("damaged-age")
        if variant is None and len(fields) == 3:
            variant = _age_variant(tx, rx)
        paths.append(
            Path(
                address=endpoint,
                ip=ip,
                port=port,
                last_send_ms=send_age,
                last_receive_ms=recv_age,
                sent=sent,
                received=received,
                preferred=preferred,
                active=active,
                link_quality=quality,
                flags=tuple(pflags),
            )
        )
        flags.extend(pflags)
    if not paths:
        flags.append("damaged-path")
    return tuple(paths), variant, flags


def _age_variant(tx: str, rx: str) -> str | None:
    values = [v for v in (tx, rx) if v.lstrip("-").isdigit()]
    if "-1" in values:
        return "1.8.1+"
    if any(int(v) >= EPOCH_MS_FLOOR for v in values):
        return "1.2.6-1.6.x"
    return "1.2.6+"


def _pick_variant(variants: list[str]) -> str | None:
    for v in ("1.1", "1.2.0-1.2.4", "1.2.6-1.6.x", "1.8.1+", "1.2.6+"):
        if v in variants:
            return v
    return None
