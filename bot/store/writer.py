"""A background writer: answers never wait for the database, and no record stalls the rest.

Records go into a bounded in-memory queue; one thread writes them in batches (a few Core
statements per batch, see batch.py). Every record is cleaned first (clean.py). When the database
is down or locked the batch goes back to the head of the queue and is retried with backoff;
new submissions do not cut the backoff short. When the database refuses the batch for what is
in it (a data or constraint error), each record is written on its own and the ones still
refused are set aside in the dead-letter table with the reason, so the rest are written. Only
when the buffer is full is the oldest record dropped (and counted).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Final

from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bot.store.batch import dead_letter, write_batch
from bot.store.clean import clean
from bot.store.records import Record, TurnRecord

log = logging.getLogger(__name__)

_BATCH = 200
_BACKOFF_MIN_S = 0.05
_BACKOFF_MAX_S = 5.0
# Wait this long for more records before writing a part-full batch: a burst of turns then costs
# one set of statements instead of one per turn. Answers never wait for it.
_LINGER_S = 0.02


_SCHEMA_MISSING: Final = frozenset({"42P01", "42703", "3F000"})


class _Outcome(Enum):
    WRITTEN = "written"
    DOWN = "down"


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached or is busy (worth retrying),
    False when it refused what was sent (retrying the same record would fail again)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    # The schema is not there yet (a database that was down at start is being migrated):
    # PostgreSQL says undefined table or column, SQLite "no such table" (an OperationalError).
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in _SCHEMA_MISSING:
        return True
    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout)


def reason(exc: BaseException) -> str:
    """The error class and the driver's first line, without the values it may quote."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first}"[:500]


class BufferedWriter:
    """Queue records from any thread; a daemon thread writes them."""

    def __init__(self, engine: Engine, *, capacity: int = 10_000) -> None:
        self._engine = engine
        self._queue: deque[Record] = deque()
        self._capacity = capacity
        self._cond = threading.Condition()
        self._stopping = False
        self._hurry = 0  # flushes waiting: write part-full batches at once
        self._retry_at = 0.0  # monotonic time before which a failed write is not retried
        self._first_at = 0.0  # when the oldest queued record arrived (for the linger)
        self._inflight = 0  # records taken off the queue and being written
        self._inflight_turns = 0
        self.dropped = 0
        self.written = 0
        self.errors = 0  # failed write attempts
        self.set_aside = 0  # records refused by the database, kept in the dead-letter table
        self.lost = 0  # records refused whose dead letter could not be written either
        self.healthy = True
        self._thread = threading.Thread(target=self._run, name="ztbot-store-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        with self._cond:
            return len(self._queue) + self._inflight

    @property
    def pending_turns(self) -> int:
        """Turns waiting to be written."""
        with self._cond:
            queued = sum(isinstance(r, TurnRecord) for r in self._queue)
            return queued + self._inflight_turns

    def submit(self, record: Record) -> None:
        """Queue a record; never blocks on the database."""
        with self._cond:
            if not self._queue:
                self._first_at = time.monotonic()
            self._queue.append(record)
            # The bound covers the batch being written too; a failed batch returns to the head.
            while len(self._queue) + self._inflight > self._capacity and self._queue:
                self._queue.popleft()
                self._drop()
            # The writer already has a wake-up time while records wait (linger or backoff): wake
            # it only for the first record or a full batch, not once per turn.
            if len(self._queue) == 1 or len(self._queue) == _BATCH:
                self._cond.notify()

    def retry_now(self) -> None:
        """Forget the backoff (the database is known to be back, e.g. just migrated)."""
        with self._cond:
            self._retry_at = 0.0
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._hurry += 1
            self._cond.notify_all()
            try:
                while self._queue or self._inflight:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(min(left, 0.05))
                return True
            finally:
                self._hurry -= 1

    def close(self, timeout: float = 10.0) -> bool:
        """Flush within `timeout` (one immediate retry even after a failure), then stop.
        Returns False, and logs how many turns were not written, when some could not be."""
        deadline = time.monotonic() + timeout
        self.retry_now()
        done = self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            records = len(self._queue) + self._inflight
            turns = sum(isinstance(r, TurnRecord) for r in self._queue) + self._inflight_turns
        self._thread.join(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
        if not done:
            log.error(
                "store closed with %d records not written (%d turns): the database was "
                "unavailable for the whole %.0f s shutdown budget",
                records,
                turns,
                timeout,
            )
        return done

    # --- the writer thread -------------------------------------------------------------------

    def _drop(self) -> None:
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.error(
                "store buffer full (%d records): dropped the oldest (%d so far)",
                self._capacity,
                self.dropped,
            )

    def _next_batch(self) -> list[Record] | None:
        """Wait until a batch is due (honouring linger and backoff); None when stopping."""
        with self._cond:
            while True:
                if self._stopping and (not self._queue or not self.healthy):
                    return None
                now = time.monotonic()
                wait: float | None = None
                if self._queue:
                    due = max(self._retry_at, self._first_at + _LINGER_S)
                    if self._hurry or self._stopping or len(self._queue) >= _BATCH:
                        due = self._retry_at
                    if now >= due:
                        break
                    wait = due - now
                self._cond.wait(wait)
            batch = [self._queue.popleft() for _ in range(min(_BATCH, len(self._queue)))]
            self._inflight = len(batch)
            self._inflight_turns = sum(isinstance(r, TurnRecord) for r in batch)
            self._first_at = time.monotonic()
            return batch

    def _run(self) -> None:
        backoff = _BACKOFF_MIN_S
        while (batch := self._next_batch()) is not None:
            cleaned = [clean(r) for r in batch]
            written = self._write(cleaned)
            with self._cond:
                if written < len(cleaned):  # the database went away: the rest goes back, in order
                    self._queue.extendleft(reversed(cleaned[written:]))
                    while len(self._queue) > self._capacity:
                        self._queue.popleft()
                        self._drop()
                    self._retry_at = time.monotonic() + backoff
                    backoff = min(backoff * 2, _BACKOFF_MAX_S)
                else:
                    backoff = _BACKOFF_MIN_S
                    self._retry_at = 0.0
                self._inflight = self._inflight_turns = 0
                self._cond.notify_all()

    def _write(self, batch: list[Record]) -> int:
        """Write `batch`; how many records (from the start) are done, written or set aside."""
        try:
            with self._engine.begin() as conn:
                write_batch(conn, batch)
        except Exception as exc:
            if is_outage(exc):
                self._down(exc)
                return 0
            log.warning(
                "the database refused a batch of %d records (%s): writing them one by one",
                len(batch),
                reason(exc),
            )
            return self._one_by_one(batch)
        self._up(len(batch))
        return len(batch)

    def _one_by_one(self, batch: Sequence[Record]) -> int:
        for done, record in enumerate(batch):
            try:
                with self._engine.begin() as conn:
                    write_batch(conn, [record])
            except Exception as exc:
                if is_outage(exc):
                    self._down(exc)
                    return done
                if self._set_aside(record, reason(exc)) is _Outcome.DOWN:
                    return done
                continue
            self._up(1)
        return len(batch)

    def _set_aside(self, record: Record, why: str) -> _Outcome:
        try:
            with self._engine.begin() as conn:
                dead_letter(conn, record, why, datetime.now(UTC))
        except Exception as exc:
            if is_outage(exc):
                self._down(exc)
                return _Outcome.DOWN
            self.lost += 1
            log.error("record refused and not set aside (%s; then %s)", why, reason(exc))
            return _Outcome.WRITTEN
        self.set_aside += 1
        log.warning("record set aside in dead_letters: %s", why)
        return _Outcome.WRITTEN

    def _down(self, exc: BaseException) -> None:
        self.errors += 1
        if self.healthy:
            log.warning("database unavailable, buffering records: %s", reason(exc)[:200])
        self.healthy = False

    def _up(self, count: int) -> None:
        with self._cond:
            self.written += count
        if not self.healthy:
            log.warning("database back: buffered records written")
        self.healthy = True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads outside the writer (reports, context look-ups)."""
    return sessionmaker(engine, expire_on_commit=False)
