"""Self-test: every example question, and the admins' `tests.yaml` cases, through the real engine.

Each topic's `questions` must land on that topic, each out-of-scope question must make the bot
abstain, and each case in `knowledge/tests.yaml` must get the topic (and section) it names:

    - q: ping doesn't work on windows 11
      topic: ping-not-working
      section: windows          # optional: null or absent means any section
    - q: how do I set up a moon
      topic: none               # the bot must not answer
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, RootModel, field_validator, model_validator

from bot.engine import Engine
from bot.errors import KnowledgeError
from bot.knowledge.loader import (
    Explain,
    Problem,
    display_path,
    parse_yaml,
    position_of,
    problem_at,
    read_file,
    schema_message,
    validate,
)
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.schema import Slug, Text
from bot.models import Incoming, Reply


class CaseSpec(BaseModel):
    """One admin-written case: a question and the topic (or none) it must land on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: Text
    topic: Slug | None
    section: Slug | None = None

    @field_validator("topic", mode="before")
    @classmethod
    def _none_word(cls, value: Any) -> Any:
        # Admins write `topic: none`; YAML reads that as the string "none", not null.
        if isinstance(value, str) and value.strip().lower() == "none":
            return None
        return value

    @model_validator(mode="after")
    def _section_needs_topic(self) -> CaseSpec:
        if self.section is not None and self.topic is None:
            raise ValueError("a case with 'topic: none' cannot expect a section")
        return self


class CaseFileSpec(RootModel[tuple[CaseSpec, ...]]):
    """The whole `tests.yaml`: a list of cases."""


@dataclass(frozen=True, slots=True)
class SelfTestCase:
    """A question and what the bot must do with it; `source` says where the case is written."""

    question: str
    topic: str | None
    section: str | None
    source: str


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A parsed `tests.yaml`: its cases, its YAML tree (for positions) and its problems."""

    name: str
    node: yaml.Node | None
    cases: tuple[SelfTestCase, ...]
    problems: tuple[Problem, ...]
    raw: tuple[Any, ...] = ()  # the cases as written, for id checks even when some are invalid


@dataclass(frozen=True, slots=True)
class SelfTestFailure:
    """A case the bot got wrong, and what it answered instead."""

    question: str
    expected_topic: str | None
    expected_section: str | None
    got_topic: str | None
    got_section: str | None
    source: str
    got_kind: str = ""  # the reply kind: "clarify" means the bot asked "did you mean"


@dataclass(frozen=True, slots=True)
class SelfTestResult:
    """How many cases ran, how many passed, and the failures in the order they ran."""

    total: int
    passed: int
    failures: tuple[SelfTestFailure, ...]

    @property
    def ok(self) -> bool:
        """True when every case passed."""
        return not self.failures


def load_cases(path: Path, explain: Explain | None = None) -> CaseFile:
    """Read and validate a `tests.yaml`; problems carry file, line and field."""
    name = display_path(path)
    problems: list[Problem] = []
    raw = read_file(path, problems)
    if raw is None:
        return CaseFile(name, None, (), tuple(problems))
    node, data, _ = parse_yaml(name, raw, problems)
    if data is ... or data is None:
        return CaseFile(name, node, (), tuple(problems))
    if not isinstance(data, list):
        message = "the file must be a list of cases ('- q: ...' with 'topic: ...')"
        return CaseFile(name, node, (), (*problems, Problem(name, 1, 1, "", message)))
    spec, errors = validate(CaseFileSpec, data, name, node, explain or schema_message)
    problems.extend(errors)
    if spec is None:
        return CaseFile(name, node, (), tuple(problems), tuple(data))
    cases = tuple(
        SelfTestCase(c.q, c.topic, c.section, f"{name}:{position_of(node, (i,))[0]}")
        for i, c in enumerate(spec.root)
    )
    return CaseFile(name, node, cases, tuple(problems), tuple(data))


def case_problems(
    cases: CaseFile, sections: Mapping[str, Collection[str]], uncovered: Collection[str] = ()
) -> list[Problem]:
    """Cases that name a topic or section the knowledge base does not have."""
    out: list[Problem] = []
    for i, item in enumerate(cases.raw):
        if not isinstance(item, dict):
            continue
        topic, section = item.get("topic"), item.get("section")
        if not isinstance(topic, str) or topic.strip().lower() == "none":
            continue
        if topic not in sections:
            hint = (
                " (an out-of-scope subject: write 'topic: none' to expect no answer)"
                if topic in uncovered
                else ""
            )
            message = f"unknown topic id '{topic}'{hint}"
            out.append(problem_at(cases.name, cases.node, (i, "topic"), message))
        elif isinstance(section, str) and section not in sections[topic]:
            message = f"topic '{topic}' has no section '{section}'"
            out.append(problem_at(cases.name, cases.node, (i, "section"), message))
    return out


def example_cases(kb: KnowledgeBase) -> list[SelfTestCase]:
    """Each topic's example questions (expecting that topic) and each out-of-scope question
    (expecting no answer)."""
    cases = [
        SelfTestCase(q, t.id, None, f"{t.source or 'knowledge'}: topic {t.id}, question {n}")
        for t in kb.topics
        for n, q in enumerate(t.questions, 1)
    ]
    cases += [
        SelfTestCase(q, None, None, f"out-of-scope {u.id}, question {n}")
        for u in kb.uncovered
        for n, q in enumerate(u.questions, 1)
    ]
    return cases


def run_selftest(kb: KnowledgeBase, tests_file: Path | None) -> SelfTestResult:
    """Run every example question and every `tests_file` case through a fresh Engine.

    Raises KnowledgeError (file:line messages) when `tests_file` is invalid or names topics
    or sections that do not exist.
    """
    cases = example_cases(kb)
    if tests_file is not None:
        admin = load_cases(tests_file)
        sections = {t.id: {s.id for s in t.sections} for t in kb.topics}
        problems = [*admin.problems, *case_problems(admin, sections, {u.id for u in kb.uncovered})]
        if problems:
            problems.sort(key=lambda p: (p.line, p.column))
            raise KnowledgeError([p.without_column() for p in problems])
        cases.extend(admin.cases)
    engine = Engine(kb)
    failures: list[SelfTestFailure] = []
    for case in cases:
        reply = engine.respond(Incoming(case.question))
        if not _passes(case, reply):
            failures.append(
                SelfTestFailure(
                    case.question,
                    case.topic,
                    case.section,
                    reply.topic,
                    reply.section,
                    case.source,
                    reply.kind,
                )
            )
    return SelfTestResult(len(cases), len(cases) - len(failures), tuple(failures))


def _passes(case: SelfTestCase, reply: Reply) -> bool:
    if case.topic is None:
        return reply.topic is None
    # A "did you mean" whose first choice is right still did not answer the question.
    if reply.topic != case.topic or reply.kind == "clarify":
        return False
    return case.section is None or reply.section == case.section
