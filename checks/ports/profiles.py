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

Profiles (TCP pass; `ports:` replaces the port selection with `-p <ports>`):
    quick     --top-ports 100
    standard  --top-ports 1000 -sV
    thorough  -p- -sV      then, as root only, a UDP pass: -sU --top-ports 50 -sV
              (with `ports:`, the UDP pass is -sU -p <ports> --top-ports 50 -sV: the top 50 among them)
"""

from __future__ import annotations

from dataclasses import dataclass

PROFILES: dict[str, dict[str, tuple[str, ...]]] = {
    "quick": {"tcp": ("--top-ports", "100")},
    "standard": {"tcp": ("--top-ports", "1000", "-sV")},
    "thorough": {"tcp": ("-p-", "-sV"), "udp": ("-sU", "--top-ports", "50", "-sV")},
}
COMMON = ("-n", "-T4")
STATS = ("--stats-every", "2s")
DEFAULT_TIMEOUT_S = {"quick": 300.0, "standard": 900.0, "thorough": 3600.0}


@dataclass(frozen=True)
class NmapPass:
    """One nmap run over every address of one family."""

    name: str  # "tcp" or "udp"
    args: tuple[str, ...]  # everything between `nmap` and the output/target options

    @property
    def uses_udp(self) -> bool:
        return "-sU" in self.args


def nmap_passes(
    profile: str,
    *,
    ports: str | None,
    root: bool,
    ipv6: bool = False,
    assume_up: bool = False,
    host_timeout_s: float | None = None,
) -> list[NmapPass]:
    """The nmap runs one profile needs, as exact argument lists (without `-oX`/`-iL`)."""
    spec = PROFILES[profile]
    extra: tuple[str, ...] = COMMON
    if assume_up:
        extra += ("-Pn",)
    if host_timeout_s is not None:
        extra += ("--host-timeout", f"{max(1, round(host_timeout_s))}s")
    extra += STATS
    if ipv6:
        extra += ("-6",)
    tcp = _replace_ports(spec["tcp"], ports)
    passes = [NmapPass("tcp", ("-sS" if root else "-sT", *tcp, *extra))]
    if "udp" in spec and root:
        udp = spec["udp"] if ports is None else ("-sU", "-p", ports, *spec["udp"][1:])
        passes.append(NmapPass("udp", (*udp, *extra)))
    return passes


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
