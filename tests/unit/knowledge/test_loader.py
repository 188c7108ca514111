"""Loading knowledge YAML: valid files load, every mistake is reported with file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.base.errors import KnowledgeError
from bot.knowledge import load_knowledge

GOOD_TOPIC = """\
topics:
  - id: ping-not-working
    title: Ping is not working
    answer: Check the firewall.
    questions: ["cant ping"]
    keywords: [ping]
    sections:
      - id: linux
        title: Linux
        os: [linux]
        answer: Read your distribution's docs.
"""


def _write(tmp_path: Path, text: str, name: str = "faq.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(path)
    return info.value.problems


def test_valid_file_loads(tmp_path: Path) -> None:
    """A minimal valid file gives topics, sections and a content hash."""
    kb = load_knowledge(_write(tmp_path, GOOD_TOPIC))
    topic = kb.topic("ping-not-working")
    assert topic.section("linux") is not None
    assert topic.sections[0].os == ("linux",)
    assert len(kb.version) == 12


def test_version_changes_with_content(tmp_path: Path) -> None:
    """Editing the YAML changes the knowledge version."""
    first = load_knowledge(_write(tmp_path, GOOD_TOPIC)).version
    second = load_knowledge(_write(tmp_path, GOOD_TOPIC.replace("firewall", "wall"))).version
    assert first != second


def test_duplicate_section_id_names_file_line_and_field(tmp_path: Path) -> None:
    """The error points at the second section's id line, in the documented format."""
    text = GOOD_TOPIC + ("      - id: linux\n        title: Linux again\n        answer: Twice.\n")
    path = _write(tmp_path, text)
    (problem,) = _problems(path)
    assert problem.endswith(":12: topics[0].sections[1].id: duplicate id 'linux'")
    assert problem.startswith(str(path.name)) or str(path) in problem


def test_unknown_field_is_reported_at_its_line(tmp_path: Path) -> None:
    """A misspelt field is an error on the line where it is written."""
    path = _write(tmp_path, GOOD_TOPIC.replace("    answer: Check", "    anwser: Check"))
    problems = _problems(path)
    assert any(p.endswith(":4: topics[0].anwser: unknown field") for p in problems)
    assert any("topics[0].answer: required field is missing" in p for p in problems)


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    """Broken YAML is reported with the line of the problem, not a traceback."""
    path = _write(tmp_path, GOOD_TOPIC.replace("keywords: [ping]", "keywords: [ping"))
    (problem,) = _problems(path)
    assert "YAML syntax error" in problem
    assert problem.split(":")[1].isdigit()


def test_bad_os_and_dangling_see_also(tmp_path: Path) -> None:
    """An unknown OS name and a see_also to a missing topic are both reported."""
    text = GOOD_TOPIC.replace("os: [linux]", "os: [beos]") + "    see_also: [nowhere]\n"
    problems = _problems(_write(tmp_path, text))
    assert any(":10: topics[0].sections[0].os[0]:" in p for p in problems)
    assert any(":12: topics[0].see_also[0]: unknown topic id 'nowhere'" in p for p in problems)


def test_duplicate_topic_across_files(tmp_path: Path) -> None:
    """The same topic id in two files names the file that had it first."""
    _write(tmp_path, GOOD_TOPIC, "a.yaml")
    _write(tmp_path, GOOD_TOPIC, "b.yaml")
    problems = _problems(tmp_path)
    assert len(problems) == 1
    assert "b.yaml:2: topics[0].id: duplicate topic id 'ping-not-working'" in problems[0]


def test_not_utf8_and_not_a_mapping(tmp_path: Path) -> None:
    """Binary junk and a top-level list are clear errors."""
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"topics:\n  - \xff\xfe\x00")
    assert "not valid UTF-8" in _problems(junk)[0]
    assert "must be a mapping" in _problems(_write(tmp_path, "- a\n- b\n", "list.yaml"))[0]


def test_missing_path(tmp_path: Path) -> None:
    """A path that does not exist is one clear problem."""
    assert "no such file or directory" in _problems(tmp_path / "nope")[0]


def test_out_of_scope_entries_load(tmp_path: Path) -> None:
    """Uncovered subjects load next to topics and share the id space."""
    text = GOOD_TOPIC + (
        "out_of_scope:\n  - id: moons\n    title: Moons\n    questions: [how to make a moon]\n"
        "    keywords: [moon]\n"
    )
    kb = load_knowledge(_write(tmp_path, text))
    assert [u.id for u in kb.uncovered] == ["moons"]
