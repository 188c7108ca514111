"""Every compiled regular expression in `bot`, and inputs built to make each one backtrack.

Inputs come from the pattern's own parse tree: for each repetition (and each alternative
inside one), the text that leads up to it, the repeated part pumped thousands of times, then a
near-miss ending; plus long runs of every character class the pattern uses. A pattern that is
linear-time handles each in milliseconds; a catastrophic one takes seconds to hours.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import re._constants as C
import re._parser as P
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PUMP_CHARS = 4000  # length of a pumped repetition
RUN_CHARS = 12000  # length of a run of one class character
ENDINGS = ("", "!", "\x00", " x", "\n")
_MAX_VARIANTS = 6
_MAX_UNITS = 60


@dataclass(frozen=True, slots=True)
class Found:
    """A compiled pattern and where it lives."""

    where: str  # module:NAME, with [index] or [key] for containers
    pattern: str
    flags: int


def _walk(value: Any, where: str, depth: int = 0) -> Iterator[tuple[str, re.Pattern[str]]]:
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            yield where, value
    elif depth < 3 and isinstance(value, tuple | list | frozenset | set):
        for i, item in enumerate(value):
            yield from _walk(item, f"{where}[{i}]", depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{where}[{key!r}]", depth + 1)


def all_patterns() -> list[Found]:
    """Every distinct compiled pattern at module level (also in tuples, lists, dicts)."""
    import bot

    seen: dict[tuple[str, int], Found] = {}
    names = [
        m.name
        for m in pkgutil.walk_packages(bot.__path__, "bot.")
        if not m.name.endswith("__main__")  # importing it runs the command line
    ]
    for name in sorted(names):
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            for where, pattern in _walk(value, f"{name}:{attr}"):
                key = (pattern.pattern, pattern.flags)
                if key not in seen:
                    seen[key] = Found(where, pattern.pattern, pattern.flags)
    return list(seen.values())


# --- sample strings from a parse tree -------------------------------------------------------


def _class_chars(items: Any) -> list[str]:
    out: list[str] = []
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            out.append(chr(av))
        elif op is C.RANGE:
            lo, hi = av
            out += [chr(lo), chr((lo + hi) // 2), chr(hi)]
        elif op is C.CATEGORY:
            out += {
                C.CATEGORY_DIGIT: ["0", "7"],
                C.CATEGORY_SPACE: [" ", "\n", "\t"],
                C.CATEGORY_WORD: ["a", "Z", "_", "5", "é"],
                C.CATEGORY_NOT_DIGIT: ["a", " "],
                C.CATEGORY_NOT_SPACE: ["a", "0", ":"],
                C.CATEGORY_NOT_WORD: [" ", ":", "-"],
            }.get(av, ["a"])
    if negate or not out:
        return ["a", "0", " ", ":", "!", "\n"]
    return list(dict.fromkeys(out))


def _samples(nodes: Any, limit: int = _MAX_VARIANTS) -> list[str]:
    """Up to `limit` strings each matching `nodes` (alternatives and class characters varied)."""
    results = [""]
    for op, av in nodes:
        options: list[str]
        if op is C.LITERAL:
            options = [chr(av)]
        elif op is C.NOT_LITERAL:
            options = ["a" if av != ord("a") else "b"]
        elif op is C.ANY:
            options = ["a"]
        elif op is C.IN:
            options = _class_chars(av)[:3]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            times = max(lo, 1) if hi != 0 else 0
            options = [s * min(times, 70) for s in _samples(sub, limit)]
        elif op is C.SUBPATTERN:
            options = _samples(av[-1], limit)
        elif op is C.ATOMIC_GROUP:
            options = _samples(av, limit)
        elif op is C.BRANCH:
            options = [s for alt in av[1] for s in _samples(alt, limit)]
        else:  # anchors, look-arounds, back-references: nothing to add
            options = [""]
        options = options or [""]
        if len(results) * len(options) <= limit:
            results = [a + b for a, b in itertools.product(results, options)]
        else:  # pair them up cyclically, so every alternative still shows up somewhere
            size = min(limit, max(len(results), len(options)))
            results = [results[i % len(results)] + options[i % len(options)] for i in range(size)]
        results = list(dict.fromkeys(results))[:limit]
    return results


def _pumped(nodes: Any) -> Iterator[str]:
    """Strings where one repetition in `nodes` is pumped, with what leads up to it."""
    items = list(nodes)
    for i, (op, av) in enumerate(items):
        lead = _samples(items[:i])[0]
        inner: list[str] = []
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            sub = av[2]
            # Every alternative as a unit: overlapping alternatives are what explodes.
            for unit in _samples(sub, _MAX_UNITS):
                if unit:
                    times = PUMP_CHARS // len(unit) + 1
                    inner.append(unit * times)
            inner += list(_pumped(sub))
        elif op is C.SUBPATTERN:
            inner = list(_pumped(av[-1]))
        elif op is C.ATOMIC_GROUP:
            inner = list(_pumped(av))
        elif op is C.BRANCH:
            inner = [s for alt in av[1] for s in _pumped(alt)]
        for text in inner[:_MAX_UNITS]:
            yield lead + text


def _classes(nodes: Any) -> Iterator[str]:
    for op, av in nodes:
        if op is C.IN:
            yield from _class_chars(av)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            yield from _classes(av[2])
        elif op is C.SUBPATTERN:
            yield from _classes(av[-1])
        elif op is C.ATOMIC_GROUP:
            yield from _classes(av)
        elif op is C.BRANCH:
            for alt in av[1]:
                yield from _classes(alt)


def adversarial_inputs(found: Found) -> list[str]:
    """The inputs to try `found` on (see the module docstring)."""
    tree = P.parse(found.pattern, found.flags)
    texts: list[str] = []
    for pumped in itertools.islice(_pumped(tree), _MAX_UNITS):
        texts += [pumped + end for end in ENDINGS]
    chars = list(dict.fromkeys(_classes(tree)))[:24]
    texts += [c * RUN_CHARS + "!" for c in chars]
    texts += [(a + b) * (RUN_CHARS // 2) for a, b in itertools.combinations(chars[:8], 2)]
    whole = _samples(tree)
    texts += [(s + " ") * (PUMP_CHARS // (len(s) + 1) + 1) for s in whole if s]
    return list(dict.fromkeys(texts))


def cpu_seconds(pattern: str, flags: int) -> float:
    """CPU seconds `finditer` spends over every adversarial input (run in a child process)."""
    import time

    compiled = re.compile(pattern, flags)
    texts = adversarial_inputs(Found("", pattern, flags))
    started = time.process_time()
    for text in texts:
        for _ in compiled.finditer(text):
            pass
    return time.process_time() - started
