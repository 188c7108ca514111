"""Parser for `zerotier-cli listnetworks` (2014 layouts, 1.1 to 1.16).

Row: `200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ips>`. The name may be empty
(two spaces) or contain spaces, and a Windows device name can contain a space, so a row is read
from both ends around the status word. 2014 builds printed no mac and/or a `<config age>`.
SSO networks (1.8.1+) add an indented `AUTH ...` line after their row.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from bot.diagnosis.model import NETWORK_STATUSES, Network, ParsedOutput
from bot.diagnosis.parsers._common import is_masked, read_address, read_int

_PREFIX = "200 listnetworks"
_TYPES = frozenset({"PRIVATE", "PUBLIC"})
# A placeholder with blanks inside (`<network id redacted>`) is one token.
_TOKEN = re.compile(r"(?<!\S)(?:<[^<>\n]{1,60}>|\[[^\[\]\n]{1,60}\])(?!\S)|\S+")
_MAC = re.compile(r"[0-9a-fA-FxX*]{1,2}(?::[0-9a-fA-FxX*]{1,2}){5}")
# A MAC masked part way with one run of mask characters (`7a:bb:cc:XXXXXXXX`, `7a:bb:**:**`).
_MAC_MASKED = re.compile(r"(?:[0-9a-fA-F]{2}:){1,5}[xX*#][xX*#:]{0,16}")
# Legacy and unknown status words in the status column (`INITIALIZING`, `WAITING_FOR_...`).
_STATUS_LIKE = re.compile(r"[A-Z][A-Z_]{3,40}")
_TAIL_CHARS = frozenset("0123456789abcdefABCDEF.:/,xX")
_AUTH_EXPIRED = re.compile(r"AUTH EXPIRED,?\s*URL:\s*(\S*)")
_AUTH_OK = re.compile(r"AUTH OK,?\s*expires in:\s*(-?\d+)")


def parse(lines: Sequence[str], numbers: Sequence[int] | None = None) -> ParsedOutput:
    """Parse `200 listnetworks` lines (header, rows, SSO AUTH lines) into networks."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    networks: list[Network] = []
    warnings: list[str] = []
    used: list[int] = []
    variant: str | None = None
    old_layout = False
    for text, num in zip(lines, nums, strict=False):
        s = text.strip()
        if not s:
            continue
        i = s.find(_PREFIX)
        if i < 0:
            if s.startswith("AUTH") and networks:
                used.append(num)
                networks[-1] = _with_auth(networks[-1], s)
                variant = "1.8.1+"
            elif s.strip(".… ") == "":
                used.append(num)
                warnings.append(f"line {num}: rows left out ({s})")
            elif networks and _is_tail(s):
                # The tail of a row a terminal hard-wrapped (usually a long IPv6 list).
                used.append(num)
                networks[-1] = _rejoin(networks[-1], s)
            continue
        used.append(num)
        body = s[i + len(_PREFIX) :]
        if body.strip().startswith("<nwid>") and not _has_status(body):
            old_layout = "<config age>" in body or "<mac>" not in body
            if old_layout:
                variant = "2014"
            continue
        net = parse_row(body, num)
        if net is None:
            warnings.append(f"line {num}: unreadable listnetworks row: {s[:60]}")
            continue
        if net.config_age_s is not None or (old_layout and net.mac is None):
            variant = "2014"
        elif variant is None and "dash-for-empty" in net.flags:
            variant = "1.1"
        elif net.status == "AUTHENTICATION_REQUIRED" and variant != "2014":
            variant = "1.8.1+"
        networks.append(net)
    for net in networks:
        shown = [f for f in net.flags if f != "dash-for-empty"]
        if shown:
            warnings.append(f"line {net.line}: {net.id}: {', '.join(shown)}")
    return ParsedOutput(
        command="listnetworks",
        items=tuple(networks),
        lines=tuple(used),
        warnings=tuple(warnings),
        variant=variant,
    )


def parse_row(body: str, num: int | None = None) -> Network | None:
    """Parse what follows `200 listnetworks` in one row."""
    spans = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(body)]
    if not spans:
        return None
    flags: list[str] = []
    if spans[0][2] in NETWORK_STATUSES:
        # Only the tail of a row: the id and name were not pasted.
        spans.insert(0, (0, 0, ""))
        nwid: str | None = None
        flags.append("missing-id")
    else:
        nwid, iflags = read_address(spans[0][2], 16)
        flags.extend(iflags)
    st_i = next(
        (k for k in range(len(spans) - 1, 0, -1) if spans[k][2] in NETWORK_STATUSES),
        -1,
    )
    if st_i < 0:
        st_i = next(
            (
                k
                for k in range(len(spans) - 1, 0, -1)
                if _STATUS_LIKE.fullmatch(spans[k][2])
                and spans[k][2] not in _TYPES
                and k < len(spans) - 1  # a word cut at the line's end is a damaged status
                and not any(st.startswith(spans[k][2]) for st in NETWORK_STATUSES)
            ),
            -1,
        )
        if st_i > 0:
            flags.append("unknown-status")
    if st_i < 0:
        mac_k = next((k for k in range(1, len(spans)) if _is_mac(spans[k][2])), -1)
        if nwid is None:
            return None
        if mac_k < 0:
            flags.append("truncated")
            return Network(id=nwid, line=num, flags=tuple(flags))
        st_i = mac_k + 1
        # Cut inside or right after the status word (`ACCESS_DEN`), or the word is mangled.
        flags.append("damaged-status" if st_i < len(spans) - 1 else "truncated")
    word = spans[st_i][2] if st_i < len(spans) else ""
    status = word if word in NETWORK_STATUSES or "unknown-status" in flags else None
    mac: str | None = None
    name_end = spans[st_i][0] if st_i < len(spans) else len(body)
    if st_i - 1 >= 1 and _is_mac(spans[st_i - 1][2]):
        mac = spans[st_i - 1][2].lower()
        name_end = spans[st_i - 1][0]
        if is_masked(mac) or not _MAC.fullmatch(mac):
            flags.append("masked-mac")
    else:
        flags.append("missing-mac")
    name: str | None = body[spans[0][1] : name_end].strip() if nwid is not None else None
    if name == "-" and nwid is not None:
        # 1.1.x printed `-` for an empty name (and device).
        name = ""
        flags.append("dash-for-empty")
    after = [t for _, _, t in spans[st_i + 1 :]]
    age: int | None = None
    if len(after) > 1 and read_int(after[0]) is not None and after[1] in _TYPES:
        age = read_int(after[0])
        after = after[1:]
    net_type: str | None = None
    if after and after[0] in _TYPES:
        net_type = after[0]
        after = after[1:]
    elif after:
        flags.append("damaged-type")
        after = after[1:]
    device: str | None = None
    ips: tuple[str, ...] = ()
    if not after:
        flags.append("truncated")
    elif _looks_like_ips(after[-1]):
        device = " ".join(after[:-1])
        ips, ipflags = _ips(after[-1])
        flags.extend(ipflags)
    else:
        device = " ".join(after)
        flags.append("truncated")
    if device == "-":
        device = ""
        flags.append("dash-for-empty")
    return Network(
        id=nwid,
        name=name,
        mac=mac,
        status=status,
        type=net_type,
        device=device,
        ips=ips,
        config_age_s=age,
        line=num,
        flags=tuple(dict.fromkeys(flags)),
    )


# A row found by its shape where the `200 listnetworks` prefix was lost: an id (or nothing, when
# only the tail was pasted), then at most a few tokens, a status word and the network type.
_STATUS_WORDS = "|".join(sorted(NETWORK_STATUSES))
ROW_SHAPE = re.compile(
    rf"(?:[0-9a-fA-FxX*]{{16}} (?:\S{{1,64}} ){{0,4}})?(?:{_STATUS_WORDS}) (?:PRIVATE|PUBLIC)"
    r"(?: \S{1,64}){0,3}"
)


def _is_mac(token: str) -> bool:
    if _MAC.fullmatch(token) or _MAC_MASKED.fullmatch(token):
        return True
    # The header's own placeholder typed into a row: `<mac>`.
    return token[:1] in "<[" and "mac" in token.lower() and len(token) <= 20


def _has_status(body: str) -> bool:
    return any(t in NETWORK_STATUSES for t in body.split())


def _looks_like_ips(token: str) -> bool:
    if token == "-" or "/" in token:
        return True
    return ("." in token or ":" in token) and all(c in _TAIL_CHARS for c in token)


def _ips(token: str) -> tuple[tuple[str, ...], list[str]]:
    if token == "-":
        return (), []
    ips = tuple(p for p in token.split(",") if p)
    flags = ["masked-ip"] if any(is_masked(p.partition("/")[0]) for p in ips) else []
    return ips, flags


def _with_auth(net: Network, line: str) -> Network:
    expired = _AUTH_EXPIRED.search(line)
    if expired:
        return dataclasses.replace(net, auth="expired", auth_url=expired.group(1) or None)
    ok = _AUTH_OK.search(line)
    if ok:
        return dataclasses.replace(net, auth="ok", auth_expires_in_s=int(ok.group(1)))
    return dataclasses.replace(net, auth="unknown")


def _is_tail(s: str) -> bool:
    return len(s) <= 400 and all(c in _TAIL_CHARS for c in s)


def _rejoin(net: Network, extra: str) -> Network:
    # Only the IP list runs long enough to wrap: glue its tail back on (inside a token when
    # the terminal cut mid-address, or as the whole list when it cut at the space before it).
    if "truncated" in net.flags and net.device and not net.ips:
        ips, ipflags = _ips(extra)
        flags = tuple(f for f in net.flags if f != "truncated") + tuple(ipflags)
        return dataclasses.replace(net, ips=ips, flags=flags)
    if net.ips:
        joined = net.ips[:-1] + tuple(p for p in (net.ips[-1] + extra).split(",") if p)
        return dataclasses.replace(net, ips=joined)
    return net
