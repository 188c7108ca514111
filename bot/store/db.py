"""Database engines and migrations: SQLite by default (WAL, foreign keys), any URL otherwise."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

# Inside the package, so an installed wheel (the container) carries its migrations.
MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY: Final = 0x7A7B07  # advisory lock id for migrations ("ztbot")


def is_sqlite(url: str) -> bool:
    """True for sqlite:// URLs."""
    return make_url(url).get_backend_name() == "sqlite"


# libpq settings so that a dead or partitioned server fails a connection in seconds instead of
# the kernel's minutes: keepalive probes on idle connections, and tcp_user_timeout for data that
# is never acknowledged.
_PG_SOCKET: Final = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An Engine for `url`: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a
    short connect timeout and socket timeouts so a dead server fails fast instead of stalling
    the writer."""
    if is_sqlite(url):
        return _sqlite_engine(url, busy_timeout_s=5.0, **kwargs)
    is_pg = make_url(url).get_backend_name() == "postgresql"
    connect_args = {"connect_timeout": 3, **_PG_SOCKET} if is_pg else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def make_read_engine(url: str, deadline_s: float) -> Engine:
    """An Engine for reads on the answer path: every wait is bounded near `deadline_s`.

    PostgreSQL: connect timeout (libpq's minimum, 2 s), a statement timeout, tight keepalives
    and tcp_user_timeout; SQLite: a busy timeout of `deadline_s`. The caller still enforces the
    deadline itself (reads.py): these bound how long a stuck read keeps its connection.
    """
    if is_sqlite(url):
        return _sqlite_engine(url, busy_timeout_s=deadline_s)
    if make_url(url).get_backend_name() != "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_timeout=deadline_s)
    statement_ms = max(100, int(deadline_s * 4000))
    connect_args: dict[str, Any] = {
        "connect_timeout": 2,
        "options": f"-c statement_timeout={statement_ms}",
        "keepalives": 1,
        "keepalives_idle": 1,
        "keepalives_interval": 1,
        "keepalives_count": 2,
        "tcp_user_timeout": max(1000, statement_ms),
    }
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=2,
        max_overflow=0,
        pool_timeout=deadline_s,
        connect_args=connect_args,
    )


def _sqlite_engine(url: str, *, busy_timeout_s: float, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s}, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


if TYPE_CHECKING:  # Alembic is imported when migrating, not by every command that logs
    from alembic.config import Config


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at migrations/, optionally bound to an open connection."""
    from alembic.config import Config  # noqa: PLC0415

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """Serialise migrations across processes: a PostgreSQL advisory lock, or a lock file
    beside an SQLite database, so two processes starting at once never double-apply one."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
        return
    lock_path = Path(f"{url.database}.migrate.lock") if url.database else None
    if lock_path is None or url.database == ":memory:":
        with engine.connect() as conn:
            yield conn
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# The newest revision in migrations/versions (tests/unit/store/test_migrations.py keeps it true):
# a database already there needs no Alembic at start-up, so one-shot commands start quickly.
HEAD: Final = "0005"


def at_head(engine: Engine) -> bool:
    """True when the database is at the newest revision (False when it cannot tell)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    except SQLAlchemyError:
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`, safely when several processes start together."""
    if revision == "head" and at_head(engine):
        return
    with _migration_lock(engine) as conn:
        from alembic import command  # noqa: PLC0415

        command.upgrade(alembic_config(conn), revision)
        conn.commit()


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to `revision` ('base' for an empty database)."""
    with _migration_lock(engine) as conn:
        from alembic import command  # noqa: PLC0415

        command.downgrade(alembic_config(conn), revision)
        conn.commit()


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has no ztbot tables yet."""
    with engine.connect() as conn:
        from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

        return MigrationContext.configure(conn).get_current_revision()
