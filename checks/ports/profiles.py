"""The exact nmap arguments of each profile. The config chooses a profile, never arguments.

Every scan also gets, in this order:
    -sS (as root) or -sT (otherwise: a full connect scan needs no raw sockets)
    -n              no DNS look-ups: posture resolves and checks the addresses itself
    -T4             nmap's timing for reasonably fast, reliable networks
    -Pn             only with `assume_up: true`
    --host-timeout  only with `host_timeout_s`
    --stats-every 2s  progress lines in the XML, which posture reads while nmap runs
    -6              for IPv6 addresses (nmap scans one address family per run)
    -oX FILE -iL -  XML output to a private temporary file; the exact in-scope addresses on stdin

Profiles (TCP pass):
    quick     -p T:<top 100 ∪ the service-risk table's TCP ports>[,U:<its UDP ports>] (+ -sU as root)
              --script <the exposure scripts> --script-timeout 20s
    standard  the same with the top 1000 and -sV (version detection)
    thorough  -p- -sV --script ...  then, as root only, a UDP pass: -sU --top-ports 50 -sV
              (with `ports:`, the UDP pass is -sU -p <ports> --top-ports 50 -sV: the top 50 among them)
"Top N" is nmap's own list (the N most frequent TCP ports of its nmap-services file, what
`--top-ports N` scans); the table's ports are added because a Redis on 6379 or a kubelet on 10250
is outside the top 1000. `ports:` replaces the port selection with `-p <ports>` (TCP only).
"""

from __future__ import annotations

import heapq
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.ports import scanlists
from posture.api import CheckFailed

PROFILES: dict[str, dict[str, tuple[str, ...]]] = {
    "quick": {"tcp": ("--top-ports", "100")},
    "standard": {"tcp": ("--top-ports", "1000", "-sV")},
    "thorough": {"tcp": ("-p-", "-sV"), "udp": ("-sU", "--top-ports", "50", "-sV")},
}
COMMON = ("-n", "-T4")
STATS = ("--stats-every", "2s")
SCRIPT_TIMEOUT = ("--script-timeout", "20s")
DEFAULT_TIMEOUT_S = {"quick": 300.0, "standard": 900.0, "thorough": 3600.0}


@dataclass(frozen=True)
class NmapPass:
    """One nmap run over every address of one family."""

    name: str  # "tcp" or "udp"
    args: tuple[str, ...]  # everything between `nmap` and the output/target options

    @property
    def uses_udp(self) -> bool:
        return "-sU" in self.args

    @property
    def ports_text(self) -> str:
        """What this pass scans, in words, for the plan's 'what was scanned'."""
        args = self.args
        if "-p-" in args:
            return "all 65,535 TCP ports"
        if "--top-ports" in args and "-p" not in args:
            return f"nmap's top {args[args.index('--top-ports') + 1]} {'UDP' if self.uses_udp else 'TCP'} ports"
        if "-p" in args:
            spec = args[args.index("-p") + 1]
            tcp, udp = _count_spec(spec, "T" if "-sS" in args or "-sT" in args else "U")
            text = " and ".join(t for t in (f"{tcp:,} TCP ports" if tcp else "", f"{udp:,} UDP ports" if udp else "")
                                if t)
            if "--top-ports" in args:
                text = f"the top {args[args.index('--top-ports') + 1]} of " + text
            return text
        return "nmap's default ports"


@dataclass(frozen=True)
class TablePorts:
    """What the service-risk table adds to the quick and standard profiles."""

    tcp: frozenset[int] = frozenset()
    udp: frozenset[int] = frozenset()
    scripts: tuple[str, ...] = ()


def nmap_passes(
    profile: str,
    *,
    ports: str | None,
    root: bool,
    ipv6: bool = False,
    assume_up: bool = False,
    host_timeout_s: float | None = None,
    table: TablePorts | None = None,
    nmap: str | None = None,
) -> list[NmapPass]:
    """The nmap runs one profile needs, as exact argument lists (without `-oX`/`-iL`).

    With `table` (what the check passes), quick and standard scan nmap's top ports plus the table's,
    and every profile runs the table's exposure scripts."""
    spec = PROFILES[profile]
    extra: tuple[str, ...] = COMMON
    if assume_up:
        extra += ("-Pn",)
    if host_timeout_s is not None:
        extra += ("--host-timeout", f"{max(1, round(host_timeout_s))}s")
    extra += STATS
    if ipv6:
        extra += ("-6",)
    scripts: tuple[str, ...] = ("--script", ",".join(table.scripts), *SCRIPT_TIMEOUT) if table and table.scripts else ()
    scan = "-sS" if root else "-sT"
    if ports is None and table is not None and "--top-ports" in spec["tcp"]:
        count = int(spec["tcp"][spec["tcp"].index("--top-ports") + 1])
        tcp_ports = set(top_tcp_ports(count, nmap)) | set(table.tcp)
        port_spec = "T:" + _ranges(tcp_ports)
        types: tuple[str, ...] = (scan,)
        if root and table.udp:  # UDP needs raw sockets
            port_spec += ",U:" + _ranges(table.udp)
            types = (scan, "-sU")
        rest = tuple(a for a in spec["tcp"][2:])  # what follows --top-ports N (-sV)
        return [NmapPass("tcp", (*types, "-p", port_spec, *rest, *scripts, *extra))]
    tcp = _replace_ports(spec["tcp"], ports)
    passes = [NmapPass("tcp", (scan, *tcp, *scripts, *extra))]
    if "udp" in spec and root:
        udp = spec["udp"] if ports is None else ("-sU", "-p", ports, *spec["udp"][1:])
        passes.append(NmapPass("udp", (*udp, *scripts, *extra)))
    return passes


# "name<TAB>port/tcp<TAB>frequency[<TAB># comment]", not on a "#" line.
_TCP_LINE = re.compile(r"\n(?!#)[^\t\n]*\t(\d+)/tcp\t([^\t\n]*)")


def top_tcp_ports(count: int, nmap: str | None = None) -> list[int]:
    """nmap's `--top-ports count` TCP list, from the nmap-services file of the nmap that will run."""
    path = nmap_services_path(nmap)
    if path is None:
        raise CheckFailed("cannot find nmap's nmap-services file (needed for the profile's top-ports list); "
                          "reinstall nmap or set NMAPDIR")
    data = path.read_bytes()
    return scanlists.remembered(f"top_tcp_{count}", scanlists.digest(data, scanlists.own_file("profiles.py")),
                                lambda: rank_top_tcp(data.decode("utf-8", "replace"), count), scanlists.valid_ports)


def rank_top_tcp(services: str, count: int) -> list[int]:
    """The `count` TCP ports of an nmap-services text with the highest frequency (a tie: the lower port)."""
    # One regex pass over the 1 MB file (a Python loop over its 27,000 lines took 47 ms).
    ranked: list[tuple[float, int]] = []
    for port, frequency in _TCP_LINE.findall("\n" + services):
        try:
            ranked.append((-float(frequency), int(port)))
        except ValueError:
            continue
    return sorted(port for _, port in heapq.nsmallest(count, ranked))


def table_ports() -> TablePorts:
    """What the service-risk table adds to every scan: its ports and its exposure scripts."""

    def work_out() -> dict[str, list[Any]]:
        from checks.ports.services import load_services

        table = load_services()
        tcp, udp = table.scan_ports
        return {"tcp": sorted(tcp), "udp": sorted(udp), "scripts": list(table.scripts)}

    def valid(value: Any) -> bool:
        return (isinstance(value, dict) and scanlists.valid_ports(value.get("tcp"))
                and scanlists.valid_ports(value.get("udp")) and scanlists.valid_scripts(value.get("scripts")))

    key = scanlists.digest(*map(scanlists.own_file, ("services.yaml", "services.py", "profiles.py")))
    lists = scanlists.remembered("service_table", key, work_out, valid)
    return TablePorts(frozenset(lists["tcp"]), frozenset(lists["udp"]), tuple(lists["scripts"]))


def nmap_services_path(nmap: str | None = None) -> Path | None:
    candidates = []
    if os.environ.get("NMAPDIR"):
        candidates.append(Path(os.environ["NMAPDIR"]))
    binary = nmap or shutil.which("nmap")
    if binary:
        candidates.append(Path(binary).resolve().parent.parent / "share" / "nmap")
    candidates += [Path("/usr/share/nmap"), Path("/usr/local/share/nmap"), Path("/opt/homebrew/share/nmap")]
    return next((c / "nmap-services" for c in candidates if (c / "nmap-services").is_file()), None)


def _ranges(ports: Iterable[int]) -> str:
    merged: list[list[int]] = []
    for port in sorted(set(ports)):
        if merged and port == merged[-1][1] + 1:
            merged[-1][1] = port
        else:
            merged.append([port, port])
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in merged)


def _count_spec(spec: str, kind: str) -> tuple[int, int]:
    """TCP and UDP port counts of an nmap -p spec; unprefixed ranges count as `kind`."""
    counts = {"T": 0, "U": 0}
    for part in spec.split(","):
        if ":" in part:
            kind, _, part = part.partition(":")
        low, _, high = part.partition("-")
        counts[kind if kind in counts else "T"] += int(high or low) - int(low) + 1
    return counts["T"], counts["U"]


def _replace_ports(args: tuple[str, ...], ports: str | None) -> tuple[str, ...]:
    if ports is None:
        return args
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--top-ports":
            skip = True
            continue
        if arg == "-p-":
            continue
        out.append(arg)
    return ("-p", ports, *out)
