"""Reading exported password-policy evidence as text, whatever wrote it (see posture.evidence)."""

from __future__ import annotations

from pathlib import Path

from posture.api import decode_text, read_text

MAX_EVIDENCE_BYTES = 4 * 1024 * 1024


def decode_evidence(raw: bytes, path: str | Path) -> str:
    """Bytes to text: BOM, UTF-16 without BOM, UTF-8, then the Windows code page (posture.evidence)."""
    return decode_text(raw, path)


def read_evidence(path: Path, shown_as: str | None = None, limit: int = MAX_EVIDENCE_BYTES) -> str:
    """Read and decode one evidence file, refusing missing, huge or binary files with a located message."""
    return read_text(path, limit, shown_as or str(path))
