"""The store: SQLAlchemy models, migrations, and a buffered writer that never blocks answers.

The names below load on first use (PEP 562): importing `bot.store.records` or
`bot.store.privacy` does not import SQLAlchemy, so a one-shot `ztbot ask` can answer before
the database code loads (start-up time).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.store.reads import StoreUnavailable
    from bot.store.store import Store, open_store, open_store_or_buffer

__all__ = ["Store", "StoreUnavailable", "open_store", "open_store_or_buffer"]

_WHERE = {
    "Store": "bot.store.store",
    "open_store": "bot.store.store",
    "open_store_or_buffer": "bot.store.store",
    "StoreUnavailable": "bot.store.reads",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'bot.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value
