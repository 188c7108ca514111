"""Self-test cases: the admins' `tests.yaml` file and every example question, as data.

Each topic's `questions` must land on that topic, each of its `near_misses` must NOT be
answered with that topic, each out-of-scope question must make the bot abstain, and each case
in `knowledge/tests.yaml` must get the topic (and section) it names:

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
    avoid: str | None = None  # a near miss: any reply but an answer from this topic passes


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A parsed `tests.yaml`: its cases, its YAML tree (for positions) and its problems."""

    name: str
    node: yaml.Node | None
    cases: tuple[SelfTestCase, ...]
    problems: tuple[Problem, ...]
    raw: tuple[Any, ...] = ()  # the cases as written, for id checks even when some are invalid


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
    cases += [
        SelfTestCase(
            q, None, None, f"{t.source or 'knowledge'}: topic {t.id}, near miss {n}", avoid=t.id
        )
        for t in kb.topics
        for n, q in enumerate(t.near_misses, 1)
    ]
    return cases
