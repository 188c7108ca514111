"""Alembic environment: runs on a connection handed over by bot.store.db, or on
ZTBOT_DATABASE_URL when invoked as `alembic upgrade head`."""

from __future__ import annotations

from alembic import context

from bot.base.settings import Settings
from bot.store.db import is_sqlite, make_engine
from bot.store.models import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use the caller's connection when given, else open one from the settings."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = Settings.from_env().database_url
    if url is None:
        raise SystemExit("ZTBOT_DATABASE_URL is disabled; nothing to migrate")
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        if is_sqlite(url):
            conn.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")
run_migrations_online()
