"""Diagnosis: find zerotier-cli output inside chat text and parse it into plain facts.

`parse_message(text)` is the entry point: normalise, split into blocks, detect each block's
format by its content, run that format's pure parser. It never raises on any input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import cast

from bot.base.oses import detect_os
from bot.diagnosis.extract import Block, blocks_of
from bot.diagnosis.model import (
    CliError,
    Item,
    Link,
    Moon,
    Network,
    NodeInfo,
    NodeStatus,
    OsName,
    ParsedOutput,
    Path,
    Peer,
    PeerRows,
    PingResult,
    Role,
    to_jsonable,
)
from bot.diagnosis.normalize import normalize_text
from bot.diagnosis.oshint import os_from_text
from bot.diagnosis.parsers import (
    cli_errors,
    info,
    json_forms,
    listmoons,
    listnetworks,
    listpeers,
    peers,
    ping,
)
from bot.diagnosis.words import other_lines

__all__ = [
    "CliError",
    "Item",
    "Link",
    "Moon",
    "Network",
    "NodeInfo",
    "NodeStatus",
    "ParsedOutput",
    "Path",
    "Peer",
    "PeerRows",
    "PingResult",
    "Role",
    "normalize_text",
    "parse_message",
    "read_message",
    "to_jsonable",
]

MAX_CHARS = 1_000_000  # a 10,000-row peers table is ~660 kB; chat platforms cap far lower

_Parser = Callable[[Sequence[str], Sequence[int] | None], ParsedOutput]
_PARSERS: dict[str, _Parser] = {
    "peers": peers.parse,
    "listpeers": listpeers.parse,
    "info": info.parse,
    "listnetworks": listnetworks.parse,
    "error": cli_errors.parse,
    "ping": ping.parse,
}


def parse_message(text: str, *, max_chars: int = MAX_CHARS) -> list[ParsedOutput]:
    """Return every zerotier-cli (or ping) output found in a chat message, in order."""
    return read_message(text, max_chars=max_chars)[0]


def read_message(
    text: str, *, max_chars: int = MAX_CHARS
) -> tuple[list[ParsedOutput], list[tuple[int, int]]]:
    """`parse_message`, and the spans of `text` that hold only table rows read in bulk (so
    other scans can skip them; none when normalising changed the text)."""
    if not isinstance(text, str):
        return [], []
    clipped = len(text) > max_chars
    if clipped:
        text = text[: max(0, max_chars)]
    pending: list[tuple[ParsedOutput, Block]] = []
    normalized = normalize_text(text)
    lines = normalized.split("\n")  # split once: the walk, and the prose around the outputs
    rows: list[tuple[int, int]] = []
    for block in blocks_of(normalized, lines, rows):
        out = _parse_block(block)
        if out is None or (not out.items and not _keeps_empty(out)) or _help_text(out, block):
            continue
        pending.append((out, block))
    # What the outputs themselves show (an install path, a device name, an error's or ping's
    # wording) speaks for the whole message; then an OS the prose names; then a path anywhere.
    # Read only when some output needs it (the slow part of a megabyte of junk).
    contents = [_content_os(out, block) for out, block in pending]
    message_os: OsName | None = None
    if pending:
        message_os = next((c for c in contents if c is not None), None) or _prose_os(lines, pending)
    before = _prose_before(lines, pending) if pending else []
    outputs = [
        _with_context(out, block, content or block.os_hint or near, message_os)
        for (out, block), content, near in zip(pending, contents, before, strict=True)
    ]
    if clipped and outputs:
        first = outputs[0]
        note = f"message longer than {max_chars} characters: only the first {max_chars} were read"
        outputs[0] = dataclasses.replace(first, warnings=(note, *first.warnings))
    return outputs, rows if normalized is text else []


def _parse_block(block: Block) -> ParsedOutput | None:
    try:
        if block.kind == "json":
            if block.hint == "listmoons" and "".join(block.lines).strip() == "[]":
                return listmoons.parse(block.lines, block.numbers)
            return json_forms.parse(block.lines, block.numbers, hint=block.hint)
        if block.kind == "peers":
            return peers.parse(block.lines, block.numbers, fast=block.fast, bulk=block.bulk)
        return _PARSERS[block.kind](block.lines, block.numbers)
    except (ValueError, IndexError, KeyError, TypeError, RecursionError, OverflowError):
        # One damaged block must not cost the others (the parsers are built not to raise;
        # this is the seam that keeps parse_message's promise if one of them ever does).
        return None


def _help_text(out: ParsedOutput, block: Block) -> bool:
    # The help text pasted by itself (`zerotier-cli -h`, or no command shown) is not an error;
    # after a typed subcommand it says that this build does not know the command.
    if out.command != "error" or any(e.kind != "usage" for e in out.errors):
        return False
    return block.hint is None or block.hint in ("-h", "help")


def _keeps_empty(out: ParsedOutput) -> bool:
    # A bare header is a real answer ("no networks joined", "no moons"); noise is not.
    return out.command in ("listnetworks", "listmoons", "json-listnetworks", "json-peers") or (
        out.command in ("peers", "listpeers") and bool(out.lines)
    )


def _prose_os(lines: Sequence[str], pending: Sequence[tuple[ParsedOutput, Block]]) -> OsName | None:
    others = other_lines(len(lines), (block.numbers for _, block in pending))
    prose = [line for n in others if len(line := lines[n - 1]) < 2_000]
    joined = "\n".join(prose)
    named = {o for o in detect_os(joined) if o in ("windows", "macos", "linux")}
    if len(named) > 1:
        return None  # a guide for several systems speaks for none of them
    return cast("OsName", named.pop()) if named else os_from_text(joined)


def _prose_before(
    lines: Sequence[str], pending: Sequence[tuple[ParsedOutput, Block]]
) -> list[OsName | None]:
    # "and on the linux box:" right above an output speaks for that output alone.
    out: list[OsName | None] = []
    start = 0
    for _, block in pending:
        first = block.numbers[0] if block.numbers else start + 1
        segment = [ln for ln in lines[max(start, first - 4) : first - 1] if len(ln) < 2_000]
        named = {o for o in detect_os("\n".join(segment)) if o in ("windows", "macos", "linux")}
        out.append(cast("OsName", named.pop()) if len(named) == 1 else None)
        start = block.numbers[-1] if block.numbers else start
    return out


def _with_context(
    out: ParsedOutput, block: Block, own: OsName | None, message_os: OsName | None
) -> ParsedOutput:
    # What the output itself shows beats what its prompt shows (a Windows path, a Mac's host
    # name), which beats a system named just above it, which beats the rest of the message.
    os_hint = own or message_os
    lines = tuple(dict.fromkeys(out.lines))
    return dataclasses.replace(out, os_hint=os_hint, typed=block.typed, lines=lines)


def _content_os(out: ParsedOutput, block: Block) -> OsName | None:
    if out.command in ("peers", "listpeers", "json-peers"):
        return None  # a peer table names no system; reading 10,000 rows for one is the slow part
    for item in out.items:
        if isinstance(item, CliError | PingResult) and item.os is not None:
            return item.os
        if isinstance(item, NodeInfo) and item.home_dir:
            found = os_from_text(item.home_dir)
            if found is not None:
                return found
    return os_from_text("\n".join(block.lines))
