"""Reading evidence files: one place that refuses missing, unreadable and oversized files, and one
place that turns their bytes into text whatever wrote them.

Windows PowerShell 5.1's `>` and `Out-File` write UTF-16LE with a byte-order mark (PowerShell 7
writes UTF-8 without one); Excel's "Unicode text" is UTF-16; "CSV UTF-8" has a UTF-8 BOM; cmd.exe's
`>` writes the OEM code page (850 in Western Europe), Notepad on older Windows Windows-1252; Linux
files are UTF-8. Every evidence format is decoded by `decode_text`, so the parsers only see text.
"""

from __future__ import annotations

import codecs
import stat
from collections.abc import Iterator
from pathlib import Path

from posture.errors import InputError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16LE: its BOM starts with UTF-16LE's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
LEGACY = ("cp1252", "cp850")  # the single-byte code pages Western European Windows writes


def read_limited(path: Path, limit: int, shown_as: str | Path | None = None) -> bytes:
    """The file's bytes, or an InputError naming it (as `shown_as`, if given) and saying why not.

    The size is checked before reading, so a 10 GB "CSV" is refused without being loaded.
    """
    return b"".join(read_chunks(path, limit, shown_as, chunk=limit + 1))  # one read, one chunk


def read_chunks(path: Path, limit: int, shown_as: str | Path | None = None, *,
                chunk: int = 1 << 20) -> Iterator[bytes]:
    """The file's bytes in chunks, for parsers that stream (a 100 MB nmap XML is never one bytes object);
    the same refusals as `read_limited`, raised as the chunks are read."""
    where = shown_as if shown_as is not None else path
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file", path=where)  # a FIFO would block, /dev/zero never ends
        if info.st_size > limit:
            raise InputError(f"file is {info.st_size:,} bytes; the limit is {limit:,}", path=where)
        with path.open("rb") as handle:
            total = 0
            while data := handle.read(chunk):
                total += len(data)
                if total > limit:  # a file that grows while read still stops at the limit
                    raise InputError(f"file is over {limit:,} bytes, the limit", path=where)
                yield data
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or type(exc).__name__}", path=where) from None


def detect_encoding(raw: bytes) -> tuple[str, int]:
    """(codec name, bytes to skip): a BOM first, then UTF-16 without a BOM, then UTF-8, then the
    legacy code page whose reading gives letters rather than symbols."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return encoding, len(bom)
    head = raw[:64]
    if len(head) >= 4:
        odd, even = head[1::2], head[0::2]
        if odd.count(0) == len(odd) and even.count(0) == 0:
            return "utf-16-le", 0
        if even.count(0) == len(even) and odd.count(0) == 0:
            return "utf-16-be", 0
    try:
        raw.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError:
        return _legacy(raw), 0


def _legacy(raw: bytes) -> str:
    """cp1252 or cp850: the one whose non-ASCII characters are more often letters ("Länge", not "L„nge")."""
    high = bytes(sorted({b for b in raw if b >= 0x80}))
    best, best_score = LEGACY[0], -1
    for encoding in LEGACY:
        text = high.decode(encoding, errors="replace")
        score = sum(ch.isalpha() for ch in text)
        if score > best_score:
            best, best_score = encoding, score
    return best


def decode_text(raw: bytes, path: str | Path, *, what: str = "text export") -> str:
    """Bytes to text in the encoding `detect_encoding` finds; InputError (with the line) when they are
    not valid in it or hold NUL characters (a binary file, or UTF-16 cut in half)."""
    encoding, skip = detect_encoding(raw)
    body = raw[skip:]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise InputError(f"invalid {encoding.upper()} text", path=path, line=line) from None
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError(f"contains NUL bytes; is this a {what}?", path=path, line=line)
    return text


def read_text(path: Path, limit: int, shown_as: str | Path | None = None, *, what: str = "text export") -> str:
    """Read and decode one evidence file, refusing missing, huge or binary files with a located message."""
    where = shown_as if shown_as is not None else path
    return decode_text(read_limited(path, limit, where), where, what=what)
