"""Lenient JSON loading for pasted `-j` output: trailing junk ignored, cut-off text repaired."""

from __future__ import annotations

import json
import re
from typing import Any

# Whole strings (an unterminated one runs to the end of its line) and structural characters.
_TOKENS = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|[{}\[\],]')
_DECODER = json.JSONDecoder()
# Strings first (so a `//` or a quote inside one is left alone), then what JSON lacks. Each
# alternative starts with a different character and the string bodies exclude their closer, so
# the scan is linear.
_RELAX = re.compile(
    r'"(?:[^"\\\n]|\\.){0,100000}"'
    r"|'(?:[^'\\\n]|\\.){0,100000}'"
    r"|//[^\n]{0,100000}"
    r"|(?<![\w\"])(?:True|False|None)(?![\w\"])"
)
# Then, comments gone, a comma right before a closer (strings again kept as they are).
_TRAILING = re.compile(r'"(?:[^"\\\n]|\\.){0,100000}"|,(?=[ \n]{0,1000}[}\]])')
# Something to relax: a quote opening a key or value, a comment, a Python literal, a trailing
# comma. One search keeps junk that merely contains an apostrophe off the slow path.
_RELAX_HINT = re.compile(
    r"[{\[,:][ \n]{0,40}'|(?:^|[ \n,{\[])//|\b(?:True|False|None)\b|,[ \n]{0,1000}[}\]]"
)
_LITERALS = {"True": "true", "False": "false", "None": "null"}
_CLOSE = {"{": "}", "[": "]"}
# How many cut points to try, latest first, before giving up on a damaged paste.
_MAX_TRIES = 6
# zerotier-cli JSON nests about six deep; far deeper is junk, not worth repairing.
_MAX_DEPTH = 64


def load_lenient(text: str) -> tuple[Any, bool] | None:
    """Load the first JSON value in `text`; returns (value, was_repaired) or None."""
    start = _first_open(text)
    if start < 0:
        return None
    if '"' not in text and "'" not in text:
        # Every form we read has quoted keys; only an empty list can do without.
        return ([], False) if text[start:].replace(" ", "").startswith("[]") else None
    try:
        value, _ = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        pass
    else:
        return value, False
    relaxed = relax(text)
    if relaxed != text:
        try:
            value, _ = _DECODER.raw_decode(relaxed, _first_open(relaxed))
        except (ValueError, RecursionError):
            text = relaxed
        else:
            return value, False
    return _repair(text, _first_open(text))


def relax(text: str) -> str:
    """JSON-with-comments and Python reprs as JSON: `//` comments and trailing commas dropped,
    single-quoted strings double-quoted, True/False/None spelled the JSON way."""
    if _RELAX_HINT.search(text) is None:
        return text
    return _TRAILING.sub(_kept_string, _RELAX.sub(_relaxed, text))


def _kept_string(m: re.Match[str]) -> str:
    return m.group() if m.group()[0] == '"' else ""


def _relaxed(m: re.Match[str]) -> str:
    tok = m.group()
    first = tok[0]
    if first == '"':
        return tok
    if first == "'":
        inner = tok[1:-1].replace("\\'", "'")
        return '"' + inner.replace('"', '\\"') + '"'
    if first in "/,":
        return ""
    return _LITERALS[tok]


def _first_open(text: str) -> int:
    brace, bracket = text.find("{"), text.find("[")
    if brace < 0:
        return bracket
    if bracket < 0:
        return brace
    return min(brace, bracket)


def _repair(text: str, start: int) -> tuple[Any, bool] | None:
    # Cut the text where every open container can simply be closed: just before a comma,
    # just after an opening or closing bracket. Then append the missing closers.
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []
    for m in _TOKENS.finditer(text, start):
        tok = m.group()
        if tok[0] == '"':
            continue
        if tok in "{[":
            stack.append(_CLOSE[tok])
            if len(stack) > _MAX_DEPTH:
                return None
            cuts.append((m.end(), "".join(reversed(stack))))
        elif tok in "}]":
            if stack:
                stack.pop()
            if not stack:
                break
            cuts.append((m.end(), "".join(reversed(stack))))
        else:
            cuts.append((m.start(), "".join(reversed(stack))))
    for pos, closers in reversed(cuts[-_MAX_TRIES:]):
        try:
            return json.loads(text[start:pos] + closers), True
        except (ValueError, RecursionError):
            continue
    return None
