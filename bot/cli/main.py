"""The `ztbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import __version__
from bot.adapters import console
from bot.base.errors import ConfigError, KnowledgeError
from bot.base.settings import Settings, parse_duration
from bot.cli.kb import add_kb_parser, run_kb
from bot.core.engine import Engine
from bot.core.render import to_diagnose_json
from bot.knowledge import load_knowledge
from bot.knowledge.loader import default_knowledge_path
from bot.reports.usage import build_report, render_report
from bot.runtime.gate import release_gate
from bot.runtime.reload import KnowledgeReloader, install_sighup, read_sources
from bot.runtime.replicas import ReplicaSync
from bot.runtime.service import SupportService
from bot.store import Store, open_store
from bot.store.db import current, downgrade, make_engine, upgrade
from bot.store.privacy import load_or_create_salt

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
        help="knowledge directory or file (default: $ZTBOT_KNOWLEDGE_DIR, else ./knowledge)",
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
    sub.add_parser(
        "serve", help="run the bot on every configured chat platform, with health and metrics"
    )
    cfg = sub.add_parser("config", help="the effective settings")
    cfgsub = cfg.add_subparsers(dest="config_command", metavar="ACTION", parser_class=_Parser)
    cfgsub.required = True
    cfgsub.add_parser("show", help="print every setting as NAME=value, secrets masked")

    dbp = sub.add_parser("db", help="database migrations and retention")
    dbsub = dbp.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser)
    dbsub.required = True
    up = dbsub.add_parser("upgrade", help="apply migrations (default: to the newest)")
    up.add_argument("revision", nargs="?", default="head")
    down = dbsub.add_parser("downgrade", help="revert migrations to REVISION ('base' = empty)")
    down.add_argument("revision")
    dbsub.add_parser("current", help="print the schema revision of the database")
    prune = dbsub.add_parser("prune", help="delete turns and conversations older than a cut-off")
    prune.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 90d, 12w, 36h")

    rep = sub.add_parser("report", help="what users asked, what helped, what went unanswered")
    rep.add_argument("--since", default="7d", metavar="AGE", help="window start (default: 7d)")
    rep.add_argument("--groups", type=int, default=20, help="groups shown per list (default 20)")
    rep.add_argument("--json", action="store_true", help="print one JSON object")

    diag = sub.add_parser(
        "diagnose", help="diagnose pasted zerotier-cli output (a file, or - for stdin)"
    )
    diag.add_argument("file", nargs="?", default="-", help="file to read (default: stdin)")
    diag.add_argument("--json", action="store_true", help="print one JSON object")
    diag.add_argument(
        "--strict", action="store_true", help="exit 1 when no command output is found"
    )
    add_kb_parser(sub)
    dc = sub.add_parser("discord", help="Discord administration")
    dcsub = dc.add_subparsers(dest="discord_command", metavar="ACTION", parser_class=_Parser)
    dcsub.required = True
    dsync = dcsub.add_parser("sync", help="register the slash commands (globally or in one guild)")
    dsync.add_argument("--guild", type=int, metavar="ID", help="only this guild (instant)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ztbot` console script."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`ztbot ask --jsonl < questions | head`): stop quietly, as
        # Unix tools do, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on usage errors and --help; return its code
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        sys.stderr.write(f"ztbot: {exc}\n")
        return EXIT_USAGE
    if args.knowledge is None:  # ZTBOT_KNOWLEDGE_DIR (or the config file) when no --knowledge
        args.knowledge = settings.knowledge_dir
    if args.command == "config":
        return _config_show(settings)
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "db":
        return _db(args, settings)
    if args.command == "kb":
        return run_kb(args, args.knowledge)
    if args.command == "discord":
        return _discord_sync(args, settings)
    if args.command == "report":
        return _report(args, settings)
    try:
        engine = Engine(load_knowledge(args.knowledge))
    except KnowledgeError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"ztbot: {problem}\n")
        return EXIT_USAGE
    if args.command == "diagnose":
        return _diagnose(engine, args)
    path = args.knowledge or default_knowledge_path()
    service = _service(engine, settings, path)
    try:
        if args.command == "chat":
            return _chat(service, path)
        return _ask(service, args)
    finally:
        if not service.close(timeout=10.0):
            left = service.store.writer.pending if service.store else 0
            sys.stderr.write(f"ztbot: the database is unavailable; {left} turn(s) not saved\n")


def _config_show(settings: Settings) -> int:
    """Every effective setting as NAME=value (secrets masked), and where the file came from."""
    path = os.environ.get("ZTBOT_CONFIG")
    source = f"{path} (from ZTBOT_CONFIG)" if path else "none (set ZTBOT_CONFIG to use one)"
    sys.stdout.write(f"# config file: {source}\n")
    sys.stdout.write("# the environment overrides the file\n")
    for name, value in settings.shown().items():
        sys.stdout.write(f"{name}={value}\n")
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chat front ends, health and metrics until SIGTERM."""
    from bot.cli.serve import serve  # noqa: PLC0415
    from bot.runtime.logs import setup_logging  # noqa: PLC0415  (only the server needs these)

    handler = setup_logging(settings)
    try:
        return asyncio.run(serve(settings, knowledge=args.knowledge))
    finally:
        # main() also runs in-process (tests, embedding): leave no handler on a stream
        # that may be closed after we return.
        logging.getLogger().removeHandler(handler)


def _chat(service: SupportService, path: Path) -> int:
    """A chat that follows knowledge edits: file watching, SIGHUP, /reload, other replicas."""
    reloader = KnowledgeReloader(
        path, service.engine, gate=release_gate, on_swap=service.swap_engine
    )
    reloader.start_watching()
    install_sighup(reloader)
    sync = ReplicaSync(service.store, reloader) if service.store is not None else None
    if sync is not None:
        sync.start()
    try:
        return console.chat(service, inp=sys.stdin, out=sys.stdout, user=_user(), reloader=reloader)
    finally:
        reloader.stop()
        if sync is not None:
            sync.stop()


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "console"


def _service(engine: Engine, settings: Settings, path: Path) -> SupportService:
    """The service, with logging to the database when one is configured and reachable."""
    salt = settings.secret("user_salt") or ""
    store = None
    if settings.database_url is not None:
        try:
            salt = salt or load_or_create_salt(settings.data_dir)
            store = open_store(settings.database_url, capacity=settings.buffer_size)
        except (SQLAlchemyError, OSError) as exc:
            sys.stderr.write(f"ztbot: not logging this session: database unavailable ({exc})\n")
    service = SupportService(engine, settings, store=store, salt=salt)
    service.knowledge_loaded("console", read_sources(path) if store is not None else None)
    return service


def _report(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url is None:
        return _usage("ZTBOT_DATABASE_URL is disabled: there is nothing to report")
    try:
        age = parse_duration(args.since)
    except ValueError as exc:
        return _usage(f"--since: {exc}")
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            report = build_report(
                session,
                since=datetime.now(UTC) - timedelta(seconds=age),
                max_groups=max(1, args.groups),
            )
    except (SQLAlchemyError, AlembicError) as exc:
        sys.stderr.write(f"ztbot: database error: {exc.__class__.__name__}: {exc}\n")
        return EXIT_USAGE
    finally:
        engine.dispose()
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
    else:
        sys.stdout.write(render_report(report) + "\n")
    return EXIT_OK


def _db(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url is None:
        return _usage("ZTBOT_DATABASE_URL is disabled")
    engine = make_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            upgrade(engine, args.revision)
            sys.stdout.write(f"database at revision {current(engine)}\n")
        elif args.db_command == "downgrade":
            downgrade(engine, args.revision)
            sys.stdout.write(f"database at revision {current(engine) or 'base (empty)'}\n")
        elif args.db_command == "current":
            sys.stdout.write(f"{current(engine) or 'base (empty)'}\n")
        else:
            try:
                age = parse_duration(args.older_than)
            except ValueError as exc:
                return _usage(f"--older-than: {exc}")
            upgrade(engine)
            cutoff = datetime.now(UTC) - timedelta(seconds=age)
            store = Store(engine)
            counts = store.prune(cutoff)
            store.close()
            done = ", ".join(f"{n} {table}" for table, n in counts.items())
            sys.stdout.write(f"deleted older than {cutoff:%Y-%m-%d %H:%M} UTC: {done}\n")
    except (SQLAlchemyError, AlembicError) as exc:
        sys.stderr.write(f"ztbot: database error: {exc.__class__.__name__}: {exc}\n")
        return EXIT_USAGE
    finally:
        engine.dispose()
    return EXIT_OK


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
        sys.stdout.write(console.render(reply, sys.stdout) + "\n")
    return EXIT_NOTHING if args.strict and not reply.outputs and not reply.findings else EXIT_OK


def _discord_sync(args: argparse.Namespace, settings: Settings) -> int:
    """`ztbot discord sync`: register the slash commands now, rather than on every start."""
    import discord  # noqa: PLC0415  (only this command and the server need discord.py)

    from bot.adapters.discord_client import sync_commands  # noqa: PLC0415

    try:
        names = asyncio.run(sync_commands(settings, args.guild))
    except ConfigError as exc:
        return _usage(str(exc))
    except discord.HTTPException as exc:
        sys.stderr.write(f"ztbot: Discord refused the sync: {exc.status} {exc.text}\n")
        return EXIT_USAGE
    where = f"guild {args.guild}" if args.guild is not None else "every guild (global)"
    sys.stdout.write(f"synced {len(names)} commands to {where}: {', '.join(names)}\n")
    return EXIT_OK


def _usage(message: str) -> int:
    sys.stderr.write(f"ztbot: error: {message} (see --help)\n")
    return EXIT_USAGE


def _ask(service: SupportService, args: argparse.Namespace) -> int:
    if args.jsonl:
        if args.text:
            return _usage("--jsonl reads questions from stdin; do not pass TEXT")
        replies = console.ask_batch(service, sys.stdin, sys.stdout, user=_user())
        abstained = any(r.topic is None for r in replies)
        return EXIT_NOTHING if args.strict and abstained else EXIT_OK
    text = " ".join(args.text)
    if not text:
        if sys.stdin.isatty():
            return _usage('give a question, e.g. ztbot ask "ping doesn\'t work on windows"')
        text = sys.stdin.read()
    if not text.strip():
        return _usage("the question is empty")
    reply = console.ask(service, text, as_json=args.json, out=sys.stdout, user=_user())
    return EXIT_NOTHING if args.strict and reply.topic is None else EXIT_OK
