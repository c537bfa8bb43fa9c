"""The history's one interface, held to the same contract on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from posture.errors import InputError, OutputError
from posture.models import CheckStatus
from posture.results import to_dict
from posture.store import Store, open_store
from posture.store.migrations import LATEST
from tests.pgserver import PgServer
from tests.reports import sample

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return open_store(tmp_path / "h.sqlite")
    server: PgServer = request.getfixturevalue("postgres")
    return open_store(server.create_database(f"t_{uuid.uuid4().hex[:10]}"))


def test_record_then_read_back(store: Store) -> None:
    first, second = sample.two_runs()
    store.record(first)
    store.record(second, client="corner-shop", schedule_days=14)
    assert to_dict(store.latest(first.config_id)) == to_dict(second)  # type: ignore[arg-type]
    assert to_dict(store.get("run0000000a")) == to_dict(first)
    runs = store.runs(first.config_id)
    assert [r.id for r in runs] == ["run0000000a", "run0000000b"]
    assert (runs[0].new, runs[0].resolved, runs[0].client) == (None, None, "Corner Shop Outfitters")
    assert (runs[1].new, runs[1].resolved, runs[1].failing, runs[1].client) == (1, 1, 4, "corner-shop")
    assert (runs[1].critical, runs[1].high, runs[1].medium, runs[1].low, runs[1].schedule_days) == (1, 1, 1, 1, 14)
    assert [r.id for r in store.runs(client="corner-shop")] == ["run0000000b"]
    assert store.runs("another-config") == [] and store.latest("another-config") is None
    assert store.schema_version() == LATEST


def test_run_ids_by_prefix(store: Store) -> None:
    for run in sample.two_runs():
        store.record(run)
    assert store.get("run0000000b").run_id == "run0000000b"
    with pytest.raises(InputError, match="ambiguous"):
        store.get("run0")
    for missing in ("nope", "run_", "%", ""):  # LIKE wildcards are not wildcards here
        with pytest.raises(InputError, match="no such run"):
            store.get(missing)


def test_partial_runs_never_hide_the_last_complete_one(store: Store) -> None:
    """A `--only` run is marked incomplete in its own column: 60 of them after a complete run (the old
    look-up gave up after 50) still leave the complete one as the run to compare with."""
    complete = sample.assessment(run_id="complete0001")
    store.record(complete)
    for i in range(60):
        checks = [replace(c, status=CheckStatus.SKIPPED, findings=()) if c.check != "ports" else c
                  for c in complete.checks]
        partial = replace(complete, run_id=f"partial{i:04d}", checks=checks,
                          finished=complete.finished.replace(minute=i % 60, hour=10 + i // 60))
        store.record(partial)
    latest = store.latest(complete.config_id)
    assert latest is not None and latest.run_id == "complete0001"
    newest = store.latest(complete.config_id, complete=False)
    assert newest is not None and newest.run_id == "partial0059"
    assert [r.complete for r in store.runs(complete.config_id)].count(False) == 60


def test_a_duplicate_run_id_is_refused_and_the_first_kept(store: Store) -> None:
    run = sample.assessment(run_id="same00000001")
    store.record(run)
    with pytest.raises(OutputError, match="history database"):
        store.record(run)
    assert len(store.runs()) == 1


def test_tracking_is_not_there_until_a_migration_adds_it(store: Store) -> None:
    assert store.has_table("runs") and store.has_table("schema_migrations")
    assert not store.has_table("tracking")
