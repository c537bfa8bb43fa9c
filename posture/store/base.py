"""What every history backend does, written once over a tiny executor (`rows`, `run`, `?` placeholders).

A backend supplies `_session(write=...)`: a connection with the schema migrated and one transaction around
the block, its driver's errors turned into OutputError with the password scrubbed. Everything else here:
recording a run with its summary columns, finding the previous run, listing runs, reading one back.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NamedTuple

from posture.errors import InputError, OutputError
from posture.store.migrations import SEVERITY_COLUMNS, Executor, summary_columns

if TYPE_CHECKING:  # the results module (and YAML) load only when a run is recorded or read back
    from posture.models import Assessment

DEFAULT_SCHEDULE_DAYS = 7

SUMMARY_COLUMNS = ("id, config_id, config_path, organization, started, finished, failing, errors, tool_version, "
                   "new_count, resolved_count, client, complete, " + ", ".join(SEVERITY_COLUMNS) + ", schedule_days")
SUMMARY_SELECT = f"SELECT {SUMMARY_COLUMNS} FROM runs"
# Per client, its newest complete run, or its newest run when none is complete (window functions: SQLite
# 3.25+, every PostgreSQL posture supports).
NEWEST_PER_CLIENT = (f"SELECT {SUMMARY_COLUMNS} FROM (SELECT {SUMMARY_COLUMNS}, row_number() OVER (PARTITION BY client "
                     "ORDER BY complete DESC, finished DESC, started DESC) AS pick FROM runs) ranked WHERE pick = 1")


class RunSummary(NamedTuple):
    """One run as listings show it: its columns, never its JSON (a tuple: 10,400 of them load in milliseconds)."""

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
    client: str = ""
    complete: bool = True  # every enabled check ran (not a `--only` run)
    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    info: int = 0
    schedule_days: int | None = None


class Store(ABC):
    """The run history. Open one with `posture.store.open_store(target)`."""

    label: str  # where it is, safe to print (a DSN's password is masked)

    @abstractmethod
    def _session(self, *, write: bool = False) -> AbstractContextManager[Executor]:
        """A migrated connection and one transaction; driver errors become OutputError."""

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether the database holds this table (features added by later migrations ask)."""

    def record(self, assessment: Assessment, *, client: str | None = None, schedule_days: int | None = None) -> str:
        """Store a finished run in one transaction; give it an id if it has none. Returns the id."""
        from posture.results import to_dict

        assessment.run_id = assessment.run_id or uuid.uuid4().hex[:12]
        self.record_documents([(to_dict(assessment), client, schedule_days)])
        return assessment.run_id

    def record_documents(self, documents: Iterable[tuple[dict[str, Any], str | None, int | None]]) -> int:
        """Store `posture/results@1` documents (each with its client id and schedule) as runs, all in one
        transaction: every one or none. Returns how many."""
        rows, results = [], []
        for document, client, schedule_days in documents:
            columns = _columns(document, client, schedule_days)
            rows.append(tuple(columns.values()))
            results.append((columns["id"], json.dumps(document)))
        if not rows:
            return 0
        with self._session(write=True) as ex:
            ex.run_many(f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
            ex.run_many("INSERT INTO run_results (run_id, results) VALUES (?, ?)", results)
        return len(rows)

    def latest(self, config_id: str, *, complete: bool = True) -> Assessment | None:
        """The newest run of a config; by default the newest that ran every check (no `--only` run).

        Comparing with a partial run would make every finding of the checks it skipped look new. The
        `complete` column makes this one indexed row, however many partial runs came since.
        """
        query = ("SELECT results FROM run_results WHERE run_id = (SELECT id FROM runs WHERE config_id=?"
                 + (" AND complete=1" if complete else "") + " ORDER BY finished DESC, started DESC LIMIT 1)")
        with self._session() as ex:
            rows = ex.rows(query, (config_id,))
        return self._load(rows[0][0]) if rows else None

    def get(self, run_id: str) -> Assessment:
        """A run by its id or a unique prefix of it."""
        with self._session() as ex:
            # substr, not LIKE: a prefix holding "_" or "%" must not act as a wildcard.
            rows = ex.rows("SELECT results FROM run_results WHERE substr(run_id, 1, ?) = ? LIMIT 2",
                           (len(run_id), run_id)) if run_id else []
        if len(rows) != 1:
            raise InputError("no such run" if not rows else "ambiguous run id prefix", path=self.label, key=run_id)
        return self._load(rows[0][0])

    def runs(self, config_id: str | None = None, *, client: str | None = None) -> list[RunSummary]:
        """Runs oldest first, of one config, one client, or all."""
        where, args = [], []
        if config_id:
            where.append("config_id=?")
            args.append(config_id)
        if client:
            where.append("client=?")
            args.append(client)
        query = SUMMARY_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY finished, started"
        with self._session() as ex:
            rows = ex.rows(query, tuple(args))
        return [_summary(row) for row in rows]

    def fleet_rows(self) -> tuple[list[RunSummary], list[tuple[str, str, int, bool]]]:
        """For a roll-up of every client: each client's newest complete run (newest run if none is), and every
        run as (client, finished, problems, complete), oldest first. Narrow rows, one connection."""
        with self._session() as ex:
            newest = [_summary(row) for row in ex.rows(NEWEST_PER_CLIENT)]
            series = ex.rows("SELECT client, finished, failing, complete FROM runs ORDER BY finished, started")
        return newest, [(client, finished, failing, bool(complete)) for client, finished, failing, complete in series]

    def schema_version(self) -> int:
        with self._session() as ex:
            return int(ex.rows("SELECT max(version) FROM schema_migrations")[0][0])

    def _load(self, text: str) -> Assessment:
        from posture.results import from_dict

        try:
            return from_dict(json.loads(text), self.label)
        except (ValueError, InputError) as exc:
            raise OutputError(f"history database {self.label} holds an unreadable run: {exc}") from None


def _columns(document: dict[str, Any], client: str | None, schedule_days: int | None) -> dict[str, Any]:
    organization = (document.get("organization") or {}).get("name", "")
    checks = document.get("checks") or []
    return {
        "id": document["run_id"], "config_id": document["config"]["id"], "config_path": document["config"]["path"],
        "organization": organization, "started": document["started"], "finished": document["finished"],
        "tool_version": (document.get("tool") or {}).get("version", ""),
        "failing": sum(1 for f in document.get("findings") or [] if f.get("status") == "fail"),
        "errors": sum(1 for c in checks if c.get("status") == "error"),
        "client": client or organization, "schedule_days": schedule_days,
        **summary_columns(document),
    }


def _summary(row: tuple[Any, ...]) -> RunSummary:
    return RunSummary._make(row[:12] + (bool(row[12]),) + row[13:19])
