"""Replies for a terminal: wrapped to its width, Markdown shown as styles, plain when piped.

Piped output stays exactly `to_plain` so `ztbot ask` remains scriptable. On a terminal the
reply's Markdown becomes styled text wrapped at word boundaries, list items and indented
lines keep a hanging indent, and code (fenced blocks, whole-line evidence) is never reflowed.
Colour follows NO_COLOR (https://no-color.org) and is used only when the stream is a terminal.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TextIO

from bot.core.models import Reply
from bot.core.render import markdown_to_plain, to_markdown, to_plain

if TYPE_CHECKING:  # rich loads only when a terminal is there to draw on
    from rich.console import Console
    from rich.text import Text

_FENCE: Final = re.compile(r"^\s*```[\w-]*\s*$")
# Bullets, numbers and icons that start a list-like line: continuation lines align after them.
_ITEM: Final = re.compile(r"^(\s*(?:[-*•✖⚠ℹ]|\d+[.)])\s+)")
_INDENT: Final = re.compile(r"^(\s+)")
_WHOLE_CODE: Final = re.compile(r"^\s*`[^`]+`\s*$")
_INLINE: Final = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"|(?<![\w*])[*_](?P<italic>\S(?:.*?\S)?)[*_](?![\w*])"
)
MIN_WIDTH: Final = 20


@dataclass(frozen=True, slots=True)
class Terminal:
    """How to draw on one output stream."""

    styled: bool  # a terminal: wrap and style (else plain text, as scripts expect)
    color: bool
    width: int


def terminal_for(out: TextIO, env: dict[str, str] | None = None) -> Terminal:
    """Styled, wrapped output on a terminal; plain text on a pipe or file; NO_COLOR honoured."""
    environ = os.environ if env is None else env
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    width = shutil.get_terminal_size((80, 24)).columns if tty else 80
    color = tty and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"
    return Terminal(styled=tty, color=color, width=max(MIN_WIDTH, width))


def render_text(markdown: str, term: Terminal) -> str:
    """`markdown` (the Markdown replies use) as the text to write on `term`."""
    if not term.styled:
        return markdown_to_plain(markdown)
    console = _console(term)
    with console.capture() as captured:
        for text in _wrapped(markdown, console, term.width):
            console.print(text, soft_wrap=True)
    return captured.get().rstrip("\n")


def render_reply(reply: Reply, term: Terminal) -> str:
    """A reply drawn for `term` (exactly `to_plain` when it is not a terminal)."""
    if not term.styled:
        return to_plain(reply)
    return render_text(to_markdown(reply), term)


def _console(term: Terminal) -> Console:
    from rich.console import Console  # noqa: PLC0415  (about 40 ms; only terminals need it)

    return Console(
        width=term.width,
        color_system="standard" if term.color else None,
        no_color=not term.color,
        force_terminal=term.color,
        highlight=False,
        markup=False,
        emoji=False,
    )


def _wrapped(markdown: str, console: Console, width: int) -> list[Text]:
    """One Text per output line: prose wrapped with a hanging indent, code left intact."""
    from rich.text import Text  # noqa: PLC0415

    out: list[Text] = []
    in_code = False
    for line in _paragraphs(markdown):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code or _WHOLE_CODE.match(line):
            # Command output and evidence keep their columns: the terminal may fold a long
            # one, but we never reflow it into the prose.
            code = line.strip().strip("`") if not in_code else line
            indent = "    " if in_code else line[: len(line) - len(line.lstrip())]
            out.append(Text(indent) + Text(code, style="cyan"))
            continue
        lead_match = _ITEM.match(line) or _INDENT.match(line)
        lead = lead_match.group(1) if lead_match else ""
        body = _styled(line[len(lead) :])
        room = max(MIN_WIDTH // 2, width - len(lead))
        for n, piece in enumerate(body.wrap(console, room, overflow="fold")):
            piece.rstrip()
            out.append(Text(lead if n == 0 else " " * len(lead)) + piece)
    while out and not out[-1].plain.strip():
        out.pop()
    return out


def _paragraphs(markdown: str) -> list[str]:
    """Lines with Markdown's soft breaks joined: a prose line continues the one before it.

    Knowledge files wrap long paragraphs in the YAML; on a terminal they must flow to its width.
    List items, indented lines, code and blank lines start a line of their own.
    """
    joined: list[str] = []
    in_code = False
    can_continue = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            joined.append(line)
            can_continue = False
            continue
        starts_own = (
            in_code or not line.strip() or bool(_ITEM.match(line) or _INDENT.match(line))
        ) or bool(_WHOLE_CODE.match(line))
        if can_continue and not starts_own:
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
            continue
        joined.append(line)
        can_continue = not in_code and bool(line.strip()) and not _WHOLE_CODE.match(line)
    return joined


def _styled(line: str) -> Text:
    """Inline Markdown (bold, italic, code, links) as styles; the markers go."""
    from rich.text import Text  # noqa: PLC0415

    text = Text()
    pos = 0
    for m in _INLINE.finditer(line):
        text.append(line[pos : m.start()])
        if m.group("bold") is not None:
            text.append_text(_nested(m.group("bold"), "bold"))
        elif m.group("code") is not None:
            text.append(m.group("code"), style="cyan")
        elif m.group("label") is not None:
            text.append(f"{m.group('label')} ({m.group('url')})", style="underline")
        else:
            text.append_text(_nested(m.group("italic"), "italic"))
        pos = m.end()
    text.append(line[pos:])
    return text


def _nested(inner: str, style: str) -> Text:
    """Emphasis around other inline Markdown (a note in italics quoting a command)."""
    text = _styled(inner)
    text.stylize(style)
    return text
