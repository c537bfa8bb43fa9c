"""A folder of backup files (a USB drive, a NAS share): each matching file is one backup.

A file's time is its modification time, or a date in its name when the job says `time_from: name`
(copying files often resets their times; names written by the backup tool do not change).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from checks.backups.evidence import Snapshot
from posture.api import CheckFailed

MAX_FILES = 100_000
_NAME_TIME = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T_ .-]?(?P<H>[0-2]\d)[:.-]?(?P<M>[0-5]\d)(?:[:.-]?(?P<S>[0-5]\d))?)?(?!\d)"
)


def time_in_name(name: str) -> datetime | None:
    """The first date (and time) written in a file name, read as UTC; None when there is none."""
    for match in _NAME_TIME.finditer(name):
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        try:
            return datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0), parts.get("M", 0),
                            parts.get("S", 0), tzinfo=UTC)
        except ValueError:
            continue  # 2026-13-45 is not a date; a later match may be
    return None


def list_backups(folder: Path, pattern: str, time_from: str) -> tuple[list[Snapshot], list[str]]:
    """The backup files under `folder`, oldest first, and notes on files that were left out.

    A missing or unreadable folder is a CheckFailed: a NAS share that is not mounted is a problem to
    report, not a folder with no backups in it.
    """
    if not folder.is_dir():
        state = "is not a folder" if folder.exists() else "does not exist (is the share or drive connected?)"
        raise CheckFailed(f"backup folder {folder} {state}")
    backups: list[Snapshot] = []
    undated = 0
    try:
        for count, path in enumerate(folder.glob(pattern)):
            if count >= MAX_FILES:
                raise CheckFailed(f"backup folder {folder} holds more than {MAX_FILES:,} files matching "
                                  f"{pattern!r}; narrow the pattern")
            if not path.is_file():
                continue
            stat = path.stat()
            if time_from == "name":
                moment = time_in_name(path.name)
                if moment is None:
                    undated += 1
                    continue
            else:
                moment = datetime.fromtimestamp(stat.st_mtime, UTC)
            backups.append(Snapshot(id=str(path.relative_to(folder)), time=moment, size=stat.st_size))
    except OSError as exc:
        raise CheckFailed(f"cannot list backup folder {folder}: {exc.strerror or exc}") from None
    backups.sort(key=lambda s: (s.time, s.id))
    notes = [f"{undated} matching file(s) have no date in their name and were left out"] if undated else []
    return backups, notes
