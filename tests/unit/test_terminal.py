"""The terminal front end: when to style, wrapping, code kept intact, /good after no answer."""

from __future__ import annotations

import io
import re

import pytest

from bot.adapters import console
from bot.adapters.terminal_render import Terminal, render_text, terminal_for
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "env", "styled", "color"),
    [
        (io.StringIO(), {}, False, False),
        (_Tty(), {}, True, True),
        (_Tty(), {"NO_COLOR": "1"}, True, False),
        (_Tty(), {"TERM": "dumb"}, True, False),
    ],
)
def test_style_and_colour_only_on_a_terminal(
    stream: io.StringIO, env: dict[str, str], styled: bool, color: bool
) -> None:
    term = terminal_for(stream, env)
    assert (term.styled, term.color) == (styled, color)


MARKDOWN = """\
**Heading words**

A long paragraph that the knowledge file wraps
at its own width, with `zerotier-cli info` inside and a [link](https://example.com/x).

```
62f865ae71 -      PLANET    53 DIRECT   2473     2440     50.7.252.138/9993 and more text here
```
✖ a finding whose summary is long enough that it has to wrap onto a second line here
    `8841408a2e: PLANET RELAY 142 ms (line 3) with a long evidence line that goes past forty`
"""


def test_piped_output_is_plain_text() -> None:
    plain = render_text(MARKDOWN, Terminal(styled=False, color=False, width=40))
    assert "**" not in plain and "`" not in plain
    assert "A long paragraph that the knowledge file wraps\n" in plain  # never reflowed


def test_terminal_output_wraps_prose_and_keeps_code() -> None:
    shown = render_text(MARKDOWN, Terminal(styled=True, color=False, width=40))
    lines = shown.splitlines()
    code = [line for line in lines if "PLANET" in line]
    assert len(code) == 2  # the fenced row and the evidence line, each whole on one line
    assert all(len(line) <= 40 for line in lines if line not in code)
    words = " ".join(line.strip() for line in lines).split()
    assert "paragraph" in words and "zerotier-cli" in words
    assert "(https://example.com/x)." in words
    assert "**" not in shown and "`" not in shown
    finding = lines.index(next(line for line in lines if line.startswith("✖")))
    assert lines[finding + 1].startswith("  ") and not lines[finding + 1].startswith("   ")


def test_colour_codes_only_when_colour_is_on() -> None:
    ansi = re.compile(r"\x1b\[")
    assert ansi.search(render_text(MARKDOWN, Terminal(styled=True, color=True, width=60)))
    assert not ansi.search(render_text(MARKDOWN, Terminal(styled=True, color=False, width=60)))


def _chat(engine: Engine, script: str) -> str:
    settings = Settings(database_url=None)
    service = SupportService(engine, settings, store=None, salt="s")
    desk = FrontDesk(service, RateLimiter(0, 60.0), settings)
    out = io.StringIO()
    console.chat(desk, inp=io.StringIO(script), out=out, user="t")
    service.close(timeout=5)
    return out.getvalue()


def test_good_after_no_answer_is_not_thanked_for_the_answer(engine: Engine) -> None:
    shown = _chat(engine, "qwzx plorb frabjous\n/good\n")
    assert "Glad that helped" not in shown and "(thanks, noted)" not in shown
    assert "I had no answer for that one" in shown
    assert "Glad that helped" in _chat(engine, "ping doesn't work on windows\n/good\n")


def test_show_and_unknown_topic(engine: Engine) -> None:
    shown = _chat(engine, "/show ping-not-working\n/show nope\n/show\n")
    assert "Ping is not working" in shown
    assert "No topic 'nope'" in shown and "Which topic?" in shown


def test_help_explains_pasting(engine: Engine) -> None:
    assert "the whole paste is one message" in _chat(engine, "/help\n")


@pytest.mark.parametrize(
    ("typed", "tab", "expected"),
    [
        ("/he", False, ["/help"]),
        ("/show ping", False, ["ping-not-working"]),
        ("my ping", False, []),  # questions are not completed while typing
        ("my ping", True, ["ping-not-working"]),
        ("line one\n/he", False, []),
    ],
)
def test_completion_of_commands_and_topic_ids(typed: str, tab: bool, expected: list[str]) -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from bot.adapters.terminal_input import commands_and_topics

    completer = commands_and_topics(
        ("/help", "/show", "/quit"), lambda: ["ping-not-working", "router-tips"], ("/show",)
    )
    event = CompleteEvent(completion_requested=tab)
    found = [c.text for c in completer.get_completions(Document(typed), event)]
    assert found == expected


def test_not_helpful_is_a_click_not_something_asked(engine: Engine) -> None:
    shown = _chat(engine, "ping doesn't work on windows\n/bad\n/bad\n")
    assert "What I asked:" in shown
    asked = shown.split("What I asked:")[1].split("FAQ sections")[0]
    assert "ping doesn't work on windows" in asked and "(not helpful)" not in asked
