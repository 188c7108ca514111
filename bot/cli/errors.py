"""Errors a user can cause, said in one line; the traceback only with --debug.

Exit codes (docs/cli.md): 0 success; 1 nothing found with --strict, or a service the command
needs failed (a chat platform or the database could not be reached); 2 usage, settings or input
errors, a broken knowledge base; 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import re
from typing import Final

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEBUG_HINT: Final = "run with --debug for the details"
_SQLALCHEMY_NOTE: Final = re.compile(r"\s*\(Background on this error at: [^)]*\)\s*$")
_SQLALCHEMY_CODE: Final = re.compile(r"^\(([\w.]+)\)\s*")
_MAX: Final = 300


def one_line(exc: BaseException) -> str:
    """`exc` as 'What: first line of its message', without library boilerplate."""
    text = _SQLALCHEMY_NOTE.sub("", str(exc)).strip()
    text = _SQLALCHEMY_CODE.sub("", text)  # "(psycopg.OperationalError) ..." prefixes
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    cause = exc.__cause__ or exc.__context__
    if not first and cause is not None:
        return one_line(cause)
    name = type(exc).__name__
    line = f"{name}: {first}" if first else name
    return line if len(line) <= _MAX else line[: _MAX - 1] + "…"


def database_problem(exc: BaseException, url: str) -> str:
    """What went wrong with the database at `url` (already masked), in words a user can act on."""
    name = type(exc).__name__
    if name in {"NoSuchModuleError", "ArgumentError"}:
        return (
            f"ZTBOT_DATABASE_URL {url!r} is not a database URL ztbot can use "
            "(e.g. sqlite:///ztbot.db or postgresql+psycopg://user@host/db)"
        )
    return f"database {url} unavailable: {one_line(exc)}"
