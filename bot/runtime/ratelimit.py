"""A per-user rate limit: a sliding window of recent message times per key."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Final

_KEYS: Final = 50_000  # users remembered; the least recently seen are forgotten first


class RateLimiter:
    """At most `limit` events per `window` seconds per key; a limit of 0 disables it."""

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False when the key is over its limit (not counted then)."""
        if self.limit <= 0:
            return True
        now = self._clock()
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                times = self._seen[key] = deque()
            self._seen.move_to_end(key)
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            while len(self._seen) > _KEYS:
                self._seen.popitem(last=False)
            return True

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may send again (0 when it may now)."""
        with self._lock:
            times = self._seen.get(key)
            if not times or len(times) < self.limit:
                return 0.0
            return max(0.0, self.window - (self._clock() - times[0]))
