"""Shared fixtures: the real knowledge base, loaded once per test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.core.engine import Engine
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
    # The command line's knowledge cache (bot/cli/index_cache.py): not the developer's.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


# Database fixtures: a real SQLite file always, and a throwaway PostgreSQL database of its own
# when ZTBOT_TEST_POSTGRES_URL is set (CI sets it).

PG_URL = os.environ.get("ZTBOT_TEST_POSTGRES_URL")


def _pg_database() -> Iterator[str]:
    assert PG_URL is not None
    name = f"ztbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(PG_URL is None, reason="ZTBOT_TEST_POSTGRES_URL is not set"),
        ),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ztbot.db'}"
    else:
        yield from _pg_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database (skips when ZTBOT_TEST_POSTGRES_URL is not set)."""
    if PG_URL is None:
        pytest.skip("ZTBOT_TEST_POSTGRES_URL is not set")
    yield from _pg_database()
