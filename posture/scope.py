"""What a check may probe: the config's `scope` targets, less its exclusions, as a check sees it (`ctx.scope`).

Every check that touches the network asks `ctx.scope.require_in_scope(address)` first; it raises
OutOfScope (a CheckFailed, so the check's result becomes `error`) for anything the config does not
authorise. An exclusion always wins over a target.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from posture.errors import CheckFailed

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutOfScope(CheckFailed):
    """A check tried to probe an address the config does not authorise."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(f"{address} is outside the scope the config authorises (scope.targets, less scope.exclude)")


def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip().strip("[]"), strict=False)
    except ValueError:
        return None


def _host(text: str) -> str:
    return text.strip().rstrip(".").lower()


@dataclass(frozen=True)
class Scope:
    """The normalised in-scope addresses: networks (single addresses are /32 or /128) and host names."""

    networks: tuple[Network, ...] = ()
    hostnames: tuple[str, ...] = ()
    excluded_networks: tuple[Network, ...] = ()
    excluded_hostnames: tuple[str, ...] = ()
    authorization: str = ""
    _resolved: dict[str, tuple[Network, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, targets: Iterable[str], exclude: Iterable[str] = (), authorization: str = "") -> Scope:
        nets, hosts, ex_nets, ex_hosts = [], [], [], []
        for text in targets:
            net = _network(text)
            nets.append(net) if net is not None else hosts.append(_host(text))
        for text in exclude:
            net = _network(text)
            ex_nets.append(net) if net is not None else ex_hosts.append(_host(text))
        return cls(tuple(nets), tuple(hosts), tuple(ex_nets), tuple(ex_hosts), authorization)

    @property
    def addresses(self) -> tuple[str, ...]:
        """The targets as written, normalised: "127.0.0.1", "10.0.0.0/24", "nas.example"."""
        nets = [str(n.network_address) if n.num_addresses == 1 else str(n) for n in self.networks]
        return (*nets, *self.hostnames)

    def contains(self, address: str) -> bool:
        net = _network(address)
        if net is None:  # a host name: in scope when it is a target itself
            host = _host(address)
            return host in self.hostnames and host not in self.excluded_hostnames
        if any(net.version == x.version and net.subnet_of(x) for x in self.excluded_networks):  # type: ignore[arg-type]
            return False
        if any(net.version == n.version and net.subnet_of(n) for n in self.networks):  # type: ignore[arg-type]
            return True
        # An address a target host name resolves to (resolved only when asked; a name that fails to
        # resolve authorises nothing).
        return any(net.version == n.version and net.subnet_of(n)  # type: ignore[arg-type]
                   for host in self.hostnames if host not in self.excluded_hostnames
                   for n in self._resolve(host))

    def require_in_scope(self, address: str) -> str:
        """`address`, normalised, when the config authorises probing it; OutOfScope otherwise."""
        if not self.contains(address):
            raise OutOfScope(address.strip())
        net = _network(address)
        return _host(address) if net is None else str(net.network_address) if net.num_addresses == 1 else str(net)

    def _resolve(self, host: str) -> tuple[Network, ...]:
        if host not in self._resolved:
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                found = {ipaddress.ip_network(str(info[4][0]).split("%")[0]) for info in infos}
            except (OSError, UnicodeError, ValueError):
                found = set()
            self._resolved[host] = tuple(found)
        return self._resolved[host]
