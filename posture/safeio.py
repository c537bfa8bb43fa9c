"""Write reports so that a reader never sees half a file, and a failed run leaves the old ones intact."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from posture.errors import OutputError

REPORT_MODE = 0o600  # reports name weaknesses and assets: owner-only by default
# What a report file holds: text, a stream of text pieces, or bytes (PDF, Word).
Content = str | bytes | Iterable[str]


def write_all_atomically(files: Mapping[Path, Content], mode: int = REPORT_MODE) -> list[Path]:
    """Write every file to a temporary sibling first, then rename them all into place.

    If any write fails (disk full, permissions), none of the new files replaces an old one.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(tmp), target))
            with os.fdopen(fd, "wb") as handle:
                if isinstance(text, bytes):
                    handle.write(text)
                elif isinstance(text, str):
                    handle.write(text.encode("utf-8"))
                else:  # a report streamed piece by piece
                    for chunk in text:
                        handle.write(chunk.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
        for tmp_path, target in staged:
            os.replace(tmp_path, target)
    except OSError as exc:
        for tmp_path, _ in staged:
            with contextlib.suppress(OSError):
                tmp_path.unlink()
        where = exc.filename or (staged[-1][1] if staged else "")
        raise OutputError(f"could not write reports to {where}: {exc.strerror or exc}") from None
    except BaseException:
        for tmp_path, _ in staged:  # a streamed report failing half-way: nothing half-written stays
            with contextlib.suppress(OSError):
                tmp_path.unlink()
        raise
    return [target for _, target in staged]


RUNS_FOLDER = ".posture-runs"  # inside the report folder: one sub-folder per run, and `current`
CURRENT = "current"
STAGING = ".partial"
_REPORT_NAME = re.compile(r"posture-[\w-]+\.(?:md|html|json)")
KEEP_PREVIOUS = 1  # run folders kept besides the current one (a reader may still have one open)


def publish_run(out_dir: Path, files: Mapping[str, Content], mode: int = REPORT_MODE) -> list[Path]:
    """Replace the previous run's reports in `out_dir` with `files` (name → text), all together or not at all.

    Layout: each run is written into its own folder `out_dir/.posture-runs/run-…`, then one symlink,
    `.posture-runs/current`, is switched to it by a rename (atomic). `out_dir/posture-plan.md` and the
    other report names are symlinks through `current`, so the paths users and scripts know keep working,
    and a reader sees either the whole previous set or the whole new one. Files of the previous run this
    run does not write (the consultant's reports during a staff run) are carried over by hard link.
    A failure or an interrupt before the switch removes the new folder and leaves the old set as it was.
    """
    if os.name == "nt":  # no unprivileged symlinks: file-by-file renames (each file atomic)
        return write_all_atomically({out_dir / name: text for name, text in files.items()}, mode)
    runs = out_dir / RUNS_FOLDER
    stage: Path | None = None
    try:
        _refuse_folders_in_the_way(out_dir, files)
        runs.mkdir(parents=True, exist_ok=True, mode=0o700)
        _adopt_plain_files(out_dir, runs, files)
        previous = _current(runs)
        stage = Path(tempfile.mkdtemp(prefix="run-", suffix=STAGING, dir=runs))
        for name, text in files.items():
            _write_file(stage / name, text, mode)
        names = set(files)
        if previous is not None:
            for old in previous.iterdir():
                if old.name not in names and old.is_file() and not old.is_symlink():
                    os.link(old, stage / old.name)
                    names.add(old.name)
        final = stage.with_name(stage.name.removesuffix(STAGING))
        os.rename(stage, final)
        stage = final  # from here an error removes the finished folder, never a published one
        _fsync_dir(runs)
        _switch(runs / CURRENT, final.name)  # the commit point
        stage = None
        for name in sorted(names):
            _link(out_dir / name, f"{RUNS_FOLDER}/{CURRENT}/{name}")
        _fsync_dir(out_dir)
    except OSError as exc:
        where = exc.filename or out_dir
        raise OutputError(f"could not write reports to {out_dir}: {exc.strerror or exc} ({where})"
                          if str(where) != str(out_dir) else
                          f"could not write reports to {out_dir}: {exc.strerror or exc}") from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    _prune(runs)
    return [out_dir / name for name in files]


def _refuse_folders_in_the_way(out_dir: Path, files: Mapping[str, Content]) -> None:
    for name in files:
        target = out_dir / name
        if target.is_dir() and not target.is_symlink():
            raise OutputError(f"could not write reports to {out_dir}: {target} is a folder, not a report; "
                              "move it away (nothing was replaced)")


def _adopt_plain_files(out_dir: Path, runs: Path, files: Mapping[str, Content]) -> None:
    """Reports written by an older posture (plain files) become the current run, content unchanged."""
    if _current(runs) is not None:
        return
    names = {*files, *(p.name for p in out_dir.iterdir() if _REPORT_NAME.fullmatch(p.name))}
    plain = [out_dir / n for n in sorted(names) if (out_dir / n).is_file() and not (out_dir / n).is_symlink()]
    if not plain:
        return
    legacy = Path(tempfile.mkdtemp(prefix="run-", suffix=STAGING, dir=runs))
    for path in plain:
        os.link(path, legacy / path.name)
    final = legacy.with_name(legacy.name.removesuffix(STAGING))
    os.rename(legacy, final)
    _switch(runs / CURRENT, final.name)
    for path in plain:  # the link shows the very same bytes: nothing changes for a reader
        _link(path, f"{RUNS_FOLDER}/{CURRENT}/{path.name}")


def _current(runs: Path) -> Path | None:
    link = runs / CURRENT
    if not link.is_symlink():
        return None
    target = runs / os.readlink(link)
    return target if target.is_dir() else None


def _write_file(path: Path, content: Content, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        if isinstance(content, bytes):  # a binary deliverable (PDF, Word)
            handle.write(content)
        elif isinstance(content, str):
            handle.write(content.encode("utf-8"))
        else:  # a report streamed piece by piece: never one string in memory
            for chunk in content:
                handle.write(chunk.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)


def _switch(link: Path, target: str) -> None:
    """Point the symlink `link` at `target` by renaming a new symlink over it (atomic)."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.new")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _link(path: Path, target: str) -> None:
    if path.is_symlink() and os.readlink(path) == target:
        return
    _switch(path, target)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _prune(runs: Path, stale_after_s: float = 3600.0) -> None:
    """Remove run folders older than the current one and its predecessor, and leftovers of a killed run
    (`.partial`, stray `.new` links), once they are old enough not to belong to a run still writing
    (two overlapping runs into one folder must not remove each other's)."""
    current = _current(runs)
    if current is None:
        return
    now = time.time()
    finished = []
    for entry in runs.iterdir():
        try:
            age = now - entry.lstat().st_mtime
        except OSError:
            continue
        if entry.name.endswith((STAGING, ".new")):
            if age > stale_after_s:
                _remove(entry)
        elif entry.name.startswith("run-") and entry != current and age > stale_after_s / 6:
            finished.append((entry.lstat().st_mtime, entry))
    for _, entry in sorted(finished, reverse=True)[KEEP_PREVIOUS:]:
        _remove(entry)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            entry.unlink()
