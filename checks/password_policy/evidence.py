"""Reading exported evidence files as text, whatever wrote them.

Windows PowerShell's `>` and `Out-File` write UTF-16LE with a byte-order mark; cmd.exe writes the
OEM code page; Linux files are UTF-8. Each is decoded here so the parsers only ever see text.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from posture.api import InputError, read_limited

MAX_EVIDENCE_BYTES = 4 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_evidence(raw: bytes, path: str | Path) -> str:
    """Bytes to text: BOM first, then UTF-16 without BOM (every other byte zero), then UTF-8, then cp1252."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _decode(raw[len(bom):], encoding, path)
    if len(raw) >= 4 and raw[1:8:2] == b"\0" * len(raw[1:8:2]) and raw[0:8:2].count(b"\0") == 0:
        return _decode(raw, "utf-16-le", path)
    if len(raw) >= 4 and raw[0:8:2] == b"\0" * len(raw[0:8:2]) and raw[1:8:2].count(b"\0") == 0:
        return _decode(raw, "utf-16-be", path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # cmd.exe redirects; ASCII content reads the same
    return _no_nul(text, path)


def _decode(raw: bytes, encoding: str, path: str | Path) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise InputError(f"not valid {encoding.upper()} text", path=path, line=line) from None
    return _no_nul(text, path)


def _no_nul(text: str, path: str | Path) -> str:
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError("contains NUL characters; is this a text export?", path=path, line=line)
    return text


def read_evidence(path: Path, shown_as: str | None = None, limit: int = MAX_EVIDENCE_BYTES) -> str:
    """Read and decode one evidence file, refusing missing, huge or binary files with a located message."""
    where = shown_as or str(path)
    return decode_evidence(read_limited(path, limit, where), where)
