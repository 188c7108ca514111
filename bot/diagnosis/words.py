"""The words around pasted output: the prose of a message, and the symptoms it names.

Typed command lines (`$ sudo zerotier-cli peers`) are not words of the question; prose on the
same line as inline output (`my node says `200 info ...` but I can't ping`) is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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


def prose_lines(text: str, outputs: Sequence[ParsedOutput]) -> list[str]:
    """The message's own words: lines that are not output or typed commands, and the prose
    around inline output on a line that holds both."""
    used = {n for o in outputs for n in o.lines}
    kept: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if not s or len(s) > _MAX_LINE or s.startswith(("```", "~~~")):
            continue
        if number in used:
            if "`" in s:
                s = _INLINE.sub(" ", s).strip()
            elif not _mostly_prose(s):
                continue
            if not s:
                continue
        elif _is_command_line(s):
            continue
        kept.append(s)
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
