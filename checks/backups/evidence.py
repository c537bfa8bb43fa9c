"""What each kind of backup evidence boils down to, so one set of rules judges them all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One restorable copy: a restic snapshot, a borg archive, a backup file, a declared last run."""

    id: str  # what to ask the tool for: restic short id, borg archive name, file name
    time: datetime  # aware, UTC
    host: str = ""
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Offsite:
    offsite: bool
    reason: str  # "remote sftp: backend", "on an nfs4 network share (nas:/backups)", "a local path"
    declared: bool = False


@dataclass(frozen=True, slots=True)
class Integrity:
    """The outcome of `restic check` / `borg check`."""

    ok: bool
    problems: tuple[str, ...] = ()


@dataclass
class JobEvidence:
    name: str
    kind: str  # restic | borg | declared | folder
    source: str  # how we know, for the evidence lines
    location: str  # repository or folder, with any URL password masked
    snapshots: list[Snapshot]  # oldest first
    offsite: Offsite
    encrypted: bool | None
    encryption: str  # how the encryption was established, in words
    rpo_hours: float
    noun: str = "snapshot"  # what one copy is called: snapshot, archive, backup file
    tool: str = ""  # restic, borg, the declared tool's name, or "folder"
    declared: bool = False
    immutable: bool | None = None
    last_restore_test: date | None = None
    retention_days: int | None = None  # declared jobs: the history the owner says is kept
    integrity: Integrity | None = None  # None: not verified this run
    notes: list[str] = field(default_factory=list)

    def hosts(self) -> dict[str, list[Snapshot]]:
        """Snapshots by host, each list oldest first (one unnamed group when hosts are not recorded)."""
        return group_by_host(self.snapshots)


def group_by_host(snapshots: Iterable[Snapshot]) -> dict[str, list[Snapshot]]:
    groups: dict[str, list[Snapshot]] = {}
    for snap in snapshots:
        groups.setdefault(snap.host, []).append(snap)
    return groups
