"""One address reading for targets, excludes, names and imports (issue 16, scope)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from checks.ports.addresses import AddressError, looks_numeric, normalise, parse_address, parse_network, special_range
from checks.ports.scope import Scope
from posture.errors import ConfigError
from posture.testing import config_from_dict, minimal_config


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.40.5", "127.0.40.5/32"),
    ("::ffff:127.0.40.5", "127.0.40.5/32"),
    ("::ffff:7f00:2805", "127.0.40.5/32"),
    ("::FFFF:127.0.40.0/120", "127.0.40.0/24"),
    ("10.0.0.0/8", "10.0.0.0/8"),
    ("::1", "::1/128"),
    ("fd00::/64", "fd00::/64"),
    ("0.0.0.0/0", "0.0.0.0/0"),
])
def test_readable_spellings_are_normalised(text: str, expected: str) -> None:
    assert str(parse_network(text)) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("127.0.40.010", "leading zero"),
    ("010.1.1.1", "leading zero"),
    ("2130706433", "dotted-quad"),
    ("0x7f000001", "dotted-quad"),
    ("0x7f.0.0.1", "dotted-quad"),
    ("127.1", "dotted-quad"),
    ("192.168.1.300", "0-255"),
    ("10.0.0.0/33", "prefix length"),
    ("fe80::1%eth0", "zone ids"),
    ("::ffff:zz", "IPv6"),
])
def test_ambiguous_spellings_are_refused_not_guessed(text: str, message: str) -> None:
    with pytest.raises(AddressError, match=message):
        parse_network(text)


def test_names_are_not_addresses() -> None:
    assert parse_network("fileserver.office.lan") is None
    assert parse_network("printer-2") is None
    assert looks_numeric("10.0.0.010") and looks_numeric("0x7f.1") and not looks_numeric("host1")


def test_single_addresses_and_normalise() -> None:
    assert parse_address("::ffff:10.0.0.5") == ipaddress.IPv4Address("10.0.0.5")
    with pytest.raises(AddressError):
        parse_address("10.0.0.0/24")
    assert normalise(ipaddress.ip_address("::ffff:10.0.0.5")) == ipaddress.IPv4Address("10.0.0.5")
    assert normalise(ipaddress.ip_address("::1")) == ipaddress.IPv6Address("::1")


@pytest.mark.parametrize("address", ["0.0.0.1", "198.18.0.1", "198.19.255.1", "192.0.2.10", "240.0.0.1", "2001:db8::5"])
def test_special_ranges_are_named(address: str) -> None:
    assert special_range(ipaddress.ip_address(address))


@pytest.mark.parametrize(("target", "message"), [
    ("0.0.0.1", "this network"), ("198.18.0.1", "benchmarking"), ("198.18.0.0/24", "benchmarking"),
    ("127.0.40.010", "leading zero"), ("2130706433", "dotted-quad")])
def test_the_scope_refuses_them_with_a_located_reason(tmp_path: Path, target: str, message: str) -> None:
    config = config_from_dict(tmp_path, minimal_config(scope={"authorization": "ok", "targets": [{"address": target}]}))
    with pytest.raises(ConfigError) as err:
        Scope.from_config(config)
    assert "scope.targets[0].address" in str(err.value) and message in str(err.value)


def test_an_imported_mapped_address_is_judged_as_its_ipv4_address(tmp_path: Path) -> None:
    config = config_from_dict(tmp_path, minimal_config(scope={
        "authorization": "ok", "targets": [{"address": "127.0.40.0/29"}], "exclude": ["::ffff:127.0.40.5"]}))
    resolved = Scope.from_config(config).resolve()
    assert ipaddress.ip_address("127.0.40.5") not in resolved.addresses
    spec, why = resolved.target_for(ipaddress.ip_address("::ffff:127.0.40.5"))
    assert spec is None and "excluded" in why
    spec, why = resolved.target_for(ipaddress.ip_address("::ffff:127.0.40.4"))
    assert spec is not None and why == ""
