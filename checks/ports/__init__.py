"""The `ports` check: what a consultant trusts to find the point of entry.

It scans `scope.targets` minus `scope.exclude` with the real nmap, reads nmap XML taken elsewhere
(`nmap_xml:`), and judges every open port against the service-risk table
(services.yaml beside this module) and each target's `expected_ports`.

The config never passes nmap arguments; `profile` picks them (exact lists in `PROFILES`):

    quick     nmap -sS|-sT -n -T4 --top-ports 100
    standard  nmap -sS|-sT -n -T4 --top-ports 1000 -sV
    thorough  nmap -sS|-sT -n -T4 -p- -sV       and, as root, nmap -sU -n -T4 --top-ports 50 -sV

-sS (SYN scan) as root, -sT (connect scan) otherwise. `ports:` replaces the port selection with
`-p <ports>`. Every run also gets `--stats-every 2s -oX <file> -iL -` (addresses on stdin; plus `-Pn` with
`assume_up`, `--host-timeout` with `host_timeout_s`, `-6` for IPv6 addresses); see `profiles`.

Modules: options (the config section), profiles (nmap arguments), scope (what may be scanned),
scanner (running nmap), nmapxml (reading its XML safely), services (the risk table), judge (findings).
"""

from checks.ports.check import PortsCheck
from checks.ports.options import PortsOptions
from checks.ports.profiles import PROFILES

__all__ = ["PROFILES", "PortsCheck", "PortsOptions"]
