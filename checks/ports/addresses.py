"""One reading of an address for targets, excludes, resolved names and imported files.

The same spelling must mean the same host everywhere, or an exclusion can miss the machine it was
written for. So:
- IPv4-mapped IPv6 (`::ffff:10.0.0.5`) is the IPv4 address it carries, for excludes too;
- dotted quads with leading zeros (`10.0.0.010`) are refused: C's inet_aton reads them as octal
  (.8) while people mean decimal (.10), and a hostname look-up would quietly pick octal;
- other numeric spellings (`2130706433`, `0x7f000001`, `127.1`) are refused for the same reason;
- special-purpose ranges that are never hosts on a real network (RFC 6890: "this network"
  0.0.0.0/8, benchmarking 198.18.0.0/15, documentation, 240.0.0.0/4) are named, so the scope
  refuses them with a reason instead of calling them internal.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_DOTTED = re.compile(r"[0-9]+(?:\.[0-9]+){3}")
_NUMERIC_FORM = re.compile(r"(?:0[xX][0-9A-Fa-f]+|[0-9]+)(?:\.(?:0[xX][0-9A-Fa-f]+|[0-9]+)){0,3}")
# RFC 6890 special-purpose ranges that Python calls "private" but that are no host's address.
SPECIAL_RANGES: tuple[tuple[IPNetwork, str], ...] = tuple((ipaddress.ip_network(net), why) for net, why in (
    ("0.0.0.0/8", "in 0.0.0.0/8, 'this network' (RFC 6890), never a host's address"),
    ("198.18.0.0/15", "in 198.18.0.0/15, reserved for benchmarking networks (RFC 2544)"),
    ("192.0.2.0/24", "in 192.0.2.0/24, reserved for documentation (RFC 5737)"),
    ("198.51.100.0/24", "in 198.51.100.0/24, reserved for documentation (RFC 5737)"),
    ("203.0.113.0/24", "in 203.0.113.0/24, reserved for documentation (RFC 5737)"),
    ("240.0.0.0/4", "in 240.0.0.0/4, reserved for future use (RFC 1112)"),
    ("2001:db8::/32", "in 2001:db8::/32, reserved for documentation (RFC 3849)"),
    ("100::/64", "in 100::/64, the discard-only prefix (RFC 6666)"),
))


class AddressError(ValueError):
    """The text is written like an address but cannot be read as one safely."""


def looks_numeric(text: str) -> bool:
    """True for anything a resolver would read as an IPv4 number ('10.0.0.010', '0x7f.1', '2130706433')."""
    return bool(_NUMERIC_FORM.fullmatch(text.strip().rstrip(".")))


def parse_network(text: str) -> IPNetwork | None:
    """The address or CIDR network `text` spells, normalised; None when it is not numeric at all
    (a hostname); AddressError when it is numeric but ambiguous or malformed."""
    raw = text.strip()
    address_part, slash, prefix = raw.partition("/")
    if "%" in address_part:
        raise AddressError(f"{raw!r}: zone ids (%interface) are not supported; give the address without it")
    if ":" in address_part:
        try:
            network = ipaddress.IPv6Network(raw, strict=False)
        except ValueError as exc:
            raise AddressError(f"{raw!r} is not a valid IPv6 address or network ({exc})") from None
        return _unmapped_network(network)
    if not looks_numeric(address_part):
        return None
    if not _DOTTED.fullmatch(address_part):
        raise AddressError(f"{raw!r} is not a dotted-quad IPv4 address: write all four decimal parts "
                           "(e.g. 192.168.1.10); shortened, decimal and hex forms are ambiguous")
    parts = address_part.split(".")
    if any(len(p) > 1 and p.startswith("0") for p in parts):
        plain = ".".join(str(int(p)) for p in parts)
        raise AddressError(f"{raw!r} has a leading zero, which some tools read as octal: write {plain} "
                           "if you mean decimal")
    if any(int(p) > 255 for p in parts):
        raise AddressError(f"{raw!r} is not an IPv4 address: each part is 0-255")
    if slash and not (prefix.isascii() and prefix.isdigit() and int(prefix) <= 32):
        raise AddressError(f"{raw!r}: the prefix length after '/' must be 0-32")
    return ipaddress.IPv4Network(raw, strict=False)


def parse_address(text: str) -> IPAddress:
    """One host address, normalised (IPv4-mapped IPv6 becomes IPv4); AddressError otherwise."""
    network = parse_network(text)
    if network is None or network.num_addresses != 1 or "/" in text.strip() and network.prefixlen not in (32, 128):
        raise AddressError(f"{text!r} is not a single IP address")
    return network.network_address


def normalise(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address as its IPv4 address; anything else unchanged."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def special_range(address: IPAddress) -> str:
    """Why this address is in a special-purpose range that is no host's, or ''."""
    for network, why in SPECIAL_RANGES:
        if address.version == network.version and address in network:
            return why
    return ""


def _v4_ranges() -> tuple[ipaddress.IPv4Network, ...] | None:
    """Every IPv4 range the address tests of the scope depend on: those ipaddress answers is_private,
    is_loopback, is_multicast... from (read from its constants, whatever this Python's list), the
    broadcast address and SPECIAL_RANGES. None when this Python keeps them elsewhere."""
    constants = getattr(ipaddress.IPv4Address, "_constants", None)
    if constants is None:
        return None
    found: list[ipaddress.IPv4Network] = [ipaddress.IPv4Network("255.255.255.255/32")]
    found += [net for net, _ in SPECIAL_RANGES if isinstance(net, ipaddress.IPv4Network)]
    for value in vars(constants).values():
        for item in value if isinstance(value, list | tuple | frozenset | set) else (value,):
            if isinstance(item, ipaddress.IPv4Network):
                found.append(item)
            elif isinstance(item, ipaddress.IPv4Address):
                found.append(ipaddress.IPv4Network(item))
    return tuple(found)


_RANGES_V4 = _v4_ranges()


def uniform(network: IPNetwork) -> bool:
    """True when every address of this IPv4 network gets the same answers from the scope's address
    tests: no range they depend on starts or ends strictly inside it. A /16 target is then checked
    once, not 65,534 times. False (check each address) for IPv6 and when unsure."""
    if not isinstance(network, ipaddress.IPv4Network) or _RANGES_V4 is None:
        return False
    return all(r.supernet_of(network) or not r.overlaps(network) for r in _RANGES_V4)


def _unmapped_network(network: ipaddress.IPv6Network) -> IPNetwork:
    mapped = network.network_address.ipv4_mapped
    if mapped is not None and network.prefixlen >= 96:
        return ipaddress.IPv4Network(f"{mapped}/{network.prefixlen - 96}", strict=False)
    return network
