"""What the plan says about the scan itself: what was scanned, and every port seen on every host.

The consultant edition prints both (reports/ports_inventory.py): the profile, the TCP and UDP port
sets and the scripts, then per host each open port (expected ones too), each `open|filtered` one,
each expected port not seen open, with nmap's version shown as a guess where it only guessed.
"""

from __future__ import annotations

from typing import Any

from checks.ports.nmapxml import ScanRun
from checks.ports.options import PortsOptions
from checks.ports.services import ServiceTable
from checks.ports.versions import identify
from checks.ports.views import HostView, best_port

MAX_HOSTS = 256  # beyond this the inventory would drown the plan; the JSON results keep the findings


def scanned_summary(options: PortsOptions, facts: dict[str, Any], imports: list[ScanRun]) -> dict[str, Any]:
    """Profile, port sets, UDP, scripts and imported files, as the plan states them."""
    summary: dict[str, Any] = {"profile": options.profile, "live_scan": options.live_scan}
    if options.live_scan:
        summary.update({
            "scan_type": facts.get("scan_type", ""),
            "tcp_ports": facts.get("ports_scanned", []),
            "udp": facts.get("udp", ""),
            "scripts": facts.get("scripts", []),
            "nmap_args": facts.get("nmap_args", []),
        })
    summary["imports"] = [
        f"{run.source}: {run.tool}" + (f" {run.version}" if run.version else "") + f", {run.started_text}, "
        + (f"{len(run.hosts)} host(s)" if run.scanned_ports else "host discovery only (no ports scanned)")
        for run in imports
    ]
    return summary


def inventory(views: list[HostView], table: ServiceTable) -> list[dict[str, Any]]:
    """One entry per host that answered: its ports, expected ones and undetermined ones included."""
    hosts = []
    for view in [v for v in views if v.up][:MAX_HOSTS]:
        expected = set(view.spec.target.expected_ports)
        rows = []
        for (proto, number), sightings in sorted(view.open_ports.items()):
            rows.append(_row(proto, number, "open", sightings, expected, table))
        for (proto, number), sightings in sorted(view.undetermined.items()):
            if (proto, number) not in view.open_ports:
                rows.append(_row(proto, number, best_port(sightings).state, sightings, expected, table))
        seen = {n for _, n in view.open_ports} | {n for _, n in view.undetermined}
        rows += [{"port": f"tcp/{n}", "state": "expected, not seen open", "service": "", "software": "",
                  "expected": True, "risk": ""} for n in sorted(expected - seen)]
        hosts.append({"address": view.shown, "asset": view.spec.label(view.shown), "ports": rows,
                      "more_open_filtered": view.other_states})
    return hosts


def _row(proto: str, number: int, state: str, sightings: Any, expected: set[int],
         table: ServiceTable) -> dict[str, Any]:
    port = best_port(sightings)
    software = identify(port)
    rule = table.match(port)
    return {"port": f"{proto}/{number}", "state": state, "service": port.service or "unknown",
            "software": software.shown if software else "", "guess": bool(software and software.guess),
            "expected": number in expected, "risk": rule.label if rule else ""}
