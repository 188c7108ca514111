"""Guess the user's OS from shell prompts, install paths and program names in a paste."""

from __future__ import annotations

import re
from typing import cast

from bot.base.oses import detect_os
from bot.diagnosis.model import OsName

# Plain substrings (looked up in the lower-cased text, so a megabyte costs next to nothing),
# most specific first: a macOS home path also contains "/library".
_LITERALS: tuple[tuple[tuple[str, ...], OsName], ...] = (
    (("application support/zerotier", "/library/application support"), "macos"),
    (
        (
            "programdata\\zerotier",
            "\\zerotier\\one",
            "zerotier-one_x64.exe",
            "zerotier-one_x86.exe",
            "zerotier-cli.bat",
        ),
        "windows",
    ),
    (
        ("/var/lib/zerotier-one", "/usr/sbin/zerotier", "systemctl ", "apt-get ", "apt install"),
        "linux",
    ),
    (("/var/db/zerotier-one", "pfsense", "opnsense", "freebsd"), "bsd"),
)
# Interface names: macOS `feth1234`, Windows `ethernet_32777`, Linux `zt` and 8 characters
# derived from the network id (`ztea77mucd`; `zt0` is a devicemap any system can set).
_DEVICES: tuple[tuple[str, re.Pattern[str], OsName], ...] = (
    ("feth", re.compile(r"\bfeth\d"), "macos"),
    ("ethernet_", re.compile(r"\bethernet_\d"), "windows"),
    ("zt", re.compile(r"(?<![\w.:/-])zt[0-9a-z]{8}(?![\w.:/-])"), "linux"),
)
_WIN_PROMPT = re.compile(r"(?:^|\s)(?:PS )?[A-Za-z]:\\[^>]{0,300}>\s*$|^PS [^>]{0,300}>\s*$")
_MAC_HOST = re.compile(
    r"(?i)macbook|\bimac\b|mac-?mini|mac-?pro|\bmbp\b|-mbp\b|\.local\b|\bmac\b|^bash-3\.2"
)


def os_from_text(text: str) -> OsName | None:
    """Return the OS that an install path, program or device name in `text` implies, if any."""
    low = text.lower()
    for needles, name in _LITERALS:
        if any(n in low for n in needles):
            return name
    for needle, pattern, name in _DEVICES:
        if needle in low and pattern.search(low):
            return name
    return None


def os_from_prompt(prefix: str) -> OsName | None:
    """Return the OS a shell prompt (the text before the command) implies, if any."""
    p = prefix.rstrip()
    if not p:
        return None
    if _WIN_PROMPT.search(p) or (p.endswith(">") and ("\\" in p or p.startswith("PS"))):
        return "windows"
    if _MAC_HOST.search(p):
        return "macos"
    # A host name that names a system: `pi@raspberrypi`, `root@OpenWrt`, `ubuntu@vps`.
    named = {o for o in detect_os(p) if o in ("windows", "macos", "linux")}
    if len(named) == 1:
        return cast("OsName", named.pop())
    # A bare `$`, `#` or `%` prompt is every Unix shell's (root in a container, zsh on Linux,
    # bash on macOS): only a host name or path in it tells the system.
    return None
