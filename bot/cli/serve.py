"""`ztbot serve`: every configured platform, health and metrics, in one asyncio process.

Start-up: load and check the knowledge, open the database (migrations run here, under a lock),
start the health listener, then each platform whose credentials are set. SIGTERM or SIGINT
stops the front ends (in-flight replies finish), flushes buffered turns and exits 0.
SIGHUP reloads the knowledge.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol, TextIO

from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.exc import SQLAlchemyError

from bot.base.errors import ConfigError, KnowledgeError
from bot.base.settings import Settings, mask_url
from bot.cli.errors import one_line
from bot.core.engine import Engine
from bot.knowledge import load_knowledge
from bot.runtime.admin import AdminActions
from bot.runtime.assemble import Runtime, assemble
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.health import HealthServer, readiness
from bot.runtime.metrics import Metrics
from bot.runtime.reload import KnowledgeReloader
from bot.runtime.service import SupportService
from bot.store import Store, open_store_or_buffer
from bot.store.privacy import load_or_create_salt

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STOP_TIMEOUT_S: Final = 15.0  # per front end: in-flight replies get this long to finish
FLUSH_TIMEOUT_S: Final = 10.0  # buffered turns; a container runtime kills after ~30 s

NO_CREDENTIALS: Final = """\
ztbot serve: no chat platform is configured. Set at least one of:
  Slack:   SLACK_BOT_TOKEN, and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)
  Discord: DISCORD_TOKEN
(in the environment, or in the file named by ZTBOT_CONFIG; `ztbot config show` lists them all).
To try the bot without a chat platform, run `ztbot chat` in a terminal.
"""


class FrontEnd(Protocol):
    """The shape of SlackFrontEnd and DiscordFrontEnd."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    @property
    def ready(self) -> bool: ...


FrontEndFactory = Callable[[Settings, FrontDesk, AdminActions], FrontEnd]


@dataclass
class Running:
    """What a started `serve` consists of (handed to `on_started`, for tests and embedding)."""

    service: SupportService
    metrics: Metrics
    front_ends: list[FrontEnd]
    health: HealthServer | None
    reloader: KnowledgeReloader
    stop: asyncio.Event

    @property
    def health_port(self) -> int | None:
        """The bound port of the health listener (None when disabled)."""
        return self.health.port if self.health is not None else None


def half_configured(settings: Settings) -> list[str]:
    """One line per platform whose credentials are only partly set (so it would not start)."""
    problems = []
    has = {
        name: getattr(settings, field) is not None
        for name, field in (
            ("SLACK_BOT_TOKEN", "slack_bot_token"),
            ("SLACK_APP_TOKEN", "slack_app_token"),
            ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
        )
    }
    if has["SLACK_BOT_TOKEN"] and not settings.slack_enabled:
        problems.append(
            "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) "
            "as well as SLACK_BOT_TOKEN"
        )
    elif not has["SLACK_BOT_TOKEN"] and (has["SLACK_APP_TOKEN"] or has["SLACK_SIGNING_SECRET"]):
        given = " and ".join(n for n in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET") if has[n])
        problems.append(f"Slack needs SLACK_BOT_TOKEN (the xoxb- token) as well as {given}")
    discord_extras = [
        name
        for name, value in (
            ("DISCORD_SUPPORT_CHANNELS", settings.discord_support_channels),
            ("DISCORD_ESCALATION_CHANNEL", settings.discord_escalation_channel),
            ("DISCORD_ADMIN_ROLE", settings.discord_admin_role),
        )
        if value
    ]
    if discord_extras and not settings.discord_enabled:
        problems.append(
            f"Discord needs DISCORD_TOKEN (the bot token); {', '.join(discord_extras)} "
            "alone does not start it"
        )
    return problems


def _unreachable(exc: BaseException) -> str:
    """Why a platform could not be reached, in one line, with what to check."""
    text = one_line(exc)
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if any(isinstance(e, OSError) for e in chain):
        return f"{text} (check the network, DNS and any proxy; --debug shows the traceback)"
    return f"{text} (--debug shows the traceback)"


def front_end_factories(settings: Settings) -> list[FrontEndFactory]:
    """The front ends whose credentials are set; imported only when used."""
    factories: list[FrontEndFactory] = []
    if settings.slack_enabled:
        from bot.adapters.slack_app import SlackFrontEnd  # noqa: PLC0415  (slack_bolt is heavy)

        factories.append(SlackFrontEnd)
    if settings.discord_enabled:
        from bot.adapters.discord_client import DiscordFrontEnd  # noqa: PLC0415

        factories.append(DiscordFrontEnd)
    return factories


async def serve(
    settings: Settings,
    *,
    knowledge: Path | None = None,
    stop: asyncio.Event | None = None,
    on_started: Callable[[Running], None] | None = None,
    factories: list[FrontEndFactory] | None = None,
    handle_signals: bool = True,
    err: TextIO | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); the exit code.

    `factories` replaces the front ends chosen from the credentials (tests); `handle_signals`
    installs the SIGTERM/SIGINT/SIGHUP handlers (only possible in the main thread).
    """
    err = err if err is not None else sys.stderr
    chosen = factories
    if chosen is None:
        half = half_configured(settings)
        if half:
            for problem in half:
                err.write(f"ztbot serve: {problem}\n")
            return EXIT_USAGE
        if not settings.slack_enabled and not settings.discord_enabled:
            err.write(NO_CREDENTIALS)
            return EXIT_USAGE
        chosen = front_end_factories(settings)
    stop = stop if stop is not None else asyncio.Event()

    path = knowledge or settings.knowledge_path
    try:
        engine = Engine(await asyncio.to_thread(load_knowledge, path))
    except KnowledgeError as exc:
        for problem in exc.problems:
            err.write(f"ztbot: {problem}\n")
        return EXIT_USAGE
    try:
        store, salt = await asyncio.to_thread(_open_store, settings)
    except (SQLAlchemyError, AlembicError, OSError) as exc:
        url = mask_url(settings.database_url or "")
        err.write(f"ztbot: database {url} unavailable: {exc.__class__.__name__}: {exc}\n")
        return EXIT_FAILED

    runtime = assemble(
        settings, engine, path, store=store, salt=salt, loaded_by="serve", shared=True
    )
    service, reloader = runtime.service, runtime.reloader
    metrics = Metrics()
    metrics.install(service)
    try:
        front_ends = [factory(settings, runtime.desk, runtime.admin) for factory in chosen]
    except ConfigError as exc:  # settings that only make sense together, checked by the adapter
        err.write(f"ztbot: error: {exc}\n")
        service.close(FLUSH_TIMEOUT_S)
        return EXIT_USAGE
    metrics.watch(front_ends)
    health = None
    if settings.http_port is not None:
        health = HealthServer(
            settings.http_host,
            settings.http_port,
            checks=lambda: readiness(service, front_ends),
            metrics=metrics,
        )
    running = Running(service, metrics, front_ends, health, reloader, stop)

    loop = asyncio.get_running_loop()
    signals = _install_signals(loop, stop, reloader) if handle_signals else []
    started: list[FrontEnd] = []
    code = EXIT_OK
    try:
        if health is not None:
            await health.start()
        runtime.start()
        for fe in front_ends:
            # Stopped on the way out even when its start fails or is cut short: a half-open
            # client still holds sessions and sockets to close.
            started.append(fe)
            try:
                connected = await _unless_stopped(fe.start(), stop)
            except ConfigError as exc:  # e.g. the platform rejected the token
                log.error("could not start the %s front end: %s", fe.name, exc)
                err.write(f"ztbot: error: {exc}\n")
                code = EXIT_USAGE
                break
            except Exception as exc:  # the edge: any SDK failure at connect ends start-up cleanly
                # One line for the person at the terminal; the traceback at DEBUG (--debug).
                log.error("could not start the %s front end: %s", fe.name, _unreachable(exc))
                log.debug("the %s front end failed with", fe.name, exc_info=True)
                code = EXIT_FAILED
                break
            if not connected:
                log.info("stop requested while starting %s", fe.name)
                break
            log.info("%s front end started", fe.name)
        if code == EXIT_OK and not stop.is_set():
            # Everything loaded so far lives for the whole process: keep the collector from
            # walking the knowledge base's objects on every full collection.
            gc.collect()
            gc.freeze()
            log.info(
                "serving %s with knowledge %s (%d topics)",
                ", ".join(fe.name for fe in front_ends),
                engine.kb.version,
                len(engine.kb.topics),
            )
            if on_started is not None:
                on_started(running)
            await stop.wait()
            log.info("stopping: finishing in-flight replies")
    finally:
        await _shutdown(started, health, runtime)
        for sig in signals:
            loop.remove_signal_handler(sig)
        flushed = await asyncio.to_thread(service.close, FLUSH_TIMEOUT_S)
        if not flushed:
            left = store.writer.pending if store is not None else 0
            log.error("the database is unavailable: %d record(s) not saved", left)
            err.write(f"ztbot: the database is unavailable; {left} record(s) not saved\n")
            code = EXIT_FAILED
        gc.unfreeze()
    log.info("stopped (exit %d)", code)
    return code


async def _unless_stopped(starting: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run a front end's start; False (start cancelled) when `stop` is set first.

    A platform that cannot be reached may retry for a long time; SIGTERM must still work.
    """
    start = asyncio.ensure_future(starting)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({start, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if start.done():
        start.result()  # raises the start's error, if any
        return True
    start.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await start
    return False


def _open_store(settings: Settings) -> tuple[Store | None, str]:
    """The store with its schema up to date (None when disabled) and the user-hash salt."""
    salt = settings.secret("user_salt") or ""
    if settings.database_url is None:
        return None, salt
    salt = salt or load_or_create_salt(settings.data_dir)
    return open_store_or_buffer(settings.database_url, capacity=settings.buffer_size), salt


def _install_signals(
    loop: asyncio.AbstractEventLoop, stop: asyncio.Event, reloader: KnowledgeReloader
) -> list[signal.Signals]:
    """SIGTERM/SIGINT stop, SIGHUP reloads; returns the signals to release afterwards."""

    def reload() -> None:
        # The reload loads and self-tests the knowledge: off the event loop.
        loop.run_in_executor(None, reloader.reload, "SIGHUP")

    installed = []
    for sig, handler in (
        (signal.SIGTERM, stop.set),
        (signal.SIGINT, stop.set),
        (signal.SIGHUP, reload),
    ):
        try:
            loop.add_signal_handler(sig, handler)
        except (RuntimeError, NotImplementedError, ValueError):  # not the main thread
            continue
        installed.append(sig)
    return installed


async def _shutdown(
    front_ends: list[FrontEnd], health: HealthServer | None, runtime: Runtime
) -> None:
    """Stop the front ends together (each bounded), then the watchers and the listener."""

    async def stop_one(fe: FrontEnd) -> None:
        try:
            await asyncio.wait_for(fe.stop(), STOP_TIMEOUT_S)
        except TimeoutError:
            log.warning("%s front end did not stop within %.0f s", fe.name, STOP_TIMEOUT_S)
        except Exception:  # the edge: a failing SDK close must not lose the buffered turns
            log.exception("error while stopping the %s front end", fe.name)

    await asyncio.gather(*(stop_one(fe) for fe in front_ends))
    await asyncio.to_thread(runtime.stop)
    if health is not None:
        with contextlib.suppress(OSError):
            await health.stop()
