"""Shared fixtures: the real knowledge base, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's data dir or real settings (tokens, database URLs)."""
    for name in list(os.environ):
        if name.startswith(("ZTBOT_", "SLACK_", "DISCORD_")) and name != "ZTBOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZTBOT_DATA_DIR", str(tmp_path_factory.mktemp("data")))
