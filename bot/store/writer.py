"""A background writer: answers never wait for the database, and no record is lost to an outage.

Records go into a bounded in-memory queue; one thread writes them in batches. When the database
is down or locked the batch stays at the head of the queue and is retried with backoff until it
is written. Only when the buffer is full is the oldest record dropped (and counted).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.records import Record
from bot.store.repository import apply

log = logging.getLogger(__name__)

_BATCH = 200
_BACKOFF_MAX_S = 5.0


class BufferedWriter:
    """Queue records from any thread; a daemon thread writes them."""

    def __init__(
        self,
        engine: Engine,
        *,
        capacity: int = 10_000,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._queue: deque[Record] = deque()
        self._capacity = capacity
        self._cond = threading.Condition()
        self._stopping = False
        self._inflight = 0  # records taken off the queue and being written
        self.dropped = 0
        self.written = 0
        self.errors = 0
        self.healthy = True
        self._thread = threading.Thread(target=self._run, name="ztbot-store-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        with self._cond:
            return len(self._queue) + self._inflight

    def submit(self, record: Record) -> None:
        """Queue a record; never blocks on the database."""
        with self._cond:
            self._queue.append(record)
            # The bound covers the batch being written too; a failed batch returns to the head.
            while len(self._queue) + self._inflight > self._capacity and self._queue:
                self._queue.popleft()
                self.dropped += 1
                log.error("store buffer full (%d records): dropped the oldest", self._capacity)
            self._cond.notify()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> bool:
        """Flush, then stop the thread. Returns False when records could not be written."""
        done = self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=1.0)
        return done

    def _run(self) -> None:
        backoff = 0.05
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping and (not self._queue or not self.healthy):
                    return
                batch = [self._queue.popleft() for _ in range(min(_BATCH, len(self._queue)))]
                self._inflight = len(batch)
            try:
                with self._sessions.begin() as session:
                    for record in batch:
                        apply(session, record)
            except SQLAlchemyError as exc:
                self.errors += 1
                if self.healthy:
                    log.warning("database unavailable, buffering turns: %s", exc.__class__.__name__)
                self.healthy = False
                with self._cond:
                    # Back to the head of the queue, in order, within the buffer's bound.
                    self._queue.extendleft(reversed(batch))
                    while len(self._queue) > self._capacity:
                        self._queue.popleft()
                        self.dropped += 1
                    self._inflight = 0
                    self._cond.wait(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX_S)
                continue
            with self._cond:
                self._inflight = 0
                self.written += len(batch)
                self._cond.notify_all()
            if not self.healthy:
                log.warning("database back: buffered records written")
            self.healthy = True
            backoff = 0.05


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads outside the writer (reports, context look-ups)."""
    return sessionmaker(engine, expire_on_commit=False)
