"""Fold the live scan and the imported files into one view per in-scope address.

Built for 65,536-host imports: each host's address was read once by the parser (HostObs.ip), views
are keyed and sorted by (IP version, address as a number), and a run's source label is formatted
once per run, not once per port.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import cast

from checks.ports.addresses import normalise
from checks.ports.nmapxml import HostObs, PortObs, ScanRun
from checks.ports.scope import IPAddress, Refusal, ResolvedScope, TargetSpec


@dataclass(slots=True)
class Sighting:
    port: PortObs
    run: ScanRun


_NONE: Mapping[tuple[str, int], list[Sighting]] = MappingProxyType({})


@dataclass(slots=True)
class HostView:
    """Everything the live scan and the imports say about one in-scope address."""

    # Empty until something is added (most hosts of a big import leave most of these empty: no container
    # made for nothing, and fewer objects for the garbage collector to walk).
    address: IPAddress
    spec: TargetSpec
    up: bool = False
    not_answering: tuple[str, ...] = ()  # sources where it was down
    timed_out: tuple[str, ...] = ()  # sources that gave up on it
    hostnames: frozenset[str] = frozenset()
    open_ports: Mapping[tuple[str, int], list[Sighting]] = field(default_factory=lambda: _NONE)
    undetermined: Mapping[tuple[str, int], list[Sighting]] = field(default_factory=lambda: _NONE)  # open|filtered
    other_states: int = 0  # open|filtered ports nmap summarised (<extraports>): counted, not listed
    host_scripts: tuple[tuple[str, str], ...] = ()
    shown: str = ""  # the address as text (formatting an address object again costs a microsecond a time)

    def __post_init__(self) -> None:
        if not self.shown:
            self.shown = str(self.address)

    @property
    def single_host(self) -> bool:
        """Listed on its own (an address or a hostname), not one address of a range."""
        return self.spec.network is None or self.spec.network.num_addresses == 1


def merge(scope: ResolvedScope, runs: Iterable[tuple[ScanRun, set[IPAddress]]]) -> tuple[list[HostView], list[Refusal]]:
    """Fold every run into one view per address. `runs` pairs each run with the addresses it was
    asked to scan (live: those absent from the XML did not answer; imports: empty)."""
    views: dict[tuple[int, int], HostView] = {}  # by (version, number): cheaper to hash and sort than addresses
    refused: dict[IPAddress, Refusal] = {}
    for run, requested in runs:
        if not run.scanned_ports:
            continue  # host discovery only (-sn): no port verdict from it (see discovery_only)
        source = source_label(run)
        seen: set[tuple[int, int]] = set()
        for host in run.hosts:
            address = normalise(host.ip if host.ip is not None else ipaddress.ip_address(host.address))
            key = (address.version, int(address))
            if requested:
                seen.add(key)
            view = views.get(key)
            if view is None:
                spec, why = scope.target_for(address)
                if spec is None:
                    refused.setdefault(address, Refusal(str(address), f"{address}/refused",
                                                        f"{why} (found in {run.source})"))
                    continue
                view = views[key] = HostView(address, spec, shown=host.address if address is host.ip else "")
            _add(view, host, run, source)
        for address in requested:
            key = (address.version, int(address))
            if key not in seen:
                view = views.get(key)
                if view is None:
                    view = views[key] = HostView(address, scope.addresses[address])
                view.not_answering += (source,)
    return [views[key] for key in sorted(views)], list(refused.values())


def _as_dict(found: Mapping[tuple[str, int], list[Sighting]]) -> dict[tuple[str, int], list[Sighting]]:
    return cast("dict[tuple[str, int], list[Sighting]]", found)  # made a dict by _add before its first entry


def _add(view: HostView, host: HostObs, run: ScanRun, source: str) -> None:
    if host.hostnames:
        view.hostnames |= frozenset(host.hostnames)
    if host.state == "up":
        view.up = True
    else:
        view.not_answering += (source,)
    if host.timed_out:
        view.timed_out += (source,)
    if host.scripts:
        view.host_scripts += host.scripts
    for port in host.ports:
        state = port.state
        if state == "open":
            if view.open_ports is _NONE:
                view.open_ports = {}
            _as_dict(view.open_ports).setdefault((port.proto, port.port), []).append(Sighting(port, run))
        elif "open" in state:
            if view.undetermined is _NONE:
                view.undetermined = {}
            _as_dict(view.undetermined).setdefault((port.proto, port.port), []).append(Sighting(port, run))
    if host.extraports:
        view.other_states += sum(count for state, count in host.extraports if "open" in state)


def source_label(run: ScanRun) -> str:
    """'scan.xml (scan of 2026-11-22 08:34 UTC, nmap 7.93)', or 'live scan of ...'."""
    return _describe_source(run.source, run.started, run.tool, run.version)


@functools.lru_cache(maxsize=256)
def _describe_source(source: str, started: datetime | None, tool: str, tool_version: str) -> str:
    started_text = started.strftime("%Y-%m-%d %H:%M UTC") if started else "unknown date"
    version = f", {tool} {tool_version}" if tool_version else (", masscan" if tool == "masscan" else "")
    if source == "live scan":
        return f"live scan of {started_text}{version}"
    return f"{source} (scan of {started_text}{version})"


def best_port(sightings: list[Sighting]) -> PortObs:
    """The most informative sighting: recognised by version detection, then with a version, live first."""
    if len(sightings) == 1:
        return sightings[0].port
    def rank(s: Sighting) -> tuple[int, int, int]:
        return (s.port.method == "probed", bool(s.port.version or s.port.product), s.run.source == "live scan")
    return max(sightings, key=rank).port
