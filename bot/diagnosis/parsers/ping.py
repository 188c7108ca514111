"""Parser for the system `ping` command's output on Windows, macOS and Linux.

The three flavours differ in every line: Windows says `Pinging X with 32 bytes of data:`,
`Reply from X: bytes=32 time=12ms TTL=64` and `Request timed out.`; Linux says
`PING X (X) 56(84) bytes of data.` and stays silent on a timeout; macOS says
`PING X (X): 56 data bytes` and `Request timeout for icmp_seq N`. Trap: Windows counts a
`Destination host unreachable` reply as received, so its loss figure can read 0%.
Localized wording (Windows in German, French, Spanish, Portuguese, Italian; Linux's translated
lines) comes from the phrase tables in `ping_lang` and yields the same facts as English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.diagnosis.model import OsName, ParsedOutput, PingResult
from bot.diagnosis.parsers import ping_lang as lang
from bot.diagnosis.parsers._common import bounded_float, bounded_int

_MAX_MS = 3_600_000.0  # an hour: any reply time beyond this is damage, not latency
_MAX_PROBES = 10_000_000

_WIN_HEAD = re.compile(r"Pinging (\S+)(?: \[([^\]]+)\])? with \d+ bytes of data")
_UNIX_HEAD = re.compile(
    r"PING6?\(?\s*(\S+?)\s*\(([^)\s]+)\)\s*(?:(\d+)\((\d+)\) bytes of data|:\s*\d+ data bytes)?"
)
_MAC_HEAD_TAIL = re.compile(r"\):\s*\d+ data bytes")
_TIME = re.compile(r"time([=<])\s?(\d+(?:\.\d+)?)\s?ms")
_WIN_REPLY = re.compile(r"Reply from ([^:\s]+(?::[0-9a-fA-F:]*)?): ")
# An address is a run without colons, then colon-led hex groups (IPv6): each repetition starts
# with the one character the others exclude, so there is only one way to match (linear time).
ADDRESS = r"[^\s:]{1,255}(?::[0-9a-fA-F]{0,4}){0,8}"
_UNIX_REPLY = re.compile(rf"\d{{1,9}} bytes from ({ADDRESS})[:,]? [^\n]{{0,300}}?time[=<]")
_UNREACH = re.compile(
    r"(?i)from ([^\s:]+)[^\n]{0,80}?destination (?:host|net|port|network) unreachable"
)
_WIN_STATS = re.compile(r"Packets: Sent = (\d+), Received = (\d+), Lost = (\d+) \((\d+)% loss\)")
_UNIX_STATS = re.compile(
    r"(\d{1,20}) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) errors)?"
    r"(?:, \+\d+ duplicates)?, (\d+(?:\.\d+)?)% packet loss"
)
_ERRORS: tuple[tuple[str, str], ...] = (
    ("could not find host", "unknown-host"),
    ("Unknown host", "unknown-host"),
    ("unknown host", "unknown-host"),
    ("Name or service not known", "unknown-host"),
    ("Temporary failure in name resolution", "unknown-host"),
    ("cannot resolve", "unknown-host"),
    ("General failure", "general-failure"),
    ("transmit failed", "transmit-failed"),
    ("Network is unreachable", "network-unreachable"),
    ("No route to host", "no-route"),
    ("Host is down", "host-down"),
    ("TTL expired in transit", "ttl-expired"),
    ("Operation not permitted", "not-permitted"),
)


@dataclass(slots=True)
class _Run:
    os: OsName | None = None
    target: str | None = None
    target_ip: str | None = None
    sent: int | None = None
    received: int | None = None
    lost: int | None = None
    loss: float | None = None
    times: list[float] = field(default_factory=list)
    timeouts: int = 0
    unreachable: int = 0
    unreachable_from: str | None = None
    errors: list[str] = field(default_factory=list)
    summary: bool = False
    line: int | None = None
    unix_errors: int = 0
    unreadable: list[str] = field(default_factory=list)

    def started(self) -> bool:
        return bool(
            self.target
            or self.times
            or self.timeouts
            or self.unreachable
            or self.summary
            or self.unreadable
        )

    def freeze(self) -> PingResult:
        sent, received, loss = self.sent, self.received, self.loss
        if not self.summary:
            # No statistics block (interrupted or cropped): count what the lines show.
            sent = len(self.times) + self.timeouts + self.unreachable or None
            received = len(self.times) if sent else None
            loss = round(100.0 * (sent - len(self.times)) / sent, 1) if sent else None
        elif loss is None and sent:
            # Localized statistics cut before the wrapped `(N% loss)` part: Windows' own sum.
            lost = self.lost if self.lost is not None else sent - (received or 0)
            loss = float(lost * 100 // sent)
        timeouts = self.timeouts
        if self.summary and self.os == "linux" and not timeouts and sent is not None:
            # Linux prints nothing for a lost probe; the summary tells how many there were.
            timeouts = max(0, sent - (received or 0) - self.unix_errors)
        return PingResult(
            os=self.os,
            target=self.target,
            target_ip=self.target_ip,
            sent=sent,
            received=received,
            loss_pct=loss,
            replies=len(self.times),
            times_ms=tuple(self.times),
            timeouts=timeouts,
            unreachable=self.unreachable,
            unreachable_from=self.unreachable_from,
            errors=tuple(dict.fromkeys(self.errors)),
            has_summary=self.summary,
            line=self.line,
        )


def parse(lines: Sequence[str], numbers: Sequence[int] | None = None) -> ParsedOutput:
    """Parse ping output (one or several runs) into ping results."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    runs: list[_Run] = []
    run = _Run()
    used: list[int] = []
    warnings: list[str] = []
    for text, num in zip(lines, nums, strict=False):
        s = text.strip()
        if not s:
            continue
        head = _head(s)
        if head is not None:
            if run.started():
                runs.append(run)
            run = head
            run.line = num
            used.append(num)
            continue
        if _line(run, s):
            used.append(num)
            if run.line is None:
                run.line = num
    if run.started() or run.errors:
        runs.append(run)
    results = tuple(r.freeze() for r in runs)
    for done in runs:
        if done.unreadable:
            shown = ", ".join(done.unreadable[:3])
            warnings.append(f"line {done.line}: ping value(s) outside a sane range: {shown}")
    for r in results:
        if r.os == "windows" and r.unreachable and r.received:
            warnings.append(
                f"line {r.line}: Windows counted {r.unreachable} 'unreachable' replies as received"
            )
    return ParsedOutput(command="ping", items=results, lines=tuple(used), warnings=tuple(warnings))


def _head(s: str) -> _Run | None:
    m = _WIN_HEAD.search(s)
    if m is not None:
        target, ip = m.group(1), m.group(2) or m.group(1)
        return _Run(os="windows", target=target, target_ip=ip)
    m = _UNIX_HEAD.match(s)
    if m is not None:
        # Linux prints `56(84) bytes of data.`, macOS `: 56 data bytes`.
        os_name: OsName | None = None
        if m.group(3) or ("data bytes" in s and not _MAC_HEAD_TAIL.search(s)):
            os_name = "linux"
        elif "data bytes" in s:
            os_name = "macos"
        return _Run(os=os_name, target=m.group(1), target_ip=m.group(2))
    m = lang.HEAD.match(s)
    if m is not None:
        target, ip = m.group(1), m.group(2) or m.group(1)
        return _Run(os="windows", target=target, target_ip=ip)
    return None


def _line(run: _Run, s: str) -> bool:
    m = _WIN_STATS.search(s)
    if m is not None:
        run.os = run.os or "windows"
        _stats(run, m.group(1), m.group(2), m.group(4))
        return True
    m = _UNIX_STATS.search(s)
    if m is not None:
        _stats(run, m.group(1), m.group(2), m.group(4))
        run.unix_errors = _count(run, m.group(3) or "0") or 0
        if run.os is None:
            run.os = "macos" if "packets received" in s else "linux"
        run.summary = True
        return True
    u = _UNREACH.search(s) if "nreachable" in s else None
    if u is not None:
        run.unreachable += 1
        run.unreachable_from = run.unreachable_from or u.group(1)
        return True
    if s.startswith("Request timed out"):
        run.os = run.os or "windows"
        run.timeouts += 1
        return True
    if s.startswith("Request timeout for icmp_seq"):
        run.os = run.os or "macos"
        run.timeouts += 1
        return True
    if s.startswith("no answer yet for icmp_seq"):
        run.timeouts += 1
        return True
    t = _TIME.search(s)
    if t is not None and ("Reply from" in s or "bytes from" in s):
        if run.os is None:
            run.os = "windows" if s.startswith("Reply from") else None
        # `time<1ms` (Windows) is below a millisecond: count it as 0.5.
        _add_time(run, t.group(1), t.group(2))
        if run.target_ip is None:
            r = _WIN_REPLY.match(s) or _UNIX_REPLY.match(s)
            if r is not None:
                run.target_ip = r.group(1)
        return True
    for phrase, code in _ERRORS:
        if phrase in s:
            run.errors.append(code)
            if run.os is None and ("PING:" in s or "Ping request" in s):
                run.os = "windows"
            elif run.os is None and s.startswith("ping: connect:"):
                run.os = "linux"  # iputils; macOS says `ping: sendto:`
            return True
    if s.startswith(
        ("Ping statistics", "Approximate round trip", "Minimum =", "---", "rtt ", "round-trip")
    ):
        return True
    return _local_line(run, s)


def _local_line(run: _Run, s: str) -> bool:
    """Read one localized line into the run, as `_line` does for the English wording."""
    m = lang.REPLY.match(s)
    if m is not None:
        rest = s[m.end() :]
        t = lang.TIME.search(rest)
        if t is not None:
            run.os = run.os or "windows"
            _add_time(run, t.group(1), t.group(2))
            run.target_ip = run.target_ip or m.group(1)
            return True
        if lang.UNREACHABLE.search(rest) is not None:
            _add_unreachable(run, m.group(1))
            return True
        return _local_error(run, s)
    if lang.TIMEOUT.match(s) is not None:
        run.os = run.os or "windows"
        run.timeouts += 1
        return True
    if _local_stats(run, s):
        return True
    if s[:1].isdigit():
        return _local_unix(run, s)
    u = lang.UNIX_FROM.match(s)
    if u is not None and lang.UNREACHABLE.search(s, u.end()) is not None:
        _add_unreachable(run, u.group(1))
        return True
    if _local_error(run, s):
        return True
    # Headers, round-trip lines and the tail of wrapped statistics (`perda),`): no facts.
    return lang.OTHER.match(s) is not None or (run.summary and lang.is_ping_line(s, cont=True))


def _local_stats(run: _Run, s: str) -> bool:
    # Fields one by one: each language wraps the Windows statistics at a different place.
    # Windows always prints ` = ` here; the test spares junk lines a regex search.
    counters = lang.COUNTER.findall(s) if "= " in s else []
    if not counters:
        if run.summary and run.loss is None and s.startswith("("):
            loss = lang.LOSS.match(s)
            if loss is not None:
                run.loss = _pct(run, loss.group(1))
                return True
        return False
    run.os = run.os or "windows"
    for sent, received, _lost, value in counters:
        if sent:
            run.sent = _count(run, value)
        elif received:
            run.received = _count(run, value)
        else:
            run.lost = _count(run, value)
    run.summary = run.sent is not None and run.received is not None
    loss = lang.LOSS.search(s) if run.summary else None
    if loss is not None:
        run.loss = _pct(run, loss.group(1))
    return True


def _local_unix(run: _Run, s: str) -> bool:
    m = lang.UNIX_STATS.match(s)
    if m is not None:
        _stats(run, m.group(1), m.group(2), m.group(4))
        errors = lang.UNIX_ERRORS.search(m.group(3)) if m.group(3) else None
        run.unix_errors = (_count(run, errors.group(1)) or 0) if errors is not None else 0
        # Only iputils (Linux) translates its statistics; macOS prints English.
        run.os = run.os or "linux"
        run.summary = True
        return True
    r = lang.UNIX_REPLY.match(s)
    t = lang.TIME.search(s, r.end()) if r is not None else None
    if r is None or t is None:
        return False
    _add_time(run, t.group(1), t.group(2))
    run.target_ip = run.target_ip or r.group(1)
    return True


def _local_error(run: _Run, s: str) -> bool:
    if lang.ANY_ERROR.search(s) is None:
        return False
    for rx, code, windows in lang.ERRORS:
        if rx.search(s) is not None:
            run.errors.append(code)
            # `PING: ...` (French `PING : ...`) is Windows' prefix, as in English.
            if run.os is None and (windows or s.startswith("PING")):
                run.os = "windows"
            return True
    return False


def _add_time(run: _Run, op: str, value: str) -> None:
    # `time<1ms` (Windows) is below a millisecond: count it as 0.5, as the English path does.
    ms = bounded_float(value, 0.0, _MAX_MS)
    if ms is None:
        run.unreadable.append(f"time {op}{value[:20]} ms")
        return
    run.times.append(ms if op == "=" else ms / 2)


def _stats(run: _Run, sent: str, received: str, loss: str) -> None:
    run.sent, run.received = _count(run, sent), _count(run, received)
    run.loss = _pct(run, loss)
    run.summary = run.sent is not None and run.received is not None


def _count(run: _Run, text: str) -> int | None:
    value = bounded_int(text, 0, _MAX_PROBES)
    if value is None:
        run.unreadable.append(f"count {text[:20]}")
    return value


def _pct(run: _Run, text: str) -> float | None:
    value = bounded_float(text, 0.0, 100.0)
    if value is None:
        run.unreadable.append(f"loss {text[:20]}%")
    return value


def _add_unreachable(run: _Run, source: str) -> None:
    run.unreachable += 1
    run.unreachable_from = run.unreachable_from or source
