"""Plain data passed between adapters, the service and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.diagnosis.ends import NodeView
from bot.diagnosis.findings import Finding
from bot.platforms import OsName

ReplyKind = Literal["answer", "diagnosis", "clarify", "abstain", "smalltalk", "help"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user attached (already fetched by the adapter)."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """One user message, whatever platform it came from."""

    text: str
    platform: str = "console"
    user: str = ""
    conversation: str = ""  # platform + channel + thread, or the user in DMs
    attachments: tuple[Attachment, ...] = ()
    event_id: str | None = None
    workspace: str | None = None
    channel: str | None = None
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A topic (and maybe section) the user can pick, e.g. in a "did you mean" list."""

    topic: str
    section: str | None
    title: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Context:
    """What the engine remembers of a conversation between two messages."""

    topic: str | None = None
    section: str | None = None
    os: OsName | None = None
    shown: tuple[str, ...] = ()  # topic ids already answered in this conversation
    ranked: tuple[str, ...] = ()  # topic ids ranked for the question being worked on
    choices: tuple[Choice, ...] = ()  # the last "did you mean" / "other topics" offer
    nodes: tuple[NodeView, ...] = ()  # nodes whose output was pasted, for two-end diagnosis


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says back, structured so each platform can render it natively."""

    kind: ReplyKind
    body: str  # Markdown
    topic: str | None = None
    section: str | None = None
    confidence: float = 0.0
    heading: str | None = None  # the FAQ heading the answer comes from
    note: str | None = None  # a short closing line ("Steps for macOS are available too...")
    choices: tuple[Choice, ...] = ()
    candidates: tuple[Choice, ...] = ()  # the matcher's ranking, for logs and JSON
    uncovered: str | None = None
    findings: tuple[Finding, ...] = ()
    outputs: tuple[dict[str, Any], ...] = ()  # parsed command outputs, JSON-ready
    context: Context = field(default_factory=Context)
    turn_id: str | None = None  # set by the service once the turn is logged
