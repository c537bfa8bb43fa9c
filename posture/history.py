"""Every run, kept in SQLite so the next run can say what changed.

One database per user (platformdirs' data dir; `--db` or POSTURE_DB override it). WAL mode and a busy
timeout let two overlapping cron runs write without corrupting it. The stored document is the same
`posture/results@1` JSON the reports hold, which never contains a secret.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from posture.errors import InputError, OutputError
from posture.models import Assessment, CheckStatus
from posture.results import from_dict, to_dict

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS runs (
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
);
CREATE INDEX IF NOT EXISTS runs_by_config ON runs (config_id, finished);
"""


def default_db_path() -> Path:
    env = os.environ.get("POSTURE_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("posture", appauthor=False)) / "history.sqlite"


@dataclass(frozen=True)
class RunSummary:
    id: str
    config_id: str
    config_path: str
    organization: str
    started: str
    finished: str
    failing: int
    errors: int
    tool_version: str = ""
    new: int | None = None  # None: no previous run to compare with
    resolved: int | None = None


class History:
    def __init__(self, path: Path | None = None, timeout_s: float = 30.0) -> None:
        self.path = path or default_db_path()
        self.timeout_s = timeout_s

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only from the first byte (SQLite gives its -wal and -shm files the same mode).
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(self.path, timeout=self.timeout_s)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"history database {self.path}: {exc}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            conn.executescript(SCHEMA_SQL)
            yield conn
            conn.commit()
        except sqlite3.DatabaseError as exc:
            conn.rollback()
            raise OutputError(f"history database {self.path}: {exc}") from None
        finally:
            conn.close()

    def record(self, assessment: Assessment) -> str:
        """Store a finished run; give it an id if it has none."""
        assessment.run_id = assessment.run_id or uuid.uuid4().hex[:12]
        document = to_dict(assessment)
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)",
                (assessment.run_id, assessment.config_id, assessment.config_path,
                 assessment.organization.get("name", ""), assessment.started.isoformat(),
                 assessment.finished.isoformat(), assessment.tool_version, len(assessment.failing),
                 sum(1 for c in assessment.checks if c.status == "error"), json.dumps(document)),
            )
        return assessment.run_id

    def latest(self, config_id: str, *, complete: bool = True) -> Assessment | None:
        """The newest run of a config; by default the newest that ran every check (no `--only` run).

        Comparing with a partial run would make every finding of the checks it skipped look new.
        """
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT results FROM runs WHERE config_id=? ORDER BY finished DESC LIMIT 50", (config_id,)
            ).fetchall()
        for (text,) in rows:
            run = self._load(text)
            if not complete or all(c.status is not CheckStatus.SKIPPED for c in run.checks):
                return run
        return None

    def get(self, run_id: str) -> Assessment:
        with self._connect() as conn:
            # substr, not LIKE: a prefix holding "_" or "%" must not act as a wildcard.
            rows = conn.execute("SELECT results FROM runs WHERE substr(id, 1, ?) = ?",
                                (len(run_id), run_id)).fetchall() if run_id else []
        if len(rows) != 1:
            raise InputError("no such run" if not rows else "ambiguous run id prefix", path=self.path, key=run_id)
        return self._load(rows[0][0])

    def runs(self, config_id: str | None = None) -> list[RunSummary]:
        query = ("SELECT id, config_id, config_path, organization, started, finished, failing, errors, tool_version, "
                 "json_array_length(results, '$.drift.new'), json_array_length(results, '$.drift.resolved') FROM runs")
        args: tuple[str, ...] = ()
        if config_id:
            query += " WHERE config_id=?"
            args = (config_id,)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY finished, started", args).fetchall()
        return [RunSummary(*row) for row in rows]

    def _load(self, text: str) -> Assessment:
        try:
            return from_dict(json.loads(text), self.path)
        except (ValueError, InputError) as exc:
            raise OutputError(f"history database {self.path} holds an unreadable run: {exc}") from None
