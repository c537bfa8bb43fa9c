"""What every history backend does, written once over a tiny executor (`rows`, `run`, `?` placeholders).

A backend supplies `_session(write=...)`: a connection with the schema migrated and one transaction around
the block, its driver's errors turned into OutputError with the password scrubbed. Everything else here:
recording a run with its summary columns, finding the previous run, listing runs, reading one back.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass

from posture.errors import InputError, OutputError
from posture.models import Assessment, CheckStatus
from posture.results import from_dict, to_dict
from posture.store.migrations import SEVERITY_COLUMNS, Executor, summary_columns

DEFAULT_SCHEDULE_DAYS = 7

SUMMARY_SELECT = ("SELECT id, config_id, config_path, organization, started, finished, failing, errors, tool_version, "
                  "new_count, resolved_count, client, complete, " + ", ".join(SEVERITY_COLUMNS) +
                  ", schedule_days, progress FROM runs")


@dataclass(frozen=True)
class RunSummary:
    """One run as listings show it: its columns, never its JSON."""

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
    progress: str = ""  # "9/23 done · 2 overdue · 3 accepted" when tracking was on for the run

    @classmethod
    def from_row(cls, row: tuple[object, ...]) -> RunSummary:
        values = list(row)
        values[12] = bool(values[12])
        return cls(*values)  # type: ignore[arg-type]


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
        assessment.run_id = assessment.run_id or uuid.uuid4().hex[:12]
        document = to_dict(assessment)
        columns = {
            "id": assessment.run_id, "config_id": assessment.config_id, "config_path": assessment.config_path,
            "organization": assessment.organization.get("name", ""), "started": assessment.started.isoformat(),
            "finished": assessment.finished.isoformat(), "tool_version": assessment.tool_version,
            "failing": len(assessment.failing),
            "errors": sum(1 for c in assessment.checks if c.status is CheckStatus.ERROR),
            "results": json.dumps(document), "client": client or assessment.organization.get("name", ""),
            "schedule_days": schedule_days, **summary_columns(document),
        }
        with self._session(write=True) as ex:
            ex.run(f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                   tuple(columns.values()))
        return assessment.run_id

    def latest(self, config_id: str, *, complete: bool = True) -> Assessment | None:
        """The newest run of a config; by default the newest that ran every check (no `--only` run).

        Comparing with a partial run would make every finding of the checks it skipped look new. The
        `complete` column makes this one indexed row, however many partial runs came since.
        """
        query = "SELECT results FROM runs WHERE config_id=?" + (" AND complete=1" if complete else "")
        with self._session() as ex:
            rows = ex.rows(query + " ORDER BY finished DESC, started DESC LIMIT 1", (config_id,))
        return self._load(rows[0][0]) if rows else None

    def get(self, run_id: str) -> Assessment:
        """A run by its id or a unique prefix of it."""
        with self._session() as ex:
            # substr, not LIKE: a prefix holding "_" or "%" must not act as a wildcard.
            rows = ex.rows("SELECT results FROM runs WHERE substr(id, 1, ?) = ? LIMIT 2",
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
            return [RunSummary.from_row(row) for row in ex.rows(query, tuple(args))]

    def schema_version(self) -> int:
        with self._session() as ex:
            return int(ex.rows("SELECT max(version) FROM schema_migrations")[0][0])

    def _load(self, text: str) -> Assessment:
        try:
            return from_dict(json.loads(text), self.label)
        except (ValueError, InputError) as exc:
            raise OutputError(f"history database {self.label} holds an unreadable run: {exc}") from None
