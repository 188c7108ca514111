"""Every regular expression in bot.diagnosis runs in linear time on adversarial input.

The check runs in a subprocess with a generous timeout instead of timing anything: a pattern
that nests repetitions over overlapping classes takes minutes (or forever) on these inputs,
a safe one microseconds, so a busy machine cannot make this flaky.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.diagnosis import regex_attack

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
TIMEOUT_S = 120  # the unsafe ping pattern needed 31 s for one 87-byte line; these are longer

# Lines that took seconds to minutes with the nested `(?::[0-9a-fA-F:]+)*` address patterns.
HOSTILE_LINES = [
    "64 bytes from 1" + ":" * 70 + "x: icmp_seq=1 ttl=64 time=1 ms",
    "64 Bytes von 1" + "::a" * 60 + "x icmp_seq=1 Zeit=1 ms",
    "Von 1" + ":1" * 80 + " icmp_seq=1 Zielhost nicht erreichbar",
    "(100% " + "Verlust" * 80 + "!",
]


def test_every_pattern_survives_its_attacks() -> None:
    """All patterns, every repetition attacked, finish well inside the timeout."""
    result = subprocess.run(
        [sys.executable, str(HERE / "regex_attack.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "tried" in result.stdout


def test_hostile_ping_lines_parse_in_a_subprocess() -> None:
    """The lines that used to backtrack for minutes are parsed (and never raise)."""
    code = (
        "import sys\n"
        "from bot.diagnosis import parse_message\n"
        "for line in sys.argv[1:]:\n"
        "    parse_message(line)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *HOSTILE_LINES],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "unsafe",
    [
        r"\d+ bytes from ([^\s:]+(?::[0-9a-fA-F:]+)*)[:,]? .*?time[=<]",
        r"\(?\s*\d+\s?%\s*(?:[^\W\d_]+\s*)*\)?,?$",
        r"(?:a|ab)*c",
    ],
)
def test_the_attacks_reach_nested_repetitions(unsafe: str) -> None:
    """The generator feeds many copies of the nested part, which is what makes an unsafe
    pattern blow up (checked on the input, not by running the unsafe pattern)."""
    attacks = list(regex_attack.attacks(re.compile(unsafe)))
    assert attacks
    assert max(len(a) for a in attacks) >= regex_attack.COPIES


def test_the_generator_finds_the_package_patterns() -> None:
    """The ping address patterns and the JSON relaxer are among those attacked."""
    names = {name for name, _ in regex_attack.patterns()}
    assert "bot.diagnosis.parsers.ping._UNIX_REPLY" in names
    assert "bot.diagnosis.parsers.ping_lang.UNIX_FROM" in names
    assert "bot.diagnosis.parsers._json._RELAX" in names
