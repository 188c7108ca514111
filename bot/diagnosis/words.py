"""The words around pasted output: the prose of a message, and the symptoms it names.

Typed command lines (`$ sudo zerotier-cli peers`) are not words of the question; prose on the
same line as inline output (`my node says `200 info ...` but I can't ping`) is.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Final

from bot.diagnosis.codes import Code
from bot.diagnosis.extract import find_prompt
from bot.diagnosis.model import ParsedOutput
from bot.diagnosis.rules import Observation

_INLINE: Final = re.compile(r"`[^`\n]{0,2000}`")
_MAX_LINE: Final = 2_000  # longer lines are output or junk, not a question
_PROSE_WORDS: Final = 12  # a line of output with this many words around it is prose too
_PROSE_SHARE: Final = 0.6  # ... when this share of them are words (not ids, numbers, STATUS)
_PUNCT: Final = ".,;:!?()[]\"'"
_SENTENCE_OUTPUT: Final = 200  # outputs with more lines than this are tables, not sentences
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
# "none of the ZT IPs (172.28.1.x) answer a ping", "the NAS never replies to pings": a
# negation, then within the same clause a verb of answering and "ping" (bounded gaps).
_NO_REPLY: Final = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?:none|nothing|nobody|never|not|no one|"
    r"(?:does|do|did|is|are|was|were|wo|ca|could|would)n'?t)(?![A-Za-z0-9_-])"
    r"(?:[^.!?,;\n]|[.!?](?=\S)){0,60}?(?<![A-Za-z0-9_-])(?:answers?|answering|respond(?:s|ing)?|repl(?:y|ies|ying))"
    r"\s(?:(?:to|a|the|my|any|our)\s){0,2}(pings?)(?![A-Za-z0-9_-])"
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
    return [line for _, line in numbered_prose(text, outputs)]


def numbered_prose(text: str, outputs: Sequence[ParsedOutput]) -> list[tuple[int, str]]:
    """`prose_lines` with the number (1-based) of each line."""
    lines = text.split("\n")
    others = other_lines(len(lines), (o.lines for o in outputs))
    # Lines of output count when they hold inline output (backticks) beside prose, or quote
    # output inside a sentence. The lines of a big table are rows, never sentences: only the
    # lines of short outputs are looked at for the latter (10,000 rows cost no loop here).
    quoted = lines_with(text, "`") if outputs else set()
    quoted.update(n for o in outputs if len(o.lines) <= _SENTENCE_OUTPUT for n in o.lines)
    free = set(others)
    kept: list[tuple[int, str]] = []
    for number in sorted(free.union(quoted)) if quoted else others:
        if number > len(lines):
            continue
        line = lines[number - 1]
        s = line.strip()
        if not s or len(s) > _MAX_LINE or s.startswith(("```", "~~~")):
            continue
        if number not in free:
            if "`" in s:
                s = _INLINE.sub(" ", s).strip()
            elif not _mostly_prose(s):
                continue
            if not s:
                continue
        elif _is_command_line(s):
            continue
        kept.append((number, s))
    return kept


def _mostly_prose(s: str) -> bool:
    """A line that quotes output inside a sentence ("status gives 200 info ... ONLINE, but I
    can't ping the NAS"): many words, most of them words rather than values."""
    parts = s.split()
    if len(parts) < _PROSE_WORDS:
        return False
    wordy = sum(1 for p in parts if p.strip(_PUNCT).isalpha() and not p.isupper())
    return wordy >= _PROSE_SHARE * len(parts)


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
    reach = _REACH.search(text) or _BROKEN.search(text) or _NO_REPLY.search(text)
    if reach is not None:
        said = " ".join(reach.group(0).split())
        out.append(Observation(Code.SYMPTOM_UNREACHABLE, {"symptom": said}, (said,)))
    offline = _OFFLINE.search(text)
    if offline is not None and _NOT_OFFLINE.search(text) is None:
        out.append(Observation(Code.SYMPTOM_OFFLINE, {"symptom": "OFFLINE"}, ("offline",)))
    return out


@dataclass(frozen=True, slots=True)
class Change:
    """The user's words between two outputs of one command that mark the later one as the
    state after a change ("after restarting it works", "now", "after I fixed the rule")."""

    words: str
    line: int  # the line of the words (1-based)
    later: int  # the index of the later output


# Words that say time passed or something was done between two outputs.
_CHANGE: Final = re.compile(
    r"(?i)(?<![\w-])(?:after(?:wards)?|now|since|later|then|once|fixed|solved|resolved|"
    r"restart(?:ed|ing)?|reboot(?:ed|ing)?|reinstall(?:ed|ing)?|updated|upgraded|opened|"
    r"allowed|changed|works?|working)(?![\w-])"
)
# "still not working", "it doesn't work now": the words of no change.
_NO_CHANGE: Final = re.compile(r"(?i)(?<![\w-])(?:still|not|never|no|nothing)(?![\w-])|n't\b")
_MAX_WORDS: Final = 120  # characters of the user's words repeated in a finding
_FAMILIES: Final = {"listpeers": "peers", "json-peers": "peers", "json-info": "info"}


def _command_key(out: ParsedOutput) -> str | None:
    # Two outputs are "of one command" when they answer the same question: the peer list in
    # any form, the node's info in any form, the networks, or a ping to the same target.
    if out.command == "error":
        return None
    if out.command == "ping":
        run = out.pings[0] if out.pings else None
        return f"ping {run.target_ip or run.target}" if run is not None else None
    family = _FAMILIES.get(out.command, out.command)
    return family.removeprefix("json-")


def change_words(text: str, outputs: Sequence[ParsedOutput]) -> Change | None:
    """The last place where the user's words between two outputs of one command say the
    later one shows the state after a change; None when no such words are there."""
    if len(outputs) < 2:
        return None
    last_seen: dict[str, int] = {}
    pairs: list[tuple[int, int, int]] = []  # (after line, before line, later output)
    for index, out in enumerate(outputs):
        key = _command_key(out)
        if key is None or not out.lines:
            continue
        if key in last_seen:
            pairs.append((last_seen[key], out.lines[0], index))
        last_seen[key] = out.lines[-1]
    if not pairs:
        return None
    # The lines that say a change, once (in line order); each pair then finds the last one
    # before its later output by bisection, so many outputs cost no rescan of the prose.
    said = [
        (n, s)
        for n, s in numbered_prose(text, outputs)
        if _CHANGE.search(s) and not _NO_CHANGE.search(s)
    ]
    numbers = [n for n, _ in said]
    found: Change | None = None
    for start, end, index in pairs:
        k = bisect_left(numbers, end) - 1  # the words nearest the later output
        if k >= 0 and numbers[k] > start:
            number, words = said[k]
            found = Change(_clean(words), number, index)
    return found


def _clean(words: str) -> str:
    said = " ".join(words.split()).strip(" :.-–—,;")
    return said if len(said) <= _MAX_WORDS else said[: _MAX_WORDS - 1].rstrip() + "…"
