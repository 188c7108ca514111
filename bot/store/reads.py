"""Reads on the answer path, with a deadline: the database answers quickly or not at all.

A read runs on a small pool of threads and the caller waits at most `deadline_s`. A read that
misses its deadline or fails opens a short cool-down during which reads do not touch the
database at all (the service falls back to what it holds in memory); a stuck connection keeps
its thread until the driver's own socket and statement timeouts (db.py) free it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

T = TypeVar("T")

DEADLINE_S = 0.25
COOLDOWN_S = 5.0
_WORKERS = 2  # reads in flight at once; more means the database is not answering


class _Call(Generic[T]):
    """One read's outcome, handed from its thread to the waiting caller."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class StoreUnavailable(Exception):
    """The database could not answer a read in time (or at all); use the in-memory state."""


class DeadlineReader:
    """Runs reads with a deadline and a cool-down after a miss (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        deadline_s: float = DEADLINE_S,
        cooldown_s: float = COOLDOWN_S,
        inline: bool = False,
    ) -> None:
        self._engine = engine
        # A local file (SQLite) cannot be partitioned away and its busy timeout already bounds
        # the wait: reading in the caller's thread saves a thread per read.
        self._inline = inline
        self.deadline_s = deadline_s
        self.cooldown_s = cooldown_s
        self._lock = threading.Lock()
        self._busy = 0
        self._skip_until = 0.0
        self.misses = 0

    def read(self, query: Callable[[Connection], T]) -> T:
        """`query(connection)`'s result, or StoreUnavailable within about `deadline_s`."""
        with self._lock:
            if time.monotonic() < self._skip_until:
                raise StoreUnavailable("database skipped after a recent miss")
            if self._busy >= _WORKERS:  # every reader is stuck on the database
                self._miss_locked("every read connection is busy")
                raise StoreUnavailable("every read connection is busy")
            self._busy += 1
        if self._inline:
            return self._read_inline(query)
        call: _Call[T] = _Call()
        # A daemon thread per read: one stuck on a black-holed socket never holds up exit.
        threading.Thread(
            target=self._run, args=(query, call), name="ztbot-store-read", daemon=True
        ).start()
        if not call.done.wait(self.deadline_s):
            self._miss(f"no answer within {self.deadline_s * 1000:.0f} ms")
            raise StoreUnavailable("read deadline passed")
        if call.error is not None:
            self._miss(call.error.__class__.__name__)
            raise StoreUnavailable(call.error.__class__.__name__) from call.error
        return call.value  # type: ignore[return-value]  # set whenever error is None

    def _read_inline(self, query: Callable[[Connection], T]) -> T:
        try:
            with self._engine.connect() as conn:
                return query(conn)
        except Exception as exc:
            self._miss(exc.__class__.__name__)
            raise StoreUnavailable(exc.__class__.__name__) from exc
        finally:
            with self._lock:
                self._busy -= 1

    def _run(self, query: Callable[[Connection], T], call: _Call[T]) -> None:
        try:
            with self._engine.connect() as conn:
                call.value = query(conn)
        except Exception as exc:
            call.error = exc
        finally:
            with self._lock:
                self._busy -= 1
            call.done.set()

    def _miss(self, why: str) -> None:
        with self._lock:
            self._miss_locked(why)

    def _miss_locked(self, why: str) -> None:
        self.misses += 1
        if time.monotonic() >= self._skip_until:
            log.warning(
                "database read failed (%s): answering from memory for %.0f s", why, self.cooldown_s
            )
        self._skip_until = time.monotonic() + self.cooldown_s

    def close(self, wait_s: float = 2.0) -> None:
        """Refuse further reads and give those in flight (late, past their deadline) up to
        `wait_s` to hand their connection back; one stuck on the network is left to its socket
        timeout."""
        with self._lock:
            self._skip_until = float("inf")
        until = time.monotonic() + wait_s
        while time.monotonic() < until:
            with self._lock:
                if self._busy == 0:
                    return
            time.sleep(0.01)
