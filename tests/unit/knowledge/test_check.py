"""`check_knowledge`: every problem in one pass, each with file, line, column and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.base.errors import KnowledgeError
from bot.knowledge import load_knowledge
from bot.knowledge.check import Problem, check_knowledge, markdown_problems

SHIPPED = Path(__file__).resolve().parents[3] / "knowledge"

# Ten assorted mistakes; the comments name them and the line they are on.
TEN_MISTAKES = """\
topics:
  - id: ping-not-working
    title: Ping is not working
    answer: Check the firewall first.
    questions: ["cant ping my other pc over zerotier"]
    keywords: [ping]
    sections:
      - id: windows
        title: Windows
        os: [windos]                                    # 10: wrong OS name
        answer: Allow echo requests in the firewall.
      - id: windows                                     # 12: duplicate section id
        title: Windows again
        os: [windows]
        answer: Twice.
      - id: still-broken                                # 16: no os and no match words
        title: Still broken?
        answer: |
          # Try this first                              # 19: a heading Slack shows as text
          Restart the service.
    see_also: [nowhere]                                 # 21: dangling see_also
  - id: ports-used
    title: Ports used
    answer: "   "                                       # 24: empty answer
    questions: ["Can't ping my other PC over ZeroTier!"]  # 25: collides with line 5
    keywords: [ports]
    see_aslo: [ping-not-working]                        # 27: unknown field (typo)
  - id: updating                                        # 28: answer is missing
    title: Updating
    questions: ["how do i update zerotier"]
    keywords: [update]
"""
SYNTAX_ERROR = "topics:\n  - id: broken\n    title: [unclosed\n"  # second file, bad YAML


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _key(p: Problem) -> tuple[str, int, int, str, str]:
    return (Path(p.file).name, p.line, p.column, p.field, p.severity)


def test_ten_mistakes_are_all_reported_with_their_locations(tmp_path: Path) -> None:
    """Ten assorted mistakes in two files give ten problems, each at its line and column."""
    _write(tmp_path, "faq.yaml", TEN_MISTAKES)
    _write(tmp_path, "more.yaml", SYNTAX_ERROR)
    problems = check_knowledge(tmp_path)
    expected = [
        # The file that did not load comes first: what it breaks elsewhere follows from it.
        (("more.yaml", 4, 1, "", "error"), "YAML syntax error"),
        (("faq.yaml", 10, 14, "topics[0].sections[0].os[0]", "error"), "did you mean 'windows'?"),
        (("faq.yaml", 12, 9, "topics[0].sections[1].id", "error"), "duplicate id 'windows'"),
        (("faq.yaml", 16, 9, "topics[0].sections[2]", "error"), "needs 'match' words"),
        (("faq.yaml", 19, 11, "topics[0].sections[2].answer", "warning"), "Markdown heading"),
        (("faq.yaml", 21, 16, "topics[0].see_also[0]", "error"), "unknown topic id 'nowhere'"),
        (("faq.yaml", 24, 5, "topics[1].answer", "error"), "is empty"),
        (("faq.yaml", 25, 17, "topics[1].questions[0]", "warning"), "topic 'ping-not-working'"),
        (
            ("faq.yaml", 27, 5, "topics[1].see_aslo", "error"),
            "unknown field 'see_aslo', did you mean 'see_also'?",
        ),
        (("faq.yaml", 28, 5, "topics[2].answer", "error"), "required field is missing"),
    ]
    assert [_key(p) for p in problems] == [key for key, _ in expected]
    for problem, (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in problem.message, str(problem)


def test_the_loader_still_refuses_the_same_files_in_its_own_format(tmp_path: Path) -> None:
    """load_knowledge keeps its `file:line: field: message` problems (no column)."""
    _write(tmp_path, "faq.yaml", TEN_MISTAKES)
    _write(tmp_path, "more.yaml", SYNTAX_ERROR)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path)
    problems = info.value.problems
    assert any(
        p.endswith(":12: topics[0].sections[1].id: duplicate id 'windows'") for p in problems
    )
    assert any(p.endswith(":27: topics[1].see_aslo: unknown field") for p in problems)
    assert any(p.endswith(":28: topics[2].answer: required field is missing") for p in problems)
    assert any("more.yaml:4: YAML syntax error" in p for p in problems)


def test_problem_string_format() -> None:
    """A problem prints as file:line:column: field: message; file-level ones omit the field."""
    problem = Problem(
        "knowledge/faq.yaml", 42, 7, "topics[3].sections[1].id", "duplicate id 'linux'"
    )
    assert str(problem) == "knowledge/faq.yaml:42:7: topics[3].sections[1].id: duplicate id 'linux'"
    assert problem.without_column() == (
        "knowledge/faq.yaml:42: topics[3].sections[1].id: duplicate id 'linux'"
    )
    assert str(Problem("faq.yaml", 3, 1, "", "YAML syntax error: x")) == (
        "faq.yaml:3:1: YAML syntax error: x"
    )
    assert str(Problem("gone", 0, 0, "", "no such file or directory")) == (
        "gone: no such file or directory"
    )


def test_shipped_knowledge_has_no_errors() -> None:
    """The knowledge as shipped passes the check (warnings are only about Markdown)."""
    problems = check_knowledge(SHIPPED)
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert all("Markdown" in p.message for p in problems)


def test_unknown_field_suggests_the_closest_name(tmp_path: Path) -> None:
    """A misspelt field gets a "did you mean"; a name far from any field lists the fields."""
    text = """\
    topics:
      - id: a
        title: A
        anwser: x
        questions: [q]
        keywords: [k]
        colour: red
    """
    problems = {p.field: p.message for p in check_knowledge(_write(tmp_path, "a.yaml", text))}
    assert problems["topics[0].anwser"] == "unknown field 'anwser', did you mean 'answer'?"
    assert problems["topics[0].colour"].startswith("unknown field 'colour' (expected one of: id,")
    assert problems["topics[0].answer"] == "required field is missing"


def test_misspelt_top_level_key(tmp_path: Path) -> None:
    """`topic:` instead of `topics:` is caught at line 1 with the right name suggested."""
    path = _write(tmp_path, "a.yaml", "topic:\n  - id: a\n")
    problems = check_knowledge(path)
    assert str(problems[0]).endswith(
        "a.yaml:1:1: topic: unknown field 'topic', did you mean 'topics'?"
    )


def test_cross_references_in_findings_and_ask_for(tmp_path: Path) -> None:
    """Dangling finding topics and ask_for topics, duplicate codes, and references to an
    out-of-scope subject where a topic is needed are all errors."""
    _write(
        tmp_path,
        "faq.yaml",
        """\
        topics:
          - id: ping-not-working
            title: Ping
            answer: Check the firewall.
            questions: [cant ping]
            keywords: [ping]
            see_also: [moons]
        out_of_scope:
          - id: moons
            title: Moons
            questions: [how do i make a moon]
            keywords: [moon]
          - id: moons
            title: Moons again
            questions: [orbit a moon]
            keywords: [orbit]
        """,
    )
    _write(
        tmp_path,
        "diagnosis.yaml",
        """\
        findings:
          - code: peer-relayed
            severity: warning
            summary: Relayed.
            explanation: Relayed.
            topics: [high-latency]
          - code: peer-relayed
            severity: info
            summary: Again.
            explanation: Again.
        ask_for:
          - commands: [peers]
            topics: [ping-not-working, slow-links]
        """,
    )
    found = {(Path(p.file).name, p.line, p.field): p.message for p in check_knowledge(tmp_path)}
    assert found == {
        ("diagnosis.yaml", 6, "findings[0].topics[0]"): "unknown topic id 'high-latency'",
        ("diagnosis.yaml", 7, "findings[1].code"): "duplicate finding code 'peer-relayed'",
        ("diagnosis.yaml", 13, "ask_for[0].topics[1]"): "unknown topic id 'slow-links'",
        ("faq.yaml", 7, "topics[0].see_also[0]"): (
            "'moons' is an out-of-scope subject, not a topic: it is never shown"
        ),
        ("faq.yaml", 13, "out_of_scope[1].id"): (
            f"duplicate topic id 'moons' (first in {tmp_path / 'faq.yaml'})"
        ),
    }


def test_collision_with_an_out_of_scope_question(tmp_path: Path) -> None:
    """A topic question nearly equal to an out-of-scope one is a warning that names both."""
    text = """\
    topics:
      - id: updating
        title: Updating
        answer: Download the installer.
        questions: ["How do I set up a moon?"]
        keywords: [update]
    out_of_scope:
      - id: moons
        title: Moons
        questions: [how do i set up a moon]
        keywords: [moon]
    """
    (problem,) = check_knowledge(_write(tmp_path, "faq.yaml", text))
    assert (problem.line, problem.field, problem.severity) == (
        10,
        "out_of_scope[0].questions[0]",
        "warning",
    )
    assert "topic 'updating'" in problem.message
    assert "faq.yaml:5)" in problem.message


def test_tests_file_is_checked_too(tmp_path: Path) -> None:
    """A tests.yaml with an unknown field and a dangling topic is reported by the check."""
    _write(
        tmp_path,
        "faq.yaml",
        "topics:\n  - id: a\n    title: A\n    answer: x\n    questions: [q]\n    keywords: [k]\n",
    )
    _write(tmp_path, "tests.yaml", "- q: hello\n  topik: a\n- q: hi\n  topic: b\n")
    messages = [str(p).split("tests.yaml:")[1] for p in check_knowledge(tmp_path)]
    assert messages == [
        "1:3: [0].topic: required field is missing",
        "2:3: [0].topik: unknown field 'topik', did you mean 'topic'?",
        "4:3: [1].topic: unknown topic id 'b'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain text with **bold** and `code`.", []),
        ("## Steps\nDo this.", [(0, 0, "Markdown heading")]),
        ("Intro\n\n| a | b |\n|---|---|\n| 1 | 2 |", [(2, 0, "Markdown table")]),
        ("Break<br>here", [(0, 5, "raw HTML '<br>'")]),
        ("See ![diagram](https://example.com/d.png)", [(0, 4, "Markdown image")]),
        ("Run this:\n```\nzerotier-cli info\n", [(1, 0, "code fence ``` is never closed")]),
        ("This is **important.\n\nNext paragraph.", [(0, 8, "unbalanced '**'")]),
        ("```\n# a shell comment\n<div> | --- | --- |\n```", []),
        ("Placeholders like <ztaddr> and `<br>` are fine.", []),
    ],
)
def test_markdown_that_chat_platforms_render_badly(
    text: str, expected: list[tuple[int, int, str]]
) -> None:
    """Headings, tables, HTML, images, open fences and lone `**` are found; code is skipped."""
    found = markdown_problems(text)
    assert [(row, col) for row, col, _ in found] == [(row, col) for row, col, _ in expected]
    for (_, _, message), (_, _, fragment) in zip(found, expected, strict=True):
        assert message.startswith(fragment)


def test_markdown_position_in_a_quoted_scalar(tmp_path: Path) -> None:
    """A problem inside a one-line quoted answer points at its column in the file."""
    text = """\
    findings:
      - code: a
        severity: info
        summary: "Line one<br>two"
        explanation: Fine.
    """
    problems = check_knowledge(_write(tmp_path, "diagnosis.yaml", text))
    (problem,) = [p for p in problems if p.severity == "warning"]
    assert (problem.line, problem.column, problem.field) == (4, 23, "findings[0].summary")


def test_missing_path_and_not_a_mapping(tmp_path: Path) -> None:
    """A missing path, a list at the top and a file without topics are each one clear error."""
    assert [str(p) for p in check_knowledge(tmp_path / "nope")] == [
        f"{tmp_path / 'nope'}: no such file or directory"
    ]
    (problem,) = check_knowledge(_write(tmp_path / "a", "list.yaml", "- a\n- b\n"))
    assert problem.message == "the file must be a mapping with a 'topics' list"
    (problem,) = check_knowledge(_write(tmp_path / "b", "empty.yaml", "findings: []\n"))
    assert problem.message == "the knowledge base has no topics"


# --- root causes first ------------------------------------------------------------------------

REAL = Path(__file__).resolve().parents[3] / "knowledge"


def _copy_real(tmp_path: Path, faq: str) -> Path:
    for source in REAL.glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "faq.yaml").write_text(faq, encoding="utf-8")
    return tmp_path


def _with_syntax_error() -> str:
    lines = (REAL / "faq.yaml").read_text(encoding="utf-8").splitlines()
    return "\n".join([*lines[:30], "  bad: [unclosed", *lines[30:]]) + "\n"


@pytest.mark.parametrize(
    ("faq", "first"),
    [("", "faq.yaml: the file is empty"), (_with_syntax_error(), "faq.yaml:31:3: YAML syntax")],
)
def test_a_faq_that_does_not_load_is_the_one_error(tmp_path: Path, faq: str, first: str) -> None:
    """The knock-on 'unknown topic id' errors in diagnosis.yaml are counted, not listed."""
    problems = [p for p in check_knowledge(_copy_real(tmp_path, faq)) if p.severity == "error"]
    assert len(problems) == 1
    shown = str(problems[0])
    assert shown.startswith(f"{tmp_path}/{first}")
    assert "unknown-id error(s) in diagnosis.yaml follow from this file" in shown


def test_a_real_typo_elsewhere_is_still_reported(tmp_path: Path) -> None:
    """A reference to an id the broken file does not mention is not a knock-on error."""
    kdir = _copy_real(tmp_path, _with_syntax_error())
    diagnosis = (kdir / "diagnosis.yaml").read_text(encoding="utf-8")
    (kdir / "diagnosis.yaml").write_text(
        diagnosis.replace("[router-configuration,", "[router-configuraton,", 1), encoding="utf-8"
    )
    problems = [p for p in check_knowledge(kdir) if p.severity == "error"]
    assert [Path(p.file).name for p in problems] == ["faq.yaml", "diagnosis.yaml"]
    assert "unknown topic id 'router-configuraton'" in problems[1].message


def test_every_error_names_its_file(tmp_path: Path) -> None:
    problems = check_knowledge(_copy_real(tmp_path, ""))
    assert problems and all(Path(p.file).name.endswith(".yaml") for p in problems)
