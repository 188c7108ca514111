"""The Store: writes through the buffered writer, and the few reads, failing soft (see __init__)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.store import db
from bot.store.reads import DEADLINE_S, DeadlineReader, StoreUnavailable
from bot.store.records import Record
from bot.store.repository import (
    conversation_of_turn,
    knowledge_loaded_at,
    load_context,
    newest_knowledge,
    prune,
    recent_conversations,
    set_workspace_setting,
    turn_for_event,
    workspace_settings,
)
from bot.store.writer import BufferedWriter, session_factory

log = logging.getLogger("bot.store")  # the package's name, as before the move

__all__ = ["Store", "StoreUnavailable", "open_store", "open_store_or_buffer"]

_MIGRATE_RETRY_MAX_S = 30.0


class Store:
    """Writes go through the buffered writer; the few reads fail soft when the DB is down, and
    the reads on the answer path give up after `read_deadline_s` (see reads.py)."""

    def __init__(
        self,
        engine: Engine,
        *,
        capacity: int = 10_000,
        migrated: bool = True,
        read_deadline_s: float = DEADLINE_S,
    ) -> None:
        self.engine = engine
        self.writer = BufferedWriter(engine, capacity=capacity)
        self._sessions = session_factory(engine)
        # Its own connections, with tight timeouts, so answers never queue behind the writer.
        url = engine.url.render_as_string(hide_password=False)
        self.read_engine = (
            engine
            if engine.url.database in (None, "", ":memory:") and db.is_sqlite(url)
            else db.make_read_engine(url, read_deadline_s)
        )
        self.reader = DeadlineReader(
            self.read_engine,
            deadline_s=read_deadline_s,
            inline=db.is_sqlite(url),
        )
        self._closing = threading.Event()
        self.migrated = threading.Event()
        if migrated:
            self.migrated.set()
        else:
            # The database was unreachable at start: buffer, skip reads, migrate once it is back.
            self.writer.healthy = False
            threading.Thread(
                target=self._migrate_when_reachable, name="ztbot-migrate", daemon=True
            ).start()

    def _migrate_when_reachable(self) -> None:
        delay = 0.5
        while not self._closing.is_set():
            try:
                db.upgrade(self.engine)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("database still unreachable (%s); retrying in %.0f s", _why(exc), delay)
                self._closing.wait(delay)
                delay = min(delay * 2, _MIGRATE_RETRY_MAX_S)
                continue
            self.migrated.set()
            self.writer.retry_now()
            log.info("database reachable again: schema up to date, writing the buffered turns")
            return

    def submit(self, record: Record) -> None:
        """Queue a record for writing."""
        self.writer.submit(record)

    def context_of(self, key: str) -> tuple[dict[str, object] | None, datetime | None]:
        """A conversation's stored context; (None, None) when unknown or the DB cannot say
        within the read deadline."""
        try:
            return self.read_context(key)
        except StoreUnavailable:
            return None, None

    def conversation_of_turn(self, turn_id: str) -> str | None:
        """The conversation key of a stored turn; None when unknown or the DB is down."""
        if not self.writer.healthy:
            return None
        try:
            with self._sessions() as session:
                return conversation_of_turn(session, turn_id)
        except SQLAlchemyError:
            return None

    def answered(self, platform: str, event_id: str) -> bool | None:
        """Whether this event already has a stored turn; None when the DB cannot say in time."""
        try:
            return self.read_answered(platform, event_id)
        except StoreUnavailable:
            return None

    def recent_conversations(
        self, platform: str, workspace: str | None, user_hash: str, limit: int = 5
    ) -> list[tuple[str, str | None, str | None, datetime, bool, bool]]:
        """A user's newest conversations (see repository); empty when the DB is down."""
        if not self.writer.healthy:
            return []
        try:
            with self._sessions() as session:
                return recent_conversations(session, platform, workspace, user_hash, limit)
        except SQLAlchemyError:
            return []

    def workspace_settings(self, platform: str, workspace: str) -> dict[str, str] | None:
        """A workspace's own settings; None when the DB cannot say (use the defaults)."""
        if self._closing.is_set():
            return None  # closed: opening a connection now would outlive the engine's dispose
        try:
            with self._sessions() as session:
                return workspace_settings(session, platform, workspace)
        except SQLAlchemyError:
            return None

    def set_workspace_setting(
        self,
        platform: str,
        workspace: str,
        name: str,
        value: str | None,
        by: str | None,
        at: datetime,
    ) -> str | None:
        """Set (None: remove) a workspace setting now, audited; the old value. Raises when the
        database is down: the admin must hear that it was not saved."""
        with self._sessions.begin() as session:
            return set_workspace_setting(session, platform, workspace, name, value, by, at)

    def read_context(self, key: str) -> tuple[dict[str, object] | None, datetime | None]:
        """Like `context_of`, but raises StoreUnavailable when the DB cannot say in time."""
        self._readable()
        return self.reader.read(lambda conn: load_context(conn, key))

    def read_answered(self, platform: str, event_id: str) -> bool:
        """Like `answered`, but raises StoreUnavailable when the DB cannot say in time."""
        self._readable()
        return self.reader.read(lambda conn: turn_for_event(conn, platform, event_id) is not None)

    def _readable(self) -> None:
        if not self.writer.healthy or not self.migrated.is_set():
            raise StoreUnavailable("the database is down (the writer is buffering)")

    def newest_knowledge(self) -> tuple[str, datetime, dict[str, str] | None] | None:
        """The newest recorded knowledge version, or None (also when the DB is down)."""
        try:
            with self._sessions() as session:
                return newest_knowledge(session)
        except SQLAlchemyError:
            return None

    def knowledge_loaded_at(self, version: str) -> datetime | None:
        """When `version` was first loaded by any replica, or None."""
        try:
            with self._sessions() as session:
                return knowledge_loaded_at(session, version)
        except SQLAlchemyError:
            return None

    def prune(self, older_than: datetime) -> dict[str, int]:
        """Delete what is older than `older_than` (see repository.prune)."""
        with self._sessions.begin() as session:
            return prune(session, older_than)

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is buffered and stop; False when some records could not be written."""
        self._closing.set()
        self.reader.close(wait_s=0.0)  # no new reads
        done = self.writer.close(timeout)
        self.reader.close(wait_s=min(2.0, timeout))  # late reads hand their connection back
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
        return done


def open_store(url: str, *, capacity: int = 10_000, migrate: bool = True) -> Store:
    """Connect, bring the schema up to date (safe with concurrent starts) and start writing."""
    engine = db.make_engine(url)
    if migrate:
        db.upgrade(engine)
    return Store(engine, capacity=capacity)


def open_store_or_buffer(url: str, *, capacity: int = 10_000) -> Store:
    """Like `open_store`, but a database that cannot be reached yet does not stop start-up:
    turns are buffered (up to `capacity`) and written once it is back and migrated."""
    try:
        return open_store(url, capacity=capacity)
    except OperationalError as exc:
        log.warning(
            "database unreachable at start (%s): answering anyway; turns are kept in memory "
            "and written when it is back",
            _why(exc),
        )
        return Store(db.make_engine(url), capacity=capacity, migrated=False)


def _why(exc: BaseException) -> str:
    """The driver's first line ("connection refused", "password authentication failed")."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{exc.__class__.__name__}: {first}"[:200]
