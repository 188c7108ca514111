"""Terminal front end: one-shot answers, JSON batch mode and an interactive chat."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.engine import Engine
from bot.models import Context, Incoming, Reply
from bot.render import to_json, to_plain

_CHAT_HELP = """\
Ask a ZeroTier question in your own words, e.g. "ping doesn't work on windows".
Follow-ups use the conversation so far: "I'm on a mac", "that didn't help", or a number
to pick one of the topics offered.

Commands:
  /help    show this help
  /topics  list the FAQ topics
  /reset   forget the conversation so far
  /quit    leave (Ctrl-D works too)"""


def to_incoming(text: str, *, user: str = "console") -> Incoming:
    """Turn a line typed in the terminal into an Incoming."""
    return Incoming(text=text, platform="console", user=user, conversation=f"console:{user}")


def render(reply: Reply) -> str:
    """Render a reply for the terminal."""
    return to_plain(reply)


def ask(engine: Engine, text: str, *, as_json: bool, out: TextIO) -> Reply:
    """Answer one question and print it."""
    reply = engine.respond(to_incoming(text))
    if as_json:
        out.write(json.dumps(to_json(reply, knowledge_version=engine.kb.version)) + "\n")
    else:
        out.write(render(reply) + "\n")
    return reply


def ask_batch(engine: Engine, lines: Iterable[str], out: TextIO) -> list[Reply]:
    """Answer one question per input line, printing one JSON object per line, in order."""
    replies = []
    for line in lines:
        text = line.rstrip("\r\n")
        reply = engine.respond(to_incoming(text))
        out.write(json.dumps(to_json(reply, knowledge_version=engine.kb.version)) + "\n")
        replies.append(reply)
    out.flush()
    return replies


def _history_file() -> Path:
    base = os.environ.get("ZTBOT_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "ztbot"
    )
    return Path(base) / "chat_history"


def chat(engine: Engine, *, inp: TextIO, out: TextIO) -> int:
    """Run an interactive session until /quit or end of input; return the exit code."""
    interactive = inp.isatty() and out.isatty()
    history = _history_file()
    if interactive:
        _setup_readline(history)
        out.write("ztbot: ask a ZeroTier question. /help for help, /quit to leave.\n")
    ctx = Context()
    while True:
        try:
            line = input("you> ") if interactive else inp.readline()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            break
        if not interactive and line == "":
            break
        text = line.strip()
        if not text:
            continue
        command = text.lower()
        if command in {"/quit", "/exit", "/q"}:
            break
        if command in {"/help", "/?"}:
            out.write(_CHAT_HELP + "\n")
            continue
        if command == "/topics":
            out.write("\n".join(f"  {t.id:28} {t.title}" for t in engine.kb.topics) + "\n")
            continue
        if command == "/reset":
            ctx = Context()
            out.write("(conversation forgotten)\n")
            continue
        if command.startswith("/"):
            out.write(f"Unknown command {text.split()[0]}. Type /help for the list.\n")
            continue
        reply = engine.respond(to_incoming(text), ctx)
        ctx = reply.context
        out.write(f"ztbot> {render(reply)}\n\n")
        out.flush()
    if interactive:
        _save_readline(history)
    return 0


def _setup_readline(history: Path) -> None:
    try:
        import readline  # noqa: PLC0415  (optional: absent on some platforms)
    except ImportError:
        return
    readline.set_history_length(1000)
    with contextlib.suppress(OSError):
        readline.read_history_file(history)


def _save_readline(history: Path) -> None:
    try:
        import readline  # noqa: PLC0415
    except ImportError:
        return
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history)
    except OSError:
        sys.stderr.write(f"ztbot: could not save chat history to {history}\n")
