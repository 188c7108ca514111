"""Where a line of a message came from: the message itself, a pasted block, or an attached file.

Diagnosis reads one text: the user's message with each attached file appended as a fenced
block. Evidence then says "line 37", which counts the whole message; users count lines in the
paste or the file they gave. `Sources` remembers where each part starts so evidence can say
"out.log line 2" or "line 2 of the paste" instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# What may come before a fence on its line: up to three spaces.
_INDENT: Final = re.compile(r"[^\S\n]{0,3}")
# Evidence as the rules write it: "(line 12)" and "on line 12".
_LINE: Final = re.compile(r"\bline (\d{1,9})\b")


@dataclass(frozen=True, slots=True)
class Part:
    """Lines `first`..`last` (1-based, inclusive) of the combined text hold one source."""

    first: int
    last: int
    name: str  # "" for a paste in the message, else the attached file's name


@dataclass(frozen=True, slots=True)
class Sources:
    """The combined text to diagnose, and where each pasted or attached part of it lies."""

    text: str
    parts: tuple[Part, ...]

    def label(self, line: int) -> str:
        """How to name absolute line `line` to the user."""
        pastes = [p for p in self.parts if not p.name]
        for part in self.parts:
            if part.first <= line <= part.last:
                n = line - part.first + 1
                if part.name:
                    return f"{part.name} line {n}"
                which = "" if len(pastes) == 1 else f" {pastes.index(part) + 1}"
                return f"line {n} of the paste{which}"
        return f"line {line}"

    def relabel(self, evidence: str) -> str:
        """`evidence` with its line numbers counted in the paste or file they are in."""
        if not self.parts:
            return evidence
        return _LINE.sub(lambda m: self.label(int(m.group(1))), evidence)


def combine(text: str, files: Sequence[tuple[str, str]] = ()) -> Sources:
    """The message and its attached files as one text, with the parts located."""
    parts = _fenced(text)
    combined = text
    for name, content in files:
        start = combined.count("\n") + 3  # after the message, a newline and the opening fence
        body = content.rstrip("\n")
        combined = f"{combined}\n```\n{body}\n```"
        parts.append(Part(start, start + body.count("\n"), name))
    return Sources(combined, tuple(parts))


def _fenced(text: str) -> list[Part]:
    """The code blocks of a message, as the lines inside their fences."""
    found: list[Part] = []
    opened: int | None = None
    number, at = 1, 0
    # Only the fence lines are visited: a 10,000-line paste has two.
    for start in _fence_lines(text):
        number += text.count("\n", at, start)
        at = start
        if opened is None:
            opened = number
        else:
            if number - 1 > opened:
                found.append(Part(opened + 1, number - 1, ""))
            opened = None
    if opened is not None:
        last = number + text.count("\n", at)
        if opened < last:
            found.append(Part(opened + 1, last, ""))  # a block left open runs to the end
    return found


def _fence_lines(text: str) -> list[int]:
    """Where each line that starts with a fence starts (a fence found, then its line checked)."""
    starts: list[int] = []
    # A one-character search is a memchr; a three-character one scans far slower.
    i = text.find("`")
    while i >= 0:
        if not text.startswith("```", i):
            i = text.find("`", i + 1)
            continue
        line = text.rfind("\n", 0, i) + 1
        if (not starts or starts[-1] != line) and _INDENT.fullmatch(text, line, i):
            starts.append(line)
        i = text.find("`", i + 3)
    return starts
