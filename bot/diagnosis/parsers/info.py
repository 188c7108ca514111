"""Parser for `zerotier-cli info` and its alias `status` (both print `200 info ...`).

1.2.0+: `200 info <ztaddr> <version> <ONLINE|OFFLINE|TUNNELED>`; 1.1.x printed the state
before the version. The version token has dots, so the two orders are told apart by shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.diagnosis.model import NodeInfo, NodeStatus, ParsedOutput
from bot.diagnosis.parsers._common import merge_masks, read_address, read_version

_STATES = {
    "ONLINE": NodeStatus.ONLINE,
    "OFFLINE": NodeStatus.OFFLINE,
    "TUNNELED": NodeStatus.TUNNELED,
}
# TUNNELED wins over ONLINE/OFFLINE, so it hides `online`; the other two rule the tunnel out.
_ONLINE = {NodeStatus.ONLINE: True, NodeStatus.OFFLINE: False}
_TUNNEL = {NodeStatus.ONLINE: False, NodeStatus.OFFLINE: False, NodeStatus.TUNNELED: True}
# `status` is only an alias on the command line, but accept it in the reply too.
_INFO = re.compile(r"\b200 (?:info|status)\b")


def parse(lines: Sequence[str], numbers: Sequence[int] | None = None) -> ParsedOutput:
    """Parse `200 info` lines into node infos (one per line)."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    items: list[NodeInfo] = []
    warnings: list[str] = []
    used: list[int] = []
    variant: str | None = None
    for text, num in zip(lines, nums, strict=False):
        m = _INFO.search(text)
        if m is None:
            continue
        used.append(num)
        info = parse_line(text[m.end() :], num)
        if info is None:
            warnings.append(f"line {num}: unreadable info line: {text.strip()[:60]}")
            continue
        if info.flags:
            warnings.append(f"line {num}: {info.address}: {', '.join(info.flags)}")
        variant = "1.1" if info.legacy_order else variant or ("1.2+" if info.version else None)
        items.append(info)
    return ParsedOutput(
        command="info",
        items=tuple(items),
        lines=tuple(used),
        warnings=tuple(warnings),
        variant=variant,
    )


def parse_line(body: str, num: int | None = None) -> NodeInfo | None:
    """Parse what follows `200 info`: address, then version and state in either order."""
    tokens = merge_masks(body.split())
    if not tokens:
        return None
    flags: list[str] = []
    address, aflags = read_address(tokens[0])
    flags.extend(aflags)
    status = NodeStatus.UNKNOWN
    version: str | None = None
    legacy = False
    seen_state = False
    for tok in tokens[1:3]:
        # Quoted or bracketed by a log line: `[200 info 260a51cac9 1.12.2 OFFLINE]`.
        tok = tok.strip("*`,;[](){}\"'")
        word = tok.strip(".").upper()
        if word in _STATES:
            status = _STATES[word]
            seen_state = True
        elif any(c.isdigit() for c in tok) or tok == "-":
            version, vflags = read_version(tok)
            flags.extend(vflags)
            legacy = seen_state
        else:
            flags.append("damaged-field")
    if len(tokens) < 3:
        flags.append("truncated")
    return NodeInfo(
        address=address,
        version=version,
        status=status,
        online=_ONLINE.get(status),
        tcp_fallback_active=_TUNNEL.get(status),
        legacy_order=legacy,
        line=num,
        flags=tuple(dict.fromkeys(flags)),
    )
