"""Parser for the errors zerotier-cli prints (formats doc sections 7, 9 and 10).

HTTP errors echo the command as typed (`401 status {}`); the service being unreachable prints
`Error connecting to the ZeroTier service: <reason>` for GET commands (1.2.6+) but `0 <cmd>
<reason>` for POST/DELETE ones and older builds; pre-flight errors name the program (an exe path
on Windows) and the home directory, which also tells the OS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.diagnosis.model import CliError, OsName, ParsedOutput
from bot.diagnosis.oshint import os_from_text

COMMANDS = (
    "info|status|listpeers|peers|listnetworks|listmoons|join|leave|orbit|deorbit|set|get|dump"
    "|listbonds|bond|setmtu|/[a-z][\\w/]*"
)
HTTP_LINE = re.compile(rf"(?<![\w.:/-])(0|[1-5]\d\d) ({COMMANDS})(?: (.*))?$")
# What the CLI's HTTP client reports with code 0 (`osdep/Http.cpp`), when it says anything.
_ZERO_REASONS = ("connection failed", "timed out", "request too large", "invalid JSON")
_CONNECT = "Error connecting to the ZeroTier service:"
_PLEASE = "Please check that the service is running"
_VERSION = re.compile(r"ZeroTier One version (\d+\.\d+\.\d+)")
# (phrase, kind, whether a home directory follows the phrase)
_PREFLIGHT: tuple[tuple[str, str, bool], ...] = (
    ("missing port or authentication token and no home directory specified", "home-missing", False),
    ("missing port and zerotier-one.port not found in ", "port-missing", True),
    (
        "missing authentication token and authtoken.secret not found (or readable) in ",
        "token-unreadable",
        True,
    ),
    ("authtoken.secret not found or readable in ", "token-unreadable", True),
)
_PLAIN: tuple[tuple[str, str], ...] = (
    ("invalid network id", "join-invalid"),
    ("invalid format: must be a 16-digit (network) ID", "set-invalid"),
    ("invalid format: include a property name to set", "set-invalid"),
    ("error, unknown property name", "unknown-property"),
    ("unknown network ID, check that you are a member", "unknown-network"),
)
# What the service itself (or systemd) logs when it cannot start or cannot bring a network up.
_SERVICE: tuple[tuple[str, str], ...] = (
    ("unable to configure virtual network port", "tap-device"),
    ("could not open TUN/TAP device", "tap-device"),
    ("cannot bind to local control interface port", "port-in-use"),
    ("fatal error: cannot bind", "port-in-use"),
    ("Failed to start ZeroTier", "service-failed"),
    ("zerotier-one.service: Failed with result", "service-failed"),
    ("zerotier-one.service: Main process exited", "service-failed"),
)
_NOT_FOUND = re.compile(
    r"(?i)(?:(zsh|bash|sh|sudo|fish)[:\s].{0,40}?)?zerotier-cli\W{0,3}"
    r"(?:: command not found|is not recognized as|: not found|: No such file)"
    r"|command not found: zerotier-cli|The term 'zerotier-cli' is not recognized"
)


def parse(lines: Sequence[str], numbers: Sequence[int] | None = None) -> ParsedOutput:
    """Parse CLI error lines into errors (the `Please check ...` line joins its error)."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    errors: list[CliError] = []
    used: list[int] = []
    for text, num in zip(lines, nums, strict=False):
        s = text.strip()
        if not s:
            continue
        please = s.find(_PLEASE)
        if please >= 0 and _CONNECT not in s:
            # The second line of the connect error, or the sentence quoted anywhere in prose.
            used.append(num)
            if not errors or not errors[-1].text.startswith(_CONNECT):
                errors.append(CliError(kind="service-unreachable", text=s[please:], line=num))
            continue
        err = parse_line(s, num)
        if err is not None:
            used.append(num)
            errors.append(err)
    return ParsedOutput(command="error", items=tuple(errors), lines=tuple(used))


def parse_line(s: str, num: int | None = None) -> CliError | None:
    """Parse one error line, or return None when it is not one we know."""
    i = s.find(_CONNECT)
    if i >= 0:
        reason = s[i + len(_CONNECT) :].strip()
        # `dump` prints this text for any non-200 step: a `{}` body is an HTTP error.
        kind = "http-error" if reason.startswith("{") else "service-unreachable"
        return CliError(kind=kind, text=s[i:], reason=reason, line=num)
    for phrase, kind, has_home in _PREFLIGHT:
        i = s.find(phrase)
        if i < 0:
            continue
        program = s[:i].rstrip().removesuffix(":").strip() or None
        home: str | None = None
        if has_home:
            home = s[i + len(phrase) :].strip().removesuffix("(try again as root)").strip()
            home = home.rstrip(".") or None
        os_name = _os(f"{program or ''} {home or ''}")
        return CliError(kind=kind, text=s, home=home, program=program, os=os_name, line=num)
    m = HTTP_LINE.search(s)
    if m is not None:
        return _http(m, s, num)
    for phrase, kind in _PLAIN:
        if phrase in s:
            return CliError(kind=kind, text=s, line=num)
    for phrase, kind in _SERVICE:
        i = s.find(phrase)
        if i >= 0:
            return CliError(kind=kind, text=s[max(0, i - 80) :], reason=phrase, line=num)
    low = s.lower()
    if "permission denied" in low and ("zerotier" in low or "authtoken" in low):
        return CliError(kind="permission-denied", text=s, reason="permission denied", line=num)
    v = _VERSION.search(s)
    if v is not None:
        # The first line of the help text: the command was unknown to this build.
        return CliError(kind="usage", text=s, version=v.group(1), line=num)
    nf = _NOT_FOUND.search(s)
    if nf is not None:
        return CliError(kind="cli-not-found", text=s, os=_shell_os(s), line=num)
    return None


def _http(m: re.Match[str], s: str, num: int | None) -> CliError | None:
    code = int(m.group(1))
    command = m.group(2)
    body = m.group(3) or ""
    if "invalid JSON response" in body or "unknown exception" in body:
        # Something that is not the ZeroTier service answered on the port (code first).
        kind = "service-unreachable" if code == 0 else "invalid-json"
        return CliError(
            kind=kind, text=s[m.start() :], command=command, status_code=code, reason=body, line=num
        )
    if code == 200:
        return None
    if code == 0 and body and not body.startswith(_ZERO_REASONS):
        return None
    if code != 0 and body and body[0] not in "{[<" and len(body) > 40:
        # A real HTTP error body is JSON, HTML or short; anything else is prose that happens
        # to start with a number and a command word.
        return None
    if code == 0:
        # POST/DELETE commands and pre-1.2.6 builds: `0 join connection failed`.
        return CliError(
            kind="service-unreachable",
            text=s[m.start() :],
            command=command,
            status_code=0,
            reason=body,
            line=num,
        )
    return CliError(
        kind="http-error",
        text=s[m.start() :],
        command=command,
        status_code=code,
        reason=body,
        line=num,
    )


def _os(text: str) -> OsName | None:
    found = os_from_text(text)
    if found is not None:
        return found
    if re.search(r"[A-Za-z]:\\", text):
        return "windows"
    return None


def _shell_os(s: str) -> OsName | None:
    if "is not recognized" in s:
        return "windows"
    if s.lower().startswith("zsh"):
        return "macos"
    if s.lower().startswith(("bash", "sudo", "sh:")):
        return "linux"
    return None
