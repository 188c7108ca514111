"""Spot secrets pasted into chat (identity.secret, authtoken.secret, API tokens) and mask them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

SecretKind = Literal["identity-secret", "authtoken", "api-token"]

# identity.secret / `zerotier-idtool generate`: <10 hex>:0:<128 hex public>:<128 hex private>.
_IDENTITY: Final = re.compile(r"\b([0-9a-f]{10}:0:[0-9a-f]{128}):([0-9a-f]{128})\b", re.IGNORECASE)
# authtoken.secret is 24 lowercase alphanumerics; only trust it next to a telling word, since
# 24 random characters appear elsewhere too (the local.conf / CLI `-T` flag, X-ZT1-Auth header).
_AUTHTOKEN: Final = re.compile(
    r"(?:authtoken(?:\.secret)?|auth[ _-]?token|x-zt1-auth|zt1-auth|-T)\W{0,20}?([a-z0-9]{24})\b",
    re.IGNORECASE,
)
_CAT_TOKEN: Final = re.compile(
    r"(?:cat|type|get-content|more)\s+\S*authtoken\.secret\S*\s*\n\s*([a-z0-9]{24})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# Central API tokens: "Authorization: token/bearer <32+ chars>", or ZT_API/ZEROTIER_*_TOKEN=...
_API: Final = re.compile(
    r"(?:authorization:\s*(?:token|bearer)\s+|(?:zt|zerotier)[a-z_]*(?:token|key)\s*[=:]\s*[\"']?)"
    r"([A-Za-z0-9._-]{24,})",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A secret found in a message: what kind, and where (1-based line)."""

    kind: SecretKind
    line: int
    start: int
    end: int


# Each pattern runs only in a window around a cheap trigger word, so a megabyte of text
# costs a few `str.find` scans instead of a regex attempt at every position.
_SCANS: Final[tuple[tuple[SecretKind, re.Pattern[str], tuple[str, ...], int, int], ...]] = (
    # kind, pattern, triggers (lower case), window before, window after the trigger
    ("identity-secret", _IDENTITY, (":0:",), 12, 270),
    ("authtoken", _AUTHTOKEN, ("auth", "-t"), 12, 80),
    ("authtoken", _CAT_TOKEN, ("authtoken.secret",), 40, 120),
    ("api-token", _API, ("authorization", "token", "key"), 40, 200),
)


def _windows(lowered: str, trigger: str, before: int, after: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = lowered.find(trigger)
    while pos != -1:
        start, end = max(0, pos - before), pos + len(trigger) + after
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        pos = lowered.find(trigger, pos + 1)
    return spans


def find_secrets(text: str) -> list[SecretHit]:
    """Every secret in `text`, in order of position (overlaps removed)."""
    lowered = text.lower()
    found: dict[tuple[int, int], SecretHit] = {}
    for kind, regex, triggers, before, after in _SCANS:
        group = 2 if kind == "identity-secret" else 1
        for trigger in triggers:
            for start, end in _windows(lowered, trigger, before, after):
                for m in regex.finditer(text, start, min(end, len(text))):
                    span = m.span(group)
                    line = text.count("\n", 0, span[0]) + 1
                    found.setdefault(span, SecretHit(kind, line, *span))
    kept: list[SecretHit] = []
    for hit in sorted(found.values(), key=lambda h: h.start):
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def mask_secrets(text: str) -> str:
    """`text` with every secret replaced by `[redacted <kind>]`, safe to log or repeat."""
    out = []
    pos = 0
    for hit in find_secrets(text):
        out.append(text[pos : hit.start])
        out.append(f"[redacted {hit.kind}]")
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)
