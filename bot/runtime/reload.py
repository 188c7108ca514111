"""Live reload: the running bot picks up knowledge edits, and never swaps in a broken base.

Triggers: file changes under the knowledge directory (watchfiles), SIGHUP, an admin command,
and, with several replicas on one database, a newer version recorded by another replica.
A candidate base must load (schema and ids), pass the gate (check and self-test), and only
then replaces the engine; otherwise the old one keeps answering and the problems are logged
and returned to whoever asked.
"""

from __future__ import annotations

import logging
import signal
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from watchfiles import watch

from bot.base.errors import KnowledgeError
from bot.core.engine import Engine
from bot.knowledge.files import knowledge_files
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase

log = logging.getLogger(__name__)

Gate = Callable[[Path, KnowledgeBase], list[str]]
OnSwap = Callable[[Engine, str, Mapping[str, str]], None]


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload did: swapped in a new version, found nothing new, or refused."""

    ok: bool
    version: str | None
    changed: bool = False
    problems: tuple[str, ...] = ()

    def message(self) -> str:
        """One line for an admin (the problems follow on their own lines)."""
        if not self.ok:
            head = f"knowledge NOT reloaded ({len(self.problems)} problem(s)); still answering"
            return "\n".join([head, *self.problems])
        if self.changed:
            return f"knowledge reloaded: version {self.version}"
        return f"knowledge unchanged: version {self.version}"


def no_gate(_path: Path, _kb: KnowledgeBase) -> list[str]:
    """A gate that accepts every base that loads."""
    return []


def read_sources(path: Path) -> dict[str, str]:
    """The knowledge files' text by file name (what replicas need to load the same content)."""
    return {f.name: f.read_text(encoding="utf-8", errors="replace") for f in knowledge_files(path)}


class KnowledgeReloader:
    """Owns the live Engine; thread-safe; `engine` always returns a working one."""

    def __init__(
        self,
        path: Path,
        engine: Engine,
        *,
        gate: Gate = no_gate,
        on_swap: OnSwap | None = None,
    ) -> None:
        self.path = path
        self._engine = engine
        self._gate = gate
        self._on_swap = on_swap
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.loaded_at = datetime.now(UTC)
        self.last_result: ReloadResult | None = None

    @property
    def engine(self) -> Engine:
        """The engine answering now."""
        return self._engine

    def reload(self, by: str, path: Path | None = None) -> ReloadResult:
        """Load the knowledge again; swap it in only if it loads and passes the gate."""
        source = path or self.path
        with self._lock:
            try:
                kb = load_knowledge(source)
            except KnowledgeError as exc:
                return self._refused(by, tuple(exc.problems))
            if kb.version == self._engine.kb.version:
                self.last_result = ReloadResult(True, kb.version)
                return self.last_result
            problems = self._gate(source, kb)
            if problems:
                return self._refused(by, tuple(problems))
            engine = Engine(kb)
            self._engine = engine
            self.loaded_at = datetime.now(UTC)
            log.info("knowledge version %s swapped in (by %s)", kb.version, by)
            if self._on_swap is not None:
                self._on_swap(engine, by, read_sources(source))
            self.last_result = ReloadResult(True, kb.version, changed=True)
            return self.last_result

    def adopt(self, content: Mapping[str, str], by: str = "replica") -> ReloadResult:
        """Load a version another replica recorded, from its stored file contents."""
        with tempfile.TemporaryDirectory(prefix="ztbot-kb-") as tmp:
            for name, text in content.items():
                (Path(tmp) / Path(name).name).write_text(text, encoding="utf-8")
            return self.reload(by, Path(tmp))

    def _refused(self, by: str, problems: tuple[str, ...]) -> ReloadResult:
        for problem in problems:
            log.error("knowledge reload (by %s) refused: %s", by, problem)
        self.last_result = ReloadResult(False, self._engine.kb.version, problems=problems)
        return self.last_result

    # --- file watching -----------------------------------------------------------------------

    def start_watching(self, debounce_ms: int = 300) -> None:
        """Reload whenever a file under the knowledge path changes (a daemon thread)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._watch, args=(debounce_ms,), name="ztbot-knowledge-watch", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self, debounce_ms: int) -> None:
        target = self.path if self.path.is_dir() else self.path.parent
        try:
            for _changes in watch(
                target, stop_event=self._stop, debounce=debounce_ms, rust_timeout=500
            ):
                self.reload("file watcher")
        except OSError as exc:  # the directory vanished: keep answering, say why
            log.error("stopped watching %s: %s", target, exc)


def install_sighup(reloader: KnowledgeReloader) -> None:
    """Reload on SIGHUP (the reload runs in a thread: a signal handler must return quickly)."""

    def handler(_signum: int, _frame: object) -> None:
        threading.Thread(target=reloader.reload, args=("SIGHUP",), daemon=True).start()

    signal.signal(signal.SIGHUP, handler)
