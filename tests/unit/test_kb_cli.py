"""`ztbot kb check|test|show|search`: output, formats and exit codes."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from bot.cli.kb import _failure_line
from bot.cli.main import main
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import KnowledgeBase
from bot.runtime.selftest import SelfTestFailure

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"

GOOD = """\
topics:
  - id: updating
    title: How do I update ZeroTier?
    answer: Download the new installer.
    questions: ["how do i update zerotier"]
    keywords: [update, upgrade]
"""


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _kdir(tmp_path: Path, faq: str = GOOD, tests: str | None = None) -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    (directory / "faq.yaml").write_text(textwrap.dedent(faq), encoding="utf-8")
    if tests is not None:
        (directory / "tests.yaml").write_text(textwrap.dedent(tests), encoding="utf-8")
    return directory


def test_check_shipped_knowledge_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped knowledge has no errors; the summary line counts errors and warnings."""
    code, out, _ = _run(["kb", "check", str(KNOWLEDGE)], capsys)
    assert code == 0
    assert out.splitlines()[-1].startswith("0 errors, ")


def test_check_errors_exit_2_with_every_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each problem is one `file:line:col: field: message` line, then the summary; exit 2."""
    broken = (
        GOOD.replace("    answer: Download", "    anwser: Download") + "    see_also: [nowhere]\n"
    )
    kdir = _kdir(tmp_path, broken)
    (kdir / "more.yaml").write_text("topics: [\n", encoding="utf-8")
    code, out, _ = _run(["--knowledge", str(kdir), "kb", "check"], capsys)
    lines = out.splitlines()
    syntax = f"{kdir / 'more.yaml'}:2:1: YAML syntax error: "
    assert lines[0].startswith(syntax)  # the root cause first
    # more.yaml names no ids, so the dangling 'nowhere' may well be defined there: left out.
    assert lines[0].endswith(
        "(1 unknown-id error(s) in faq.yaml follow from this file not loading and are not "
        "listed; fix this first)"
    )
    lines[0] = syntax + "<PyYAML's words>"
    assert code == 2
    assert lines == [
        f"{kdir / 'more.yaml'}:2:1: YAML syntax error: <PyYAML's words>",
        f"{kdir / 'faq.yaml'}:2:5: topics[0].answer: required field is missing",
        f"{kdir / 'faq.yaml'}:4:5: topics[0].anwser: unknown field 'anwser', "
        "did you mean 'answer'?",
        "3 errors, 0 warnings",
    ]


def test_check_strict_fails_on_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Warnings alone exit 0, or 1 with --strict; they are marked as warnings."""
    kdir = _kdir(tmp_path, GOOD.replace("Download the new installer.", "'## Steps'"))
    code, out, _ = _run(["kb", "check", str(kdir)], capsys)
    assert code == 0
    assert out.splitlines()[0].endswith("(warning)")
    assert out.splitlines()[-1] == "0 errors, 1 warning"
    assert _run(["kb", "check", "--strict", str(kdir)], capsys)[0] == 1


def test_kb_test_passes_on_shipped_knowledge(capsys: pytest.CaptureFixture[str]) -> None:
    """`kb test` runs every example and prints `passed N/N`; exit 0."""
    code, out, _ = _run(["kb", "test", str(KNOWLEDGE)], capsys)
    total = out.split("/")[-1].strip()
    assert code == 0
    assert out.strip() == f"passed {total}/{total}"


def test_kb_test_failures_exit_1_and_say_what_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing tests.yaml case is printed with what the bot did instead; exit 1."""
    kdir = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kdir)
    (kdir / "tests.yaml").write_text(
        "- q: what ports does zerotier use\n  topic: updating\n"
        "- q: how do I set up a moon\n  topic: ping-not-working\n",
        encoding="utf-8",
    )
    code, out, _ = _run(["kb", "test", str(kdir)], capsys)
    assert code == 1
    assert f'FAIL {kdir / "tests.yaml"}:1: "what ports does zerotier use"' in out
    assert "expected updating, got ports-used" in out
    assert "expected ping-not-working, got no answer" in out
    assert out.splitlines()[-1].startswith("passed ")


def test_kb_test_broken_tests_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid tests.yaml is a knowledge error (exit 2) with file:line on stderr."""
    kdir = _kdir(tmp_path, tests="- q: hi\n  topic: nowhere\n")
    code, out, err = _run(["kb", "test", str(kdir)], capsys)
    assert code == 2
    assert out == ""
    assert f"{kdir / 'tests.yaml'}:2: [0].topic: unknown topic id 'nowhere'" in err


def test_kb_test_broken_knowledge_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A knowledge base that does not load cannot be tested: exit 2, problems on stderr."""
    kdir = _kdir(tmp_path, GOOD.replace("keywords: [update, upgrade]", "keywords: [update"))
    code, _, err = _run(["kb", "test", str(kdir)], capsys)
    assert code == 2
    assert "YAML syntax error" in err
    assert "kb check" in err


def test_show_renders_the_answer_for_an_os(capsys: pytest.CaptureFixture[str]) -> None:
    """`kb show ID --os` prints the plain-text answer a user of that OS gets."""
    code, out, _ = _run(
        ["--knowledge", str(KNOWLEDGE), "kb", "show", "ping-not-working", "--os", "windows"],
        capsys,
    )
    assert code == 0
    assert out.startswith("Ping is not working › Windows\n")
    assert "Enable Rule" in out
    assert "**" not in out


def test_show_section_and_overview(capsys: pytest.CaptureFixture[str]) -> None:
    """`--section` picks a section; without one a topic with sections shows its overview."""
    base = ["--knowledge", str(KNOWLEDGE), "kb", "show", "service-not-running"]
    _, out, _ = _run([*base, "--section", "still-doesnt-work"], capsys)
    assert out.startswith("Error: Cannot connect to ZeroTier service")
    assert "› Still doesn't work?" in out.splitlines()[0]
    _, out, _ = _run(base, capsys)
    assert "›" not in out.splitlines()[0]
    assert "Tell me which one you use" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ping-not-workin"],
            "unknown topic id 'ping-not-workin', did you mean 'ping-not-working'?",
        ),
        (["ping-not-working", "--section", "linx"], "has no section 'linx', did you mean 'linux'?"),
        (["bridging"], "'bridging' is an out-of-scope subject"),
    ],
)
def test_show_unknown_ids_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unknown topics and sections are one line on stderr with a suggestion; exit 2."""
    code, out, err = _run(["--knowledge", str(KNOWLEDGE), "kb", "show", *args], capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.splitlines()) == 1


def test_answer_topic_is_what_a_user_gets(kb: KnowledgeBase) -> None:
    """Engine.answer_topic gives the same body and heading as asking the question."""
    engine = Engine(kb)
    shown = engine.answer_topic("ping-not-working", "windows")
    asked = engine.respond(Incoming("ping doesnt work on win11"))
    assert (shown.topic, shown.section, shown.heading, shown.body) == (
        asked.topic,
        asked.section,
        asked.heading,
        asked.body,
    )
    assert engine.answer_topic("ping-not-working", os_name="macos").section == "macos"
    with pytest.raises(KeyError):
        engine.answer_topic("ping-not-working", "solaris")


def test_search_prints_an_aligned_table(capsys: pytest.CaptureFixture[str]) -> None:
    """`kb search` says what the bot would do, then ranks candidates with scores."""
    code, out, _ = _run(
        ["--knowledge", str(KNOWLEDGE), "kb", "search", "ping", "doesnt", "work", "on", "win11"],
        capsys,
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("answers from ping-not-working › windows (confidence ")
    header, first = lines[2], lines[3]
    assert header.split() == ["#", "score", "topic", "section", "title"]
    assert first.split()[2:4] == ["ping-not-working", "windows"]
    assert header.index("topic") == first.index("ping-not-working")
    assert header.index("section") == first.index("windows")


def test_search_json_reports_abstention_and_the_uncovered_subject(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`kb search --json` prints one object: abstains, uncovered subject, candidates."""
    code, out, _ = _run(
        ["--knowledge", str(KNOWLEDGE), "kb", "search", "--json", "how do I set up a moon"],
        capsys,
    )
    data = json.loads(out)
    assert code == 0
    assert (data["kind"], data["topic"], data["abstains"], data["uncovered"]) == (
        "abstain",
        None,
        True,
        "moons-and-roots",
    )
    assert all({"topic", "section", "title", "score"} <= set(c) for c in data["candidates"])


def test_search_text_for_an_uncovered_subject(capsys: pytest.CaptureFixture[str]) -> None:
    """The plain verdict names the uncovered subject the bot recognised."""
    _, out, _ = _run(
        ["--knowledge", str(KNOWLEDGE), "kb", "search", "how do I set up a moon"], capsys
    )
    assert out.startswith("abstains: recognised the uncovered subject moons-and-roots")


def test_kb_without_an_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`ztbot kb` alone exits 2 with a one-line error."""
    code, _, err = _run(["kb"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


NEAR_MISS = """\
topics:
  - id: ports-used
    title: What ports does ZeroTier use?
    answer: UDP 9993 and two random ports.
    questions: ["what ports does zerotier use", "which udp port does zerotier listen on"]
    keywords: [port, ports, udp, "9993"]
    near_misses:
      - "which udp port does zerotier listen on"
      - "how do i change the port zerotier listens on"
"""


def test_check_rejects_a_near_miss_that_repeats_its_topic_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A near miss equal to its own topic's example can never pass: an error at its line."""
    kdir = _kdir(tmp_path, NEAR_MISS)
    code, out, _ = _run(["kb", "check", str(kdir)], capsys)
    assert code == 2
    assert f"{kdir / 'faq.yaml'}:8:9: topics[0].near_misses[0]: near miss is nearly the same" in out


def test_kb_test_runs_near_misses_as_must_not_answer_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each near miss is a case that must not be answered with its topic; a failure says so."""
    kdir = _kdir(tmp_path, NEAR_MISS)
    code, out, _ = _run(["kb", "test", str(kdir)], capsys)
    assert code == 1  # the question that is both an example and a near miss cannot pass
    assert '"which udp port does zerotier listen on"' in out
    assert out.splitlines()[-1] == "passed 3/4"
    code, out, _ = _run(["kb", "test", str(KNOWLEDGE)], capsys)
    assert code == 0


def test_a_near_miss_failure_says_which_topic_must_not_answer(kb: KnowledgeBase) -> None:
    """The failure line names the topic the near miss must not be answered with."""
    failure = SelfTestFailure(
        "how do i change the port",
        None,
        None,
        "ports-used",
        None,
        "faq.yaml",
        "answer",
        "ports-used",
    )
    line = _failure_line(kb, failure)
    assert "expected anything but an answer from ports-used (a near miss), got ports-used" in line
