"""Spot secrets pasted into chat (identity.secret, authtoken.secret, API tokens) and mask them.

Every pattern is linear-time: no nested quantifiers over overlapping classes, bounded
repetitions, and each runs only in a window around a cheap trigger word. Invisible characters
(zero-width spaces and joiners, soft hyphens, BOMs) are taken out before matching, so a secret
with one inside is still found; positions are mapped back to the original text for masking.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

SecretKind = Literal["identity-secret", "authtoken", "api-token"]

_INVISIBLE: Final = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# A wrapped line (terminal at 64 or 80 columns, a chat client) breaks a long hex run anywhere.
_WRAP: Final = r"[ \t]{0,8}(?:\r?\n[ \t>]{0,8})?"
_HEX_WRAPPED: Final = rf"[0-9a-f](?:{_WRAP}[0-9a-f])"

# identity.secret / `zerotier-idtool generate`: <10 hex>:0:<128 hex public>:<128 hex private>.
_IDENTITY: Final = re.compile(
    rf"(?<![0-9a-f])((?:[0-9a-f]{{10}}){_WRAP}:{_WRAP}0{_WRAP}:{_WRAP}{_HEX_WRAPPED}{{127}})"
    rf"{_WRAP}:{_WRAP}({_HEX_WRAPPED}{{127}})(?![0-9a-f])",
    re.IGNORECASE,
)
# authtoken.secret is 24 lowercase alphanumerics; only trust it next to a telling word, since
# 24 random characters appear elsewhere too (the local.conf / CLI `-T` flag, X-ZT1-Auth header).
_AUTHTOKEN: Final = re.compile(
    r"(?:authtoken(?:\.secret)?|auth[ _-]?token|x-zt1-auth|zt1-auth|-T)\W{0,20}?([a-z0-9]{24})\b",
    re.IGNORECASE,
)
_CAT_TOKEN: Final = re.compile(
    r"(?:cat|type|get-content|more)[ \t]{1,8}[^\s]{0,200}?authtoken\.secret[^\s]{0,40}"
    r"[ \t]{0,8}\r?\n[ \t]{0,8}([a-z0-9]{24})[ \t]{0,8}$",
    re.IGNORECASE | re.MULTILINE,
)
_TOKEN_CHARS: Final = r"[A-Za-z0-9._~+/=-]"
# Central API tokens: "Authorization: token/bearer <chars>" (also JSON- or header-quoted), or
# ZT_API/ZEROTIER_*_TOKEN=...
_API: Final = re.compile(
    r"(?:authorization[\"']?\s{0,4}[:=]\s{0,4}[\"']?(?:token|bearer)\s{1,4}"
    r"|(?:zt|zerotier)[a-z_]{0,40}(?:token|key)\s{0,4}[=:]\s{0,4}[\"']?)"
    rf"({_TOKEN_CHARS}{{16,400}})",
    re.IGNORECASE,
)
# A shell or PowerShell assignment to a secret-sounding variable: export TOKEN=..., set
# API_KEY=..., $env:ZT_TOKEN = "...". The value must not be a substitution ($(cat ...)).
_ASSIGNMENT: Final = re.compile(
    r"(?:\bexport\s{1,4}|\bset\s{1,4}|\$env:)?\b[A-Za-z0-9_]{0,40}"
    r"(?:token|secret|api_?key|auth)[A-Za-z0-9_]{0,40}\s{0,4}=\s{0,4}[\"']?"
    rf"(?!\$)({_TOKEN_CHARS}{{8,400}})",
    re.IGNORECASE,
)
# Said in words: "my token is ...", "the authtoken.secret is: ...", "API key = ...".
_PHRASE: Final = re.compile(
    r"\b(?:authtoken(?:\.secret)?|auth[ _-]?token|api[ _-]?(?:token|key)|token|secret)"
    r"(?:\s{1,4}(?:is|was)\b:?|\s{0,4}[=:])\s{0,4}[\"'`]?"
    rf"({_TOKEN_CHARS}{{12,400}})",
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
    ("identity-secret", _IDENTITY, (":0:",), 40, 400),
    ("authtoken", _AUTHTOKEN, ("auth", "-t"), 12, 80),
    ("authtoken", _CAT_TOKEN, ("authtoken.secret",), 40, 120),
    ("authtoken", _PHRASE, ("authtoken", "auth token", "auth_token", "auth-token"), 5, 450),
    ("api-token", _API, ("authorization", "token", "key"), 60, 450),
    ("api-token", _ASSIGNMENT, ("token", "secret", "key", "auth"), 90, 450),
    ("api-token", _PHRASE, ("token", "secret", "key"), 15, 450),
)


_TRIGGERS: Final = frozenset(t for _, _, triggers, _, _ in _SCANS for t in triggers)
_BASES: Final = (":0:", "auth", "-t", "token", "key", "secret")  # every trigger holds one


def _between(spans: Sequence[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The stretches of 0..size outside sorted `spans`."""
    out: list[tuple[int, int]] = []
    at = 0
    for start, end in spans:
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if at < size:
        out.append((at, size))
    return out


_DIGITS: Final = frozenset("0123456789")
_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _is_token_like(value: str) -> bool:
    """Words are not secrets: a value said in a sentence must hold a digit and a letter
    (values are ASCII, see _TOKEN_CHARS)."""
    return not _DIGITS.isdisjoint(value) and not _LETTERS.isdisjoint(value)


_NEEDS_MIXED: Final = frozenset({_ASSIGNMENT, _PHRASE})


def _windows(
    lowered: str, triggers: tuple[str, ...], before: int, after: int
) -> list[tuple[int, int]]:
    """The stretches around every trigger, overlapping ones merged, in order."""
    hits = sum(lowered.count(trigger) for trigger in triggers)
    if hits * (before + after) >= len(lowered):  # they would cover it all: skip the bookkeeping
        return [(0, len(lowered))] if hits else []
    spans: list[tuple[int, int]] = []
    for trigger in triggers:
        pos = lowered.find(trigger)
        while pos != -1:
            spans.append((max(0, pos - before), pos + len(trigger) + after))
            pos = lowered.find(trigger, pos + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _visible(text: str) -> tuple[str, list[int] | None]:
    """`text` without invisible characters, and for each one taken out, where it stood in the
    result (None when nothing was taken out); `_original` maps positions back."""
    removed = [m.start() for m in _INVISIBLE.finditer(text)]
    if not removed:
        return text, None
    # A C-speed pass and one entry per removed character: a megabyte of binary junk holds
    # thousands of soft hyphens, and a per-character map would cost a Python loop.
    return _INVISIBLE.sub("", text), [pos - n for n, pos in enumerate(removed)]


def _original(at: list[int] | None, pos: int) -> int:
    """Where position `pos` of the visible text is in the original text."""
    return pos if at is None else pos + bisect_right(at, pos)


def find_secrets(text: str, *, skip: Sequence[tuple[int, int]] = ()) -> list[SecretHit]:
    """Every secret in `text`, in order of position (overlaps removed). `skip`: sorted spans
    known to hold no trigger word (the rows of a table read already), not searched for one."""
    spans = tuple(skip)
    return list(_find_long(text, spans) if len(text) > _LONG else _find(text, spans))


# A long message is scanned by diagnosis, for storage and for the hand-over summary; a
# megabyte dense with secret-like assignments costs a quarter of a second, so once is enough.
# Short texts (the many small masks of one reply) are not kept: they would push it out.
_LONG: Final = 4096


@lru_cache(maxsize=4)
def _find_long(text: str, skip: tuple[tuple[int, int], ...]) -> tuple[SecretHit, ...]:
    return _find(text, skip)


def _find(text: str, skip: tuple[tuple[int, int], ...]) -> tuple[SecretHit, ...]:
    seen, at = _visible(text)
    if skip and at is None:
        # Nothing outside the skipped rows holds even the short word of a trigger: done.
        parts = [seen[a:b].lower() for a, b in _between(skip, len(seen))]
        if not any(base in part for part in parts for base in _BASES):
            return ()
    lowered = seen.lower()
    # Each trigger looked for once, and only when the short word inside it is there; most
    # text holds none, and then nothing more is done.
    bases = [base for base in _BASES if base in lowered]
    present = {t for t in _TRIGGERS if any(base in t for base in bases) and t in lowered}
    found: dict[tuple[int, int], tuple[SecretKind, int, int]] = {}
    for kind, regex, triggers, before, after in _SCANS:
        group = 2 if regex is _IDENTITY else 1
        here = tuple(t for t in triggers if t in present)
        for start, end in _windows(lowered, here, before, after) if here else ():
            for m in regex.finditer(seen, start, min(end, len(seen))):
                if regex in _NEEDS_MIXED and not _is_token_like(m.group(group)):
                    continue
                a, b = m.span(group)
                a, b = _original(at, a), _original(at, b - 1) + 1
                found.setdefault((a, b), (kind, a, b))
    kept: list[SecretHit] = []
    line, counted = 1, 0  # line numbers counted once, in order (a megabyte can hold many hits)
    for kind, a, b in sorted(found.values(), key=lambda h: (h[1], -h[2])):
        if not kept or a >= kept[-1].end:
            line += text.count("\n", counted, a)
            counted = a
            kept.append(SecretHit(kind, line, a, b))
    return tuple(kept)


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
