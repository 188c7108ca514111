"""Several replicas on one database: each notices a newer knowledge version and loads it."""

from __future__ import annotations

import logging
import threading

from bot.runtime.reload import KnowledgeReloader, ReloadResult
from bot.store import Store

log = logging.getLogger(__name__)


class ReplicaSync:
    """Polls the store for a knowledge version recorded after ours, and adopts its content."""

    def __init__(self, store: Store, reloader: KnowledgeReloader, interval_s: float = 3.0) -> None:
        self.store = store
        self.reloader = reloader
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check_once(self) -> ReloadResult | None:
        """Adopt the newest recorded version if it is newer than the one answering here."""
        newest = self.store.newest_knowledge()
        if newest is None:
            return None
        version, loaded_at, content = newest
        current = self.reloader.engine.kb.version
        if version == current or not content:
            return None
        # Ours counts from when any replica first loaded it, so a replica that started late
        # with old files still catches up, and a fresh local edit is not undone.
        mine = self.store.knowledge_loaded_at(current) or self.reloader.loaded_at
        if loaded_at <= mine:
            return None
        log.info("newer knowledge version %s recorded by another replica: loading it", version)
        return self.reloader.adopt(content, by="replica")

    def start(self) -> None:
        """Poll in a daemon thread."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ztbot-replicas", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.check_once()
