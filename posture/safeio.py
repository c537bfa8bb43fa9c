"""Write reports so that a reader never sees half a file, and a failed run leaves the old ones intact."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from posture.errors import OutputError

REPORT_MODE = 0o600  # reports name weaknesses and assets: owner-only by default


def write_all_atomically(files: Mapping[Path, str | Iterable[str]], mode: int = REPORT_MODE) -> list[Path]:
    """Write every file to a temporary sibling first, then rename them all into place.

    If any write fails (disk full, permissions), none of the new files replaces an old one.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(tmp), target))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                if isinstance(text, str):
                    handle.write(text)
                else:  # a report streamed piece by piece
                    handle.writelines(text)
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
