"""Reading chat messages in a terminal: a paste is one message, Enter sends, history, completion.

Terminals announce a paste with bracketed-paste escapes; prompt_toolkit turns the whole paste
into text in the input box, so 200 lines of `zerotier-cli peers` output are one message, sent
with Enter. Alt-Enter (or Esc then Enter) starts a new line by hand. Ctrl-C clears what was
typed; Ctrl-D on an empty line leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion
    from prompt_toolkit.document import Document

HINT: Final = "Enter sends · Alt-Enter new line · a paste is one message · Ctrl-C clears"


class Cleared(Exception):
    """Ctrl-C at the prompt: the line was thrown away, the chat goes on."""


def commands_and_topics(
    commands: Sequence[str], topic_ids: Callable[[], Iterable[str]], takes_topic: Sequence[str]
) -> Completer:
    """A completer: `/` commands anywhere a command may start, topic ids after `takes_topic`
    commands and, on Tab, for the word being typed."""
    from prompt_toolkit.completion import Completer, Completion  # noqa: PLC0415

    class _Completer(Completer):
        def get_completions(
            self, document: Document, complete_event: CompleteEvent
        ) -> Iterator[Completion]:
            before = document.text_before_cursor
            if "\n" in before:
                return
            word = document.get_word_before_cursor(WORD=True)
            if before.startswith("/") and " " not in before:
                for name in commands:
                    if name.startswith(before.lower()):
                        yield Completion(name, start_position=-len(before))
                return
            head = before.split(" ", 1)[0].lower()
            if head in takes_topic or (complete_event.completion_requested and word):
                for topic in topic_ids():
                    if topic.startswith(word.lower()):
                        yield Completion(topic, start_position=-len(word))

    return _Completer()


def prompt_session(history: Path, completer: Completer) -> PromptSession[str]:
    """A prompt that sends on Enter, keeps pastes whole and remembers earlier messages."""
    from prompt_toolkit import PromptSession  # noqa: PLC0415  (only an interactive chat)
    from prompt_toolkit.history import FileHistory, InMemoryHistory  # noqa: PLC0415
    from prompt_toolkit.key_binding import KeyBindings  # noqa: PLC0415
    from prompt_toolkit.key_binding.key_processor import KeyPressEvent  # noqa: PLC0415

    bindings = KeyBindings()

    @bindings.add("enter")
    def _send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _clear(event: KeyPressEvent) -> None:
        event.app.exit(exception=Cleared(event.current_buffer.text))

    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        store: FileHistory | InMemoryHistory = FileHistory(str(history))
    except OSError:
        store = InMemoryHistory()
    return PromptSession(
        history=store,
        completer=completer,
        complete_while_typing=True,
        multiline=True,  # a paste keeps its lines; Enter still sends (bound above)
        key_bindings=bindings,
        prompt_continuation=lambda width, _line, _soft: " " * width,
        bottom_toolbar=HINT,
        enable_history_search=False,
    )


def read_message(session: PromptSession[str]) -> str:
    """The next message; raises Cleared on Ctrl-C and EOFError on Ctrl-D (empty line)."""
    return session.prompt("you> ")
