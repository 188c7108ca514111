"""`run_selftest`: example questions and admin cases run through the real engine."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.base.errors import KnowledgeError
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.cases import load_cases
from bot.runtime.selftest import SelfTestFailure, run_selftest


def _tests_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tests.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_shipped_example_lands_on_its_topic(kb: KnowledgeBase) -> None:
    """Each topic's example questions answer that topic, its near misses do not, and
    out-of-scope ones abstain."""
    result = run_selftest(kb, None)
    examples = sum(len(t.questions) + len(t.near_misses) for t in kb.topics) + sum(
        len(u.questions) for u in kb.uncovered
    )
    assert result.total == examples
    assert result.failures == ()
    assert result.passed == result.total
    assert result.ok


def test_admin_cases_pass_and_fail_with_what_matched_instead(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Cases name a topic, a section or none; a failure says what the bot did instead."""
    tests = _tests_file(
        tmp_path,
        """\
        - q: ping doesn't work on windows 11
          topic: ping-not-working
          section: windows
        - q: how do I set up a moon
          topic: none
        - q: what is the weather like today
          topic: null
        - q: what ports does zerotier use
          topic: updating
        - q: ping fails on my mac
          topic: ping-not-working
          section: linux
        """,
    )
    result = run_selftest(kb, tests)
    assert result.total == run_selftest(kb, None).total + 5
    assert result.passed == result.total - 2
    assert result.failures == (
        SelfTestFailure(
            "what ports does zerotier use",
            "updating",
            None,
            "ports-used",
            None,
            f"{tests}:8",
            "answer",
        ),
        SelfTestFailure(
            "ping fails on my mac",
            "ping-not-working",
            "linux",
            "ping-not-working",
            "macos",
            f"{tests}:10",
            "answer",
        ),
    )


def test_an_example_that_is_not_a_question_fails(tmp_path: Path) -> None:
    """An example the engine treats as small talk fails, naming its topic and position."""
    (tmp_path / "faq.yaml").write_text(
        textwrap.dedent(
            """\
            topics:
              - id: updating
                title: How do I update ZeroTier?
                answer: Download the new installer.
                questions: ["how do i update zerotier", "thanks"]
                keywords: [update, upgrade]
            """
        ),
        encoding="utf-8",
    )
    result = run_selftest(load_knowledge(tmp_path), None)
    (failure,) = result.failures
    assert (failure.question, failure.expected_topic, failure.got_topic) == (
        "thanks",
        "updating",
        None,
    )
    assert failure.got_kind == "smalltalk"
    assert failure.source.endswith("faq.yaml: topic updating, question 2")
    assert (result.total, result.passed) == (2, 1)


def test_invalid_tests_file_raises_with_file_and_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Schema mistakes and unknown ids in tests.yaml are file:line problems, all at once."""
    tests = _tests_file(
        tmp_path,
        """\
        - q: hello
          topic: pingg-not-working
        - q: how to bridge
          topic: bridging
        - q: y
          topic: ping-not-working
          sectoin: linux
        - q: z
          topic: none
          section: linux
        - q: w
          topic: ping-not-working
          section: solaris
        """,
    )
    with pytest.raises(KnowledgeError) as info:
        run_selftest(kb, tests)
    assert [p.removeprefix(f"{tests}:") for p in info.value.problems] == [
        "2: [0].topic: unknown topic id 'pingg-not-working'",
        "4: [1].topic: unknown topic id 'bridging' (an out-of-scope subject: write 'topic: none' "
        "to expect no answer)",
        "7: [2].sectoin: unknown field",
        "8: [3]: a case with 'topic: none' cannot expect a section",
        "13: [4].section: topic 'ping-not-working' has no section 'solaris'",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q: just one\ntopic: none\n", "1: the file must be a list of cases"),
        ("- q: [unclosed\n", "2: YAML syntax error"),
        ("- topic: none\n", "1: [0].q: required field is missing"),
    ],
)
def test_tests_file_shape(tmp_path: Path, text: str, message: str) -> None:
    """A mapping, broken YAML or a case without a question are clear problems."""
    cases = load_cases(_tests_file(tmp_path, text))
    assert cases.cases == ()
    (problem,) = cases.problems
    assert problem.without_column().split("tests.yaml:")[1].startswith(message)


def test_empty_tests_file_has_no_cases(tmp_path: Path) -> None:
    """An empty tests.yaml is valid: there are simply no admin cases yet."""
    cases = load_cases(_tests_file(tmp_path, "# no cases yet\n"))
    assert (cases.cases, cases.problems) == ((), ())
