"""The ports check's part of the consultant edition: what was scanned, and every port seen per host.

Read from the check's facts (checks/ports/inventory.py writes them), so a plan re-rendered from a
results JSON says the same. Versions nmap only guessed are marked as guesses there already.
"""

from __future__ import annotations

from typing import Any

from posture.models import Assessment, CheckStatus
from reports.text import cell, md


def render_ports(a: Assessment) -> list[str]:
    ports = next((c for c in a.checks if c.check == "ports" and c.status is CheckStatus.OK), None)
    if ports is None or not isinstance(ports.facts.get("scan"), dict):
        return []
    scan: dict[str, Any] = ports.facts["scan"]
    out = ["## What was scanned (ports)", ""]
    if scan.get("live_scan"):
        out.append(f"- Profile: {md(str(scan.get('profile', '')))}, {md(str(scan.get('scan_type', '')))}")
        out += [f"- TCP: {md(str(text))}" for text in scan.get("tcp_ports") or ["nothing (no live scan ran)"]]
        out.append(f"- UDP: {md(str(scan.get('udp', '')))}")
        scripts = scan.get("scripts") or []
        out.append("- Safe nmap scripts: " + (md(", ".join(map(str, scripts))) if scripts else "none"))
    else:
        out.append("- No live scan (live_scan: false): only imported files were judged")
    out += [f"- Imported: {md(str(line))}" for line in scan.get("imports") or []]
    out.append("")
    for host in ports.facts.get("inventory") or []:
        out += _host(host)
    return out


def _host(host: dict[str, Any]) -> list[str]:
    out = [f"### Ports on {md(str(host.get('asset', '')))}", ""]
    rows = host.get("ports") or []
    if rows:
        out += ["| Port | State | Service | Software (nmap) | Expected | Risk row |", "|---|---|---|---|---|---|"]
        out += [f"| {cell(str(r.get('port', '')))} | {cell(str(r.get('state', '')))}"
                f" | {cell(str(r.get('service', '')))}"
                f" | {cell(str(r.get('software', '')))} | {'yes' if r.get('expected') else ''}"
                f" | {cell(str(r.get('risk', '')))} |" for r in rows]
    else:
        out.append("No port was seen open.")
    more = host.get("more_open_filtered") or 0
    if more:
        out += ["", f"{more} more ports were open|filtered (nmap could not tell; it did not list them)."]
    return out + [""]
