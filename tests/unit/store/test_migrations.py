"""Migrations: upgrade and downgrade from empty, agree with the models, and are safe to race."""

from __future__ import annotations

import multiprocessing

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store.db import current, downgrade, make_engine, upgrade
from bot.store.models import Base

TABLES = {
    "dead_letters",
    "conversations",
    "turns",
    "candidates",
    "findings",
    "feedback",
    "knowledge_versions",
    "workspace_settings",
    "config_changes",
}


def test_upgrade_and_downgrade_from_empty(db_url: str) -> None:
    """head creates every table; base removes them all again; head works a second time."""
    engine = make_engine(db_url)
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == "0005"
    assert set(inspect(engine).get_table_names()) >= TABLES
    downgrade(engine, "base")
    assert current(engine) is None
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current(engine) == "0005"
    engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    """Alembic's autogenerate comparison finds no difference after upgrading."""
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The embedded default is a WAL-mode SQLite file that enforces foreign keys."""
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'z.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def _upgrade_in_process(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def test_concurrent_start_ups_apply_migrations_once(db_url: str) -> None:
    """Four processes upgrading at once leave one consistent schema at head."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_upgrade_in_process, args=(db_url,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert rows == [("0005",)]


def test_the_head_constant_is_the_newest_revision() -> None:
    """db.HEAD (checked at start-up without Alembic) names the newest migration."""
    from alembic.script import ScriptDirectory

    from bot.store import db

    assert ScriptDirectory.from_config(db.alembic_config()).get_current_head() == db.HEAD


def test_upgrade_skips_alembic_at_head(db_url: str) -> None:
    """A database at the newest revision is recognised as such, before and after upgrading."""
    from bot.store import db

    engine = db.make_engine(db_url)
    try:
        assert not db.at_head(engine)
        db.upgrade(engine)
        assert db.at_head(engine)
        db.upgrade(engine)  # nothing to do, and no error
        assert db.current(engine) == db.HEAD
    finally:
        engine.dispose()
