"""Small readers shared by the parsers: addresses, ids, endpoints, ages, masks."""

from __future__ import annotations

import math
import re

HEX = frozenset("0123456789abcdef")
_MASK_WORDS = ("redact", "hidden", "hide", "removed", "masked", "censor", "omit", "snip", "secret")
# Characters people type over digits they hide: xx.xx.xx.xxx, ***, ###, ???.
_MASK_CHARS = frozenset("xX*#?")
_MASKISH = frozenset("0123456789abcdefABCDEFxX*#?.:/_-")
_VERSION_RE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,4}(?:\.\d{1,4})?")
_INT_RE = re.compile(r"[-+]?\d{1,19}")
_FLOAT_RE = re.compile(r"[-+]?\d{1,19}(?:\.\d{1,19})?")  # bounded: never an overflow

# Ages at or above this are epoch ms, not ages: the 1.2.6-1.6.x "never" display bug
# (and 1.1's `now - 0`), about 2001-09-09 onwards.
EPOCH_MS_FLOOR = 1_000_000_000_000
_MAX_LATENCY_MS = 0xFFFF


def is_hex(text: str) -> bool:
    """Whether `text` is non-empty lowercase-or-uppercase hex."""
    return bool(text) and all(c in HEX for c in text.lower())


def is_masked(token: str) -> bool:
    """Whether a token was deliberately hidden (`xxxx`, `<redacted>`, `...`, `***`)."""
    if not token:
        return False
    low = token.lower()
    if "..." in low or (low[0] in "<[(" and low[-1] in ">])"):
        return True
    if any(w in low for w in _MASK_WORDS):
        return True
    return any(c in _MASK_CHARS for c in token) and all(c in _MASKISH for c in token)


def read_address(token: str, length: int = 10) -> tuple[str, tuple[str, ...]]:
    """Read a ZeroTier address (10 hex) or network id (16 hex); flag masked or damaged ones."""
    low = token.lower()
    if len(low) == length and is_hex(low):
        return low, ()
    kind = "address" if length == 10 else "id"
    if is_masked(token):
        return token, (f"masked-{kind}",)
    if is_hex(low):
        return low, (f"bad-{kind}-length",)
    return token, (f"damaged-{kind}",)


def merge_masks(tokens: list[str]) -> list[str]:
    """Rejoin a mask that contains spaces (`<my node id>`, `[hidden by me]`) into one token."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok[0] in "<[" and tok[-1] not in ">]":
            close = ">" if tok[0] == "<" else "]"
            j = next(
                (k for k in range(i + 1, min(i + 6, len(tokens))) if tokens[k].endswith(close)), -1
            )
            if j > 0:
                out.append(" ".join(tokens[i : j + 1]))
                i = j + 1
                continue
        out.append(tok)
        i += 1
    return out


def read_int(token: str) -> int | None:
    """Read a plain integer token, or None."""
    return int(token) if _INT_RE.fullmatch(token) else None


def bounded_int(text: str, lo: int, hi: int) -> int | None:
    """An integer within [lo, hi], or None: too long, not a number, or outside a sane range."""
    if not text or len(text) > 20:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if lo <= value <= hi else None


def bounded_float(text: str, lo: float, hi: float) -> float | None:
    """A decimal (`,` or `.`) within [lo, hi], or None: too long, not finite, or out of range."""
    if not text or len(text) > 24:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) and lo <= value <= hi else None


def read_float(token: str) -> float | None:
    """Read a plain decimal token, or None."""
    return float(token) if _FLOAT_RE.fullmatch(token) else None


def read_version(token: str) -> tuple[str | None, tuple[str, ...]]:
    """Read `M.m.r`; `-` and the JSON `-1.-1.-1` mean unknown."""
    if token in ("-", "", "-1.-1.-1"):
        return None, ()
    if _VERSION_RE.fullmatch(token):
        return token, ()
    if is_masked(token):
        return None, ("masked-version",)
    return None, ("damaged-version",)


def read_latency(token: str) -> tuple[int | None, tuple[str, ...]]:
    """Read a latency; -1 (and any negative, seen from a 2022 Windows client) means unknown."""
    value = read_int(token)
    if value is None:
        if token == "-":
            return None, ()
        return None, ("masked-latency",) if is_masked(token) else ("damaged-latency",)
    if value > _MAX_LATENCY_MS:
        return None, ("unreadable-latency",)  # ZeroTier reports at most 0xffff ms
    return (value if value >= 0 else None), ()


def read_age(token: str, *, zero_is_never: bool = False) -> tuple[int | None, bool | None, bool]:
    """Read a lastTX/lastRX age: (age ms or None, whether it ever happened, readable)."""
    value = read_int(token)
    if value is None:
        return None, None, False
    # -1 (1.8.1+), epoch ms (1.2.6-1.6.x display bug) and 0 in 1.1.x all mean "never".
    if value < 0 or value >= EPOCH_MS_FLOOR or (zero_is_never and value == 0):
        return None, False, True
    return value, True, True


def read_endpoint(text: str) -> tuple[str | None, int | None, tuple[str, ...]]:
    """Split `IP/port` (the port follows a slash, also for IPv6) into its parts."""
    ip, sep, port_text = text.rpartition("/")
    if not sep:
        if is_masked(text):
            return None, None, ("masked-path",)
        return None, None, ("damaged-path",)
    port = read_int(port_text)
    flags: list[str] = []
    if port is None or not 0 <= port <= 65535:
        flags.append("masked-port" if is_masked(port_text) else "damaged-port")
        port = None
    if ip.startswith("[") and ip.endswith("]") and _looks_like_ip(ip[1:-1]):
        # `[v6]:port` habits from other tools; ZeroTier itself never prints brackets.
        ip = ip[1:-1]
    if not ip or not _looks_like_ip(ip):
        flags.append("masked-ip" if (not ip or is_masked(ip)) else "damaged-ip")
        return None, port, tuple(flags)
    return ip, port, tuple(flags)


def _looks_like_ip(text: str) -> bool:
    if "." in text and ":" not in text:
        parts = text.split(".")
        return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 for p in parts)
    return ":" in text and all(c in HEX or c in ":." for c in text.lower())
