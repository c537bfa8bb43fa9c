"""Reading evidence files: one place that refuses missing, unreadable and oversized files."""

from __future__ import annotations

from pathlib import Path

from posture.errors import InputError


def read_limited(path: Path, limit: int, shown_as: str | Path | None = None) -> bytes:
    """The file's bytes, or an InputError naming it (as `shown_as`, if given) and saying why not.

    The size is checked before reading, so a 10 GB "CSV" is refused without being loaded.
    """
    where = shown_as if shown_as is not None else path
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"file is {size:,} bytes; the limit is {limit:,}", path=where)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or type(exc).__name__}", path=where) from None
