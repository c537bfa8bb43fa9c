"""Scope: what may be scanned is decided before any packet, from the config alone plus name look-ups."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest

from checks.ports.scope import Scope
from posture.config import Config
from posture.errors import CheckFailed, ConfigError
from posture.testing import config_from_dict, minimal_config

ip = ipaddress.ip_address


def config(tmp_path: Path, targets: list[dict[str, Any]], authorization: str = "Signed by the owner, 2026-11-02",
           exclude: list[str] | None = None) -> Config:
    scope = {"authorization": authorization, "targets": targets, "exclude": exclude or []}
    return config_from_dict(tmp_path, minimal_config(scope=scope, checks={"ports": {"profile": "quick"}}))


def resolver(table: dict[str, list[str]]) -> Any:
    def resolve(name: str) -> list[str]:
        if name not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[name]
    return resolve


def test_networks_expand_to_their_hosts_and_exclusions_are_removed(tmp_path: Path) -> None:
    cfg = config(tmp_path, [{"address": "127.0.0.16/29", "name": "office"}, {"address": "127.0.0.40"}],
                 exclude=["127.0.0.18", "127.0.0.20/31"])
    resolved = Scope.from_config(cfg).resolve()
    assert [str(a) for a in resolved.addresses] == ["127.0.0.17", "127.0.0.19", "127.0.0.22", "127.0.0.40"]
    assert resolved.excluded == {ip("127.0.0.18"), ip("127.0.0.20"), ip("127.0.0.21")}
    assert resolved.target_for(ip("127.0.0.18"))[1] == "it is excluded by scope.exclude"
    assert resolved.target_for(ip("127.0.0.99"))[1] == "it is not in scope.targets"


def test_the_most_specific_target_owns_an_address(tmp_path: Path) -> None:
    cfg = config(tmp_path, [{"address": "127.0.0.0/28", "name": "lan"},
                            {"address": "127.0.0.5", "name": "server", "expected_ports": [22]}])
    resolved = Scope.from_config(cfg).resolve()
    assert resolved.addresses[ip("127.0.0.5")].target.name == "server"
    assert resolved.addresses[ip("127.0.0.6")].target.name == "lan"


@pytest.mark.parametrize(("target", "authorization", "message"), [
    ({"address": "1.2.3.4"}, "Signed", "exposure: internet"),
    ({"address": "1.2.3.4", "exposure": "internet"}, "", "scope.authorization is empty"),
    ({"address": "1.2.3.0/30", "exposure": "internal"}, "Signed", "public address"),
    ({"address": "224.0.0.1", "exposure": "internet"}, "Signed", "multicast"),
    ({"address": "10.0.0.0/8"}, "Signed", "the limit is 65,536"),
    ({"address": "10.0.0.1-20"}, "Signed", "write ranges as CIDR"),
    ({"address": "192.168.1.300"}, "Signed", "not an IPv4 address"),
])
def test_public_and_impossible_targets_are_refused_in_the_config(
        tmp_path: Path, target: dict[str, Any], authorization: str, message: str) -> None:
    cfg = config(tmp_path, [{"address": "127.0.0.21"}, target], authorization=authorization)
    with pytest.raises(ConfigError) as err:
        Scope.from_config(cfg)
    problem = err.value.problems[0]
    assert message in problem.message
    assert problem.key == "scope.targets[1].address" and problem.line is not None


def test_a_public_target_with_exposure_internet_and_authorization_is_allowed(tmp_path: Path) -> None:
    cfg = config(tmp_path, [{"address": "1.2.3.4", "exposure": "internet"}])
    resolved = Scope.from_config(cfg).resolve()
    assert list(resolved.addresses) == [ip("1.2.3.4")] and not resolved.refusals


def test_hostnames_are_resolved_and_each_address_checked(tmp_path: Path) -> None:
    cfg = config(tmp_path, [{"address": "nas.office.lan", "name": "nas"},
                            {"address": "www.shop.example", "name": "website"},
                            {"address": "gone.office.lan"}])
    resolved = Scope.from_config(cfg).resolve(resolver({
        "nas.office.lan": ["127.0.0.50", "127.0.0.50"],
        "www.shop.example": ["1.2.3.80", "127.0.0.51"],  # internal exposure: the public one is refused
    }))
    assert {str(a): s.target.name for a, s in resolved.addresses.items()} == {"127.0.0.50": "nas",
                                                                              "127.0.0.51": "website"}
    refusals = {r.key: r for r in resolved.refusals}
    assert "exposure: internet" in refusals["1.2.3.80/refused"].reason
    assert refusals["1.2.3.80/refused"].subject == "1.2.3.80 (www.shop.example)"
    assert "does not resolve" in refusals["gone.office.lan/unresolved"].reason


def test_an_exclusion_by_name_that_cannot_be_resolved_stops_the_scan(tmp_path: Path) -> None:
    cfg = config(tmp_path, [{"address": "127.0.0.21"}], exclude=["printer.office.lan"])
    with pytest.raises(CheckFailed, match="exclusion cannot be guaranteed"):
        Scope.from_config(cfg).resolve(resolver({}))
    excluded = Scope.from_config(cfg).resolve(resolver({"printer.office.lan": ["127.0.0.21"]}))
    assert not excluded.addresses and excluded.excluded == {ip("127.0.0.21")}


def test_imported_addresses_inside_a_scope_network_map_to_it(tmp_path: Path) -> None:
    cfg = config(tmp_path, [{"address": "127.0.0.16/30", "name": "dmz"}])
    resolved = Scope.from_config(cfg).resolve()
    spec, why = resolved.target_for(ip("127.0.0.16"))  # the network address itself: not scanned, still in scope
    assert spec is not None and spec.target.name == "dmz" and why == ""
    assert resolved.target_for(ip("224.0.0.5"))[1] == "it is a multicast address"
