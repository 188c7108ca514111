"""The store: SQLAlchemy models, migrations, and a buffered writer that never blocks answers."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.store import db
from bot.store.records import Record
from bot.store.repository import (
    knowledge_loaded_at,
    load_context,
    newest_knowledge,
    prune,
    turn_for_event,
)
from bot.store.writer import BufferedWriter, session_factory

log = logging.getLogger(__name__)

__all__ = ["Store", "open_store"]


class Store:
    """Writes go through the buffered writer; the few reads fail soft when the DB is down."""

    def __init__(self, engine: Engine, *, capacity: int = 10_000) -> None:
        self.engine = engine
        self.writer = BufferedWriter(engine, capacity=capacity)
        self._sessions = session_factory(engine)

    def submit(self, record: Record) -> None:
        """Queue a record for writing."""
        self.writer.submit(record)

    def context_of(self, key: str) -> tuple[dict[str, object] | None, datetime | None]:
        """A conversation's stored context; (None, None) when unknown or the DB is down."""
        if not self.writer.healthy:
            return None, None
        try:
            with self._sessions() as session:
                return load_context(session, key)
        except SQLAlchemyError:
            return None, None

    def answered(self, platform: str, event_id: str) -> bool | None:
        """Whether this event already has a stored turn; None when the DB cannot say."""
        if not self.writer.healthy:
            return None
        try:
            with self._sessions() as session:
                return turn_for_event(session, platform, event_id) is not None
        except SQLAlchemyError:
            return None

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
        done = self.writer.close(timeout)
        self.engine.dispose()
        return done


def open_store(url: str, *, capacity: int = 10_000, migrate: bool = True) -> Store:
    """Connect, bring the schema up to date (safe with concurrent starts) and start writing."""
    engine = db.make_engine(url)
    if migrate:
        db.upgrade(engine)
    return Store(engine, capacity=capacity)
