"""The shared backend: one PostgreSQL database holding the history of many clients, via psycopg 3.

Each operation opens its own connection and one transaction: a scan that runs for an hour holds no
connection meanwhile, so a server restart or a dropped VPN mid-scan costs nothing unless it lasts until
the run is recorded, and then the reports are already written and the scan says so in one warning.
Concurrent scans only INSERT their own row, so none can lose or mix another's run. The schema is
migrated under an advisory lock. TLS and every other libpq setting come from the DSN as written;
the password never appears in a message (see posture.store.dsn).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from posture.errors import OutputError, printable
from posture.store.base import Store
from posture.store.dsn import redact, scrub
from posture.store.migrations import LATEST, MIGRATIONS_TABLE, apply_missing

if TYPE_CHECKING:
    import psycopg

# pg_advisory_xact_lock key for schema migrations: "posture" in ASCII, so other applications' keys differ.
MIGRATION_LOCK = int.from_bytes(b"posture", "big")


class _Executor:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(sql.replace("?", "%s"), tuple(params))
        return cursor.fetchall() if cursor.description else []

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql.replace("?", "%s"), tuple(params))

    def run_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cursor:  # psycopg pipelines these: one round trip, not one per row
            cursor.executemany(sql.replace("?", "%s"), params)


class PostgresStore(Store):
    def __init__(self, dsn: str, timeout_s: float = 30.0) -> None:
        self.dsn = dsn
        self.label = redact(dsn)
        self.timeout_s = timeout_s
        self._migrated = False

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[_Executor]:
        import psycopg

        try:
            conn = psycopg.connect(self.dsn, **self._defaults())
        except psycopg.Error as exc:
            raise self._error(exc) from None
        try:
            if not self._migrated:
                self._migrate(conn)
            with conn.transaction():
                yield _Executor(conn)
        except psycopg.Error as exc:
            raise self._error(exc) from None
        finally:
            conn.close()

    def _defaults(self) -> dict[str, Any]:
        """Settings the DSN did not choose itself: never wait minutes for a server that is gone."""
        from psycopg.conninfo import conninfo_to_dict

        try:
            given = conninfo_to_dict(self.dsn)
        except Exception:  # noqa: BLE001 - psycopg.connect reports the bad DSN (scrubbed) right after
            return {}
        defaults = {"connect_timeout": max(1, min(int(self.timeout_s), 30)), "application_name": "posture"}
        return {key: value for key, value in defaults.items() if key not in given}

    def _error(self, exc: Exception) -> OutputError:
        text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
        return OutputError(f"history database {self.label}: {printable(scrub(text, self.dsn))}")

    def _version(self, conn: psycopg.Connection[Any]) -> int:
        with conn.transaction():
            if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() in (None, (None,)):
                return 0
            row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        if self._version(conn) < LATEST:
            with conn.transaction():
                # Twenty scans meeting a fresh database: one migrates, the rest wait here and find it done.
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                conn.execute(MIGRATIONS_TABLE)
                ex = _Executor(conn)
                have = int(ex.rows("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0])
                apply_missing(ex, have, datetime.now(UTC).isoformat())
        have = self._version(conn)
        if have > LATEST:
            raise OutputError(f"history database {self.label} has schema version {have}, newer than this posture "
                              f"knows ({LATEST}); upgrade posture")
        self._migrated = True

    def has_table(self, name: str) -> bool:
        with self._session() as ex:
            return ex.rows("SELECT to_regclass(?)", (name,))[0][0] is not None
