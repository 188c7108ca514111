"""The command line's knowledge cache: a cached index ranks exactly like a built one, and a
missing, stale, corrupt or unwritable cache only means loading and building again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.base.errors import KnowledgeError
from bot.cli.index_cache import cache_dir, cache_key, load_engine
from bot.core.engine import Engine
from bot.core.matching import Matcher
from bot.core.models import Incoming
from bot.knowledge import KnowledgeBase
from tests.unit.core.ranking_snapshot import SNAPSHOT, snapshot
from tests.unit.core.test_ranking_identity import same

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("knowledge-*.pickle"))


def test_a_cached_engine_ranks_like_the_snapshot(knowledge: Path, tmp_path: Path) -> None:
    """The second load comes from the cache and ranks every labelled question identically."""
    folder = tmp_path / "cache"
    load_engine(knowledge, directory=folder)
    assert len(_entries(folder)) == 1
    cached = load_engine(knowledge, directory=folder)
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(snapshot(cached.matcher)))
    assert [g["q"] for g, e in zip(got, expected, strict=True) if not same(g, e)] == []


def test_index_state_round_trip_keeps_the_ranking(kb: KnowledgeBase) -> None:
    """Matcher.from_state(index_state()) answers exactly as the matcher it came from."""
    built = Matcher(kb)
    restored = Matcher.from_state(kb, built.index_state())
    for q in ("cant pnig my laptop", "what ports does zerotier use", "test", "thanks!"):
        assert restored.evidence(q) == built.evidence(q)


def test_an_edit_to_the_knowledge_changes_the_key(knowledge: Path) -> None:
    """Any byte changed in a knowledge file gives another cache entry."""
    before = cache_key(knowledge)
    file = next(knowledge.glob("*.yaml"))
    file.write_text(file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache_key(knowledge) != before


def test_a_broken_edit_is_reported_not_served_from_the_cache(
    knowledge: Path, tmp_path: Path
) -> None:
    """A knowledge file broken after it was cached still fails with file:line problems."""
    folder = tmp_path / "cache"
    load_engine(knowledge, directory=folder)
    file = next(knowledge.glob("*.yaml"))
    file.write_text("topics: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_engine(knowledge, directory=folder)
    assert f"{file.name}:" in "\n".join(err.value.problems)


def test_a_corrupt_entry_is_rebuilt(knowledge: Path, tmp_path: Path) -> None:
    """Garbage in the cache file: the knowledge is loaded and built again, and answers."""
    folder = tmp_path / "cache"
    load_engine(knowledge, directory=folder)
    for entry in _entries(folder):
        entry.write_bytes(b"not a pickle")
    engine = load_engine(knowledge, directory=folder)
    assert engine.respond(Incoming(text="cant ping my windows box")).topic == "ping-not-working"
    assert isinstance(engine, Engine)


def test_an_unwritable_cache_is_not_an_error(knowledge: Path, tmp_path: Path) -> None:
    """A cache directory that cannot be created: load and build, silently."""
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    engine = load_engine(knowledge, directory=blocker / "cache")
    assert engine.respond(Incoming(text="cant ping my windows box")).topic == "ping-not-working"


def test_cache_dir_follows_xdg() -> None:
    """$XDG_CACHE_HOME/ztbot, else ~/.cache/ztbot."""
    assert cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/ztbot")
    assert cache_dir({}).parts[-2:] == (".cache", "ztbot")
