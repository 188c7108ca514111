"""Checks of the extraction steps: normalising, cleaning lines, prompts, blocks, limits."""

from __future__ import annotations

import pytest

from bot.diagnosis import parse_message
from bot.diagnosis.extract import clean_line, extract_blocks, find_prompt
from bot.diagnosis.normalize import normalize_text


def test_normalize_keeps_line_count() -> None:
    """CRLF, lone CR, entities and invisible characters are undone line for line."""
    raw = "a\r\nb\rc\n&lt;ztaddr&gt; &amp; \u201cq\u201d\u00a0x\u200by\tz \x1b[32mG\x1b[0m"
    out = normalize_text(raw)
    assert out.split("\n") == ["a", "b", "c", '<ztaddr> & "q" xy z G']


def test_normalize_slack_links_and_escapes() -> None:
    """Slack auto-links and Discord markdown escapes are unwrapped."""
    assert normalize_text("<http://1.2.3.4/9993|1.2.3.4/9993>") == "1.2.3.4/9993"
    assert normalize_text("zt\\_net \\*x\\*") == "zt_net *x*"


@pytest.mark.parametrize(
    ("raw", "text", "before", "after"),
    [
        ("```", "", True, False),
        ("```bash", "", True, False),
        ("````", "", True, False),
        ("~~~", "", True, False),
        (
            "```200 info 1a2b3c4d5e 1.14.1 ONLINE```",
            "200 info 1a2b3c4d5e 1.14.1 ONLINE",
            True,
            True,
        ),
        ("62f865ae71 - PLANET 1 RELAY```", "62f865ae71 - PLANET 1 RELAY", False, True),
        ("> 200 peers", "200 peers", False, False),
        (">>> 200 peers", "200 peers", False, False),
        ("**62f865ae71** - PLANET", "62f865ae71 - PLANET", False, False),
        ("`200 info x`", "200 info x", False, False),
        ("********** - LEAF 1 RELAY", "********** - LEAF 1 RELAY", False, False),
        ("*200 info 1a2b3c4d5e 1.14.1 ONLINE*", "200 info 1a2b3c4d5e 1.14.1 ONLINE", False, False),
    ],
)
def test_clean_line(raw: str, text: str, before: bool, after: bool) -> None:
    """Fences, quote markers, bold and backticks come off; masks made of * stay."""
    assert clean_line(raw) == (text, before, after)


@pytest.mark.parametrize(
    ("line", "typed", "hint", "os"),
    [
        ("$ sudo zerotier-cli peers", "zerotier-cli peers", "peers", None),
        ("# zerotier-cli listnetworks", "zerotier-cli listnetworks", "listnetworks", None),
        ("root@OpenWrt:~# zerotier-cli info", "zerotier-cli info", "info", "linux"),
        ("user@host ~ % zerotier-cli info", "zerotier-cli info", "info", None),
        ("user@mbp ~ % zerotier-cli info", "zerotier-cli info", "info", "macos"),
        (
            "(base) user@mac ~ % zerotier-cli -j peers",
            "zerotier-cli -j peers",
            "json-peers",
            "macos",
        ),
        ("❯ zerotier-cli status", "zerotier-cli status", "info", None),
        (
            "PS C:\\Users\\x> zerotier-cli listmoons",
            "zerotier-cli listmoons",
            "listmoons",
            "windows",
        ),
        (
            "C:\\Program Files (x86)\\ZeroTier\\One>zerotier-cli info",
            "zerotier-cli info",
            "info",
            "windows",
        ),
        ("[root@host] # zerotier-cli peers", "zerotier-cli peers", "peers", None),
        (
            "pi@raspberrypi:~ $ sudo zerotier-cli listpeers",
            "zerotier-cli listpeers",
            "listpeers",
            "linux",
        ),
        ("$ ping -c 4 10.147.17.5", "ping -c 4 10.147.17.5", "ping", None),
        (
            "I ran zerotier-cli listnetworks and got this:",
            "zerotier-cli listnetworks",
            "listnetworks",
            None,
        ),
    ],
)
def test_find_prompt(line: str, typed: str, hint: str | None, os: str | None) -> None:
    """Every prompt style yields the typed command, what it implies, and the OS it shows."""
    prompt = find_prompt(line)
    assert prompt is not None
    assert (prompt.typed, prompt.hint, prompt.os) == (typed, hint, os)


@pytest.mark.parametrize(
    "line", ["ping doesn't work", "the zerotier-one service", "no commands here", "I can't ping it"]
)
def test_find_prompt_ignores_prose(line: str) -> None:
    """Words in a sentence are not a typed command."""
    assert find_prompt(line) is None


def test_blocks_are_detected_by_content_not_prompt() -> None:
    """A prompt that names one command does not decide the format of what follows."""
    blocks = extract_blocks("$ zerotier-cli info\n200 listnetworks <nwid> <name> <mac> <status>\n")
    assert [b.kind for b in blocks] == ["listnetworks"]
    assert blocks[0].hint == "info"


def test_over_max_chars_parses_the_start_and_warns() -> None:
    """Past max_chars only the start is read, and the first output says so."""
    text = "200 info 1a2b3c4d5e 1.14.1 ONLINE\n" + "x" * 500
    outputs = parse_message(text, max_chars=100)
    assert len(outputs) == 1
    assert "longer than 100 characters" in outputs[0].warnings[0]


def test_empty_and_whitespace() -> None:
    """Empty input gives no outputs."""
    assert parse_message("") == []
    assert parse_message(" \n\t\r\n") == []
