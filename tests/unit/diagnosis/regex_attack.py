"""Adversarial inputs for every regular expression in `bot.diagnosis` (run by test_regex_safety).

For each repetition inside a pattern, the input is a string that reaches it (a representative
of what comes before) followed by many copies of a representative of the repeated part and of
each of its alternatives, then a character that makes the match fail, which is what drives a
backtracking engine into exponential time when repetitions nest over overlapping classes.
Run as a script, it tries every pattern and prints how many inputs it tried.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Iterator
from re import _constants as sre_constants  # the parser's own tree (Python 3.11+)
from re import _parser as sre_parse
from typing import Any

import bot.diagnosis

COPIES = 400  # an exponential pattern never finishes; a linear one takes microseconds
_FAIL = "\x00"
_CATEGORY = {
    "CATEGORY_DIGIT": "1",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": " ",
    "CATEGORY_LINEBREAK": "\n",
    "CATEGORY_NOT_LINEBREAK": "a",
}


def patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern held by a module of `bot.diagnosis` (in tuples too)."""
    seen: set[int] = set()
    for info in pkgutil.walk_packages(bot.diagnosis.__path__, "bot.diagnosis."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            for pattern in _flatten(value):
                if id(pattern) not in seen and isinstance(pattern.pattern, str):
                    seen.add(id(pattern))
                    yield f"{info.name}.{name}", pattern


def _flatten(value: Any, depth: int = 0) -> Iterator[re.Pattern[str]]:
    if isinstance(value, re.Pattern):
        yield value
    elif isinstance(value, tuple | list) and depth < 3:
        for item in value:
            yield from _flatten(item, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for item in value.values():
            yield from _flatten(item, depth + 1)


def _char(items: Any) -> str:
    negate = False
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars.append(chr(arg[0]))
        elif name == "CATEGORY":
            chars.append(_CATEGORY.get(str(arg), "a"))
    if not negate:
        return chars[0] if chars else "a"
    for candidate in "a1 :.-/x":
        if candidate not in chars:
            return candidate
    return "é"


def rep(parsed: Any) -> str:
    """A short string the parsed (sub)pattern matches."""
    out: list[str] = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "IN":
            out.append(_char(arg))
        elif name == "ANY":
            out.append("a")
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            out.append(rep(sub) * max(low, 1))
        elif name == "SUBPATTERN":
            out.append(rep(arg[-1]))
        elif name == "BRANCH":
            out.append(rep(arg[1][0]))
        elif name == "ATOMIC_GROUP":
            out.append(rep(arg))
    return "".join(out)


def attacks(pattern: re.Pattern[str]) -> Iterator[str]:
    """Inputs that drive each repetition of `pattern` many times and then fail."""
    yield from _walk(sre_parse.parse(pattern.pattern, pattern.flags), "")


def _walk(parsed: Any, prefix: str) -> Iterator[str]:
    items = list(parsed)
    for i, (op, arg) in enumerate(items):
        before = prefix + rep(items[:i])
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            _low, high, sub = arg
            if high == sre_constants.MAXREPEAT or high > 1:
                unit = rep(sub)
                alternatives = _alternatives(sub)
                for body in {unit, "".join(alternatives), *alternatives}:
                    if body:
                        yield before + body * COPIES + _FAIL
            yield from _walk(sub, before)
        elif name == "SUBPATTERN":
            yield from _walk(arg[-1], before)
        elif name == "BRANCH":
            for alt in arg[1]:
                yield from _walk(alt, before)


def _alternatives(sub: Any) -> list[str]:
    out: list[str] = []
    for op, arg in sub:
        if str(op) == "BRANCH":
            out.extend(rep(alt) for alt in arg[1])
        elif str(op) == "SUBPATTERN":
            out.extend(_alternatives(arg[-1]))
    return out


def main() -> int:
    """Search every pattern with every attack; print the count (a hang is the failure)."""
    tried = 0
    for name, pattern in patterns():
        for text in attacks(pattern):
            pattern.search(text)
            tried += 1
        sys.stdout.write(f"{name}\n")
        sys.stdout.flush()
    sys.stdout.write(f"tried {tried} inputs\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
