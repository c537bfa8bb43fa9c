"""The embedded backend: one SQLite file per user (or wherever `--db` points).

WAL mode and a busy timeout let overlapping cron runs write without corrupting it; every write is one
BEGIN IMMEDIATE transaction. The file is owner-only from its first byte.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from posture.errors import OutputError
from posture.store.base import Store
from posture.store.migrations import LATEST, MIGRATIONS_TABLE, apply_missing


class _Executor:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, tuple(params))

    def run_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, params)


class SQLiteStore(Store):
    def __init__(self, path: Path, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.label = str(self.path)
        self.timeout_s = timeout_s
        self._migrated = False

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[_Executor]:
        conn = self._open()
        try:
            if not self._migrated:
                self._migrate(conn)
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield _Executor(conn)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            raise OutputError(f"history database {self.path}: {exc}") from None
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only from the first byte (SQLite gives its -wal and -shm files the same mode).
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"history database {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            self._use_wal(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise OutputError(f"history database {self.path}: {exc}") from None
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch a new file to WAL (the mode is kept in the file, so this runs once per database).

        SQLite answers "database is locked" at once, without its busy handler, when two connections convert
        the same file at the same moment (two cron runs on a fresh history): wait and try again until the
        timeout, as the busy handler would.
        """
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            return
        deadline = time.monotonic() + self.timeout_s
        pause = 0.005
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")  # a file system without WAL keeps its mode, no error
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.2)

    def _version(self, conn: sqlite3.Connection) -> int:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'").fetchall():
            return 0
        return int(conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0])

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self._version(conn) < LATEST:
            conn.execute("BEGIN IMMEDIATE")  # one migrator at a time; the others wait, then find it done
            conn.execute(MIGRATIONS_TABLE)
            apply_missing(_Executor(conn), self._version(conn), datetime.now(UTC).isoformat())
            conn.execute("COMMIT")
        have = self._version(conn)
        if have > LATEST:
            raise OutputError(f"history database {self.path} has schema version {have}, newer than this posture "
                              f"knows ({LATEST}); upgrade posture")
        self._migrated = True

    def has_table(self, name: str) -> bool:
        with self._session() as ex:
            return bool(ex.rows("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)))
