"""A cache of built knowledge indexes, so a one-shot `ztbot ask` does not retrain the classifier.

Building the matcher's index and training the classifier takes a few hundred milliseconds on
the shipped FAQ; loading the result takes a few. The index is stored as plain data (`marshal`:
dicts, lists, strings and numbers, never code) under ``$XDG_CACHE_HOME/ztbot`` (else
``~/.cache/ztbot``), keyed by a hash of the knowledge's content, the match settings and the
source of the code that builds the index, so an edit to either builds afresh. Anything that
goes wrong (an unwritable directory, a corrupt or foreign file) falls back to building, silently.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.engine import Engine
    from bot.core.matching import MatchConfig
    from bot.knowledge import KnowledgeBase

_KEEP = 8  # cached indexes kept (knowledge versions, branches); older ones are removed
# The modules whose code decides what the index holds.
_CODE = ("bot.core.matching", "bot.core.ranker", "bot.base.text", "bot.knowledge.model")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME/ztbot, else ~/.cache/ztbot."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ztbot"


def index_key(kb: KnowledgeBase, config: MatchConfig | None = None) -> str:
    """A hash of what the index is built from: knowledge content, settings and code."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version_info[:2]} {marshal.version}\0".encode())
    for name in _CODE:
        module = sys.modules.get(name)
        source = getattr(module, "__file__", None)
        digest.update(Path(source).read_bytes() if source else name.encode())
        digest.update(b"\0")
    digest.update(repr((kb.topics, kb.uncovered, config)).encode())
    return digest.hexdigest()[:32]


def cached_engine(
    kb: KnowledgeBase, config: MatchConfig | None = None, *, directory: Path | None = None
) -> Engine:
    """An Engine for `kb`, its index loaded from the cache when it is there, else built (and
    stored for next time)."""
    from bot.core.engine import Engine  # noqa: PLC0415
    from bot.core.matching import Matcher  # noqa: PLC0415

    folder = directory if directory is not None else cache_dir()
    try:
        key = index_key(kb, config)
    except OSError:
        return Engine(kb, config)
    path = folder / f"index-{key}.marshal"
    try:
        state = marshal.loads(path.read_bytes())
        if isinstance(state, dict) and state.get("_key") == key:
            state.pop("_key")
            return Engine(kb, config, matcher=Matcher.from_state(kb, state, config))
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass  # not cached yet, or unreadable: build it
    engine = Engine(kb, config)
    _store(folder, path, {**engine.matcher.index_state(), "_key": key})
    return engine


def _store(folder: Path, path: Path, state: dict[str, object]) -> None:
    """Write `state` to `path` atomically; an unwritable cache is not an error."""
    try:
        data = marshal.dumps(state)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        old = sorted(folder.glob("index-*.marshal"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_KEEP]:
            stale.unlink(missing_ok=True)
    except (OSError, ValueError):
        pass
