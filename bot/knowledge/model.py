"""The loaded, validated knowledge base as plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.base.oses import OsName


@dataclass(frozen=True, slots=True)
class Section:
    """A per-OS or per-case part of a topic."""

    id: str
    title: str
    answer: str
    os: tuple[OsName, ...] = ()
    match: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Topic:
    """One FAQ entry."""

    id: str
    title: str
    answer: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    sections: tuple[Section, ...] = ()
    see_also: tuple[str, ...] = ()
    source: str = ""
    near_misses: tuple[str, ...] = ()  # the topic's words, another question: not this topic

    def section(self, section_id: str | None) -> Section | None:
        """Return the section with `section_id`, or None."""
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True, slots=True)
class Uncovered:
    """A subject the FAQ does not answer; matching it makes the bot abstain."""

    id: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingText:
    """How a diagnosis finding is worded, and which topics fix it."""

    code: str
    severity: str
    summary: str
    explanation: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AskFor:
    """Commands whose output would settle a question on these topics or with these words."""

    commands: tuple[str, ...]
    topics: tuple[str, ...] = ()
    when: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Every topic, in file order, plus a content hash that identifies this version."""

    topics: tuple[Topic, ...]
    version: str
    sources: tuple[str, ...] = ()
    uncovered: tuple[Uncovered, ...] = ()
    findings: tuple[FindingText, ...] = ()
    ask_for: tuple[AskFor, ...] = ()
    by_id: dict[str, Topic] = field(init=False, repr=False, compare=False)
    finding_text: dict[str, FindingText] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {t.id: t for t in self.topics})
        object.__setattr__(self, "finding_text", {f.code: f for f in self.findings})

    def topic(self, topic_id: str) -> Topic:
        """Return the topic with `topic_id`; KeyError when unknown."""
        return self.by_id[topic_id]
