"""JSON evidence with located errors: a bad field is reported at its own line and column.

`json` gives positions only for syntax errors. For a document that parses but has a wrong field,
`located_error` walks the text once more to find where that field starts; that costs nothing on the
happy path, where only `json.loads` runs.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from posture.api import InputError, KeyPath, dotted, read_text

MAX_EVIDENCE_BYTES = 64 * 1024 * 1024  # ten thousand restic snapshots are about 5 MB
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def read_json_file(path: Path) -> tuple[Any, str]:
    """The parsed document and its text (kept for locating later errors)."""
    text = read_text(path, MAX_EVIDENCE_BYTES, what="JSON export")  # PowerShell 5.1's `>` writes UTF-16
    return parse_json(text, path), text


def parse_json(text: str, path: Path | str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno) from None
    except (ValueError, RecursionError) as exc:  # over-long integers, absurd nesting
        raise InputError(f"not usable JSON: {type(exc).__name__}", path=path) from None


def located_error(text: str, path: Path | str, key_path: KeyPath, message: str) -> InputError:
    line, column = _position(text, key_path)
    return InputError(message, path=path, line=line, column=column, key=dotted(key_path) or None)


def parse_time(value: Any, *, naive_zone: tzinfo | None = None) -> datetime:
    """An ISO 8601 time as an aware UTC datetime. Naive times are in `naive_zone` (default: this machine's).

    Raises ValueError (callers locate it) for anything that is not such a time.
    """
    if not isinstance(value, str):
        raise ValueError("expected a time as text (ISO 8601)")
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=naive_zone) if naive_zone else moment.astimezone()
        return moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{value[:40]!r} is not an ISO 8601 time") from None


def _position(text: str, key_path: KeyPath) -> tuple[int | None, int | None]:
    """Line and column where the value at `key_path` starts (the deepest part that exists)."""
    idx = _skip(text, 0)
    try:
        for part in key_path:
            found = _step(text, idx, part)
            if found is None:
                break
            idx = found
    except (ValueError, IndexError, RecursionError):
        pass
    line = text.count("\n", 0, idx) + 1
    column = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return line, column


def _step(text: str, idx: int, part: str | int) -> int | None:
    """Index of the child `part` of the container starting at `idx`, or None if it is not there."""
    opener = text[idx]
    if opener == "[" and isinstance(part, int):
        idx = _skip(text, idx + 1)
        for _ in range(part):
            if text[idx] == "]":
                return None
            idx = _skip(text, _DECODER.raw_decode(text, idx)[1])
            if text[idx] != ",":
                return None
            idx = _skip(text, idx + 1)
        return None if text[idx] == "]" else idx
    if opener == "{" and isinstance(part, str):
        idx = _skip(text, idx + 1)
        while text[idx] == '"':
            key, idx = _DECODER.raw_decode(text, idx)
            idx = _skip(text, idx)
            if text[idx] != ":":
                return None
            idx = _skip(text, idx + 1)
            if key == part:
                return idx
            idx = _skip(text, _DECODER.raw_decode(text, idx)[1])
            if text[idx] != ",":
                return None
            idx = _skip(text, idx + 1)
    return None


def _skip(text: str, idx: int) -> int:
    match = _WS.match(text, idx)
    return match.end() if match else idx
