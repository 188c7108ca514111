"""Parser for the system `ping` command's output on Windows, macOS and Linux.

The three flavours differ in every line: Windows says `Pinging X with 32 bytes of data:`,
`Reply from X: bytes=32 time=12ms TTL=64` and `Request timed out.`; Linux says
`PING X (X) 56(84) bytes of data.` and stays silent on a timeout; macOS says
`PING X (X): 56 data bytes` and `Request timeout for icmp_seq N`. Trap: Windows counts a
`Destination host unreachable` reply as received, so its loss figure can read 0%.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.diagnosis.model import OsName, ParsedOutput, PingResult

_WIN_HEAD = re.compile(r"Pinging (\S+)(?: \[([^\]]+)\])? with \d+ bytes of data")
_UNIX_HEAD = re.compile(
    r"PING6?\(?\s*(\S+?)\s*\(([^)\s]+)\)\s*(?:(\d+)\((\d+)\) bytes of data|:\s*\d+ data bytes)?"
)
_MAC_HEAD_TAIL = re.compile(r"\):\s*\d+ data bytes")
_TIME = re.compile(r"time([=<])\s?(\d+(?:\.\d+)?)\s?ms")
_WIN_REPLY = re.compile(r"Reply from ([^:\s]+(?::[0-9a-fA-F:]*)?): ")
_UNIX_REPLY = re.compile(r"\d+ bytes from ([^\s:]+(?::[0-9a-fA-F:]+)*)[:,]? .*?time[=<]")
_UNREACH = re.compile(
    r"(?i)from ([^\s:]+)[^\n]{0,80}?destination (?:host|net|port|network) unreachable"
)
_WIN_STATS = re.compile(r"Packets: Sent = (\d+), Received = (\d+), Lost = (\d+) \((\d+)% loss\)")
_UNIX_STATS = re.compile(
    r"(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) errors)?"
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
    loss: float | None = None
    times: list[float] = field(default_factory=list)
    timeouts: int = 0
    unreachable: int = 0
    unreachable_from: str | None = None
    errors: list[str] = field(default_factory=list)
    summary: bool = False
    line: int | None = None
    unix_errors: int = 0

    def started(self) -> bool:
        return bool(self.target or self.times or self.timeouts or self.unreachable or self.summary)

    def freeze(self) -> PingResult:
        sent, received, loss = self.sent, self.received, self.loss
        if not self.summary:
            # No statistics block (interrupted or cropped): count what the lines show.
            sent = len(self.times) + self.timeouts + self.unreachable or None
            received = len(self.times) if sent else None
            loss = round(100.0 * (sent - len(self.times)) / sent, 1) if sent else None
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
    return None


def _line(run: _Run, s: str) -> bool:
    m = _WIN_STATS.search(s)
    if m is not None:
        run.os = run.os or "windows"
        run.sent, run.received, run.loss = int(m.group(1)), int(m.group(2)), float(m.group(4))
        run.summary = True
        return True
    m = _UNIX_STATS.search(s)
    if m is not None:
        run.sent, run.received, run.loss = int(m.group(1)), int(m.group(2)), float(m.group(4))
        run.unix_errors = int(m.group(3) or 0)
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
        run.times.append(float(t.group(2)) if t.group(1) == "=" else float(t.group(2)) / 2)
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
            return True
    return s.startswith(
        ("Ping statistics", "Approximate round trip", "Minimum =", "---", "rtt ", "round-trip")
    )
