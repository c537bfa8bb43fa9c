"""The element handler under nmapxml: builds a ScanRun while expat streams through the document.

Written for 65,536-host imports (2.6 million elements), so every element costs as little Python as
possible:
- only start tags call Python. End tags go to a plain list's `append` (no Python frame); the depth
  of each start tag is the starts so far minus that list's length, and a port or host is complete
  when the next start tag is at its depth or above (or the document ends).
- attributes arrive as expat's flat list; the port, state, status and service attributes of a big
  scan repeat, so each distinct list is read and checked once and its reading reused, and one frozen
  PortObs is shared by every host that showed the same observation.
Every problem is an InputError at the element's line: where it starts, for a port with no <state>
or a host with no address too.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from checks.ports.observations import HostObs, PortObs
from posture.api import InputError

PROTOCOLS = frozenset({"tcp", "udp", "sctp", "ip"})
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # what ipaddress accepts: no leading zero
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
_NO_PORT = -1  # no port open
_ENDS_KEPT = 4096  # end tags counted before the list is folded into the count


def attr(attrs: list[str], key: str) -> str:
    """One attribute from expat's flat [name, value, name, value, ...] list; '' when absent."""
    i = 0
    try:
        while True:
            i = attrs.index(key, i)
            if not i & 1:  # a name, not a value that happens to spell it
                return attrs[i + 1]
            i += 1
    except ValueError:
        return ""


class NmapHandler:
    """Installs itself on an expat parser (ordered_attributes) and builds the run's hosts as it parses."""

    def __init__(self, parser: Any, where: str) -> None:
        self.parser = parser
        self.where = where
        self.ends: list[str] = []
        parser.ordered_attributes = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.ends.append  # only counted: see start
        self.opened = 0  # start tags seen, minus the end tags folded out of `ends`
        self.path = ["", "", ""]  # the open elements at depths 0-2 (deeper parents are implied, see start)
        self.watch = 0  # a start tag at this depth or above completes something (0: the root is next)
        self.root_seen = False
        self.finished = False
        self.run: dict[str, str] = {}
        self.scaninfo: list[tuple[str, str, str]] = []
        self.hosts: list[HostObs] = []
        self.in_host = False
        self.in_port = False
        # the host being read (h_) and its port (p_)
        self.h_line = self.p_line = 0
        self.h_timed_out = False
        self.h_addresses: list[tuple[str, Any]] = []
        self.h_state, self.h_reason = "unknown", ""
        self.h_hostnames: list[str] = []
        self.h_ports: list[PortObs] = []
        self.h_extraports: list[tuple[str, int]] = []
        self.h_scripts: list[tuple[str, str]] = []
        self.p_id: tuple[str, int] = ("", 0)
        self.p_state: tuple[str, str] | None = None
        self.p_service: tuple[Any, ...] = _NO_SERVICE
        self.p_scripts: tuple[tuple[str, str], ...] = ()
        # Each distinct attribute list read and checked once (a big scan repeats them host after host):
        self._port_ids: dict[tuple[str, ...], tuple[str, int]] = {}
        self._states: dict[tuple[str, ...], tuple[str, str]] = {}
        self._services: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self._observed: dict[tuple[Any, ...], PortObs] = {}
        self._handlers: dict[str, Callable[[int, list[str]], None]] = {
            "host": self._host, "status": self._status, "address": self._address, "hostname": self._hostname,
            "script": self._host_script, "extraports": self._extraports, "scaninfo": self._scaninfo,
            "finished": self._finished, "hosts": self._runstats_hosts,
        }

    # -- where we are
    def position(self) -> tuple[int, int]:
        """(line, 0-based column) of the parser right now."""
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber

    def fail(self, message: str, key: str | None = None, line: int | None = None) -> InputError:
        if line is not None:  # a problem found after its element began: reported where it began
            return InputError(message, path=self.where, line=line, key=key)
        line, column = self.position()
        return InputError(message, path=self.where, line=line, column=column + 1, key=key)

    @property
    def closed(self) -> bool:
        """Did the root element end?"""
        return self.root_seen and self.opened == len(self.ends)

    # -- the hot path: one call per start tag, 41 per host of a -sV scan
    def start(self, name: str, attrs: list[str]) -> None:
        ends = self.ends
        done = len(ends)
        if done > _ENDS_KEPT:
            self.opened -= done
            ends.clear()
            done = 0
        depth = self.opened - done
        self.opened += 1
        if depth <= self.watch:
            self._settle(name, depth, attrs)
        if depth >= 4:
            # Only a port's children matter this deep. While in_port, the open depth-3 element is that
            # <port> (any other start at depth 3 would have completed it), so no parent check is needed.
            if depth == 4 and self.in_port:
                if name == "state":
                    key = tuple(attrs)
                    self.p_state = self._states.get(key) or self._read(self._states, key, attrs, "port state")
                elif name == "service":
                    key = tuple(attrs)
                    self.p_service = self._services.get(key) or self._read_service(key, attrs)
                elif name == "script":
                    self.p_scripts = (*self.p_scripts, (attr(attrs, "id"), attr(attrs, "output")))
            return
        if depth == 3:
            if name == "port":
                if self.in_host and self.path[2] == "ports":
                    key = tuple(attrs)
                    self.p_id = self._port_ids.get(key) or self._read_port(key, attrs)
                    self.p_line = self.parser.CurrentLineNumber
                    self.p_state = None
                    self.p_service = _NO_SERVICE
                    self.p_scripts = ()
                    self.in_port = True
                    self.watch = 3
                return
        else:
            self.path[depth] = name
        handler = self._handlers.get(name)
        if handler is not None:
            handler(depth, attrs)

    def _settle(self, name: str, depth: int, attrs: list[str]) -> None:
        """The root element; or complete the port and host that ended before this start tag at `depth`."""
        if self.root_seen:
            self.complete(depth)
            return
        if name != "nmaprun":
            raise self.fail(f"the root element is <{name}>, not <nmaprun>: this is not nmap XML output")
        self.root_seen = True
        self.watch = _NO_PORT
        self.run = {k: attr(attrs, k) for k in ("args", "version", "scanner", "start")}

    def complete(self, depth: int = 0) -> None:
        """Finish a pending port (depth 3) and host (depth 1) that a start tag at `depth` shows are over."""
        if self.in_port and depth <= 3:
            self.in_port = False
            key = (self.p_id, self.p_state, self.p_service, self.p_scripts)
            port = self._observed.get(key)
            if port is None:
                port = self._observe(key)
            self.h_ports.append(port)
        if self.in_host and depth <= 1:
            self._end_host()
        self.watch = 3 if self.in_port else 1 if self.in_host else _NO_PORT

    def _observe(self, key: tuple[Any, ...]) -> PortObs:
        if self.p_state is None:
            proto, number = self.p_id
            raise self.fail(f"port {proto}/{number} has no <state>", key="port.state", line=self.p_line)
        # A big import repeats the same few observations (22/tcp open ssh OpenSSH 9.2) on thousands of
        # hosts: one shared (frozen) PortObs each keeps 65,536 hosts in bounded memory.
        (proto, number), (state, reason) = self.p_id, self.p_state
        name, product, version, extrainfo, tunnel, method, conf = self.p_service
        port = self._observed[key] = PortObs(proto, number, state, reason, name, product, version, extrainfo, tunnel,
                                             method, conf, self.p_scripts)
        return port

    # -- <scaninfo>, <runstats>
    def _scaninfo(self, depth: int, attrs: list[str]) -> None:
        if depth == 1:
            self.scaninfo.append((attr(attrs, "type"), attr(attrs, "protocol"), attr(attrs, "services")))

    def _finished(self, depth: int, attrs: list[str]) -> None:
        if depth == 2 and self.path[1] == "runstats":
            self.finished = True
            self.run["exit"] = attr(attrs, "exit")
            self.run["errormsg"] = attr(attrs, "errormsg")

    def _runstats_hosts(self, depth: int, attrs: list[str]) -> None:
        if depth == 2 and self.path[1] == "runstats":
            self.run["up"] = attr(attrs, "up")
            self.run["down"] = attr(attrs, "down")

    # -- <host> and what it holds
    def _host(self, depth: int, attrs: list[str]) -> None:
        if depth != 1:
            return  # only a child of <nmaprun> is a host (<hosthint> is not)
        self.in_host = True
        self.watch = 1
        self.h_line = self.parser.CurrentLineNumber
        self.h_timed_out = attr(attrs, "timedout") == "true"
        self.h_addresses = []
        self.h_state = "unknown"
        self.h_reason = ""
        self.h_hostnames = []
        self.h_ports = []
        self.h_extraports = []
        self.h_scripts = []

    def _status(self, depth: int, attrs: list[str]) -> None:
        if depth == 2 and self.in_host:
            key = tuple(attrs)
            self.h_state, self.h_reason = self._states.get(key) or self._read(self._states, key, attrs, "host status")

    def _address(self, depth: int, attrs: list[str]) -> None:
        if depth != 2 or not self.in_host or attr(attrs, "addrtype") not in ("ipv4", "ipv6"):
            return  # a MAC address, or an <address> of something else
        raw = self._required(attrs, "addr", "address")
        if _IPV4.fullmatch(raw):  # the common case, read without ipaddress's slower parser
            a, b, c, d = raw.split(".")
            self.h_addresses.append((raw, ipaddress.IPv4Address((int(a) << 24) | (int(b) << 16) | (int(c) << 8)
                                                                | int(d))))
            return
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            raise self.fail(f"{raw!r} is not an IP address", key="host.address") from None
        self.h_addresses.append((str(address), address))

    def _hostname(self, depth: int, attrs: list[str]) -> None:
        if depth == 3 and self.in_host and self.path[2] == "hostnames":
            hostname = attr(attrs, "name")
            if hostname:
                self.h_hostnames.append(hostname)

    def _extraports(self, depth: int, attrs: list[str]) -> None:
        if depth == 3 and self.in_host and self.path[2] == "ports":
            count = attr(attrs, "count")
            if count.isascii() and count.isdigit():
                self.h_extraports.append((attr(attrs, "state"), int(count)))

    def _host_script(self, depth: int, attrs: list[str]) -> None:
        if depth == 3 and self.in_host and self.path[2] == "hostscript":
            self.h_scripts.append((attr(attrs, "id"), attr(attrs, "output")))

    def _end_host(self) -> None:
        self.in_host = False
        if not self.h_addresses:
            raise self.fail("a <host> has no IPv4 or IPv6 <address>", key="host.address", line=self.h_line)
        state = self.h_state
        if state == "unknown" and any(p.state == "open" for p in self.h_ports):
            state = "up"  # masscan writes no <status>: a host with an open port answered
        address, ip = self.h_addresses[0]
        self.hosts.append(HostObs(address, state, self.h_reason, tuple(self.h_hostnames), tuple(self.h_ports),
                                  self.h_timed_out, tuple(self.h_extraports), tuple(self.h_scripts), ip))

    # -- reading an attribute list the first time it is seen
    def _read(self, cache: dict[tuple[str, ...], Any], key: tuple[str, ...], attrs: list[str], what: str) -> Any:
        found = cache[key] = (self._required(attrs, "state", what), attr(attrs, "reason"))
        return found

    def _read_port(self, key: tuple[str, ...], attrs: list[str]) -> tuple[str, int]:
        proto = self._required(attrs, "protocol", "port")
        if proto not in PROTOCOLS:
            raise self.fail(f"unknown protocol {proto!r}", key="port.protocol")
        raw = self._required(attrs, "portid", "port")
        if not raw.isascii() or not raw.isdigit() or not 0 <= int(raw) < 65536:
            raise self.fail(f"{raw!r} is not a port number", key="port.portid")
        found = self._port_ids[key] = (proto, int(raw))
        return found

    def _read_service(self, key: tuple[str, ...], attrs: list[str]) -> tuple[Any, ...]:
        conf = attr(attrs, "conf")
        found = self._services[key] = (*(attr(attrs, k) for k in ("name", "product", "version", "extrainfo", "tunnel",
                                                                  "method")),
                                       int(conf) if conf.isascii() and conf.isdigit() and len(conf) < 4 else 0)
        return found

    def _required(self, attrs: list[str], key: str, what: str) -> str:
        value = attr(attrs, key)
        if not value:
            raise self.fail(f"{what} has no {key!r} attribute", key=key)
        return value


_NO_SERVICE = ("", "", "", "", "", "", 0)
