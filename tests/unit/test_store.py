"""The store's SQLite side and its plumbing: a history written by the previous version migrates in place,
a newer one is refused, `--db` picks the backend, and a DSN's password is masked everywhere."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from posture.errors import OutputError
from posture.models import CheckStatus
from posture.results import to_dict
from posture.store import open_store
from posture.store.dsn import is_postgres, passwords, redact, scrub
from posture.store.migrations import LATEST
from posture.store.postgres import PostgresStore
from posture.store.sqlite import SQLiteStore
from posture.testing import config_from_dict, minimal_config
from tests.reports import sample

# The schema posture 0.1 created, and the INSERT it used: kept verbatim to build a real old history.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, config_id TEXT NOT NULL, config_path TEXT NOT NULL, organization TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT NOT NULL, tool_version TEXT NOT NULL, failing INTEGER NOT NULL,
    errors INTEGER NOT NULL, results TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_config ON runs (config_id, finished);
"""


def _old_history(path: Path) -> list[str]:
    first, second = sample.two_runs()
    partial = replace(second, run_id="run0000000c", finished=second.finished.replace(hour=11),
                      checks=[replace(c, status=CheckStatus.SKIPPED, findings=()) if c.check != "ports" else c
                              for c in second.checks])
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(OLD_SCHEMA)
        for a in (first, second, partial):
            conn.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)", (
                a.run_id, a.config_id, a.config_path, a.organization["name"], a.started.isoformat(),
                a.finished.isoformat(), a.tool_version, len(a.failing),
                sum(1 for c in a.checks if c.status == "error"), json.dumps(to_dict(a))))
    return [first.run_id, second.run_id, partial.run_id]


def test_a_history_from_the_previous_version_migrates_in_place(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    ids = _old_history(db)
    store = open_store(db)
    runs = store.runs("c0ffee0000000001")
    assert [r.id for r in runs] == ids
    first, second, partial = runs
    assert (first.new, first.resolved, first.complete) == (None, None, True)
    assert (second.new, second.resolved, second.complete, second.failing) == (1, 1, True, 4)
    assert (second.critical, second.high, second.medium, second.low) == (1, 1, 1, 1)
    assert partial.complete is False and {r.client for r in runs} == {"Corner Shop Outfitters"}
    latest = store.latest("c0ffee0000000001")
    assert latest is not None and latest.run_id == "run0000000b"  # the partial run is not compared with
    assert store.get("run0000000a").run_id == "run0000000a"
    assert store.schema_version() == LATEST
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall() == [
            (v,) for v in range(1, LATEST + 1)]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    open_store(db).record(sample.assessment(run_id="run0000000d"), client="corner", schedule_days=3)
    assert [r.client for r in open_store(db).runs(client="corner")] == ["corner"]


def test_a_history_from_a_newer_posture_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    open_store(db).runs()
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', '2030-01-01')")
    with pytest.raises(OutputError, match="schema version 99, newer than this posture knows"):
        open_store(db).runs()


def test_db_picks_the_backend_and_postgres_is_not_contacted_until_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(open_store(tmp_path / "h.sqlite"), SQLiteStore)
    dsn = "postgresql://tech:s3cret-Pw@db.example.invalid:5432/posture?sslmode=verify-full"
    store = open_store(dsn)
    assert isinstance(store, PostgresStore) and store.label == redact(dsn) and "s3cret" not in store.label
    monkeypatch.setenv("POSTURE_DB", "postgres://tech:x@127.0.0.1/p")
    assert isinstance(open_store(), PostgresStore) and isinstance(open_store(None), PostgresStore)
    monkeypatch.setenv("POSTURE_DB", str(tmp_path / "env.sqlite"))
    assert open_store().label == str(tmp_path / "env.sqlite")


@pytest.mark.parametrize(("dsn", "shown", "secret"), [
    ("postgresql://tech:s3cret@host:5432/db", "postgresql://tech:***@host:5432/db", "s3cret"),
    ("postgres://tech:p%40ss%2Fw@host/db?sslmode=require", "postgres://tech:***@host/db?sslmode=require", "p@ss/w"),
    ("postgresql://host/db?user=tech&password=hunter22&sslmode=verify-full",
     "postgresql://host/db?user=tech&password=***&sslmode=verify-full", "hunter22"),
    ("postgresql://tech@host/db", "postgresql://tech@host/db", ""),
    ("host=db user=tech password='my pass' sslmode=require", "host=db user=tech password=*** sslmode=require",
     "my pass"),
])
def test_dsn_passwords_are_masked(dsn: str, shown: str, secret: str) -> None:
    assert redact(dsn) == shown
    if secret:
        assert secret in passwords(dsn)
        assert secret not in scrub(f"could not connect with {secret} to {dsn}", dsn)
    assert is_postgres(dsn) == dsn.startswith("postgres")


def test_a_driver_error_never_carries_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever psycopg says (here: it echoes the whole DSN), the message shows the masked one."""
    import psycopg

    dsn = "postgresql://tech:Very-Secret-42@127.0.0.1:1/db?connect_timeout=1"

    def echoing_connect(conninfo: str, **_: object) -> None:
        raise psycopg.OperationalError(f"cannot use {conninfo}\nsecond line with Very-Secret-42")

    monkeypatch.setattr(psycopg, "connect", echoing_connect)
    with pytest.raises(OutputError) as caught:
        open_store(dsn).runs()
    message = str(caught.value)
    assert "Very-Secret-42" not in message and "\n" not in message
    assert message.startswith("history database postgresql://tech:***@127.0.0.1:1/db")


def test_the_client_id_defaults_to_the_organization(tmp_path: Path) -> None:
    plain = config_from_dict(tmp_path, minimal_config())
    assert (plain.client_id, plain.scan_every_days) == ("Test Co", 7)
    named = config_from_dict(tmp_path, minimal_config(client="acme-dental", scan_every_days=30), name="b.yaml")
    assert (named.client_id, named.scan_every_days) == ("acme-dental", 30)
