"""The `backups` check: can the business rebuild from a recent, offsite, reviewed copy?

Both guides rest recovery on backups ("Begin Restoration Processes": rebuild from an offsite backup;
"Revert to Backups": regular backups, reviewed before restoring). This check proves it from what the
backup tools say (restic, borg, live or saved on site), from a folder of backup files, or, with lower
confidence, from the owner's description. In incident mode it names the clean restore point.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from checks.backups.options import BackupsOptions, BorgJob, DeclaredJob, FolderJob, ResticJob
from checks.backups.wording import CHECK_ID
from posture.api import (
    Cancelled,
    Check,
    CheckContext,
    CheckFailed,
    CheckMeta,
    Config,
    Finding,
    Problems,
    all_parts_failed,
    part_error,
)

# Validating a config (and the TUI's overview) needs only the options: the restic and borg readers and
# the rules are imported when the check is prepared or run.
if TYPE_CHECKING:
    from checks.backups.collect import Saved


class BackupsCheck(Check[BackupsOptions]):
    meta = CheckMeta(
        id=CHECK_ID,
        title="Backups: offsite, regular, reviewed",
        description="Judges each backup job (restic, borg, a folder of backup files, or one the owner describes) "
                    "for an offsite copy, freshness, encryption, history depth and restore tests; in an incident, "
                    "names the clean restore point.",
        weaknesses=("no-offsite-backup", "irregular-backups", "unreviewed-backups", "faulty-security",
                    "hardware-failure"),
        needs=frozenset({"files", "restic", "borg"}),
        timeout_s=3600,  # `verify: true` reads whole repositories
    )
    Options = BackupsOptions
    # The mount table that says whether a local path is a network share; tests point it at a fake.
    mounts_path: ClassVar[Path] = Path("/proc/mounts")

    def __init__(self) -> None:
        self._saved: dict[int, Saved] = {}

    def describe_evidence(self, options: BackupsOptions, config: Config) -> list[str]:
        return [_describe(job) for job in options.jobs] if isinstance(options, BackupsOptions) else []

    def prepare(self, ctx: CheckContext[BackupsOptions]) -> None:
        """Every job's saved evidence; the problems of all jobs at once."""
        from checks.backups.collect import load_saved

        self._saved, problems = {}, Problems()
        for i, job in enumerate(ctx.options.jobs):
            with problems.gathered():
                self._saved[i] = load_saved(job, i, ctx)
        problems.raise_any()

    def run(self, ctx: CheckContext[BackupsOptions]) -> Iterable[Finding]:
        from checks.backups.collect import collect, load_saved, summary
        from checks.backups.figures import load_figures
        from checks.backups.restore_point import compromise_window, judge_restore_point
        from checks.backups.rules import judge_readiness

        figures = load_figures()
        now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
        incident = ctx.config.incident
        jobs = ctx.options.jobs
        evidence = []
        broken: list[Finding] = []
        failures: list[CheckFailed] = []
        for i, job in enumerate(jobs):
            ctx.raise_if_cancelled()
            ctx.progress(i / len(jobs), f"reading backup job {job.name}")
            try:
                evidence.append(collect(job, self._saved.get(i) or load_saved(job, i, ctx), ctx, figures,
                                        self.mounts_path))
            except Cancelled:
                raise
            except CheckFailed as exc:  # this job is its own error; the other jobs are still judged
                broken.append(part_error(CHECK_ID, f"{job.name}/", f"Backup job {job.name!r}",
                                         str(exc).removeprefix(f"backup job {job.name!r}: "), asset=job.name,
                                         weaknesses=("unreviewed-backups",)))
                ctx.not_assessed(f"{job.name}/")
                failures.append(exc)
        if not evidence:  # nothing could be judged: the check itself is `error`
            raise failures[0] if len(failures) == 1 else all_parts_failed(broken)
        hardware = incident is not None and incident.kind == "hardware_failure"
        findings = broken + [f for ev in evidence for f in judge_readiness(ev, now, figures, hardware)]
        ctx.facts["jobs"] = [summary(ev) for ev in evidence]
        if incident is not None:
            window = compromise_window(incident, figures)
            points = []
            for ev in evidence:
                finding, found = judge_restore_point(ev, window)
                findings.append(finding)
                points += found
            ctx.facts["compromise_window_start"] = window.start.isoformat()
            ctx.facts["restore_points"] = points
        ctx.progress(1.0, "backups judged")
        return findings


def _describe(job: ResticJob | BorgJob | DeclaredJob | FolderJob) -> str:
    if isinstance(job, ResticJob):
        how = f"saved restic snapshots {job.snapshots_file}" if job.snapshots_file else \
            "restic snapshots" + (" and restic check" if job.verify else "") + " on the live repository"
    elif isinstance(job, BorgJob):
        how = f"saved borg list {job.list_file}" if job.list_file else \
            "borg list and info" + (" and borg check" if job.verify else "") + " on the live repository"
    elif isinstance(job, DeclaredJob):
        how = f"the owner's description of {job.tool} (declared, lower confidence)"
    else:
        how = f"the backup files in {job.path} matching {job.pattern!r}"
    return f"Backup job {job.name!r}: {how}"
