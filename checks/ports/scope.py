"""What may be scanned: scope.targets minus scope.exclude, decided before any packet is sent.

- A target is an IP address, a CIDR network (expanded to its hosts) or a hostname (resolved here,
  and each address checked; nmap only ever gets addresses, so it cannot resolve differently).
- Public addresses (anything not private, loopback or link-local) are refused unless the target says
  `exposure: internet` and `scope.authorization` records who allowed the scan. Multicast, broadcast
  and unspecified addresses are never hosts and are always refused.
- Hosts in imported nmap XML are judged only when they fall inside this same scope.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from checks.ports.addresses import (
    AddressError,
    IPAddress,
    IPNetwork,
    normalise,
    parse_network,
    special_range,
    uniform,
)
from posture.api import CheckFailed, Config, ConfigError, InputError, Target

Resolver = Callable[[str], list[str]]

MAX_ADDRESSES = 65_536  # a /16: more than any small business has, and a scan that finishes
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")
_NUMERIC = re.compile(r"[0-9.\-]+")  # "10.0.0.1-20", "192.168.1.300": an IP typo or an nmap range, not a name


def is_public(address: IPAddress) -> bool:
    return not (address.is_private or address.is_loopback or address.is_link_local)


def never_a_host(address: IPAddress) -> str:
    """Why this address is not a host to scan, or '' when it is one."""
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if isinstance(address, ipaddress.IPv4Address) and address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if address.is_reserved and not address.is_loopback:  # ::1 sits inside IPv6's reserved ::/8
        return "a reserved address"
    return special_range(address)


@dataclass(frozen=True)
class TargetSpec:
    index: int  # position in scope.targets, for located errors
    target: Target
    network: IPNetwork | None  # None for a hostname
    hostname: str | None = None

    @property
    def specificity(self) -> int:
        """Longer prefixes win when targets overlap; a hostname's addresses are single hosts."""
        return 256 if self.network is None else self.network.prefixlen

    def label(self, address: str) -> str:
        name = self.target.name or self.hostname
        return f"{name} ({address})" if name and name != address else address


@dataclass(frozen=True)
class Refusal:
    """Something in the config or an import that will not be scanned or judged, and why."""

    subject: str  # the address or hostname
    key: str  # stable finding key
    reason: str
    target: TargetSpec | None = None


@dataclass
class ResolvedScope:
    """The exact addresses to scan, each mapped to the target it belongs to."""

    addresses: dict[IPAddress, TargetSpec] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    excluded: set[IPAddress] = field(default_factory=set)
    exclude_networks: list[IPNetwork] = field(default_factory=list)
    networks: list[tuple[IPNetwork, TargetSpec]] = field(default_factory=list)
    authorized: bool = False
    # Networks whose every host is in scope, allowed and not excluded, left unexpanded when only imported
    # files are judged (resolve(expand=False)): (version, first host, last host, target) as integers.
    unexpanded: list[tuple[int, int, int, TargetSpec]] = field(default_factory=list)

    def target_for(self, address: IPAddress) -> tuple[TargetSpec | None, str]:
        """The target an (imported) address belongs to, or None and why it is out of scope."""
        address = normalise(address)
        spec = self.addresses.get(address) if self.addresses else None
        if self.unexpanded:
            version, number = address.version, int(address)
            for v, first, last, candidate in self.unexpanded:  # as if expanded: the most specific, then the first
                if v == version and first <= number <= last and (
                        spec is None or (candidate.specificity, -candidate.index) > (spec.specificity, -spec.index)):
                    spec = candidate
        if spec is not None:
            return spec, ""
        if address in self.excluded or any(address in net for net in self.exclude_networks):
            return None, "it is excluded by scope.exclude"
        why = never_a_host(address)
        if why:
            return None, f"it is {why}"
        containing = [(net, s) for net, s in self.networks if address.version == net.version and address in net]
        if containing:
            spec = max(containing, key=lambda pair: pair[0].prefixlen)[1]
            problem = permission_problem(address, spec.target, self.authorized)
            return (None, problem) if problem else (spec, "")
        return None, "it is not in scope.targets"


def permission_problem(address: IPAddress, target: Target, authorized: bool) -> str:
    """Why scanning this address of this target is not allowed, or '' when it is."""
    why = never_a_host(address)
    if why:
        return f"it is {why}"
    if is_public(address):
        if target.exposure != "internet":
            return "it is a public address; scanning it needs exposure: internet on this target " \
                   "and scope.authorization filled in"
        if not authorized:
            return "it is a public address and scope.authorization is empty: record who allowed the scan"
    return ""


class Scope:
    """The scope as the config states it, checked without touching the network."""

    def __init__(self, specs: list[TargetSpec], exclude: list[IPNetwork], exclude_names: list[str],
                 authorization: str) -> None:
        self.specs = specs
        self.exclude = exclude
        self.exclude_names = exclude_names
        self.authorization = authorization.strip()

    @classmethod
    def from_config(cls, config: Config) -> Scope:
        """Parse scope.targets and scope.exclude; a located InputError for anything unscannable."""
        scope = config.scope
        authorized = bool(scope.authorization.strip())
        problems: list[InputError] = []
        specs: list[TargetSpec] = []
        total = 0
        for index, target in enumerate(scope.targets):
            key = ("scope", "targets", index, "address")
            try:
                network = parse_network(target.address)
            except AddressError as exc:
                problems.append(config.locate(key, str(exc)))
                continue
            if network is None:
                if not _HOSTNAME.fullmatch(target.address) or _NUMERIC.fullmatch(target.address):
                    problems.append(config.locate(key, f"{target.address!r} is not an IP address, CIDR network "
                                                       "or hostname (write ranges as CIDR, e.g. 192.168.1.0/24)"))
                    continue
                specs.append(TargetSpec(index, target, None, target.address.rstrip(".").lower()))
                continue
            if network.num_addresses > MAX_ADDRESSES:
                problems.append(config.locate(key, f"{network} has {network.num_addresses:,} addresses; the limit "
                                                   f"is {MAX_ADDRESSES:,} (a /16): split it into the networks in use"))
                continue
            total += network.num_addresses
            problem = _network_problem(network, target, authorized)
            if problem:
                problems.append(config.locate(key, f"refused: {network} {problem}"))
                continue
            specs.append(TargetSpec(index, target, network))
        if total > MAX_ADDRESSES:
            problems.append(config.locate(("scope", "targets"), f"the targets add up to {total:,} addresses; "
                                                                f"the limit is {MAX_ADDRESSES:,}"))
        exclude: list[IPNetwork] = []
        names: list[str] = []
        for index, item in enumerate(scope.exclude):
            try:
                network = parse_network(item)
            except AddressError as exc:
                problems.append(config.locate(("scope", "exclude", index), str(exc)))
                continue
            if network is None:
                names.append(item.rstrip(".").lower())
            else:
                exclude.append(network)
        if problems:
            raise ConfigError(problems)
        return cls(specs, exclude, names, scope.authorization)

    def resolve(self, resolver: Resolver | None = None, *, expand: bool = True) -> ResolvedScope:
        """Expand networks, resolve hostnames, apply exclusions and the public-address rule.

        A network whose addresses all pass (see `_clean`) is checked once, not address by address; with
        `expand=False` (nothing to scan, only imports to judge) it is not even expanded: `target_for`
        answers for its addresses as if it were."""
        resolve = resolver or resolve_hostname
        result = ResolvedScope(authorized=bool(self.authorization), exclude_networks=list(self.exclude))
        for name in self.exclude_names:
            try:
                result.excluded.update(normalise(ipaddress.ip_address(a)) for a in resolve(name))
            except (OSError, ValueError) as exc:
                raise CheckFailed(f"scope.exclude names {name!r}, which does not resolve ({_why(exc)}); "
                                  "without its address the exclusion cannot be guaranteed, so nothing was "
                                  "scanned. Give its IP address instead.") from None
        candidates: list[tuple[IPAddress, TargetSpec]] = []
        clean: set[int] = set()  # indexes of the targets whose addresses all pass
        for spec in self.specs:
            if spec.network is not None:
                result.networks.append((spec.network, spec))
                if self._clean(spec, spec.network, result):
                    if not expand:
                        edge = 0 if spec.network.num_addresses <= 2 else 1  # as _hosts: not the network's own
                        result.unexpanded.append((spec.network.version, int(spec.network[edge]),
                                                  int(spec.network[-1 - edge]), spec))
                        continue
                    clean.add(spec.index)
                candidates += [(a, spec) for a in _hosts(spec.network)]
                continue
            assert spec.hostname is not None
            try:
                addresses = sorted({normalise(ipaddress.ip_address(a)) for a in resolve(spec.hostname)},
                                   key=_sort_key)
            except (OSError, ValueError) as exc:
                result.refusals.append(Refusal(spec.hostname, f"{spec.hostname}/unresolved",
                                               f"it does not resolve ({_why(exc)})", spec))
                continue
            candidates += [(a, spec) for a in addresses]
        for address, spec in candidates:
            if spec.index in clean:
                problem = ""
            elif address in result.excluded or any(address in net for net in self.exclude):
                result.excluded.add(address)
                continue
            else:
                problem = permission_problem(address, spec.target, result.authorized)
            if problem:
                subject = f"{address} ({spec.hostname})" if spec.hostname else str(address)
                result.refusals.append(Refusal(subject, f"{address}/refused", problem, spec))
                continue
            current = result.addresses.get(address)
            if current is None or spec.specificity > current.specificity:
                result.addresses[address] = spec
        result.addresses = dict(sorted(result.addresses.items(), key=lambda item: _sort_key(item[0])))
        return result

    def _clean(self, spec: TargetSpec, network: IPNetwork, result: ResolvedScope) -> bool:
        """Does every host of this network pass, with nothing of it excluded? Decided once, for the whole."""
        if not uniform(network) or any(net.overlaps(network) for net in self.exclude) or \
                any(a in network for a in result.excluded):
            return False
        return not permission_problem(network[0], spec.target, result.authorized)


def resolve_hostname(name: str) -> list[str]:
    infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _network_problem(network: IPNetwork, target: Target, authorized: bool) -> str:
    if network.num_addresses == 1:
        return permission_problem(network.network_address, target, authorized)
    for address in (network.network_address, network.broadcast_address):
        if is_public(address):
            return permission_problem(address, target, authorized)
    if network.is_multicast or network.is_reserved or network.is_unspecified:
        return "is not a network of hosts"
    special = special_range(network.network_address)
    if special:
        return f"is {special}"
    return ""


def _hosts(network: IPNetwork) -> Iterable[IPAddress]:
    if network.num_addresses <= 2:
        return list(network)  # a /32, /31 (or v6 equivalents): every address is a host
    return network.hosts()


def _sort_key(address: IPAddress) -> tuple[int, int]:
    return address.version, int(address)


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return exc.strerror or "name not found"
    return str(exc) or type(exc).__name__
