"""Turn each job's evidence (saved files read in `prepare`, or the live tools) into a JobEvidence."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from checks.backups import borg, folder, restic
from checks.backups.evidence import JobEvidence, Offsite, Snapshot
from checks.backups.figures import Figures
from checks.backups.jsonfile import read_json_file
from checks.backups.offsite import Mount, decide, local_path, mask_password, parse_mounts, read_mounts, remote_host
from checks.backups.options import BorgJob, DeclaredJob, FolderJob, ResticJob
from checks.backups.wording import size
from posture.api import CheckContext, read_text_limited

AnyJob = ResticJob | BorgJob | DeclaredJob | FolderJob


@dataclass
class Saved:
    """A job's saved evidence, parsed in `prepare` so bad files stop the run before anything is probed."""

    snapshots: list[Snapshot] | None = None  # restic snapshots_file
    borg: borg.BorgRepo | None = None  # borg list_file (+ info_file)
    mounts: list[Mount] | None = None  # mounts_file


def load_saved(job: AnyJob, index: int, ctx: CheckContext) -> Saved:
    """Parse the job's evidence files; InputError names the file (or config key) and place."""
    saved = Saved()
    key = ("checks", "backups", index)
    for field in ("snapshots_file", "list_file", "info_file", "mounts_file", "password_file", "passphrase_file"):
        value = getattr(job, field, None)
        if value is not None and not ctx.resolve(value).is_file():
            raise ctx.config.locate((*key, field), f"file not found: {ctx.resolve(value)}")
    if isinstance(job, ResticJob) and job.snapshots_file:
        path = ctx.resolve(job.snapshots_file)
        data, text = read_json_file(path)
        saved.snapshots = restic.parse_snapshots(data, text, path, job.host)
    if isinstance(job, BorgJob) and job.list_file:
        path = ctx.resolve(job.list_file)
        listing = borg.parse_list(*read_json_file(path), path, zone=borg.zone_of(job))
        info = None
        if job.info_file:
            info_path = ctx.resolve(job.info_file)
            info = borg.parse_info(*read_json_file(info_path), info_path)
        saved.borg = borg.merge(listing, info)
    if isinstance(job, ResticJob | BorgJob) and job.mounts_file:
        saved.mounts = parse_mounts(read_text_limited(ctx.resolve(job.mounts_file)))
    return saved


def collect(job: AnyJob, saved: Saved, ctx: CheckContext, figures: Figures, mounts_path: Path) -> JobEvidence:
    rpo = job.rpo_hours or figures.default_rpo_hours
    if isinstance(job, ResticJob):
        return _restic(job, saved, ctx, rpo, mounts_path)
    if isinstance(job, BorgJob):
        return _borg(job, saved, ctx, rpo, mounts_path)
    if isinstance(job, DeclaredJob):
        return _declared(job, rpo)
    return _folder(job, ctx, rpo, mounts_path)


def _restic(job: ResticJob, saved: Saved, ctx: CheckContext, rpo: float, mounts_path: Path) -> JobEvidence:
    integrity = None
    if saved.snapshots is not None:
        snapshots = saved.snapshots
        source = f"saved `restic snapshots --json` file {job.snapshots_file}"
    else:
        env, secrets = restic.environment(job, ctx)
        snapshots = restic.live_snapshots(job, ctx, env, secrets)
        source = "`restic snapshots --json`, run live"
        if job.verify:
            ctx.raise_if_cancelled()
            integrity = restic.verify(job, ctx, env, secrets)
            source += " with `restic check`"
    if job.host:
        source += f", host {job.host} only"
    return JobEvidence(
        name=job.name, kind="restic", tool="restic", source=source,
        location=mask_password(job.repository or ""), snapshots=snapshots,
        offsite=_offsite(job, job.repository, saved, ctx, mounts_path, live=saved.snapshots is None),
        encrypted=True, encryption="restic encrypts every repository (AES-256), always on",
        rpo_hours=rpo, immutable=job.immutable, last_restore_test=job.last_restore_test, integrity=integrity,
    )


def _borg(job: BorgJob, saved: Saved, ctx: CheckContext, rpo: float, mounts_path: Path) -> JobEvidence:
    integrity = None
    if saved.borg is not None:
        repo = saved.borg
        source = f"saved `borg list --json` file {job.list_file}" + (f" and `borg info --json` file {job.info_file}"
                                                                      if job.info_file else "")
    else:
        env, secrets = borg.environment(job, ctx)
        repo = borg.live_repo(job, ctx, env, secrets)
        source = "`borg list --json` and `borg info --json`, run live"
        if job.verify:
            ctx.raise_if_cancelled()
            integrity = borg.verify(job, ctx, env, secrets)
            source += " with `borg check`"
    location = job.repository or repo.location
    notes = []
    if repo.stats.get("unique_csize") is not None and repo.stats.get("unique_size") is not None:
        notes.append(f"Repository holds {size(repo.stats['unique_csize'])} on disk (deduplicated, compressed) for "
                     f"{size(repo.stats['unique_size'])} of distinct data")
    if repo.encryption is None:
        encrypted, encryption = None, "not shown in the saved output (add `borg info --json`)"
    else:
        encrypted = borg.is_encrypted(repo.encryption)
        encryption = f"borg mode {repo.encryption}" + ("" if encrypted else ", which does not encrypt the data")
    return JobEvidence(
        name=job.name, kind="borg", tool="borg", source=source, noun="archive",
        location=mask_password(location or ""), snapshots=repo.archives,
        offsite=_offsite(job, location, saved, ctx, mounts_path, live=saved.borg is None, scp_style=True),
        encrypted=encrypted, encryption=encryption, rpo_hours=rpo, immutable=job.immutable,
        last_restore_test=job.last_restore_test, integrity=integrity, notes=notes,
    )


def _offsite(job: ResticJob | BorgJob, location: str | None, saved: Saved, ctx: CheckContext, mounts_path: Path,
             *, live: bool, scp_style: bool = False) -> Offsite:
    """Saved mounts_file first; for a live local repository, this machine's mount table."""
    mounts, where = saved.mounts, f"the saved mount table {job.mounts_file}"
    path = local_path(location, scp_style=scp_style) if location else None
    if path is not None and live:
        path = os.path.realpath(ctx.resolve(path))
        location = path
        if mounts is None:
            mounts, where = read_mounts(mounts_path), str(mounts_path)
    return decide(location, declared=job.offsite, scp_style=scp_style, mounts=mounts, mounts_source=where)


def _declared(job: DeclaredJob, rpo: float) -> JobEvidence:
    snapshots = []
    if job.last_success is not None:
        moment = job.last_success
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        snapshots.append(Snapshot(id=f"{job.tool} run", time=moment))
    if job.offsite is not None or remote_host(job.destination):
        offsite = decide(job.destination, declared=job.offsite)
    else:
        offsite = Offsite(False, "the owner has not said whether a copy is kept off site (set `offsite:`)",
                          declared=True)
    stated = {True: "yes, as declared", False: "no, as declared", None: "not declared"}[job.encrypted]
    return JobEvidence(
        name=job.name, kind="declared", tool=job.tool, declared=True, noun="backup",
        source=f"declared by the owner: {job.tool}" + (f", {job.schedule}" if job.schedule else ""),
        location=mask_password(job.destination), snapshots=snapshots, offsite=offsite,
        encrypted=job.encrypted, encryption=stated, rpo_hours=rpo, immutable=job.immutable,
        last_restore_test=job.last_restore_test, retention_days=job.retention_days,
    )


def _folder(job: FolderJob, ctx: CheckContext, rpo: float, mounts_path: Path) -> JobEvidence:
    path = ctx.resolve(job.path)
    files, notes = folder.list_backups(path, job.pattern, job.time_from)
    real = os.path.realpath(path)
    offsite = decide(real, declared=job.offsite, mounts=read_mounts(mounts_path), mounts_source=str(mounts_path))
    stated = {True: "yes, as stated in the config", False: "no, as stated in the config", None: "not recorded"}
    how = "file modification times" if job.time_from == "mtime" else "dates in the file names"
    return JobEvidence(
        name=job.name, kind="folder", tool="folder", noun="backup file",
        source=f"listing of the backup folder (files matching {job.pattern!r}, times from {how})",
        location=str(path), snapshots=files, offsite=offsite, encrypted=job.encrypted,
        encryption=stated[job.encrypted], rpo_hours=rpo, immutable=job.immutable,
        last_restore_test=job.last_restore_test, notes=notes,
    )


def summary(ev: JobEvidence) -> dict[str, object]:
    """JSON-safe figures for the check's facts."""
    newest: datetime | None = ev.snapshots[-1].time if ev.snapshots else None
    oldest: datetime | None = ev.snapshots[0].time if ev.snapshots else None
    return {
        "job": ev.name, "type": ev.kind, "declared": ev.declared, "snapshots": len(ev.snapshots),
        "newest": newest.isoformat() if newest else None, "oldest": oldest.isoformat() if oldest else None,
        "offsite": ev.offsite.offsite, "encrypted": ev.encrypted,
        "verified": None if ev.integrity is None else ev.integrity.ok,
    }
