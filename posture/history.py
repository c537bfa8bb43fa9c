"""The run history moved to posture.store (SQLite or PostgreSQL behind one interface).

Kept so older imports keep working: `History(path)` is the SQLite store; use `open_store(path_or_dsn)` for both.
"""

from __future__ import annotations

from pathlib import Path

from posture.store import RunSummary, Store, default_target, open_store
from posture.store.sqlite import SQLiteStore as History

__all__ = ["History", "RunSummary", "Store", "default_db_path", "open_store"]


def default_db_path() -> Path:
    return Path(default_target())
