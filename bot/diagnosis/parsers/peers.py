"""Parser for `zerotier-cli peers` (1.4.0 and later).

Layout: `200 peers`, a `<ztaddr> <ver> <role> <lat> <link> <lastTX> <lastRX> <path>` header, one
row per peer, then an optional NOTE line (1.10.3+, TCP fallback). Rows are split on runs of
whitespace, never on fixed columns: widths are minimums and a long version pushes columns right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from operator import itemgetter

from bot.diagnosis.model import (
    LINK,
    TUNNELED,
    Facts,
    Link,
    ParsedOutput,
    Path,
    Peer,
    PeerRows,
    Role,
    facts_of,
)
from bot.diagnosis.parsers._common import (
    EPOCH_MS_FLOOR,
    read_address,
    read_age,
    read_endpoint,
    read_latency,
    read_version,
)

ROLE_WORDS = frozenset({"PLANET", "MOON", "LEAF"})
_ROLES = {"PLANET": Role.PLANET, "MOON": Role.MOON, "LEAF": Role.LEAF}
_LINKS = {"DIRECT": Link.DIRECT, "RELAY": Link.RELAY}

# The well-formed row, read in one match; anything else takes the token-by-token path.
FAST_ROW = re.compile(
    r"([0-9a-f]{10}) +(-|\d{1,3}\.\d{1,3}\.\d{1,4}) +(PLANET|MOON|LEAF) +(-?\d{1,9}) +"
    r"(?:(DIRECT|RELAY)( +)(-?\d{1,19}) +(-?\d{1,19}) +([0-9a-fA-F.:]+)/(\d{1,5})|RELAY)"
)
# 1.10.3 widened the gap after DIRECT (and in the header) from one space to three.
_HEADER_GAP = re.compile(r"<link>( +)<lastTX>")

# The rows of a big table read in one call (`findall` from a row's start): each line gives the
# nine `Facts` strings of a well-formed row (the same rows FAST_ROW takes, with a latency
# ZeroTier can report), or an empty address for any other line, where reading in bulk stops;
# the last match is always the empty one at the end of the text searched. Lookaheads capture
# the marks: a direct latency of 250 ms or more, tunneled (a RELAY row with a path), and
# lastTX or lastRX never (-1, or a 13-digit epoch from the 1.2.6-1.6.x display bug).
_NEVER = r"(?:(?=(-|0*[1-9]\d{12}))|)-?\d{1,19}"
BULK_ROW = re.compile(
    r"(?:([0-9a-f]{10}) +(-|\d{1,3}\.\d{1,3}\.\d{1,4}) +(?=([PML]))(?:PLANET|MOON|LEAF) +"
    r"(?:(?=0*(?:2[5-9]|[3-9]\d|[1-9]\d{2,3})\d +D)(?=(.))|)"
    r"(-?\d{1,4}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5]) +"
    r"(?=([DR]))(?:DIRECT|RELAY)(?:(?<=RELAY)(?=( ) *-?\d)|)"
    rf"(?: +{_NEVER} +{_NEVER} +[0-9a-fA-F.:]{{1,45}}/\d{{1,5}}|(?<=RELAY))"
    r"[ \t]*|[^\n]*)(?:\n|\Z)"
)


def parse(
    lines: Sequence[str],
    numbers: Sequence[int] | None = None,
    *,
    fast: Mapping[int, re.Match[str]] | None = None,
    bulk: Mapping[int, list[Facts]] | None = None,
) -> ParsedOutput:
    """Parse a `peers` table (headers, rows, NOTE line) into peers; `fast` holds rows already
    matched by `FAST_ROW`, by their index in `lines`; `bulk` the facts of runs of rows read by
    `BULK_ROW`, by the index in `lines` where each run starts."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    # One entry per peer in each list: facts, the peer (None until asked for), text, line.
    facts: list[Facts] = []
    peers: list[Peer | None] = []
    texts: list[str] = []
    rows: list[int] = []
    warnings: list[str] = []
    notes: list[str] = []
    used: list[int] = []
    variants: set[str] = set()
    known = fast or {}
    runs = bulk or {}
    i, count = 0, min(len(lines), len(nums))
    while i < count:
        run = runs.get(i)
        if run is not None:
            k = len(run)
            facts.extend(run)
            peers.extend([None] * k)
            texts.extend(lines[i : i + k])
            rows.extend(nums[i : i + k])
            used.extend(nums[i : i + k])
            variants.add(_run_variant(run, lines[i : i + k]) or "")
            i += k
            continue
        text, num = lines[i], nums[i]
        i += 1
        m = known.get(i - 1)
        s = text if m is not None else text.strip()
        if m is None and s:
            m = FAST_ROW.fullmatch(s)
        if m is not None:
            used.append(num)
            fast_peer, fast_variant = _fast(m, num)
            variants.add(fast_variant or "")
            facts.append(facts_of(fast_peer))
            peers.append(fast_peer)
            texts.append(s)
            rows.append(num)
            continue
        if not s:
            continue
        used.append(num)
        if s.startswith("200 peers"):
            continue
        if s.startswith("<") and "<role>" in s:
            gap = _HEADER_GAP.search(s)
            if gap:
                variants.add("1.10.3+" if len(gap.group(1)) >= 3 else "1.4-1.10.2")
            continue
        if s.startswith("NOTE:"):
            notes.append(s)
            continue
        if s.strip(".… ") == "":
            warnings.append(f"line {num}: rows left out ({s})")
            continue
        peer, variant = parse_row(s, num)
        if peer is None:
            last = peers[-1] if peers else None
            if last is not None and last.flags:
                joined = _rejoin(texts[-1], s, last)
                if joined is not None:
                    peers[-1], texts[-1] = joined
                    facts[-1] = facts_of(joined[0])
                    continue
            warnings.append(f"line {num}: unreadable peers row: {s[:60]}")
            continue
        if variant:
            variants.add(variant)
        facts.append(facts_of(peer))
        peers.append(peer)
        texts.append(s)
        rows.append(num)
    build = _build_row
    if notes:
        # The NOTE line means the node-wide TCP fallback is on: every peer shares the flag.
        peers = [None if p is None else _with_tunneled(p) for p in peers]
        facts = [
            _tunneled_facts(f) if p is None else facts_of(p)
            for f, p in zip(facts, peers, strict=True)
        ]
        build = _build_tunneled_row
    for peer in filter(None, peers):
        if peer.flags:
            warnings.append(f"line {peer.line}: {peer.address}: {', '.join(peer.flags)}")
    variants.discard("")
    variant = "1.10.3+" if "1.10.3+" in variants else (variants.pop() if variants else None)
    return ParsedOutput(
        command="peers",
        items=PeerRows(facts, peers, texts, rows, build),
        lines=tuple(used),
        warnings=tuple(warnings),
        variant=variant,
        notes=tuple(notes),
    )


_AGE_LIKE = re.compile(r"-?\d+|[x*?#.]+|<[^>]*>", re.IGNORECASE)


def parse_row(s: str, num: int | None = None) -> tuple[Peer | None, str | None]:
    """Parse one peers row; returns (peer or None when not a row, layout variant or None)."""
    m = FAST_ROW.fullmatch(s)
    if m is not None and int(m.group(4)) <= 0xFFFF:
        # (A latency ZeroTier cannot report goes the careful way below, which flags it; the
        # fast path sends such rows here, so taking it again would never end.)
        return _fast(m, num)
    tokens = s.split()
    role_i = next((i for i, t in enumerate(tokens[:4]) if t in ROLE_WORDS), -1)
    if role_i < 0:
        return None, None
    flags: list[str] = []
    head = tokens[:role_i]
    version: str | None = None
    if role_i >= 2:
        addr_text = " ".join(head[:-1])
        version, vflags = read_version(head[-1])
        flags.extend(vflags)
    elif role_i == 1:
        addr_text = head[0]
        # An address glued to its version (`62f865ae711.14.1`) loses the separating space.
        if len(addr_text) > 10 and read_address(addr_text[:10])[1] == ():
            version, vflags = read_version(addr_text[10:])
            addr_text = addr_text[:10]
            flags.extend(vflags)
        else:
            flags.append("missing-version")
    else:
        addr_text = ""
    address, aflags = read_address(addr_text) if addr_text else ("", ("missing-address",))
    flags.extend(aflags)
    rest = tokens[role_i + 1 :]
    latency: int | None = None
    if rest:
        latency, lflags = read_latency(rest[0])
        flags.extend(lflags)
    link = Link.UNKNOWN
    if len(rest) >= 2:
        link = _LINKS.get(rest[1], Link.UNKNOWN)
        if link is Link.UNKNOWN:
            flags.append(
                "truncated" if rest[1] in ("DIR", "DIREC", "REL", "RELA") else "damaged-link"
            )
    else:
        flags.append("truncated")
    paths: tuple[Path, ...] = ()
    tunneled: bool | None = None
    variant: str | None = None
    if len(rest) > 2 and link is Link.RELAY and not _AGE_LIKE.fullmatch(rest[2]):
        # Prose after a bare RELAY row ("... RELAY   how do I fix this"), not 1.10.3+ TX/RX.
        flags.append("trailing-text")
    elif len(rest) > 2:
        path, pflags = _path(rest[2], rest[3] if len(rest) > 3 else None, rest[4:])
        paths = (path,)
        flags.extend(pflags)
        if link is Link.RELAY:
            tunneled, variant = True, "1.10.3+"
        elif link is Link.DIRECT:
            variant = _direct_gap(s)
    elif link is Link.DIRECT:
        flags.append("truncated")
    peer = Peer(
        address=address,
        version=version,
        role=_ROLES[tokens[role_i]],
        latency_ms=latency,
        link=link,
        paths=paths,
        tunneled=tunneled,
        line=num,
        flags=tuple(dict.fromkeys(flags)),
    )
    return peer, variant


def _fast(m: re.Match[str], num: int | None) -> tuple[Peer, str | None]:
    addr, ver, role, lat, link, gap, tx, rx, ip, port = m.groups()
    latency = int(lat)  # at most 9 digits (FAST_ROW)
    if latency > 0xFFFF:
        # Outside what ZeroTier reports: read the row the careful way, which flags it.
        peer, variant = parse_row(m.group(0), num)
        if peer is not None:
            return peer, variant
    if link is None:
        peer = Peer(
            address=addr,
            version=None if ver == "-" else ver,
            role=_ROLES[role],
            latency_ms=latency if latency >= 0 else None,
            link=Link.RELAY,
            line=num,
        )
        return peer, None
    # Inlined read_age: this path runs once per row of pastes with thousands of rows.
    send, recv = int(tx), int(rx)
    sent = 0 <= send < EPOCH_MS_FLOOR
    received = 0 <= recv < EPOCH_MS_FLOOR
    # Positional arguments: this runs once per row of tables with thousands of rows.
    path = Path(
        f"{ip}/{port}",
        ip,
        int(port),
        send if sent else None,
        recv if received else None,
        sent,
        received,
        None,
        None,
        True,
    )
    relay = link == "RELAY"
    variant = "1.10.3+" if relay or len(gap) >= 3 else "1.4-1.10.2"
    peer = Peer(
        addr,
        None if ver == "-" else ver,
        _ROLES[role],
        latency if latency >= 0 else None,
        Link.RELAY if relay else Link.DIRECT,
        (path,),
        True if relay else None,
        num,
    )
    return peer, variant


def _run_variant(run: Sequence[Facts], lines: Sequence[str]) -> str | None:
    # A RELAY row with a path is 1.10.3+; else the gap after DIRECT in the first row says.
    if any(map(itemgetter(TUNNELED), run)):
        return "1.10.3+"
    first = next((j for j, f in enumerate(run) if f[LINK] == "D"), None)  # rows read in bulk
    return None if first is None else _direct_gap(lines[first])


def _build_row(text: str, num: int) -> Peer:
    """The peer of a row read in bulk, built when a rule or the JSON asks for it."""
    s = text.strip()
    m = FAST_ROW.fullmatch(s)
    peer = _fast(m, num)[0] if m is not None else parse_row(s, num)[0]
    return peer if peer is not None else Peer(address=s[:10], line=num, flags=("unreadable",))


def _tunneled_facts(f: Facts) -> Facts:
    # A row read in bulk has a path when DIRECT (a RELAY row with one is tunneled already).
    if f[LINK] != "D":
        return f
    return (f[0], f[1], f[2], f[3], f[4], f[5], "T", f[7], f[8])  # TUNNELED set


def _build_tunneled_row(text: str, num: int) -> Peer:
    return _with_tunneled(_build_row(text, num))


def _path(tx: str, rx: str | None, tail: list[str]) -> tuple[Path, list[str]]:
    flags: list[str] = []
    send_age, sent, ok_tx = read_age(tx)
    if not ok_tx:
        flags.append("damaged-lastTX")
    recv_age, received, ok_rx = (None, None, False) if rx is None else read_age(rx)
    if rx is None or not tail:
        flags.append("truncated")
    elif not ok_rx:
        flags.append("damaged-lastRX")
    endpoint = " ".join(tail)
    ip: str | None = None
    port: int | None = None
    if endpoint:
        ip, port, eflags = read_endpoint(endpoint)
        flags.extend(eflags)
    path = Path(
        address=endpoint,
        ip=ip,
        port=port,
        last_send_ms=send_age,
        last_receive_ms=recv_age,
        sent=sent,
        received=received,
        preferred=True,
        flags=tuple(flags),
    )
    return path, flags


def _direct_gap(s: str) -> str | None:
    i = s.find("DIRECT ")
    if i < 0:
        return None
    j = i + 6
    while j < len(s) and s[j] == " ":
        j += 1
    return "1.10.3+" if j - (i + 6) >= 3 else "1.4-1.10.2"


def _rejoin(prev: str, extra: str, before: Peer) -> tuple[Peer, str] | None:
    # A terminal that hard-wraps long rows splits one row over two lines, either inside a
    # token (glue back with no space) or at a space (glue back with one).
    best: tuple[Peer, str] | None = None
    for joined in (prev + extra, prev + " " + extra):
        peer, _ = parse_row(joined, before.line)
        if peer is None or len(peer.flags) >= len(before.flags):
            continue
        if best is None or len(peer.flags) < len(best[0].flags):
            best = (peer, joined)
    return best


def _with_tunneled(peer: Peer) -> Peer:
    if peer.tunneled or not peer.paths:
        return peer
    return Peer(
        address=peer.address,
        version=peer.version,
        role=peer.role,
        latency_ms=peer.latency_ms,
        link=peer.link,
        paths=peer.paths,
        tunneled=True,
        line=peer.line,
        flags=peer.flags,
    )
