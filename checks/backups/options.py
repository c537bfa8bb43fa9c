"""The `checks.backups` section: a list of backup jobs, each typed by `type`.

Each job says where its evidence comes from: a live restic or borg repository, the JSON those tools
saved on site, a folder of backup files, or the owner's own description (declared, lower confidence).
Passwords are named by file or command, never written in the config.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Discriminator, Field, RootModel, Tag, field_validator, model_validator

JobType = Literal["restic", "borg", "declared", "folder"]
JOB_TYPES: tuple[str, ...] = ("restic", "borg", "declared", "folder")


class _Job(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120, description="what this job backs up, as the owner calls it")
    rpo_hours: float | None = Field(
        default=None, gt=0, le=24 * 366,
        description="hours the newest backup may age before it is stale (default 26: a nightly job plus slack)",
    )
    offsite: bool | None = Field(
        default=None, description="the owner's own statement that the copy is (or is not) kept off site; "
                                  "overrides what the repository or mount table shows",
    )
    immutable: bool | None = Field(
        default=None, description="the copy is offline or immutable (append-only, object lock, rotated drive)",
    )
    last_restore_test: date | None = Field(default=None, description="when a restore from this job was last tested")


class _Repository(_Job):
    repository: str | None = Field(
        default=None, min_length=1,
        description="repository location (a path, or a remote such as sftp:, s3:, ssh://); judged for offsite",
    )
    verify: bool = Field(default=False, description="also run the tool's integrity check (live only; can be slow)")
    timeout_s: float = Field(default=300.0, gt=0, le=86400, description="time allowed for each tool run")
    mounts_file: str | None = Field(
        default=None, description="a saved copy of /proc/mounts from the machine holding the repository "
                                  "(to judge whether a local path is a network share)",
    )


class ResticJob(_Repository):
    type: Literal["restic"]
    password_file: str | None = Field(default=None, description="file holding the repository password")
    password_command: str | None = Field(default=None, description="command printing the repository password")
    snapshots_file: str | None = Field(
        default=None, description="saved output of `restic snapshots --json`, taken on site (offline evidence)",
    )
    host: str | None = Field(default=None, min_length=1, description="judge only the snapshots of this host")

    @model_validator(mode="after")
    def _evidence(self) -> ResticJob:
        if self.password_file and self.password_command:
            raise ValueError("give password_file or password_command, not both")
        if self.snapshots_file is None:
            if not self.repository:
                raise ValueError("a live restic job needs `repository` (or `snapshots_file` for saved evidence)")
            if not (self.password_file or self.password_command):
                raise ValueError("a live restic job needs `password_file` or `password_command`")
        elif self.verify:
            raise ValueError("`verify` needs the live repository: remove `snapshots_file` to verify")
        return self


class BorgJob(_Repository):
    type: Literal["borg"]
    passphrase_file: str | None = Field(default=None, description="file holding the repository passphrase")
    passphrase_command: str | None = Field(default=None, description="command printing the repository passphrase")
    list_file: str | None = Field(default=None, description="saved output of `borg list --json` (offline evidence)")
    info_file: str | None = Field(default=None, description="saved output of `borg info --json` (offline evidence)")
    timezone: str | None = Field(
        default=None, description="IANA time zone of the machine that ran borg (borg prints local times); "
                                  "default: this machine's",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not a known time zone (e.g. America/Denver)") from None
        return value

    @model_validator(mode="after")
    def _evidence(self) -> BorgJob:
        if self.passphrase_file and self.passphrase_command:
            raise ValueError("give passphrase_file or passphrase_command, not both")
        if self.list_file is None:
            if self.info_file is not None:
                raise ValueError("`info_file` goes with `list_file` (the archives come from `borg list --json`)")
            if not self.repository:
                raise ValueError("a live borg job needs `repository` (or `list_file` for saved evidence)")
        elif self.verify:
            raise ValueError("`verify` needs the live repository: remove `list_file` to verify")
        return self


class DeclaredJob(_Job):
    type: Literal["declared"]
    tool: str = Field(min_length=1, description="the backup software or service")
    schedule: str = Field(default="", description="how often it runs, in the owner's words")
    last_success: datetime | None = Field(default=None, description="when it last finished without errors (UTC "
                                                                      "unless a zone is given)")
    destination: str = Field(default="", description="where the copies go")
    encrypted: bool | None = None
    retention_days: int | None = Field(default=None, ge=0, description="how many days of history it keeps")


class FolderJob(_Job):
    type: Literal["folder"]
    path: str = Field(min_length=1, description="the folder holding the backup files (e.g. a mounted NAS share)")
    pattern: str = Field(default="*", min_length=1, description="which files are backups (glob, e.g. *.zip)")
    time_from: Literal["mtime", "name"] = Field(
        default="mtime", description="take each backup's time from the file's modification time, or from a "
                                     "date in its name (YYYY-MM-DD or YYYYMMDD, optional HHMM; UTC)",
    )
    encrypted: bool | None = Field(default=None, description="the owner's statement that the files are encrypted")

    @field_validator("pattern")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError("the pattern is relative to `path` and cannot leave it")
        return value


def _job_tag(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    # Capitalised tags: the config loader drops union tags from error locations, so a bad key is
    # reported at its own line (checks.backups[0].pasword_file), not at the job's.
    return kind.capitalize() if kind in JOB_TYPES else None


Job = Annotated[
    Annotated[ResticJob, Tag("Restic")] | Annotated[BorgJob, Tag("Borg")]
    | Annotated[DeclaredJob, Tag("Declared")] | Annotated[FolderJob, Tag("Folder")],
    Discriminator(
        _job_tag, custom_error_type="backup_job_type",
        custom_error_message="each job needs `type`: one of restic, borg, declared, folder",
    ),
]


class BackupsOptions(RootModel[list[Job]]):
    """One entry per backup job."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _unique_names(self) -> BackupsOptions:
        if not self.root:
            raise ValueError("list at least one backup job")
        seen: set[str] = set()
        for job in self.root:
            if job.name in seen:
                raise ValueError(f"two jobs are named {job.name!r}; names must differ (they key the findings)")
            seen.add(job.name)
        return self

    @property
    def jobs(self) -> list[ResticJob | BorgJob | DeclaredJob | FolderJob]:
        return list(self.root)
