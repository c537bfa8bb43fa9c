"""Read nmap's XML output (`nmap -oX`), from our own scans and from files taken elsewhere.

Imported files are untrusted, so parsing goes through defusedxml: entity declarations and external
references are refused (no "billion laughs", no reading local files), while nmap's own bare
`<!DOCTYPE nmaprun>` and the public-id DOCTYPE nmap 4-6 wrote are fine (never fetched). UTF-16
files (PowerShell's `>`) and UTF-8 with a BOM are read; masscan's `-oX` output (same format, no
<status>) too, labelled masscan. A streaming SAX reader keeps memory flat on big scans and knows the
line of every element, so every problem is reported as an InputError naming file, line and column.
A file whose scan did not finish (no `<runstats>`) is refused: its hosts would be judged on
partial data.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml.sax

from posture.api import InputError, read_limited

MAX_XML_BYTES = 256 * 1024 * 1024
PROTOCOLS = frozenset({"tcp", "udp", "sctp", "ip"})


@dataclass(frozen=True, slots=True)
class PortObs:
    """One port of one host, as nmap reported it."""

    proto: str
    port: int
    state: str  # open, closed, filtered, open|filtered, ...
    reason: str = ""
    service: str = ""  # nmap's service name ("ssh", "ms-wbt-server"), "" when none
    product: str = ""
    version: str = ""
    extrainfo: str = ""
    tunnel: str = ""  # "ssl" when nmap spoke TLS to reach the service
    method: str = ""  # "probed" (version detection recognised it) or "table" (guessed from the port)
    conf: int = 0  # nmap's confidence in the service name, 0-10 (3 = from the port table)
    scripts: tuple[tuple[str, str], ...] = ()  # (script id, output) of the NSE scripts that ran here

    @property
    def describe(self) -> str:
        """'ssh (OpenSSH 7.4p1, protocol 2.0)' — service with whatever version detection found."""
        name = f"{self.tunnel}/{self.service}" if self.tunnel and self.service else self.service or "unknown"
        bits = " ".join(b for b in (self.product, self.version) if b)
        if self.extrainfo:
            bits = f"{bits}, {self.extrainfo}" if bits else self.extrainfo
        return f"{name} ({bits})" if bits else name


@dataclass(frozen=True, slots=True)
class HostObs:
    address: str
    state: str  # up, down, unknown, skipped
    reason: str = ""
    hostnames: tuple[str, ...] = ()
    ports: tuple[PortObs, ...] = ()
    timed_out: bool = False  # nmap gave up on it (--host-timeout): its ports are incomplete
    extraports: tuple[tuple[str, int], ...] = ()  # (state, count) of the ports nmap summarised
    scripts: tuple[tuple[str, str], ...] = ()  # host scripts (<hostscript>): (id, output)


@dataclass(frozen=True)
class ScanRun:
    """One nmap run: where it came from, how it was run, what it saw."""

    source: str  # "live scan" or the imported file's name
    args: str = ""
    version: str = ""
    scanner: str = ""
    started: datetime | None = None
    exit: str = ""  # runstats' verdict: "success" or "error"
    errormsg: str = ""
    hosts: tuple[HostObs, ...] = ()
    up: int | None = None
    down: int | None = None
    scaninfo: tuple[tuple[str, str, str], ...] = ()  # (type, protocol, services) per scan type

    @property
    def scanned_ports(self) -> bool:
        """False for host discovery only (-sn/-sP): such a file says who is up, not what is open."""
        if any(flag in self.args.split() for flag in ("-sn", "-sP")):
            return False
        # nmap writes <scaninfo> for every port scan; with no host up there is nothing to tell apart
        return bool(self.scaninfo) or any(h.ports or h.extraports for h in self.hosts) or \
            not any(h.state == "up" for h in self.hosts)

    @property
    def tool(self) -> str:
        """'masscan' or 'nmap', as the file names its scanner."""
        return "masscan" if self.scanner.lower() == "masscan" else "nmap"

    @property
    def started_text(self) -> str:
        return self.started.strftime("%Y-%m-%d %H:%M UTC") if self.started else "unknown date"


def read_nmap_xml(path: Path, *, display: str | None = None) -> ScanRun:
    """Parse an nmap XML file; InputError (with file and line) for anything unusable."""
    shown = display or str(path)
    return parse_nmap_xml(read_limited(path, MAX_XML_BYTES, shown), source=path.name, path=shown)


def parse_nmap_xml(data: bytes | str, *, source: str, path: str | None = None) -> ScanRun:
    """Parse nmap (or masscan) XML text. Only ever raises InputError."""
    where = path or source
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    data = _as_utf8(data, where)
    if not data.strip():
        raise InputError("the file is empty, not nmap XML", path=where)
    data = _without_plain_doctype(data)
    handler = _Handler(source, where)
    try:
        defusedxml.sax.parseString(data, handler, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except InputError:
        raise
    except xml.sax.SAXParseException as exc:
        started = handler.root_seen or b"<nmaprun" in data[:4096]
        if started and not handler.closed and _at_end(data, exc):
            raise InputError(UNFINISHED, path=where) from None
        raise InputError(f"not well-formed XML: {exc.getMessage()}", path=where,
                         line=_int_or_none(exc.getLineNumber()), column=_col(exc.getColumnNumber())) from None
    except Exception as exc:  # noqa: BLE001 - defusedxml's refusals, bad encodings, expat limits
        raise InputError(_refusal(exc), path=where, line=handler.line, column=handler.column) from None
    return handler.result()


UNFINISHED = ("the scan never finished: the file stops before nmap's closing <runstats> (nmap was stopped or "
              "the copy is cut short), and judging it would mean judging partial results")
# nmap 4-6 wrote `<!DOCTYPE nmaprun PUBLIC "-//IDN nmap.org//DTD Nmap XML 1.04//EN" "https://...nmap.dtd">`:
# an external id and no internal subset, so no entity can hide in it. It is blanked (same length, so
# lines and columns stay right) and never fetched; a DOCTYPE with an internal subset `[...]` is left
# for defusedxml to refuse.
_PLAIN_DOCTYPE = re.compile(rb'<!DOCTYPE\s+nmaprun(?:\s+(?:PUBLIC\s+"[^"<>\[\]]*"|SYSTEM)\s+"[^"<>\[\]]*")?\s*>')
_ENCODING_DECL = re.compile(rb"""(<\?xml[^>]*?)\sencoding\s*=\s*["'][^"']*["']""")


def _as_utf8(data: bytes, where: str) -> bytes:
    """UTF-16 (what PowerShell 5.1's `>` writes) and UTF-8 with a BOM, as plain UTF-8."""
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
        return data
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"the file starts like UTF-16 but is not valid UTF-16 ({exc.reason})", path=where) from None
    return _ENCODING_DECL.sub(rb"\1", text.encode("utf-8"), count=1)


def _without_plain_doctype(data: bytes) -> bytes:
    head = data[:4096]
    found = _PLAIN_DOCTYPE.search(head)
    if found is None:
        return data
    blank = re.sub(rb"[^\n]", b" ", found.group(0))
    return data[:found.start()] + blank + data[found.end():]


def _at_end(data: bytes, exc: xml.sax.SAXParseException) -> bool:
    """Did the parser fail because the document stopped (a scan killed mid-file), not on bad syntax?"""
    if exc.getMessage() not in ("no element found", "unclosed token", "partial character"):
        return False  # a mismatched or malformed tag is bad syntax wherever it is
    line = exc.getLineNumber()
    return isinstance(line, int) and line >= data.rstrip().count(b"\n") + 1


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


@dataclass
class _PortDraft:
    proto: str
    port: int
    state: str = ""
    reason: str = ""
    service: dict[str, str] = field(default_factory=dict)
    scripts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _HostDraft:
    addresses: list[str] = field(default_factory=list)
    state: str = "unknown"
    reason: str = ""
    hostnames: list[str] = field(default_factory=list)
    ports: list[PortObs] = field(default_factory=list)
    timed_out: bool = False
    line: int | None = None
    extraports: list[tuple[str, int]] = field(default_factory=list)
    scripts: list[tuple[str, str]] = field(default_factory=list)


class _Handler(ContentHandler):
    """Builds a ScanRun while the SAX parser streams through the document."""

    def __init__(self, source: str, where: str) -> None:
        super().__init__()
        self.source = source
        self.where = where
        self.locator: Locator | None = None
        self.stack: list[str] = []
        self.run: dict[str, Any] = {}
        self.hosts: list[HostObs] = []
        self.host: _HostDraft | None = None
        self.port: _PortDraft | None = None
        self.finished = False
        self.root_seen = False
        self.closed = False
        self.scaninfo: list[tuple[str, str, str]] = []

    # -- where we are, for error messages
    @property
    def line(self) -> int | None:
        return _int_or_none(self.locator.getLineNumber()) if self.locator else None

    @property
    def column(self) -> int | None:
        return _col(self.locator.getColumnNumber()) if self.locator else None

    def fail(self, message: str, key: str | None = None, line: int | None = None) -> InputError:
        if line is not None:  # a problem found at an end tag, reported where its element began
            return InputError(message, path=self.where, line=line, key=key)
        return InputError(message, path=self.where, line=self.line, column=self.column, key=key)

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 - SAX API
        self.locator = locator

    # -- elements
    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802 - SAX API
        parent = self.stack[-1] if self.stack else None
        self.stack.append(name)
        if parent is None:
            if name != "nmaprun":
                raise self.fail(f"the root element is <{name}>, not <nmaprun>: this is not nmap XML output")
            self.root_seen = True
            self.run = {k: attrs.get(k, "") for k in ("args", "version", "scanner", "start")}
        elif name == "scaninfo" and parent == "nmaprun":
            self.scaninfo.append((attrs.get("type", ""), attrs.get("protocol", ""), attrs.get("services", "")))
        elif name == "host" and parent == "nmaprun":
            self.host = _HostDraft(line=self.line, timed_out=attrs.get("timedout", "") == "true")
        elif self.host is not None and parent == "host":
            self._host_child(name, attrs)
        elif self.host is not None and name == "hostname" and parent == "hostnames":
            hostname = attrs.get("name", "")
            if hostname:
                self.host.hostnames.append(hostname)
        elif self.host is not None and name == "port" and parent == "ports":
            self.port = _PortDraft(self._protocol(attrs), self._portid(attrs))
        elif self.port is not None and parent == "port":
            if name == "state":
                self.port.state = self._required(attrs, "state", "port state")
                self.port.reason = attrs.get("reason", "")
            elif name == "service":
                self.port.service = {k: attrs.get(k, "") for k in
                                     ("name", "product", "version", "extrainfo", "tunnel", "method", "conf")}
            elif name == "script":
                self.port.scripts.append((attrs.get("id", ""), attrs.get("output", "")))
        elif self.host is not None and name == "extraports" and parent == "ports":
            count = attrs.get("count", "")
            if count.isascii() and count.isdigit():
                self.host.extraports.append((attrs.get("state", ""), int(count)))
        elif self.host is not None and name == "script" and parent == "hostscript":
            self.host.scripts.append((attrs.get("id", ""), attrs.get("output", "")))
        elif name == "finished" and parent == "runstats":
            self.finished = True
            self.run["exit"] = attrs.get("exit", "")
            self.run["errormsg"] = attrs.get("errormsg", "")
        elif name == "hosts" and parent == "runstats":
            self.run["up"] = attrs.get("up", "")
            self.run["down"] = attrs.get("down", "")

    def _host_child(self, name: str, attrs: AttributesImpl) -> None:
        assert self.host is not None
        if name == "status":
            self.host.state = self._required(attrs, "state", "host status")
            self.host.reason = attrs.get("reason", "")
        elif name == "address" and attrs.get("addrtype", "") in ("ipv4", "ipv6"):
            raw = self._required(attrs, "addr", "address")
            try:
                self.host.addresses.append(str(ipaddress.ip_address(raw)))
            except ValueError:
                raise self.fail(f"{raw!r} is not an IP address", key="host.address") from None

    def endElement(self, name: str) -> None:  # noqa: N802 - SAX API
        self.stack.pop()
        if name == "nmaprun" and not self.stack:
            self.closed = True
        if name == "port" and self.port is not None and self.host is not None and len(self.stack) >= 2:
            draft = self.port
            if not draft.state:
                raise self.fail(f"port {draft.proto}/{draft.port} has no <state>", key="port.state")
            svc = draft.service
            self.host.ports.append(PortObs(
                draft.proto, draft.port, draft.state, draft.reason, svc.get("name", ""), svc.get("product", ""),
                svc.get("version", ""), svc.get("extrainfo", ""), svc.get("tunnel", ""), svc.get("method", ""),
                _small_int(svc.get("conf", "")), tuple(draft.scripts),
            ))
            self.port = None
        elif name == "host" and self.host is not None and self.stack == ["nmaprun"]:
            draft_host = self.host
            if not draft_host.addresses:
                raise self.fail("a <host> has no IPv4 or IPv6 <address>", key="host.address", line=draft_host.line)
            state = draft_host.state
            if state == "unknown" and any(p.state == "open" for p in draft_host.ports):
                state = "up"  # masscan writes no <status>: a host with an open port answered
            self.hosts.append(HostObs(
                draft_host.addresses[0], state, draft_host.reason, tuple(draft_host.hostnames),
                tuple(draft_host.ports), draft_host.timed_out, tuple(draft_host.extraports),
                tuple(draft_host.scripts),
            ))
            self.host = None

    # -- attribute helpers
    def _required(self, attrs: AttributesImpl, key: str, what: str) -> str:
        value = attrs.get(key, "")
        if not value:
            raise self.fail(f"{what} has no {key!r} attribute", key=key)
        return str(value)

    def _protocol(self, attrs: AttributesImpl) -> str:
        proto = self._required(attrs, "protocol", "port")
        if proto not in PROTOCOLS:
            raise self.fail(f"unknown protocol {proto!r}", key="port.protocol")
        return proto

    def _portid(self, attrs: AttributesImpl) -> int:
        raw = self._required(attrs, "portid", "port")
        if not raw.isascii() or not raw.isdigit() or not 0 <= int(raw) < 65536:
            raise self.fail(f"{raw!r} is not a port number", key="port.portid")
        return int(raw)

    def result(self) -> ScanRun:
        if not self.root_seen:
            raise InputError("no <nmaprun> element: this is not nmap XML output", path=self.where)
        if not self.finished:
            raise InputError(UNFINISHED, path=self.where)
        return ScanRun(
            source=self.source,
            args=self.run.get("args", ""),
            version=self.run.get("version", ""),
            scanner=self.run.get("scanner", ""),
            started=_timestamp(self.run.get("start", "")),
            exit=self.run.get("exit", ""),
            errormsg=self.run.get("errormsg", ""),
            hosts=tuple(self.hosts),
            up=_count(self.run.get("up", "")),
            down=_count(self.run.get("down", "")),
            scaninfo=tuple(self.scaninfo),
        )


def _timestamp(raw: str) -> datetime | None:
    if not raw.isascii() or not raw.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _small_int(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 0


def _count(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() else None
