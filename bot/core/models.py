"""Plain data passed between adapters, the service and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.base.oses import OsName
from bot.diagnosis.ends import NodeView
from bot.diagnosis.findings import SECRET_EXPOSED, Finding
from bot.diagnosis.model import ParsedOutput

ReplyKind = Literal["answer", "diagnosis", "clarify", "abstain", "smalltalk", "help", "escalate"]


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
class Offer:
    """The choices one reply offered, kept so a button of that reply picks from them."""

    turn: str
    choices: tuple[Choice, ...]


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
    # For a hand-over to people: what was asked, found and shown, and how often the user said
    # "not helpful". Kept by the service, not the engine.
    asked: tuple[str, ...] = ()  # the user's last messages, secrets masked, pastes summarised
    found: tuple[str, ...] = ()  # problem findings as "code: summary"
    sections: tuple[str, ...] = ()  # "topic" or "topic/section" ids already shown
    declined: int = 0
    # Kept by the front desk: who asked, whether people took over, which offers are open and
    # which replies were already judged (so a second click does nothing).
    asker: str = ""
    handed_over: bool = False
    offers: tuple[Offer, ...] = ()
    judged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Escalation:
    """A summary for the humans a conversation is handed over to."""

    asked: tuple[str, ...]
    found: tuple[str, ...]
    shown: tuple[str, ...]  # section titles as "Topic › Section"
    platform: str
    user: str
    conversation: str


@dataclass(frozen=True, slots=True)
class FaqLink:
    """Where a topic (and section) lives in the published FAQ."""

    title: str
    url: str


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
    outputs: tuple[ParsedOutput, ...] = ()  # parsed command outputs (`to_dict()` for JSON)
    context: Context = field(default_factory=Context)
    turn_id: str | None = None  # set by the service once the turn is logged
    escalation: Escalation | None = None  # set when the adapter should alert the support team
    link: FaqLink | None = None  # the published FAQ page of `topic`, when one is configured

    def secret_finding(self) -> Finding | None:
        """The finding that says the user's message exposed a secret, if it did."""
        return next((f for f in self.findings if f.code == SECRET_EXPOSED), None)
