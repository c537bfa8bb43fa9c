"""The run history behind one small interface, on SQLite (embedded default) or PostgreSQL (shared).

    store = open_store(args.db)            # a path, a postgresql:// DSN, or None for $POSTURE_DB / the default
    previous = store.latest(config.identity)
    store.record(assessment, client=config.client_id, schedule_days=config.scan_every_days)
    store.runs(config.identity); store.runs(client="acme"); store.get("3f2a")

Both backends apply the same numbered migrations (posture.store.migrations); `store.label` is where it
lives, safe to print.
"""

from __future__ import annotations

import os
from pathlib import Path

from posture.errors import UsageError
from posture.store.base import DEFAULT_SCHEDULE_DAYS, RunSummary, Store
from posture.store.dsn import is_postgres, redact

__all__ = ["DEFAULT_SCHEDULE_DAYS", "RunSummary", "Store", "default_target", "open_store", "redact"]


def default_target() -> str:
    """$POSTURE_DB when set, else history.sqlite in the user's data folder."""
    env = os.environ.get("POSTURE_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    try:
        folder = Path(user_data_dir("posture", appauthor=False))
    except (RuntimeError, KeyError):  # platformdirs: "could not determine the home directory"
        raise UsageError("no home folder to keep the history in (HOME is unset and this user has none); "
                         "set POSTURE_DB or pass --db, or --no-history") from None
    return str(folder / "history.sqlite")


def open_store(target: str | Path | None = None, *, timeout_s: float = 30.0) -> Store:
    """The history at `target` (a path or a PostgreSQL DSN). Nothing is opened until it is used."""
    where = str(target) if target is not None and str(target) else default_target()
    if is_postgres(where):
        from posture.store.postgres import PostgresStore

        return PostgresStore(where.strip(), timeout_s=timeout_s)
    from posture.store.sqlite import SQLiteStore

    return SQLiteStore(Path(where).expanduser(), timeout_s=timeout_s)
