"""Read nmap's XML output (`nmap -oX`), from our own scans and from files taken elsewhere.

Imported files are untrusted, so the parser refuses what defusedxml refuses, the same way
(entity declarations and external references: no "billion laughs", no reading local files), while
nmap's own bare `<!DOCTYPE nmaprun>` and the public-id DOCTYPE nmap 4-6 wrote are fine (never
fetched). UTF-16 files (PowerShell's `>`) and UTF-8 with a BOM are read; masscan's `-oX` output
(same format, no <status>) too, labelled masscan. expat is driven directly over 1 MB chunks of the
file (xmlhandler: one Python call per start tag), so a 65,536-host scan is never one bytes object in
memory, and it knows the line of every element, so every problem is reported as an InputError
naming file, line and column. A file whose scan did not finish (no `<runstats>`) is refused: its
hosts would be judged on partial data.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.parsers import expat

from defusedxml.common import EntitiesForbidden, ExternalReferenceForbidden

from checks.ports.observations import HostObs, PortObs, ScanRun
from checks.ports.xmlfast import read_fast
from checks.ports.xmlhandler import PROTOCOLS, NmapHandler
from posture.api import InputError, read_chunks

__all__ = ["MAX_XML_BYTES", "PROTOCOLS", "UNFINISHED", "HostObs", "PortObs", "ScanRun", "parse_nmap_xml",
           "read_nmap_xml", "walks"]

MAX_XML_BYTES = 256 * 1024 * 1024
CHUNK = 1 << 20
_HEAD = 4096  # where the XML declaration and the DOCTYPE are looked for


def read_nmap_xml(path: Path, *, display: str | None = None) -> ScanRun:
    """Parse an nmap XML file, streamed; InputError (with file and line) for anything unusable."""
    shown = display or str(path)
    return _parse(lambda: read_chunks(path, MAX_XML_BYTES, shown, chunk=CHUNK), source=path.name, where=shown)


def parse_nmap_xml(data: bytes | str, *, source: str, path: str | None = None, fast: bool = True) -> ScanRun:
    """Parse nmap (or masscan) XML text. Only ever raises InputError. `fast=False`: the full reader only
    (the tests hold the fast walk to the same results)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    view = memoryview(data)
    return _parse(lambda: (bytes(view[i:i + CHUNK]) for i in range(0, len(data), CHUNK)), source=source,
                  where=path or source, fast=fast)


def walks(data: bytes | str) -> bool:
    """Does the fast walk take this document whole, rather than leave it to the full reader? (For the tests:
    plain nmap output must be walked.)"""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    try:
        head, rest = _utf8(iter([data]), "")
    except InputError:
        return False
    walked = read_fast(_without_plain_doctype(head), rest)
    return walked is not None and walked[3]


def _parse(chunks: Callable[[], Iterable[bytes]], *, source: str, where: str, fast: bool = True) -> ScanRun:
    """The fast walk of plain nmap output (xmlfast) when it can; else, or when it declines, the full reader,
    which also words every error. Each reads the file from its start."""
    if not fast:
        return _read_fully(chunks, source=source, where=where)
    try:
        head, rest = _utf8(iter(chunks()), where)
        walked = read_fast(_without_plain_doctype(head), rest)
    except InputError:
        walked = None  # the full reader meets it too, and reports it
    if walked is not None:
        run, hosts, scaninfo, finished = walked
        if finished:
            return _scan_run(source, run, hosts, scaninfo)
    return _read_fully(chunks, source=source, where=where)


def _read_fully(chunks: Callable[[], Iterable[bytes]], *, source: str, where: str) -> ScanRun:
    head, rest = _utf8(iter(chunks()), where)
    blank = not head.strip()  # until a chunk with more than white space
    parser: Any = expat.ParserCreate()
    handler = NmapHandler(parser, where)
    # What defusedxml's parser does (forbid_entities, forbid_external), on expat itself:
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE)
    final = False
    try:
        parser.Parse(_without_plain_doctype(head), False)
        for chunk in rest:
            blank = blank and not chunk.strip()
            parser.Parse(chunk, False)
        if blank:
            raise InputError("the file is empty, not nmap XML", path=where)
        final = True
        parser.Parse(b"", True)
        handler.complete()
    except InputError:
        raise
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code)
        started = handler.root_seen or b"<nmaprun" in head[:_HEAD]
        # Only the last call (the document's end) says "no element found": a scan killed mid-file.
        if final and started and not handler.closed and message in _CUT_SHORT:
            raise InputError(UNFINISHED, path=where) from None
        raise InputError(f"not well-formed XML: {message}", path=where, line=_int_or_none(exc.lineno),
                         column=_col(exc.offset)) from None
    except Exception as exc:  # noqa: BLE001 - the refusals above, bad encodings, expat limits
        line, column = handler.position()
        raise InputError(_refusal(exc), path=where, line=_int_or_none(line), column=_col(column)) from None
    if not handler.root_seen:
        raise InputError("no <nmaprun> element: this is not nmap XML output", path=where)
    if not handler.finished:
        raise InputError(UNFINISHED, path=where)
    return _scan_run(source, handler.run, handler.hosts, handler.scaninfo)


def _scan_run(source: str, run: dict[str, str], hosts: list[HostObs], scaninfo: list[tuple[str, str, str]]) -> ScanRun:
    return ScanRun(
        source=source,
        args=run.get("args", ""),
        version=run.get("version", ""),
        scanner=run.get("scanner", ""),
        started=_timestamp(run.get("start", "")),
        exit=run.get("exit", ""),
        errormsg=run.get("errormsg", ""),
        hosts=tuple(hosts),
        up=_count(run.get("up", "")),
        down=_count(run.get("down", "")),
        scaninfo=tuple(scaninfo),
    )


def _refuse_entity(name: str, *_: Any) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _refuse_unparsed_entity(name: str, base: Any, sysid: Any, pubid: Any, notation: Any) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _refuse_external(context: Any, base: Any, sysid: Any, pubid: Any) -> None:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


UNFINISHED = ("the scan never finished: the file stops before nmap's closing <runstats> (nmap was stopped or "
              "the copy is cut short), and judging it would mean judging partial results")
# nmap 4-6 wrote `<!DOCTYPE nmaprun PUBLIC "-//IDN nmap.org//DTD Nmap XML 1.04//EN" "https://...nmap.dtd">`:
# an external id and no internal subset, so no entity can hide in it. It is blanked (same length, so
# lines and columns stay right) and never fetched; a DOCTYPE with an internal subset `[...]`, or for
# another root, is left to the refusals (an entity declared, an external DTD: refused, never fetched).
_PLAIN_DOCTYPE = re.compile(rb'<!DOCTYPE\s+nmaprun(?:\s+(?:PUBLIC\s+"[^"<>\[\]]*"|SYSTEM)\s+"[^"<>\[\]]*")?\s*>')
_ENCODING_DECL = re.compile(rb"""(<\?xml[^>]*?)\sencoding\s*=\s*["'][^"']*["']""")


_CUT_SHORT = frozenset({"no element found", "unclosed token", "partial character"})


def _utf8(chunks: Iterator[bytes], where: str) -> tuple[bytes, Iterator[bytes]]:
    """(first chunk, the other chunks), as UTF-8: UTF-16 (what
    PowerShell 5.1's `>` writes) is decoded as it streams, a UTF-8 BOM dropped."""
    data = next(chunks, b"")
    encoding = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data[:4] in (b"<\x00?\x00", b"<\x00!\x00"):
        encoding = "utf-16-le"
    elif data[:4] in (b"\x00<\x00?", b"\x00<\x00!"):
        encoding = "utf-16-be"
    elif data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if encoding is None:
        return data, chunks
    decoder = codecs.getincrementaldecoder(encoding)()
    head = _ENCODING_DECL.sub(rb"\1", _utf16(decoder, data, where), count=1)
    return head, _utf16_rest(decoder, chunks, where)


def _utf16_rest(decoder: codecs.IncrementalDecoder, chunks: Iterator[bytes], where: str) -> Iterator[bytes]:
    for chunk in chunks:
        yield _utf16(decoder, chunk, where)
    yield _utf16(decoder, b"", where, final=True)


def _utf16(decoder: codecs.IncrementalDecoder, chunk: bytes, where: str, *, final: bool = False) -> bytes:
    try:
        return decoder.decode(chunk, final).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file starts like UTF-16 but is not valid UTF-16 ({exc.reason})", path=where) from None


def _without_plain_doctype(data: bytes) -> bytes:
    head = data[:_HEAD]
    found = _PLAIN_DOCTYPE.search(head)
    if found is None:
        return data
    blank = re.sub(rb"[^\n]", b" ", found.group(0))
    return data[:found.start()] + blank + data[found.end():]


def _refusal(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "EntitiesForbidden":
        return "refused: the file declares XML entities (nmap never does; this could be an entity-expansion attack)"
    if name == "ExternalReferenceForbidden":
        return "refused: the file refers to an external resource (nmap never does)"
    if name == "DTDForbidden":
        return "refused: the file contains a DTD"
    return f"not readable as XML: {exc}"


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _col(value: Any) -> int | None:
    return value + 1 if isinstance(value, int) and value >= 0 else None


def _timestamp(raw: str) -> datetime | None:
    if not raw.isascii() or not raw.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _count(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() else None
