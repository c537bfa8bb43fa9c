"""The ports check's config section and the exact nmap arguments each profile produces."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from checks.ports import PROFILES, PortsOptions
from checks.ports.options import normalise_ports
from checks.ports.profiles import nmap_passes
from posture.errors import ConfigError
from posture.testing import config_from_dict, minimal_config


@pytest.mark.parametrize(("given_ports", "expected"), [
    (22, "22"),
    ([443, 22, 80, 81, 82], "22,80-82,443"),
    ("1-1024,3389", "1-1024,3389"),
    (" 22, 80 ", "22,80"),
    ("8000-8100,8050-8200", "8000-8200"),
])
def test_ports_are_normalised_to_nmap_spec(given_ports: object, expected: str) -> None:
    assert PortsOptions.model_validate({"ports": given_ports}).ports == expected


@pytest.mark.parametrize("bad", [
    "-sV", "22;rm -rf /", "22 -oN /tmp/x", "0", "70000", "100-20", "22,,80", "T:22", "", [], ["22"], [0],
    True, 1.5, "22\n80", "--script=vuln",
])
def test_anything_but_digits_commas_and_dashes_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        PortsOptions.model_validate({"ports": bad})


@given(st.text(max_size=40))
def test_a_validated_spec_only_ever_holds_digits_commas_and_dashes(text: str) -> None:
    try:
        spec = normalise_ports(text)
    except ValueError:
        return
    assert spec and set(spec) <= set("0123456789,-") and not spec.startswith("-")


def test_raw_nmap_arguments_have_no_key_to_go_in() -> None:
    with pytest.raises(ValidationError, match="extra"):
        PortsOptions.model_validate({"arguments": "-sV --script vuln"})
    with pytest.raises(ValidationError):
        PortsOptions.model_validate({"profile": "aggressive"})


def test_config_errors_in_the_section_are_located(tmp_path: Path) -> None:
    data = minimal_config(scope={"targets": [{"address": "127.0.0.21"}]},
                          checks={"ports": {"profile": "standard", "ports": "22;id"}})
    with pytest.raises(ConfigError) as err:
        config_from_dict(tmp_path, data)
    assert "checks.ports.ports" in str(err.value) and "digits, commas and dashes" in str(err.value)


def test_profiles_give_the_documented_arguments() -> None:
    assert PROFILES["quick"]["tcp"] == ("--top-ports", "100")
    assert PROFILES["standard"]["tcp"] == ("--top-ports", "1000", "-sV")
    assert PROFILES["thorough"]["tcp"] == ("-p-", "-sV")
    assert PROFILES["thorough"]["udp"] == ("-sU", "--top-ports", "50", "-sV")
    [standard] = nmap_passes("standard", ports=None, root=True)
    assert standard.args == ("-sS", "--top-ports", "1000", "-sV", "-n", "-T4", "--stats-every", "2s")


def test_without_root_the_scan_is_a_connect_scan_and_skips_udp() -> None:
    passes = nmap_passes("thorough", ports=None, root=False)
    assert [p.name for p in passes] == ["tcp"]
    assert passes[0].args[:3] == ("-sT", "-p-", "-sV")
    as_root = nmap_passes("thorough", ports=None, root=True)
    assert [p.name for p in as_root] == ["tcp", "udp"] and as_root[1].uses_udp
    assert as_root[1].args[:4] == ("-sU", "--top-ports", "50", "-sV")


def test_explicit_ports_replace_the_profile_port_selection() -> None:
    [quick] = nmap_passes("quick", ports="21-23,3389", root=True)
    assert quick.args[:3] == ("-sS", "-p", "21-23,3389") and "--top-ports" not in quick.args
    tcp, udp = nmap_passes("thorough", ports="53,161", root=True)
    assert "-p-" not in tcp.args and tcp.args[:3] == ("-sS", "-p", "53,161")
    assert udp.args[:6] == ("-sU", "-p", "53,161", "--top-ports", "50", "-sV")


def test_optional_switches() -> None:
    [tcp] = nmap_passes("quick", ports=None, root=False, ipv6=True, assume_up=True, host_timeout_s=90)
    assert "-Pn" in tcp.args and tcp.args[-1] == "-6"
    at = tcp.args.index("--host-timeout")
    assert tcp.args[at + 1] == "90s"


def test_the_json_schema_accepts_what_the_validator_accepts() -> None:
    import jsonschema

    schema = PortsOptions.model_json_schema()
    for good in ({"ports": [22, 443]}, {"ports": "22,80-90"}, {"ports": 22}, {"nmap_xml": ["scan.xml"]}):
        jsonschema.validate(good, schema)
        PortsOptions.model_validate(good)
    for bad in ({"ports": "-sV"}, {"ports": []}, {"arguments": "-A"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
