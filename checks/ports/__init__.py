"""The `ports` check: what a consultant trusts to find the point of entry.

It scans `scope.targets` minus `scope.exclude` with the real nmap, reads nmap XML taken elsewhere
(`nmap_xml:`), and judges every open port against the service-risk table
(services.yaml beside this module) and each target's `expected_ports`.

The config never passes nmap arguments; `profile` picks them (exact lists in `PROFILES`):

    quick     nmap -sS|-sT [-sU] -p T:<top 100 + table>,U:<table> --script <exposure scripts> -n -T4
    standard  the same with the top 1000 and -sV
    thorough  nmap -sS|-sT -n -T4 -p- -sV --script ...   and, as root, nmap -sU --top-ports 50 -sV --script ...

-sS (SYN scan) as root, -sT (connect scan) otherwise. `ports:` replaces the port selection with
`-p <ports>`. Every run also gets `--stats-every 2s -oX <file> -iL -` (addresses on stdin; plus `-Pn` with
`assume_up`, `--host-timeout` with `host_timeout_s`, `-6` for IPv6 addresses); see `profiles`.

Modules: options (the config section), profiles (nmap arguments), addresses (one reading of an
address), scope (what may be scanned), scanner (running nmap), nmapxml (reading nmap/masscan XML
safely: observations, what it holds; xmlhandler, the full reader; xmlfast, the fast walk of plain
nmap output), services (the risk table), versions (what software, how sure), views (one view per
address across scans), judge (findings), inventory (what the plan says was scanned and seen).
"""

from checks.ports.check import PortsCheck
from checks.ports.options import PortsOptions
from checks.ports.profiles import PROFILES

__all__ = ["PROFILES", "PortsCheck", "PortsOptions"]
