"""The composition root: one place builds what `ztbot chat` and `ztbot serve` run on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.runtime.admin import AdminActions
from bot.runtime.frontdesk import FrontDesk
from bot.runtime.gate import release_gate
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.reload import KnowledgeReloader, read_sources
from bot.runtime.replicas import ReplicaSync
from bot.runtime.service import SupportService
from bot.store import Store


@dataclass(frozen=True, slots=True)
class Runtime:
    """The service and everything around it: reloading, replicas, admin actions, the desk."""

    service: SupportService
    reloader: KnowledgeReloader
    sync: ReplicaSync | None
    admin: AdminActions
    desk: FrontDesk

    def start(self) -> None:
        """Follow knowledge edits (files and other replicas)."""
        self.reloader.start_watching()
        if self.sync is not None:
            self.sync.start()

    def stop(self) -> None:
        """Stop following knowledge edits."""
        self.reloader.stop()
        if self.sync is not None:
            self.sync.stop()


def assemble(
    settings: Settings,
    engine: Engine,
    path: Path,
    *,
    store: Store | None,
    salt: str,
    loaded_by: str,
    shared: bool,
) -> Runtime:
    """Build the runtime; `shared` when other processes may serve the same conversations."""
    service = SupportService(engine, settings, store=store, salt=salt, shared=shared)
    service.knowledge_loaded(loaded_by, read_sources(path) if store is not None else None)
    reloader = KnowledgeReloader(path, engine, gate=release_gate, on_swap=service.swap_engine)
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    return Runtime(
        service=service,
        reloader=reloader,
        sync=ReplicaSync(store, reloader) if store is not None else None,
        admin=AdminActions(store, reloader, store_text=settings.store_text),
        desk=FrontDesk(service, limiter, settings),
    )
