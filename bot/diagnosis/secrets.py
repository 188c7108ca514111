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


def find_secrets(text: str) -> list[SecretHit]:
    """Every secret in `text`, in order of position (overlaps removed)."""
    hits: list[SecretHit] = []
    for kind, regex in (
        ("identity-secret", _IDENTITY),
        ("authtoken", _AUTHTOKEN),
        ("authtoken", _CAT_TOKEN),
        ("api-token", _API),
    ):
        group = 2 if kind == "identity-secret" else 1
        for m in regex.finditer(text):
            start, end = m.span(group)
            line = text.count("\n", 0, start) + 1
            hits.append(SecretHit(kind, line, start, end))  # type: ignore[arg-type]
    hits.sort(key=lambda h: h.start)
    kept: list[SecretHit] = []
    for hit in hits:
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
