"""The words around pasted output: the prose of a message, and the symptoms it names.

Typed command lines (`$ sudo zerotier-cli peers`) are not words of the question; prose on the
same line as inline output (`my node says `200 info ...` but I can't ping`) is.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from typing import Final

from bot.diagnosis.codes import Code
from bot.diagnosis.extract import find_prompt
from bot.diagnosis.model import ParsedOutput
from bot.diagnosis.rules import Observation

_INLINE: Final = re.compile(r"`[^`\n]{0,2000}`")
_MAX_LINE: Final = 2_000  # longer lines are output or junk, not a question
_NEGATION: Final = (
    r"(?:can'?t|cannot|can not|could ?n'?t|could not|unable to|not able to|won'?t|"
    r"doesn'?t let me|fail(?:s|ed)? to|no way to|still can'?t)"
)
_REACH: Final = re.compile(
    rf"(?i)(?<![A-Za-z0-9_-]){_NEGATION}\s(?:\w+\s){{0,2}}?"
    r"(ping|ssh|reach|connect(?: to)?|access|rdp|see|open|mount|talk to)(?![A-Za-z0-9_-])"
)
_BROKEN: Final = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(ping|ssh|rdp|smb|connection)s?\s(?:is\s|are\s)?"
    r"(?:not working|doesn'?t work|does not work|isn'?t working|fails|failing|times? ?out|"
    r"timed out)(?![A-Za-z0-9_-])"
)
_OFFLINE: Final = re.compile(r"(?i)(?<![A-Za-z0-9_-])(offline)(?![A-Za-z0-9_-])")
_NOT_OFFLINE: Final = re.compile(r"(?i)(?:not|n't|no longer|never)\s{1,3}(?:\w+\s{1,3})?offline")


def other_lines(count: int, used: Iterable[Sequence[int]]) -> list[int]:
    """The numbers (1-based) of the lines out of `count` that no group in `used` holds, in
    order. A mask filled and read by C loops: a 10,000-row table costs no Python loop."""
    free = [True] * (count + 1)
    for group in used:
        if group and not 0 < min(group) <= max(group) <= count:
            # Numbers from another split of the text (a lone CR counts as a line break).
            group = [n for n in group if 0 < n <= count]
        deque(map(free.__setitem__, group, repeat(False)), maxlen=0)
    free[0] = False
    return list(compress(range(count + 1), free))


def lines_with(text: str, char: str) -> set[int]:
    """The numbers (1-based) of the lines of `text` that hold `char`."""
    found: set[int] = set()
    number, at = 1, 0
    i = text.find(char)
    while i >= 0:
        number += text.count("\n", at, i)
        found.add(number)
        at = i
        end = text.find("\n", i)
        if end < 0:
            break
        i = text.find(char, end)
    return found


def prose_lines(text: str, outputs: Sequence[ParsedOutput]) -> list[str]:
    """The message's own words: lines that are not output or typed commands, and the prose
    around inline output on a line that holds both."""
    lines = text.split("\n")
    others = other_lines(len(lines), (o.lines for o in outputs))
    # Lines of output matter only when they hold inline output (backticks) beside prose.
    inline = lines_with(text, "`").difference(others) if outputs else set()
    kept: list[str] = []
    for number in sorted({*others, *inline}) if inline else others:
        line = lines[number - 1]
        s = line.strip()
        if not s or len(s) > _MAX_LINE or s.startswith(("```", "~~~")):
            continue
        if number in inline:
            if "`" not in s:
                continue
            s = _INLINE.sub(" ", s).strip()
            if not s:
                continue
        elif _is_command_line(s):
            continue
        kept.append(s)
    return kept


def _is_command_line(s: str) -> bool:
    if "ero" not in s and "ing" not in s:
        return False  # neither zerotier-cli/-one nor ping: no regex needed
    prompt = find_prompt(s)
    if prompt is None:
        return False
    # A command named inside a sentence keeps the sentence; a typed line is only a command.
    return len(s.split()) <= len(prompt.typed.split()) + 3


def symptoms(prose: Iterable[str]) -> list[Observation]:
    """What the user says is wrong, when the output itself shows nothing."""
    text = "\n".join(prose)
    if not text:
        return []
    out: list[Observation] = []
    reach = _REACH.search(text) or _BROKEN.search(text)
    if reach is not None:
        said = " ".join(reach.group(0).split())
        out.append(Observation(Code.SYMPTOM_UNREACHABLE, {"symptom": said}, (said,)))
    offline = _OFFLINE.search(text)
    if offline is not None and _NOT_OFFLINE.search(text) is None:
        out.append(Observation(Code.SYMPTOM_OFFLINE, {"symptom": "OFFLINE"}, ("offline",)))
    return out
