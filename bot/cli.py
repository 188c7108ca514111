"""The `ztbot` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.adapters import console
from bot.engine import Engine
from bot.errors import KnowledgeError
from bot.knowledge import load_knowledge
from bot.render import to_diagnose_json

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2
MAX_INPUT_BYTES = 1_000_000  # a paste larger than this is not a terminal paste any more


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2), as the CLI contract asks."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    parser = _Parser(
        prog="ztbot",
        description="A support bot for ZeroTier users. Runs in the terminal without chat tokens.",
    )
    parser.add_argument("--version", action="version", version=f"ztbot {__version__}")
    parser.add_argument(
        "--knowledge",
        type=Path,
        metavar="PATH",
        help="knowledge directory or file (default: $ZTBOT_KNOWLEDGE or ./knowledge)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ask = sub.add_parser("ask", help="answer one question (or a batch with --jsonl)")
    ask.add_argument("text", nargs="*", help="the question; read from stdin when omitted")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument(
        "--jsonl", action="store_true", help="read one question per stdin line, print JSON lines"
    )
    ask.add_argument(
        "--strict", action="store_true", help="exit 1 when the bot abstains (no topic)"
    )

    sub.add_parser("chat", help="an interactive session that keeps the conversation context")

    diag = sub.add_parser(
        "diagnose", help="diagnose pasted zerotier-cli output (a file, or - for stdin)"
    )
    diag.add_argument("file", nargs="?", default="-", help="file to read (default: stdin)")
    diag.add_argument("--json", action="store_true", help="print one JSON object")
    diag.add_argument(
        "--strict", action="store_true", help="exit 1 when no command output is found"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ztbot` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on usage errors and --help; return its code
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        engine = Engine(load_knowledge(args.knowledge))
    except KnowledgeError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"ztbot: {problem}\n")
        return EXIT_USAGE
    if args.command == "chat":
        return console.chat(engine, inp=sys.stdin, out=sys.stdout)
    if args.command == "diagnose":
        return _diagnose(engine, args)
    return _ask(engine, args)


def _read_limited(name: str) -> str:
    """Read a file or stdin as text, at most MAX_INPUT_BYTES; undecodable bytes become U+FFFD."""
    if name == "-":
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        with open(name, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    if len(raw) > MAX_INPUT_BYTES:
        sys.stderr.write(
            f"ztbot: input is larger than {MAX_INPUT_BYTES:,} bytes; "
            f"only the first {MAX_INPUT_BYTES:,} are read\n"
        )
        raw = raw[:MAX_INPUT_BYTES]
    return raw.decode("utf-8", errors="replace")


def _diagnose(engine: Engine, args: argparse.Namespace) -> int:
    try:
        text = _read_limited(args.file)
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror}")
    reply = engine.diagnose(text)
    if args.json:
        sys.stdout.write(json.dumps(to_diagnose_json(reply)) + "\n")
    else:
        sys.stdout.write(console.render(reply) + "\n")
    return EXIT_NOTHING if args.strict and not reply.outputs and not reply.findings else EXIT_OK


def _usage(message: str) -> int:
    sys.stderr.write(f"ztbot: error: {message} (see --help)\n")
    return EXIT_USAGE


def _ask(engine: Engine, args: argparse.Namespace) -> int:
    if args.jsonl:
        if args.text:
            return _usage("--jsonl reads questions from stdin; do not pass TEXT")
        replies = console.ask_batch(engine, sys.stdin, sys.stdout)
        abstained = any(r.topic is None for r in replies)
        return EXIT_NOTHING if args.strict and abstained else EXIT_OK
    text = " ".join(args.text)
    if not text:
        if sys.stdin.isatty():
            return _usage('give a question, e.g. ztbot ask "ping doesn\'t work on windows"')
        text = sys.stdin.read()
    if not text.strip():
        return _usage("the question is empty")
    reply = console.ask(engine, text, as_json=args.json, out=sys.stdout)
    return EXIT_NOTHING if args.strict and reply.topic is None else EXIT_OK
