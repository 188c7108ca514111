"""Operating systems a user can name or imply, and how to spot them in chat text."""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

OsName = Literal["windows", "macos", "linux", "ios", "android"]
OS_NAMES: Final[tuple[OsName, ...]] = get_args(OsName)

OS_LABELS: Final[dict[OsName, str]] = {
    "windows": "Windows",
    "macos": "macOS",
    "linux": "Linux",
    "ios": "iOS",
    "android": "Android",
}

# Words and phrases that name or imply an OS. Devices that run a Linux userland
# (Raspberry Pi, OpenWrt, Synology, Steam Deck, Docker hosts...) count as Linux
# because the Linux steps (systemd, package managers, iptables) are the ones that apply.
_OS_PATTERNS: Final[dict[OsName, tuple[str, ...]]] = {
    "windows": (
        r"windows?",
        r"win ?(?:7|8|8\.1|10|11|xp|server)",
        r"w1[01]",
        r"windoze",
        r"winblows",
        r"powershell",
        r"pwsh",
        r"cmd(?:\.exe)?",
        r"command prompt",
        r"task ?manager",
        r"services\.msc",
        r"defender",
        r"[a-z]:\\\S*",
        r"\.bat",
        r"\.?msi",
        r"\.exe",
        r"wsl",
    ),
    "macos": (
        r"mac(?! ?addr)",
        r"macs",
        r"macos",
        r"mac ?os(?: ?x)?",
        r"os ?x",
        r"osx",
        r"macbook(?: pro| air)?",
        r"imac",
        r"mac ?mini",
        r"mac ?studio",
        r"launchctl",
        r"launchd",
        r"homebrew",
        r"brew",
        r"system preferences",
        r"system settings",
        r"stealth mode",
        r"sonoma",
        r"ventura",
        r"monterey",
        r"big sur",
        r"catalina",
        r"sequoia",
        r"mojave",
        r"\.pkg",
    ),
    "linux": (
        r"linux",
        r"ubuntu",
        r"debian",
        r"fedora",
        r"centos",
        r"rhel",
        r"red ?hat",
        r"rocky",
        r"alma ?linux",
        r"arch(?: ?linux)?",
        r"manjaro",
        r"mint",
        r"pop ?os",
        r"opensuse",
        r"suse",
        r"gentoo",
        r"alpine",
        r"raspbian",
        r"raspberry ?pi",
        r"rpi\d?",
        r"pi ?[345]",
        r"raspi",
        r"openwrt",
        r"synology",
        r"dsm",
        r"qnap",
        r"unraid",
        r"truenas scale",
        r"proxmox",
        r"steam ?deck",
        r"steamos",
        r"docker",
        r"systemd",
        r"systemctl",
        r"journalctl",
        r"apt(?:-get)?",
        r"yum",
        r"dnf",
        r"pacman",
        r"iptables",
        r"nftables",
        r"ufw",
        r"firewalld",
        r"init\.d",
        r"kali",
        r"nixos",
        r"headless server",
        r"vps",
        r"/var/lib\S*",
        r"/etc/\S*",
        r"sudo service",
    ),
    "ios": (r"ios", r"iphone", r"ipad", r"ipados", r"app ?store"),
    "android": (r"android", r"pixel", r"galaxy", r"play ?store", r"google play", r"chromebook"),
}

_OS_REGEX: Final[dict[OsName, re.Pattern[str]]] = {
    os_name: re.compile(r"(?<![a-z0-9])(?:" + "|".join(pats) + r")(?![a-z0-9])")
    for os_name, pats in _OS_PATTERNS.items()
}


def strip_os(text: str) -> str:
    """`text` with every OS name or hint removed (to see what else a message says)."""
    lowered = text.lower()
    for regex in _OS_REGEX.values():
        lowered = regex.sub(" ", lowered)
    return lowered


def detect_os(text: str) -> tuple[OsName, ...]:
    """Return the operating systems named or implied in `text`, in order of first mention."""
    lowered = text.lower()
    found: list[tuple[int, OsName]] = []
    for os_name, regex in _OS_REGEX.items():
        match = regex.search(lowered)
        if match:
            found.append((match.start(), os_name))
    return tuple(os_name for _, os_name in sorted(found))
