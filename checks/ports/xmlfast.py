"""The fast reading of plain nmap output: a 65,536-host scan without one Python call per element.

expat still reads every byte, with the full reader's refusals and no DOCTYPE allowed at all, but with
no element handler: it only proves the document well-formed and safe. Beside it a walk steps over the
same bytes an element at a time: the root's children, each <host>'s children, each <ports>' children.
An element is taken from its start tag to the first end tag of its name. In a well-formed document
that is the element itself unless an element of the same name is nested in it, or a comment, CDATA
section or processing instruction inside holds the end tag's text; then the walk, which expects a
start tag or its parent's end wherever it looks next, meets the real end tag where no end tag can be
and gives up. So no host holding a comment or the like is walked, and what the walk reads is exactly
what the full reader (xmlhandler) reads, at the same depths. The walk reads host start tags,
addresses and host names itself, only when no reference, tab or line break could change a value;
every <ports> section, port, status, extraports and host script is read by the full reader's own
code on its bytes alone, once per distinct text: a big scan repeats them host after host.

Anything else -- a DOCTYPE, an encoding other than UTF-8, a name outside ASCII, any error at all --
and `read_fast` returns None: the full reader then reads the file and decides, with its located
messages. So this path never changes a result, only how fast it comes.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterable
from typing import Any
from xml.parsers import expat

from checks.ports.observations import HostObs, PortObs
from checks.ports.xmlhandler import _IPV4, NmapHandler

_NAME = rb"[A-Za-z_:][-A-Za-z0-9_:.]*+"
_ATTRS = rb"(?:[ \t\r\n]++" + _NAME + rb"""[ \t\r\n]*+=[ \t\r\n]*+(?:"[^"<]*+"|'[^'<]*+'))*+[ \t\r\n]*+"""
_START = re.compile(rb"<(" + _NAME + rb")(" + _ATTRS + rb")(/?)>")  # a whole start tag, quoted '>' and all
_ROOT_END = re.compile(rb"</nmaprun[ \t\r\n]*+>")
# nmap's own spelling of an IP address element (a MAC address, vendor and all, is another element)
_ADDRESS = re.compile(rb'<address addr="([0-9A-Fa-f.:]++)" addrtype="ipv[46]"/>')
_ATTR = re.compile(rb"(" + _NAME + rb""")[ \t\r\n]*+=[ \t\r\n]*+(?:"([^"]*+)"|'([^']*+)')""")
_TRICKY = re.compile(rb"[&\t\r\n]")  # a reference or white space the XML rules rewrite inside values
_DECLARED = re.compile(rb"""<\?xml[^>]*?[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']""")
_MARKUP_ENDS = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
_CARRY_LIMIT = 8 << 20  # an element larger than this is no nmap host: the full reader takes the file
_CACHE_BYTES = 32 << 20  # the distinct texts remembered, at most: a scan with no repeats stops filling it
_DUMMY_ADDRESS = b'<address addr="0.0.0.0" addrtype="ipv4"/>'

Result = tuple[dict[str, str], list[HostObs], list[tuple[str, str, str]], bool]


class Decline(Exception):  # noqa: N818 - not an error: the full reader takes over
    """This document is not plain nmap output; the full reader reads it."""


def read_fast(head: bytes, rest: Iterable[bytes]) -> Result | None:
    """(root and runstats attributes, hosts, scaninfo, finished) of a well-formed, plain nmap document,
    or None: the full reader decides. `head` and `rest` are the UTF-8 bytes the full reader would parse."""
    declared = _DECLARED.match(head)
    if declared is not None and declared.group(1).lower() != b"utf-8":
        return None  # expat would decode it otherwise than the walk
    walker = _Walker()
    validator: Any = expat.ParserCreate()
    validator.ordered_attributes = True
    validator.StartDoctypeDeclHandler = _decline  # whatever a DTD may say (attribute defaults...): the full reader
    validator.EntityDeclHandler = _decline
    validator.UnparsedEntityDeclHandler = _decline
    validator.ExternalEntityRefHandler = _decline
    validator.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE)

    def root(name: str, attrs: list[str]) -> None:
        validator.StartElementHandler = None  # from here on, expat alone
        if name != "nmaprun":
            raise Decline
        walker.root(validator.CurrentByteIndex, dict(zip(attrs[::2], attrs[1::2], strict=True)))

    validator.StartElementHandler = root
    try:
        for chunk in itertools.chain((head,), rest):
            validator.Parse(chunk, False)
            walker.feed(chunk)
        validator.Parse(b"", True)
        return walker.close()
    except Exception:  # noqa: BLE001 - any doubt at all: the full reader decides, and says why
        return None


def _decline(*_: Any) -> None:
    raise Decline


class _Walker:
    """Walks the root's children as the chunks arrive, keeping an unfinished one for the next chunk."""

    def __init__(self) -> None:
        self.buffer = b""
        self.offset = 0  # of buffer[0] in the document
        self.start: int | None = None  # where the root's start tag begins, once expat has seen it
        self.inside = False  # past the root's start tag
        self.closed = False  # past its end tag
        self.run: dict[str, str] = {}
        self.hosts: list[HostObs] = []
        self.scaninfo: list[tuple[str, str, str]] = []
        self.finished = False
        self.sections: dict[bytes, Any] = {}  # text inside a <ports> element -> its ports and extraports
        self.elements: dict[bytes, Any] = {}  # text of a <port>, <status> or <extraports> -> its reading
        self.cached = 0  # bytes of text remembered

    def root(self, start: int, attrs: dict[str, str]) -> None:
        self.start = start
        self.run = {k: attrs.get(k, "") for k in ("args", "version", "scanner", "start")}

    def close(self) -> Result | None:
        return (self.run, self.hosts, self.scaninfo, self.finished) if self.closed else None

    def feed(self, chunk: bytes) -> None:
        if self.closed:
            return  # what follows the root is expat's to judge (comments at most)
        buffer = self.buffer + chunk if self.buffer else chunk
        pos = 0
        if not self.inside:
            found = None if self.start is None else _START.match(buffer, self.start - self.offset)
            if found is None:
                self._keep(buffer, 0)
                return
            self.inside = True
            pos = found.end()
        special = _next_markup(buffer, pos)
        while not self.closed:
            lt = buffer.find(b"<", pos)
            if lt < 0:
                pos = len(buffer)
                break
            if lt == special:  # a comment, CDATA section or processing instruction between elements
                after = _markup_end(buffer, lt)
                if after < 0:
                    pos = lt
                    break
                pos = after
                special = _next_markup(buffer, pos)
                continue
            if buffer.startswith(b"</", lt):
                root_end = _ROOT_END.match(buffer, lt)
                if root_end is None:
                    if buffer.find(b">", lt) >= 0:
                        raise Decline  # an end tag where a child element should start: see the docstring
                    pos = lt
                    break
                self.closed = True
                pos = root_end.end()
                break
            tag = _START.match(buffer, lt)
            if tag is None:
                pos = lt  # a start tag still arriving
                break
            name = tag.group(1)
            end = tag.end() if tag.group(3) else buffer.find(b"</" + name + b">", tag.end())
            if end < 0:
                pos = lt  # an element still arriving
                break
            if not tag.group(3):
                end += len(name) + 3
            if special < end:  # it holds a comment or the like
                if name == b"host":
                    raise Decline
                _balanced(buffer[lt:end])  # proves where it ends
                special = _next_markup(buffer, end)
            self._child(buffer, name, tag, lt, end)
            pos = end
        self._keep(buffer, pos)

    def _keep(self, buffer: bytes, pos: int) -> None:
        self.buffer = buffer[pos:]
        self.offset += pos
        if len(self.buffer) > _CARRY_LIMIT:
            raise Decline

    # -- children of the root (depth 1)
    def _child(self, buffer: bytes, name: bytes, tag: re.Match[bytes], start: int, end: int) -> None:
        if name == b"host":
            self._host(buffer, tag, end)
        elif name == b"scaninfo":
            attrs = _attrs(tag)
            self.scaninfo.append((attrs.get("type", ""), attrs.get("protocol", ""), attrs.get("services", "")))
        elif name == b"runstats":  # once a file: read by the full reader on its own
            handler = _handler(b"<nmaprun>" + buffer[start:end] + b"</nmaprun>")
            if handler.finished:
                self.finished = True
                self.run["exit"] = handler.run["exit"]
                self.run["errormsg"] = handler.run["errormsg"]
            if "up" in handler.run:
                self.run["up"] = handler.run["up"]
                self.run["down"] = handler.run["down"]

    def _host(self, buffer: bytes, tag: re.Match[bytes], end: int) -> None:
        if tag.group(3):
            raise Decline  # <host/>: no address; the full reader says so
        addresses: list[tuple[str, Any]] = []
        state, reason = "unknown", ""
        hostnames: list[str] = []
        ports: tuple[PortObs, ...] = ()
        extraports: tuple[tuple[str, int], ...] = ()
        scripts: tuple[tuple[str, str], ...] = ()
        find = buffer.find
        pos, stop = tag.end(), end - 7  # 7: len(b"</host>")
        while (lt := find(b"<", pos, stop)) >= 0:  # the host's children, as _children walks them
            if buffer[lt + 1] == 0x61:  # 'a'
                plain = _ADDRESS.match(buffer, lt, stop)
                if plain is not None:  # nmap's own spelling of an address: nothing in it to rewrite
                    addresses.append(_address(plain.group(1).decode()))
                    pos = plain.end()
                    continue
            child = _START.match(buffer, lt, stop)
            if child is None:
                raise Decline
            name = child.group(1)
            if child.group(3):
                body = close = -1
                pos = child.end()
            else:
                body = child.end()
                close = find(b"</" + name + b">", body, stop)
                if close < 0:
                    raise Decline
                pos = close + len(name) + 3
            if name == b"ports":
                if body >= 0:
                    found, more = self._ports(buffer, body, close)
                    ports += found
                    extraports += more
            elif name == b"status":
                state, reason = self._read(buffer[lt:pos], _status)
            elif name == b"address":
                attrs = _attrs(child)
                if attrs.get("addrtype", "") in ("ipv4", "ipv6"):
                    addresses.append(_address(attrs.get("addr", "")))
            elif name == b"hostnames" and body >= 0:
                for item, line, *_ in _children(buffer, body, close):
                    if item == b"hostname":
                        hostname = _attrs(line).get("name", "")
                        if hostname:
                            hostnames.append(hostname)
            elif name == b"hostscript":
                scripts += _fragment(buffer[lt:pos]).scripts
        if not addresses:
            raise Decline
        if state == "unknown" and any(p.state == "open" for p in ports):
            state = "up"  # masscan writes no <status>: a host with an open port answered
        address, ip = addresses[0]
        timed_out = b"timedout" in tag.group(2) and _attrs(tag).get("timedout", "") == "true"
        self.hosts.append(HostObs(address, state, reason, tuple(hostnames), ports, timed_out, extraports, scripts, ip))

    def _ports(self, buffer: bytes, body: int, close: int) -> tuple[tuple[PortObs, ...], tuple[tuple[str, int], ...]]:
        """The ports and extraports of one <ports> section: the same section on another host, remembered."""
        text = buffer[body:close]
        found: tuple[tuple[PortObs, ...], tuple[tuple[str, int], ...]] | None = self.sections.get(text)
        if found is not None:
            return found
        ports: list[PortObs] = []
        extraports: list[tuple[str, int]] = []
        for name, child, _, _, after in _children(buffer, body, close):
            if name == b"port":
                ports.append(self._read(buffer[child.start():after], _port))
            elif name == b"extraports":
                extraports += self._read(buffer[child.start():after], _extraports)
        result = (tuple(ports), tuple(extraports))
        self._remember(self.sections, text, result)
        return result

    def _read(self, text: bytes, read: Any) -> Any:
        found = self.elements.get(text)
        if found is None:
            found = read(text)
            self._remember(self.elements, text, found)
        return found

    def _remember(self, cache: dict[bytes, Any], text: bytes, reading: Any) -> None:
        if self.cached + len(text) <= _CACHE_BYTES:
            cache[text] = reading
            self.cached += len(text)


def _children(buffer: bytes, start: int, end: int) -> Iterable[tuple[bytes, re.Match[bytes], int, int, int]]:
    """(name, start tag, body start, body end, element end) of each child element in buffer[start:end],
    which holds no comment or the like (body -1 for an empty element). Raises Decline where the text
    is not a sequence of elements."""
    pos = start
    while True:
        lt = buffer.find(b"<", pos, end)
        if lt < 0:
            return
        tag = _START.match(buffer, lt, end)
        if tag is None:
            raise Decline  # an end tag where a child should start, or a tag cut by `end`
        name = tag.group(1)
        if tag.group(3):
            pos = tag.end()
            yield name, tag, -1, -1, pos
            continue
        close = buffer.find(b"</" + name + b">", tag.end(), end)
        if close < 0:
            raise Decline
        pos = close + len(name) + 3
        yield name, tag, tag.end(), close, pos


def _next_markup(buffer: bytes, pos: int) -> int:
    """Where the next comment, CDATA section, processing instruction (or DOCTYPE) starts; len(buffer) if none.
    Looks for the rare '!' and '?' (memchr), then at the byte before."""
    best = len(buffer)
    for mark in (b"!", b"?"):
        found = buffer.find(mark, pos + 1)
        while 0 <= found < best:
            if buffer[found - 1] == 0x3C:  # '<'
                best = found - 1
                break
            found = buffer.find(mark, found + 1)
    return best


def _markup_end(buffer: bytes, start: int) -> int:
    for opening, closing in _MARKUP_ENDS:
        if buffer.startswith(opening, start):
            found = buffer.find(closing, start + len(opening))
            return found + len(closing) if found >= 0 else -1
    raise Decline  # '<!' of something else: a DOCTYPE inside the root is no nmap output


def _attrs(tag: re.Match[bytes]) -> dict[str, str]:
    """A start tag's attributes as expat reads them: directly when no reference or white space could be
    rewritten inside a value, else by expat itself on the tag alone."""
    raw = tag.group(2)
    if _TRICKY.search(raw) is None:
        return {m.group(1).decode(): (m.group(2) if m.group(3) is None else m.group(3)).decode()
                for m in _ATTR.finditer(raw)}
    found: dict[str, str] = {}
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartElementHandler = lambda _, attrs: found.update(zip(attrs[::2], attrs[1::2], strict=True))
    parser.Parse(b"<" + tag.group(1) + raw + b"/>", True)
    return found


def _address(raw: str) -> tuple[str, Any]:
    if _IPV4.fullmatch(raw):
        a, b, c, d = raw.split(".")
        return raw, ipaddress.IPv4Address((int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d))
    address = ipaddress.ip_address(raw)  # ValueError: the full reader says where
    return str(address), address


# -- what the full reader reads from one element on its own (a distinct text: once)
def _status(text: bytes) -> tuple[str, str]:
    host = _fragment(text)
    return host.state, host.reason


def _port(text: bytes) -> PortObs:
    ports = _fragment(text, wrap=b"<ports>%s</ports>").ports
    if len(ports) != 1:
        raise Decline
    return ports[0]


def _extraports(text: bytes) -> tuple[tuple[str, int], ...]:
    return _fragment(text, wrap=b"<ports>%s</ports>").extraports


def _fragment(text: bytes, *, wrap: bytes = b"%s") -> HostObs:
    """The host the full reader reads from these children of a <host>, on their own (plus an address)."""
    handler = _handler(b"<nmaprun><host>" + wrap % text + _DUMMY_ADDRESS + b"</host><runstats><finished/></runstats>"
                       b"</nmaprun>")
    [host] = handler.hosts
    return host


def _balanced(text: bytes) -> None:
    """Raises unless `text` is one whole element on its own."""
    expat.ParserCreate().Parse(text, True)


def _handler(document: bytes) -> NmapHandler:
    parser = expat.ParserCreate()
    handler = NmapHandler(parser, "<fragment>")
    parser.Parse(document, True)
    handler.complete()
    return handler
