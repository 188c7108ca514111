"""A cache of loaded knowledge and its built index, so a one-shot `ztbot ask` neither parses the
YAML again nor retrains the classifier.

Loading and validating the knowledge, building the matcher's index and training the classifier
take a few hundred milliseconds on the shipped FAQ; reading the result back takes a few. It is
stored under ``$XDG_CACHE_HOME/ztbot`` (else ``~/.cache/ztbot``, created private to the user),
keyed by a hash of the knowledge files' bytes, where they are, the match settings and the source
of the code that loads them and builds the index, so an edit to any of these loads afresh (and
reports file:line problems as always). Anything that goes wrong with the cache (an unwritable
directory, a corrupt or foreign file) falls back to loading and building, silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.engine import Engine
    from bot.core.matching import MatchConfig

_KEEP = 8  # cached knowledge versions kept (branches, edits); older ones are removed
_PACKAGE = Path(__file__).resolve().parents[1]
# The code that decides what a loaded knowledge base and its index hold.
_CODE = (
    "core/matching.py",
    "core/ranker.py",
    "base/text.py",
    "knowledge/files.py",
    "knowledge/loader.py",
    "knowledge/model.py",
    "knowledge/schema.py",
)


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME/ztbot, else ~/.cache/ztbot."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ztbot"


def cache_key(path: Path, config: MatchConfig | None = None) -> str:
    """A hash of what the loaded knowledge and its index are made from; OSError when a file
    cannot be read (the loader then says so properly)."""
    from bot.knowledge.files import TESTS_FILE, knowledge_files  # noqa: PLC0415

    digest = hashlib.sha256()
    digest.update(f"{sys.version_info[:2]} {pickle.HIGHEST_PROTOCOL}\0".encode())
    for name in _CODE:
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes() + b"\0")
    # Problems and sources name files relative to the working directory.
    digest.update(f"{Path.cwd()}\0{path.resolve()}\0{config!r}\0".encode())
    for file in knowledge_files(path):
        if file.name != TESTS_FILE:
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def load_engine(
    path: Path, config: MatchConfig | None = None, *, directory: Path | None = None
) -> Engine:
    """An Engine for the knowledge at `path`, from the cache when it is there, else loaded and
    built (and stored for next time). Raises KnowledgeError as `load_knowledge` does."""
    from bot.core.engine import Engine  # noqa: PLC0415
    from bot.core.matching import Matcher  # noqa: PLC0415

    folder = directory if directory is not None else cache_dir()
    try:
        key = cache_key(path, config)
    except OSError:
        key = None
    entry = folder / f"knowledge-{key}.pickle"
    if key is not None:
        try:
            # Our own file in the user's own private cache directory, keyed by content.
            stored_key, kb, state = pickle.loads(entry.read_bytes())
            if stored_key == key:
                return Engine(kb, config, matcher=Matcher.from_state(kb, state, config))
        except Exception:  # any unreadable or stale entry: load and build instead
            pass
    from bot.knowledge import load_knowledge  # noqa: PLC0415

    engine = Engine(load_knowledge(path), config)
    if key is not None:
        _store(folder, entry, (key, engine.kb, engine.matcher.index_state()))
    return engine


def _store(folder: Path, entry: Path, value: object) -> None:
    """Write `value` to `entry` atomically; an unwritable cache is not an error."""
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, entry)
        old = sorted(folder.glob("knowledge-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_KEEP]:
            stale.unlink(missing_ok=True)
