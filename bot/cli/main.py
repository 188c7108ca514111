"""The `ztbot` command line.

Start-up time matters for one-shot commands: only what every command needs is imported here;
SQLAlchemy, Alembic, the chat SDKs, prompt_toolkit and the engine load inside the command
that uses them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from bot import __version__
from bot.cli.errors import (
    DEBUG_HINT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    database_problem,
    one_line,
)
from bot.cli.kb import add_kb_parser

if TYPE_CHECKING:
    from bot.base.settings import Settings
    from bot.core.engine import Engine
    from bot.runtime.assemble import Runtime
    from bot.runtime.service import SupportService
    from bot.store import Store
    from bot.store.records import Record

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
        "--debug",
        action="store_true",
        help="on an error, print the full traceback (and log at DEBUG level in serve)",
    )
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
    rep.add_argument("--html", metavar="FILE", help="write a self-contained HTML page (- = stdout)")

    diag = sub.add_parser(
        "diagnose",
        help="diagnose zerotier-cli output: a text file, - for stdin, a screenshot or a paste link",
    )
    diag.add_argument(
        "file", nargs="?", default="-", help="text or image file, or paste URL (default: stdin)"
    )
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
    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words[: words.index("--")] if "--" in words else "--debug" in words
    try:
        return _main(words)
    except BrokenPipeError:
        # The reader went away (`ztbot ask --jsonl < questions | head`): stop quietly, as
        # Unix tools do, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        sys.stderr.write("\nztbot: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the edge: anything unforeseen is one line unless asked for more
        if debug:
            traceback.print_exc()
        else:
            sys.stderr.write(f"ztbot: error: {one_line(exc)} ({DEBUG_HINT})\n")
        return EXIT_FAILED


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on usage errors and --help; return its code
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from bot.base.errors import ConfigError, KnowledgeError  # noqa: PLC0415
    from bot.base.settings import Settings  # noqa: PLC0415

    try:
        settings = Settings.from_env()
        if args.debug:
            settings = settings.model_copy(update={"log_level": "DEBUG"})
    except ConfigError as exc:
        sys.stderr.write(f"ztbot: {exc}\n")
        return EXIT_USAGE
    if args.knowledge is None:  # ZTBOT_KNOWLEDGE_DIR, the config file, else ./knowledge
        args.knowledge = settings.knowledge_path
    if args.command == "config":
        return _config_show(settings)
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "db":
        return _db(args, settings)
    if args.command == "kb":
        from bot.cli.kb import run_kb  # noqa: PLC0415

        return run_kb(args, args.knowledge)
    if args.command == "discord":
        return _discord_sync(args, settings)
    if args.command == "report":
        return _report(args, settings)
    from bot.cli.index_cache import load_engine  # noqa: PLC0415

    try:
        engine = load_engine(args.knowledge)
    except KnowledgeError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"ztbot: {problem}\n")
        return EXIT_USAGE
    if args.command == "diagnose":
        return _diagnose(engine, args, settings)
    if args.command == "ask" and not args.jsonl:
        return _ask_once(engine, settings, args)
    store, salt = _store(settings)
    if args.command == "chat":
        runtime = _runtime(engine, settings, args.knowledge, store, salt)
        with _saving(runtime.service):
            return _chat(runtime)
    # `ask --jsonl`: no reloading, replicas or desk to start (start-up time).
    service = _ask_service(engine, settings, args.knowledge, store, salt)
    if store is not None:
        service.store = cast("Store", _NewConversations(store))
    with _saving(service):
        return _ask(service, args)


@contextlib.contextmanager
def _saving(service: SupportService) -> Iterator[None]:
    """On the way out, write the buffered turns; say so when the database would not take them."""
    try:
        yield
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
    import asyncio  # noqa: PLC0415
    import logging  # noqa: PLC0415

    from bot.cli.serve import serve  # noqa: PLC0415
    from bot.runtime.logs import setup_logging  # noqa: PLC0415  (only the server needs these)

    handler = setup_logging(settings)
    try:
        return asyncio.run(serve(settings, knowledge=args.knowledge))
    finally:
        # main() also runs in-process (tests, embedding): leave no handler on a stream
        # that may be closed after we return.
        logging.getLogger().removeHandler(handler)


def _chat(runtime: Runtime) -> int:
    """A chat that follows knowledge edits: file watching, SIGHUP, /reload, other replicas."""
    from bot.adapters import console  # noqa: PLC0415
    from bot.runtime.reload import install_sighup  # noqa: PLC0415

    runtime.start()
    install_sighup(runtime.reloader)
    try:
        return console.chat(
            runtime.desk, inp=sys.stdin, out=sys.stdout, user=_user(), reloader=runtime.reloader
        )
    finally:
        runtime.stop()


def _user() -> str:
    import getpass  # noqa: PLC0415

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "console"


def _store(settings: Settings) -> tuple[Store | None, str]:
    """The store when logging is on and the database opens, and the user-id salt."""
    salt = settings.secret("user_salt") or ""
    if settings.database_url is None:
        return None, salt
    from bot.store.privacy import load_or_create_salt  # noqa: PLC0415

    try:
        salt = salt or load_or_create_salt(settings.data_dir)
    except OSError as exc:
        _not_logging(settings, exc)
        return None, salt
    return _open_store(settings), salt


def _open_store(settings: Settings) -> Store | None:
    """The store, migrated; None (said on stderr) when the database does not open."""
    assert settings.database_url is not None
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from bot.store import open_store  # noqa: PLC0415

    try:
        return open_store(settings.database_url, capacity=settings.buffer_size)
    except (SQLAlchemyError, OSError) as exc:
        _not_logging(settings, exc)
        return None


def _not_logging(settings: Settings, exc: BaseException) -> None:
    from bot.base.settings import mask_url  # noqa: PLC0415

    problem = database_problem(exc, mask_url(settings.database_url or ""))
    sys.stderr.write(f"ztbot: not logging this session: {problem}\n")


class _Deferred:
    """Stands in for the store while a one-shot question is answered: its conversation is new,
    so nothing is stored for it yet, and its records are written once the answer is shown."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def submit(self, record: Record) -> None:
        self.records.append(record)

    def context_of(self, key: str) -> tuple[None, None]:
        return None, None

    def answered(self, platform: str, event_id: str) -> None:
        return None


class _NewConversations:
    """The store as `ztbot ask --jsonl` uses it: every question is a conversation of its own
    (a fresh key), so there is no stored context to read before answering; everything else
    goes to the store (one database read less per question)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def context_of(self, key: str) -> tuple[None, None]:
        return None, None

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def _ask_once(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    """`ztbot ask TEXT`: answer first, then open the database and log the turn.

    The answer does not depend on the database (a one-shot question is a conversation of its
    own), so the user is not kept waiting for SQLAlchemy to load and the schema to be checked;
    stdout is closed once the answer is written, so a pipe reader has it at once.
    """
    from bot.runtime.service import SupportService  # noqa: PLC0415

    deferred: _Deferred | None = None
    salt = settings.secret("user_salt") or ""
    if settings.database_url is not None:
        from bot.store.privacy import load_or_create_salt  # noqa: PLC0415

        try:
            salt = salt or load_or_create_salt(settings.data_dir)
            deferred = _Deferred()
        except OSError as exc:
            _not_logging(settings, exc)
    service = SupportService(engine, settings, store=cast("Store | None", deferred), salt=salt)
    try:
        code = _ask(service, args)
    finally:
        if deferred is not None and deferred.records:
            _answered_now()
            _log_turns(service, settings, args.knowledge, deferred.records)
    return code


def _answered_now() -> None:
    """Hand the answer over: flush stdout and, when it is a pipe or a file of this process
    (not a terminal, not a test's capture), close it so the reader sees the end now."""
    out: TextIO = sys.stdout
    out.flush()
    if out is not sys.__stdout__ or out.isatty():
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _log_turns(
    service: SupportService, settings: Settings, path: Path, records: list[Record]
) -> None:
    """Write the knowledge version and the one-shot turn to the database, as `ztbot ask`
    did before answering."""
    store = _open_store(settings)
    if store is None:
        return
    from bot.runtime.reload import read_sources  # noqa: PLC0415  (watchfiles: only then)

    service.store = store
    with _saving(service):
        service.knowledge_loaded("console", read_sources(path))
        for record in records:
            store.submit(record)


def _runtime(
    engine: Engine, settings: Settings, path: Path, store: Store | None, salt: str
) -> Runtime:
    """The runtime `ztbot chat` runs on: the service, reloading, replicas, the desk."""
    from bot.runtime.assemble import assemble  # noqa: PLC0415

    return assemble(
        settings, engine, path, store=store, salt=salt, loaded_by="console", shared=False
    )


def _ask_service(
    engine: Engine, settings: Settings, path: Path, store: Store | None, salt: str
) -> SupportService:
    """Just the service: `ztbot ask` answers and exits, so it loads no file watcher."""
    from bot.runtime.service import SupportService  # noqa: PLC0415

    service = SupportService(engine, settings, store=store, salt=salt)
    sources = None
    if store is not None:
        from bot.runtime.reload import read_sources  # noqa: PLC0415  (watchfiles: only then)

        sources = read_sources(path)
    service.knowledge_loaded("console", sources)
    return service


def _report(args: argparse.Namespace, settings: Settings) -> int:
    import json  # noqa: PLC0415
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    from alembic.util.exc import CommandError as AlembicError  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from bot.base.settings import mask_url, parse_duration  # noqa: PLC0415
    from bot.cli.progress import progress  # noqa: PLC0415
    from bot.reports.usage import build_report, render_report  # noqa: PLC0415
    from bot.store.db import make_engine, upgrade  # noqa: PLC0415

    if settings.database_url is None:
        return _usage("ZTBOT_DATABASE_URL is disabled: there is nothing to report")
    try:
        age = parse_duration(args.since)
    except ValueError as exc:
        return _usage(f"--since: {exc}")
    engine = None
    try:
        engine = make_engine(settings.database_url)
        upgrade(engine)
        with Session(engine) as session, progress("reading the database"):
            report = build_report(
                session,
                since=datetime.now(UTC) - timedelta(seconds=age),
                max_groups=max(1, args.groups),
            )
            if args.html is not None:
                from bot.reports.html import page_for  # noqa: PLC0415  (only --html draws)

                page = page_for(session, report, store_text=settings.store_text)
    except (SQLAlchemyError, AlembicError, OSError) as exc:
        problem = database_problem(exc, mask_url(settings.database_url))
        sys.stderr.write(f"ztbot: error: {problem}\n")
        return EXIT_USAGE
    finally:
        if engine is not None:
            engine.dispose()
    if args.html is not None:
        return _write_html(args.html, page)
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
    else:
        sys.stdout.write(render_report(report) + "\n")
    return EXIT_OK


def _write_html(target: str, page: str) -> int:
    if target == "-":
        sys.stdout.write(page)
        return EXIT_OK
    try:
        Path(target).write_text(page, encoding="utf-8")
    except OSError as exc:
        return _usage(f"--html: cannot write {target}: {exc.strerror or exc}")
    sys.stderr.write(f"ztbot: wrote {target} ({len(page.encode()) // 1024} KiB)\n")
    return EXIT_OK


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    from alembic.util.exc import CommandError as AlembicError  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from bot.base.settings import mask_url, parse_duration  # noqa: PLC0415
    from bot.cli.progress import progress  # noqa: PLC0415
    from bot.store import Store  # noqa: PLC0415
    from bot.store.db import current, downgrade, make_engine, upgrade  # noqa: PLC0415

    if settings.database_url is None:
        return _usage("ZTBOT_DATABASE_URL is disabled")
    engine = None
    try:
        engine = make_engine(settings.database_url)
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
            with progress("deleting old turns"):
                counts = store.prune(cutoff)
            store.close()
            done = ", ".join(f"{n} {table}" for table, n in counts.items())
            sys.stdout.write(f"deleted older than {cutoff:%Y-%m-%d %H:%M} UTC: {done}\n")
    except (SQLAlchemyError, AlembicError, OSError) as exc:
        problem = database_problem(exc, mask_url(settings.database_url))
        sys.stderr.write(f"ztbot: error: {problem}\n")
        return EXIT_USAGE
    finally:
        if engine is not None:
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


def _diagnose(engine: Engine, args: argparse.Namespace, settings: Settings) -> int:
    import json  # noqa: PLC0415

    from bot.adapters import console  # noqa: PLC0415
    from bot.cli.sources import read_source  # noqa: PLC0415  (images and links: load on use)
    from bot.core.render import to_diagnose_json  # noqa: PLC0415

    if args.file == "-" and sys.stdin.isatty():
        # Otherwise the command just waits, and looks hung.
        sys.stderr.write(
            "ztbot: paste the zerotier-cli output, then press Ctrl-D on a new line "
            "(Ctrl-Z then Enter on Windows); or give a file: ztbot diagnose FILE\n"
        )
    try:
        source = read_source(args.file, settings)
        text = source.text if source is not None else _read_limited(args.file)
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror}")
    if source is not None and source.error is not None:
        sys.stderr.write(f"ztbot: {source.error}\n")
        return EXIT_USAGE
    reply = engine.diagnose(text)
    if args.json:
        extra = source.extra if source is not None else {}
        sys.stdout.write(json.dumps({**to_diagnose_json(reply), **extra}) + "\n")
    else:
        note = f"{source.note}\n\n" if source is not None and source.note else ""
        sys.stdout.write(note + console.render(reply, sys.stdout) + "\n")
    return EXIT_NOTHING if args.strict and not reply.outputs and not reply.findings else EXIT_OK


def _discord_sync(args: argparse.Namespace, settings: Settings) -> int:
    """`ztbot discord sync`: register the slash commands now, rather than on every start."""
    import asyncio  # noqa: PLC0415

    import discord  # noqa: PLC0415  (only this command and the server need discord.py)

    from bot.adapters.discord_client import sync_commands  # noqa: PLC0415
    from bot.base.errors import ConfigError  # noqa: PLC0415

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
    from bot.adapters import console  # noqa: PLC0415

    if args.jsonl:
        if args.text:
            return _usage("--jsonl reads questions from stdin; do not pass TEXT")
        from bot.cli.progress import progress  # noqa: PLC0415

        with progress("answering questions") as advance:
            replies = console.ask_batch(
                service, sys.stdin, sys.stdout, user=_user(), on_each=advance
            )
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
