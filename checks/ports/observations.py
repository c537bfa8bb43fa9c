"""What a scan saw, as read from nmap's XML: one ScanRun of HostObs, each with its PortObs.

All frozen, so a big import shares one PortObs among every host that showed the same observation
(22/tcp open ssh OpenSSH 9.2p1 on 60,000 hosts is one object).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime


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
    # `address` as the parser already read it, so judging 65,536 hosts does not parse each text again
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = field(default=None, compare=False, repr=False)


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
