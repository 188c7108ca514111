"""Terminal front end: one-shot answers, JSON batch mode and an interactive chat."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.core.models import Incoming, Reply
from bot.core.render import to_json, to_plain
from bot.runtime.frontdesk import FrontDesk, Outcome
from bot.runtime.reload import KnowledgeReloader
from bot.runtime.service import SupportService

COMMUNITY_URL = "https://discuss.zerotier.com"
_CHAT_HELP = """\
Ask a ZeroTier question in your own words, e.g. "ping doesn't work on windows".
Follow-ups use the conversation so far: "I'm on a mac", "that didn't help", or a number
to pick one of the topics offered.

Commands:
  /good    the last answer helped
  /bad     the last answer did not help (offers other topics, then a summary for people)
  /help    show this help
  /topics  list the FAQ topics
  /reload  load the knowledge files again (edits are also picked up automatically)
  /reset   forget the conversation so far
  /quit    leave (Ctrl-D works too)"""


def to_incoming(text: str, *, user: str, conversation: str) -> Incoming:
    """Turn a line typed in the terminal into an Incoming."""
    return Incoming(text=text, platform="console", user=user, conversation=conversation)


def _one_shot(user: str) -> str:
    # Each `ztbot ask` is a conversation of its own: follow-ups belong to `ztbot chat`.
    return f"console:ask:{uuid.uuid4().hex}"


def render(reply: Reply) -> str:
    """Render a reply for the terminal."""
    return to_plain(reply)


def render_decline(reply: Reply) -> str:
    """After /bad: the next topics, or a summary to take to people (no support team here)."""
    esc = reply.escalation
    if esc is None:
        return render(reply)
    lines = [
        "Sorry I couldn't solve this. Here is a summary you can post where people help, for "
        f"example {COMMUNITY_URL}:",
        "",
        "What I asked:",
        *(f"  - {a}" for a in esc.asked or ("(nothing recorded)",)),
    ]
    if esc.found:
        lines += ["What the diagnosis found:", *(f"  - {f}" for f in esc.found)]
    lines += ["FAQ sections I have already read:", *(f"  - {t}" for t in esc.shown or ("none",))]
    return "\n".join(lines)


def _handle(service: SupportService, incoming: Incoming) -> Reply:
    reply = service.handle(incoming)
    assert reply is not None  # terminal input carries no event id, so it is never a redelivery
    return reply


def ask(
    service: SupportService, text: str, *, as_json: bool, out: TextIO, user: str = "console"
) -> Reply:
    """Answer one question and print it."""
    reply = _handle(service, to_incoming(text, user=user, conversation=_one_shot(user)))
    version = service.knowledge.version
    out.write(json.dumps(to_json(reply, knowledge_version=version)) if as_json else render(reply))
    out.write("\n")
    return reply


def ask_batch(
    service: SupportService, lines: Iterable[str], out: TextIO, user: str = "console"
) -> list[Reply]:
    """Answer one question per input line, printing one JSON object per line, in order."""
    replies = []
    version = service.knowledge.version
    for line in lines:
        text = line.rstrip("\r\n")
        reply = _handle(service, to_incoming(text, user=user, conversation=_one_shot(user)))
        out.write(json.dumps(to_json(reply, knowledge_version=version)) + "\n")
        replies.append(reply)
    out.flush()
    return replies


def _history_file() -> Path:
    base = os.environ.get("ZTBOT_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "ztbot"
    )
    return Path(base) / "chat_history"


def _said(outcome: Outcome) -> str:
    """What the terminal prints for a front desk outcome."""
    if outcome.reply is not None:
        return render_decline(outcome.reply)
    return outcome.notice or outcome.private or ""


def chat(
    desk: FrontDesk,
    *,
    inp: TextIO,
    out: TextIO,
    user: str = "console",
    reloader: KnowledgeReloader | None = None,
) -> int:
    """Run an interactive session until /quit or end of input; return the exit code."""
    with asyncio.Runner() as runner:
        return _chat(desk, runner, inp=inp, out=out, user=user, reloader=reloader)


def _chat(
    desk: FrontDesk,
    runner: asyncio.Runner,
    *,
    inp: TextIO,
    out: TextIO,
    user: str,
    reloader: KnowledgeReloader | None,
) -> int:
    service = desk.service
    interactive = inp.isatty() and out.isatty()
    history = _history_file()
    if interactive:
        _setup_readline(history)
        out.write("ztbot: ask a ZeroTier question. /help for help, /quit to leave.\n")
    # One conversation per terminal user: its context survives a restart until it goes idle.
    conversation = f"console:chat:{user}"
    last: Reply | None = None
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
            topics = service.knowledge.topics
            out.write("\n".join(f"  {t.id:28} {t.title}" for t in topics) + "\n")
            continue
        if command == "/reload":
            if reloader is None:
                out.write("(reloading is not available here)\n")
            else:
                out.write(reloader.reload(f"console:{user}").message() + "\n")
            continue
        if command in {"/good", "/bad"}:
            if last is None or last.turn_id is None:
                out.write("(nothing to rate yet)\n")
            else:
                where = to_incoming("", user=user, conversation=conversation)
                outcome = runner.run(desk.feedback(where, last.turn_id, helpful=command == "/good"))
                last = outcome.reply or last
                out.write(f"ztbot> {_said(outcome)}\n\n")
            continue
        if command == "/reset":
            conversation = f"console:chat:{user}:{uuid.uuid4().hex[:8]}"
            last = None
            out.write("(conversation forgotten)\n")
            continue
        if command.startswith("/"):
            out.write(f"Unknown command {text.split()[0]}. Type /help for the list.\n")
            continue
        outcome = runner.run(desk.message(to_incoming(text, user=user, conversation=conversation)))
        last = outcome.reply or last
        out.write(f"ztbot> {_said(outcome)}\n\n")
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
