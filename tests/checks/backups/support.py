"""Helpers shared by the backups tests (this module holds no tests of its own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checks.backups import BackupsCheck
from checks.backups.evidence import JobEvidence, Offsite, Snapshot
from posture.check import CheckContext
from posture.models import Finding
from posture.testing import config_from_dict, context_for, minimal_config, run_check

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def context(folder: Path, jobs: Any, *, now: datetime = NOW, incident: dict[str, Any] | None = None) -> CheckContext:
    sections: dict[str, Any] = {"checks": {"backups": jobs}}
    if incident is not None:
        sections["incident"] = incident
    config = config_from_dict(folder, minimal_config(**sections))
    return context_for(config, "backups", now=now)


def run(folder: Path, jobs: Any, *, now: datetime = NOW, incident: dict[str, Any] | None = None,
        check: type[BackupsCheck] = BackupsCheck) -> tuple[dict[str, Finding], dict[str, Any]]:
    """Run the check; findings by key (job/aspect) and the facts."""
    ctx = context(folder, jobs, now=now, incident=incident)
    findings = run_check(check, ctx)
    keyed = {f.key: f for f in findings}
    assert len(keyed) == len(findings), "finding keys must be unique"
    return keyed, ctx.facts


def daily(newest: datetime, count: int, host: str = "") -> list[Snapshot]:
    return [Snapshot(id=f"{i:08x}", time=newest - timedelta(days=count - 1 - i), host=host) for i in range(count)]


def evidence(snapshots: list[Snapshot], **changes: Any) -> JobEvidence:
    fields: dict[str, Any] = dict(
        name="File server", kind="restic", tool="restic", source="test", location="/srv/restic",
        snapshots=snapshots, offsite=Offsite(False, "a local path"), encrypted=True, encryption="restic",
        rpo_hours=26.0,
    )
    fields.update(changes)
    return JobEvidence(**fields)


def restic_json(times: list[str], host: str = "fileserver") -> str:
    """A `restic snapshots --json` document in restic 0.14's shape."""
    import json

    items = [{"time": t, "tree": "ab" * 32, "paths": ["/srv/shares"], "hostname": host, "username": "root",
              "id": f"{i:08x}" + "0" * 56, "short_id": f"{i:08x}"} for i, t in enumerate(times)]
    return json.dumps(items)
