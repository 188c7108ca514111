"""`ztbot kb ...`: tools for the admins who keep the knowledge base.

ztbot kb check [PATH] [--strict]        every problem, file:line:col, exit 2 on errors
ztbot kb test [PATH] [--tests FILE]     examples and tests.yaml through the real engine
ztbot kb show ID [--section S] [--os O] what the bot says for a topic
ztbot kb search TEXT [--json]           where a question lands, with scores
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.base.oses import OS_NAMES

if TYPE_CHECKING:  # the engine and the checks load only for the action that runs
    from bot.core.models import Reply
    from bot.knowledge.model import KnowledgeBase
    from bot.runtime.selftest import SelfTestFailure

EXIT_OK, EXIT_FAILED, EXIT_BROKEN = 0, 1, 2
_CHECK_HINT = "ztbot: `ztbot kb check` lists every problem with its column and a suggestion\n"


def add_kb_parser(sub: argparse._SubParsersAction[Any]) -> None:
    """Add `kb` and its actions to the `ztbot` sub-commands."""
    kb = sub.add_parser("kb", help="check, test and explore the knowledge base (for admins)")
    actions = kb.add_subparsers(dest="kb_command", metavar="ACTION", parser_class=type(kb))
    actions.required = True

    check = actions.add_parser(
        "check", help="validate and lint the knowledge files (exit 2 on errors)"
    )
    check.add_argument("path", nargs="?", type=Path, metavar="PATH", help=_PATH_HELP)
    check.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too (when there are no errors)"
    )

    test = actions.add_parser(
        "test", help="run every example question and tests.yaml case (exit 1 on failures)"
    )
    test.add_argument("path", nargs="?", type=Path, metavar="PATH", help=_PATH_HELP)
    test.add_argument(
        "--tests",
        type=Path,
        metavar="FILE",
        help="admin test cases (default: tests.yaml in the knowledge directory, if any)",
    )

    show = actions.add_parser("show", help="what the bot says for a topic")
    show.add_argument("topic", metavar="ID", help="topic id, e.g. ping-not-working")
    show.add_argument("--section", metavar="S", help="a section id, e.g. windows")
    show.add_argument("--os", choices=OS_NAMES, help="the section a user of this OS gets")

    search = actions.add_parser("search", help="where a question lands, with scores")
    search.add_argument("text", nargs="+", help="the question")
    search.add_argument("--json", action="store_true", help="print one JSON object")


_PATH_HELP = (
    "knowledge directory or file (default: --knowledge, $ZTBOT_KNOWLEDGE_DIR or ./knowledge)"
)


def run_kb(args: argparse.Namespace, knowledge: Path | None, out: TextIO | None = None) -> int:
    """Run one `ztbot kb` action; returns the exit code."""
    from bot.base.errors import KnowledgeError  # noqa: PLC0415
    from bot.base.settings import Settings  # noqa: PLC0415
    from bot.knowledge.loader import load_knowledge  # noqa: PLC0415

    stream = out or sys.stdout
    root = getattr(args, "path", None) or knowledge or Settings().knowledge_path
    if args.kb_command == "check":
        return _check(root, strict=args.strict, out=stream)
    try:
        kb = load_knowledge(root)
    except KnowledgeError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"ztbot: {problem}\n")
        sys.stderr.write(_CHECK_HINT)
        return EXIT_BROKEN
    if args.kb_command == "test":
        return _test(kb, args.tests or _default_tests(root), out=stream)
    if args.kb_command == "show":
        return _show(kb, args.topic, args.section, args.os, out=stream)
    return _search(kb, " ".join(args.text), as_json=args.json, out=stream)


def _default_tests(root: Path) -> Path | None:
    from bot.knowledge.files import TESTS_FILE  # noqa: PLC0415

    tests = root / TESTS_FILE if root.is_dir() else None
    return tests if tests is not None and tests.is_file() else None


def _check(root: Path, *, strict: bool, out: TextIO) -> int:
    from bot.diagnosis.codes import CODES  # noqa: PLC0415
    from bot.knowledge.check import check_knowledge  # noqa: PLC0415

    problems = check_knowledge(root, finding_codes=CODES)
    for problem in problems:
        suffix = " (warning)" if problem.severity == "warning" else ""
        out.write(f"{problem}{suffix}\n")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    out.write(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}\n")
    if errors:
        return EXIT_BROKEN
    return EXIT_FAILED if strict and warnings else EXIT_OK


def _test(kb: KnowledgeBase, tests: Path | None, *, out: TextIO) -> int:
    from bot.base.errors import KnowledgeError  # noqa: PLC0415
    from bot.cli.progress import progress  # noqa: PLC0415
    from bot.runtime.selftest import run_selftest  # noqa: PLC0415

    if tests is not None and not tests.is_file():
        sys.stderr.write(f"ztbot: error: {tests}: no such file (see --help)\n")
        return EXIT_BROKEN
    try:
        with progress("running every example and test case"):
            result = run_selftest(kb, tests)
    except KnowledgeError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"ztbot: {problem}\n")
        sys.stderr.write(_CHECK_HINT)
        return EXIT_BROKEN
    for failure in result.failures:
        out.write(_failure_line(kb, failure) + "\n")
    out.write(f"passed {result.passed}/{result.total}\n")
    return EXIT_OK if result.ok else EXIT_FAILED


def _failure_line(kb: KnowledgeBase, f: SelfTestFailure) -> str:
    expected = _where(f.expected_topic, f.expected_section, empty="no answer")
    if f.avoided is not None:
        expected = f"anything but an answer from {f.avoided} (a near miss)"
    got = _where(f.got_topic, f.got_section, empty="no answer")
    if f.got_kind == "clarify":
        titles = [kb.by_id[f.got_topic].title] if f.got_topic in kb.by_id else []
        got = f"a 'did you mean' question ({', '.join(titles) or 'no clear topic'} first)"
    return f'FAIL {f.source}: "{f.question}"\n     expected {expected}, got {got}'


def _where(topic: str | None, section: str | None, *, empty: str) -> str:
    if topic is None:
        return empty
    return f"{topic} › {section}" if section else topic


def _show(
    kb: KnowledgeBase, topic_id: str, section: str | None, os_name: str | None, *, out: TextIO
) -> int:
    from bot.core.engine import Engine  # noqa: PLC0415
    from bot.core.render import to_plain  # noqa: PLC0415

    if topic_id not in kb.by_id:
        if any(u.id == topic_id for u in kb.uncovered):
            message = f"'{topic_id}' is an out-of-scope subject: the bot abstains on it"
        else:
            message = f"unknown topic id '{topic_id}'" + _hint(topic_id, list(kb.by_id))
        return _usage(message)
    topic = kb.topic(topic_id)
    if section is not None and topic.section(section) is None:
        known = [s.id for s in topic.sections]
        listing = f" (it has: {', '.join(known)})" if known else " (it has no sections)"
        hint = _hint(section, known) or listing
        return _usage(f"topic '{topic_id}' has no section '{section}'{hint}")
    os_arg = next((o for o in OS_NAMES if o == os_name), None)
    reply = Engine(kb).answer_topic(topic_id, section, os_name=os_arg)
    out.write(to_plain(reply) + "\n")
    return EXIT_OK


def _hint(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f", did you mean '{close[0]}'?" if close else ""


def _search(kb: KnowledgeBase, text: str, *, as_json: bool, out: TextIO) -> int:
    from bot.core.engine import Engine  # noqa: PLC0415
    from bot.core.models import Incoming  # noqa: PLC0415

    if not text.strip():
        return _usage("the question is empty")
    engine = Engine(kb)
    reply = engine.respond(Incoming(text))
    if as_json:
        out.write(json.dumps(_search_json(text, reply, kb)) + "\n")
        return EXIT_OK
    out.write(_verdict(reply, kb, engine.matcher.config.floor) + "\n")
    rows = [("#", "score", "topic", "section", "title")]
    rows += [
        (str(n), f"{c.score:.2f}", c.topic, c.section or "-", c.title)
        for n, c in enumerate(reply.candidates, 1)
    ]
    if len(rows) > 1:
        out.write("\n" + _table(rows) + "\n")
    return EXIT_OK


def _verdict(reply: Reply, kb: KnowledgeBase, floor: float) -> str:
    """One line: what the bot would do with the question."""
    if reply.kind in ("answer", "diagnosis") and reply.topic is not None:
        where = _where(reply.topic, reply.section, empty="")
        what = "answers from" if reply.kind == "answer" else "diagnoses the paste, then shows"
        return f"{what} {where} (confidence {reply.confidence:.2f})"
    if reply.kind == "diagnosis":
        return "diagnoses the paste (no FAQ topic follows)"
    if reply.kind == "clarify":
        names = ", ".join(c.topic for c in reply.choices)
        return f"asks 'did you mean ...?' between {names}"
    if reply.kind in ("smalltalk", "help"):
        return f"replies with {reply.kind}, not an FAQ answer"
    if reply.uncovered is not None:
        title = next((u.title for u in kb.uncovered if u.id == reply.uncovered), reply.uncovered)
        return f"abstains: recognised the uncovered subject {reply.uncovered} ({title})"
    if reply.confidence < floor:
        return f"abstains: confidence {reply.confidence:.2f} is below the floor {floor:.2f}"
    pointer = f", pointing to {reply.candidates[0].topic}" if reply.candidates else ""
    return f"abstains: the FAQ does not answer it (answerability){pointer}"


def _search_json(text: str, reply: Reply, kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "text": text,
        "kind": reply.kind,
        "topic": reply.topic,
        "section": reply.section,
        "confidence": round(reply.confidence, 4),
        "abstains": reply.topic is None,
        "uncovered": reply.uncovered,
        "candidates": [
            {"topic": c.topic, "section": c.section, "title": c.title, "score": round(c.score, 4)}
            for c in reply.candidates
        ],
        "knowledge_version": kb.version,
    }


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {0, 1}  # numbers line up on the right
    lines = [
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _usage(message: str) -> int:
    sys.stderr.write(f"ztbot: error: {message}\n")
    return EXIT_BROKEN
