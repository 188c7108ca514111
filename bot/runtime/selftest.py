"""Self-test: every example question and admin case, through the real engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.base.errors import KnowledgeError
from bot.core.engine import Engine
from bot.core.models import Incoming, Reply
from bot.knowledge.cases import SelfTestCase, case_problems, example_cases, load_cases
from bot.knowledge.model import KnowledgeBase


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
    avoided: str | None = None  # a near miss: the topic that must not answer it


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
                    case.avoid,
                )
            )
    return SelfTestResult(len(cases), len(cases) - len(failures), tuple(failures))


def _passes(case: SelfTestCase, reply: Reply) -> bool:
    if case.avoid is not None:
        return reply.topic != case.avoid or reply.kind not in ("answer", "diagnosis")
    if case.topic is None:
        return reply.topic is None
    # A "did you mean" whose first choice is right still did not answer the question.
    if reply.topic != case.topic or reply.kind == "clarify":
        return False
    return case.section is None or reply.section == case.section
