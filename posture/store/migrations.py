"""The history's schema, as numbered migrations that both backends apply the same way.

A database records the versions it has in `schema_migrations`; opening a store applies the missing ones in
order, inside one transaction holding the backend's write lock (SQLite's BEGIN IMMEDIATE, a PostgreSQL
advisory lock), so twenty scans starting at once against a fresh database migrate it exactly once.

To add tables (say, per-finding tracking kept beside the runs), append a Migration: never edit one that
has shipped. SQL here is the subset SQLite and PostgreSQL share (TEXT, INTEGER, `?` placeholders); a step
that needs more is a Python function over the executor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Executor(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def run_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None: ...


Step = str | Callable[[Executor], None]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    steps: tuple[Step, ...]


SEVERITY_COLUMNS = ("sev_critical", "sev_high", "sev_medium", "sev_low", "sev_info")


def summary_columns(document: dict[str, Any]) -> dict[str, Any]:
    """The figures kept as columns beside a run's results JSON, so listings never parse the JSON."""
    checks = document.get("checks") or []
    failing = [f for f in document.get("findings") or [] if f.get("status") == "fail"]
    drift = document.get("drift")
    counts = {column: 0 for column in SEVERITY_COLUMNS}
    for finding in failing:
        column = f"sev_{finding.get('severity', '')}"
        if column in counts:
            counts[column] += 1
    return {
        "complete": int(all(c.get("status") != "skipped" for c in checks)),
        "new_count": len(drift.get("new") or []) if drift else None,
        "resolved_count": len(drift.get("resolved") or []) if drift else None,
        **counts,
    }


def _backfill_summaries(ex: Executor) -> None:
    """Runs recorded before v2 get their columns from their own JSON, once."""
    rows = ex.rows("SELECT runs.id, organization, run_results.results FROM runs "
                   "JOIN run_results ON run_results.run_id = runs.id")
    for run_id, organization, text in rows:
        try:
            columns = summary_columns(json.loads(text))
        except (ValueError, AttributeError, TypeError):
            continue  # an unreadable run keeps the defaults; reading it still reports the damage
        assignments = ", ".join(f"{name}=?" for name in columns)
        ex.run(f"UPDATE runs SET client=?, {assignments} WHERE id=?", (organization, *columns.values(), run_id))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs with their results JSON (the schema of posture 0.1)", (
        """CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            config_id TEXT NOT NULL,
            config_path TEXT NOT NULL,
            organization TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            failing INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            results TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS runs_by_config ON runs (config_id, finished)",
    )),
    Migration(2, "results JSON in its own table; client id, schedule and summary columns (complete, new, "
                 "resolved, by severity) so listings never read the JSON", (
        "CREATE TABLE run_results (run_id TEXT PRIMARY KEY, results TEXT NOT NULL)",
        "INSERT INTO run_results (run_id, results) SELECT id, results FROM runs",
        "ALTER TABLE runs ADD COLUMN client TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN schedule_days INTEGER",
        "ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE runs ADD COLUMN new_count INTEGER",
        "ALTER TABLE runs ADD COLUMN resolved_count INTEGER",
        *(f"ALTER TABLE runs ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0" for column in SEVERITY_COLUMNS),
        _backfill_summaries,
        "ALTER TABLE runs DROP COLUMN results",
        "CREATE INDEX IF NOT EXISTS runs_by_client ON runs (client, finished)",
        "CREATE INDEX IF NOT EXISTS runs_complete ON runs (config_id, complete, finished)",
    )),
)

LATEST = MIGRATIONS[-1].version

MIGRATIONS_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied TEXT NOT NULL
)"""


def apply_missing(ex: Executor, have: int, now: str) -> list[int]:
    """Apply every migration above `have`; the caller holds the write lock and the transaction."""
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= have:
            continue
        for step in migration.steps:
            if isinstance(step, str):
                ex.run(step)
            else:
                step(ex)
        ex.run("INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
               (migration.version, migration.name, now))
        applied.append(migration.version)
    return applied
