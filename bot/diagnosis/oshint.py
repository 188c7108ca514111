"""Guess the user's OS from shell prompts, install paths and program names in a paste."""

from __future__ import annotations

import re

from bot.diagnosis.model import OsName

# Most specific first: a macOS home path also contains "/Library".
_PATH_HINTS: tuple[tuple[re.Pattern[str], OsName], ...] = (
    (re.compile(r"Application Support/ZeroTier|/Library/Application Support|\bfeth\d"), "macos"),
    (
        re.compile(
            r"(?i)ProgramData\\ZeroTier|\\ZeroTier\\One|zerotier-one_x(?:64|86)\.exe|zerotier-cli\.bat"
        ),
        "windows",
    ),
    (
        re.compile(r"/var/lib/zerotier-one|/usr/sbin/zerotier|\bsystemctl\b|\bapt(?:-get)?\b"),
        "linux",
    ),
    (re.compile(r"/var/db/zerotier-one|\bpfSense\b|\bOPNsense\b|\bFreeBSD\b"), "bsd"),
)
_WIN_PROMPT = re.compile(r"(?:^|\s)(?:PS )?[A-Za-z]:\\[^>]*>\s*$|^PS [^>]*>\s*$")
_MAC_HOST = re.compile(r"(?i)macbook|\bimac\b|mac-?mini|mac-?pro|\bmbp\b|-mbp\b|\.local\b|\bmac\b")


def os_from_text(text: str) -> OsName | None:
    """Return the OS that an install path or program name in `text` implies, if any."""
    for pattern, name in _PATH_HINTS:
        if pattern.search(text):
            return name
    return None


def os_from_prompt(prefix: str) -> OsName | None:
    """Return the OS a shell prompt (the text before the command) implies, if any."""
    p = prefix.rstrip()
    if not p:
        return None
    if _WIN_PROMPT.search(p) or p.endswith(">") and ("\\" in p or p.startswith("PS")):
        return "windows"
    if _MAC_HOST.search(p):
        return "macos"
    # zsh (the macOS default shell since 10.15) ends its prompt with %.
    if p.endswith("%"):
        return "macos"
    if p.endswith(("$", "#")):
        return "linux"
    return None
