"""Terminal front end: one-shot answers, JSON batch mode and an interactive chat."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from bot.adapters.terminal_input import Cleared
from bot.adapters.terminal_render import Terminal, render_reply, render_text, terminal_for
from bot.core.models import Incoming, Reply
from bot.core.render import to_json, to_plain

if TYPE_CHECKING:  # types only: `ztbot ask` must not pay for the file watcher at start-up
    from bot.runtime.frontdesk import FrontDesk, Outcome
    from bot.runtime.reload import KnowledgeReloader
    from bot.runtime.service import SupportService

COMMUNITY_URL = "https://discuss.zerotier.com"
_CHAT_HELP = """\
Ask a ZeroTier question in your own words, e.g. "ping doesn't work on windows".
Follow-ups use the conversation so far: "I'm on a mac", "that didn't help", or a number
to pick one of the topics offered.

Paste zerotier-cli output (info, listnetworks, peers, ...) as it is, with or without a
question: the whole paste is one message, and Enter sends it. Alt-Enter (or Esc, Enter)
starts a new line by hand. Ctrl-C clears the line; Ctrl-D on an empty line leaves.

Commands:
  /good    the last answer helped
  /bad     the last answer did not help (offers other topics, then a summary for people)
  /help    show this help
  /topics  list the FAQ topics (Tab completes commands and topic ids)
  /show ID what the FAQ says on one topic, e.g. /show ping-not-working
  /reload  load the knowledge files again (edits are also picked up automatically)
  /reset   forget the conversation so far
  /quit    leave (Ctrl-D works too)"""


def to_incoming(text: str, *, user: str, conversation: str) -> Incoming:
    """Turn a line typed in the terminal into an Incoming."""
    return Incoming(text=text, platform="console", user=user, conversation=conversation)


def _one_shot(user: str) -> str:
    # Each `ztbot ask` is a conversation of its own: follow-ups belong to `ztbot chat`.
    return f"console:ask:{uuid.uuid4().hex}"


def render(reply: Reply, out: TextIO | None = None) -> str:
    """A reply as text for `out`: wrapped and styled on a terminal, plain otherwise."""
    return to_plain(reply) if out is None else render_reply(reply, terminal_for(out))


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
    shown = render_reply(reply, terminal_for(out))
    out.write(json.dumps(to_json(reply, knowledge_version=version)) if as_json else shown)
    out.write("\n")
    return reply


def ask_batch(
    service: SupportService,
    lines: Iterable[str],
    out: TextIO,
    user: str = "console",
    on_each: Callable[[int], None] | None = None,
) -> list[Reply]:
    """Answer one question per input line, printing one JSON object per line, in order;
    `on_each(1)` after each (a progress bar)."""
    replies = []
    version = service.knowledge.version
    for line in lines:
        text = line.rstrip("\r\n")
        reply = _handle(service, to_incoming(text, user=user, conversation=_one_shot(user)))
        out.write(json.dumps(to_json(reply, knowledge_version=version)) + "\n")
        replies.append(reply)
        if on_each is not None:
            on_each(1)
    out.flush()
    return replies


def _history_file() -> Path:
    base = os.environ.get("ZTBOT_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "ztbot"
    )
    return Path(base) / "chat_history"


def _turn(
    desk: FrontDesk, runner: asyncio.Runner, text: str, *, user: str, conversation: str
) -> Outcome:
    """Hand one chat message to the front desk: the one place the chat talks to it."""
    return runner.run(desk.message(to_incoming(text, user=user, conversation=conversation)))


_COMMANDS: Final = (
    "/good", "/bad", "/help", "/topics", "/show", "/reload", "/reset", "/quit",
)  # fmt: skip
_QUIT: Final = frozenset({"/quit", "/exit", "/q"})


class _Chat:
    """One terminal conversation: its id, the last reply (for /good and /bad), the output."""

    def __init__(
        self,
        desk: FrontDesk,
        runner: asyncio.Runner,
        *,
        user: str,
        out: TextIO,
        term: Terminal,
        reloader: KnowledgeReloader | None,
    ) -> None:
        self.desk, self.runner, self.service = desk, runner, desk.service
        self.user, self.out, self.term = user, out, term
        self.reloader = reloader
        # One conversation per terminal user: its context survives a restart until it idles.
        self.conversation = f"console:chat:{user}"
        self.last: Reply | None = None

    def say(self, reply: Reply) -> None:
        body = render_decline(reply) if reply.escalation else render_reply(reply, self.term)
        self.say_text(body)

    def say_text(self, body: str) -> None:
        if self.term.styled:  # the reply on lines of its own, wrapped to the terminal
            self.out.write(f"ztbot>\n{body}\n\n")
        else:
            self.out.write(f"ztbot> {body}\n\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, text: str) -> bool:
        """Handle one message or command; False when the user leaves."""
        command = text.split(maxsplit=1)[0].lower() if text.startswith("/") else ""
        if command in _QUIT:
            return False
        if command:
            self.command(command, text)
            return True
        outcome = _turn(
            self.desk, self.runner, text, user=self.user, conversation=self.conversation
        )
        self.said(outcome)
        return True

    def said(self, outcome: Outcome) -> None:
        """Print what the desk decided: the reply, and any note for this user."""
        if outcome.reply is not None:
            self.last = outcome.reply
            self.say(outcome.reply)
        for note in (outcome.private, outcome.notice):
            if note:
                self.say_text(render_text(note, self.term))

    def command(self, command: str, text: str) -> None:
        if command in {"/help", "/?"}:
            self.note(_CHAT_HELP)
        elif command == "/topics":
            topics = self.service.knowledge.topics
            self.note("\n".join(f"  {t.id:28} {t.title}" for t in topics))
        elif command == "/show":
            self.show(text.split()[1:])
        elif command == "/reload":
            if self.reloader is None:
                self.note("(reloading is not available here)")
            else:
                self.note(self.reloader.reload(f"console:{self.user}").message())
        elif command in {"/good", "/bad"}:
            self.rate(command == "/good")
        elif command == "/reset":
            self.conversation = f"console:chat:{self.user}:{uuid.uuid4().hex[:8]}"
            self.last = None
            self.note("(conversation forgotten)")
        else:
            self.note(f"Unknown command {text.split(maxsplit=1)[0]}. Type /help for the list.")

    def show(self, words: list[str]) -> None:
        if not words:
            self.note("Which topic? /show ID; /topics lists them (Tab completes).")
            return
        try:
            self.say(self.service.engine.answer_topic(words[0]))
        except KeyError:
            self.note(f"No topic '{words[0]}'. /topics lists them (Tab completes).")

    def rate(self, good: bool) -> None:
        last = self.last
        if last is None or last.turn_id is None:
            self.note("(nothing to rate yet)")
            return
        # Like the buttons in Slack and Discord: a click, not a question.
        where = to_incoming("", user=self.user, conversation=self.conversation)
        outcome = self.runner.run(self.desk.feedback(where, last.turn_id, helpful=good))
        if good and outcome.notice and not _answered(last):
            # Nothing was answered: "glad that helped" would be odd.
            outcome = replace(outcome, notice=UNANSWERED_SOLVED)
        self.said(outcome)


UNANSWERED_SOLVED: Final = (
    "Glad it's solved. I had no answer for that one: it is noted for the FAQ."
)


def _answered(reply: Reply) -> bool:
    """Whether a reply gave an answer (a topic, or findings), not an "I don't know"."""
    return reply.topic is not None or bool(reply.findings)


def chat(
    desk: FrontDesk,
    *,
    inp: TextIO,
    out: TextIO,
    user: str = "console",
    reloader: KnowledgeReloader | None = None,
) -> int:
    """Run an interactive session until /quit or end of input; return the exit code.

    In a terminal a message is what is sent with Enter (a paste stays one message); from a
    pipe or file every line is a message of its own.
    """
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
    interactive = inp.isatty() and out.isatty()
    session = _Chat(desk, runner, user=user, out=out, term=terminal_for(out), reloader=reloader)
    read = _prompt_reader(desk.service) if interactive else _line_reader(inp)
    if interactive:
        out.write("ztbot: ask a ZeroTier question or paste zerotier-cli output.\n")
        out.write("/help for help, Ctrl-D to leave.\n")
    while True:
        try:
            text = read()
        except Cleared as cleared:
            if not str(cleared):
                out.write("(Ctrl-C clears the line; Ctrl-D or /quit leaves)\n")
            continue
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            break
        if text is None:
            break
        if not text.strip():
            continue
        try:
            if not session.step(text.strip()):
                break
        except KeyboardInterrupt:  # Ctrl-C while a reply is worked out: drop that reply
            out.write("\n(interrupted)\n")
    return 0


def _line_reader(inp: TextIO) -> Callable[[], str | None]:
    def read() -> str | None:
        line = inp.readline()
        return None if line == "" else line

    return read


def _prompt_reader(service: SupportService) -> Callable[[], str | None]:
    from bot.adapters.terminal_input import (  # noqa: PLC0415  (prompt_toolkit: terminals only)
        commands_and_topics,
        prompt_session,
        read_message,
    )

    completer = commands_and_topics(
        _COMMANDS, lambda: (t.id for t in service.knowledge.topics), takes_topic=("/show",)
    )
    session = prompt_session(_history_file(), completer)
    return lambda: read_message(session)
