"""The `checks.ports` section of a config.

There is deliberately no way to pass nmap arguments: the profile picks them (see `profiles`), and
`ports` is validated down to digits, commas and dashes before it reaches nmap's command line.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

_PORT_SPEC = re.compile(r"\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*")
# What a config may write (the validator turns all of them into nmap's "-p" text).
_PORTS_SCHEMA: dict[str, Any] = {"anyOf": [
    {"type": "integer", "minimum": 1, "maximum": 65535},
    {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}, "minItems": 1},
    {"type": "string", "pattern": r"^[0-9, ]+(-[0-9]+)?[0-9,\- ]*$"},
    {"type": "null"},
]}


class PortsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: Literal["quick", "standard", "thorough"] = Field(
        "standard", description="quick: top 100 TCP ports; standard: top 1000 with version detection; "
        "thorough: all TCP ports with version detection, plus the top 50 UDP ports when run as root")
    ports: Annotated[str | None, WithJsonSchema(_PORTS_SCHEMA)] = Field(
        None, description="scan exactly these TCP ports instead of the profile's list, e.g. [22, 443] or "
        "'1-1024,3389'; the profile still decides version detection")
    nmap_xml: list[str] = Field(
        [], description="nmap XML files (nmap -oX) from scans taken elsewhere, judged with the live results")
    live_scan: bool = Field(True, description="false: judge only the nmap_xml files, send no packets")
    assume_up: bool = Field(
        False, description="treat every target as up (nmap -Pn), for hosts whose firewall drops ping probes")
    timeout_s: float | None = Field(
        None, gt=0, le=86_400, description="limit for the whole live scan (default by profile: 300, 900, 3600)")
    host_timeout_s: float | None = Field(
        None, gt=0, le=86_400, description="give up on one host after this long (nmap --host-timeout); "
        "such a host is reported as not fully scanned")

    @field_validator("ports", mode="before")
    @classmethod
    def _port_spec(cls, value: Any) -> str | None:
        if value is None:
            return None
        return normalise_ports(value)

    @field_validator("nmap_xml")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.strip():
                raise ValueError("an nmap_xml entry is empty")
        return value


def normalise_ports(value: Any) -> str:
    """A port list or range spec as nmap's `-p` canonical text ("21-23,80"); ValueError if malformed."""
    if isinstance(value, bool):
        raise ValueError("must be a port number, a list of ports or a spec like '22,80,8000-8100'")
    if isinstance(value, int):
        value = [value]
    if isinstance(value, list):
        if not value or not all(isinstance(p, int) and not isinstance(p, bool) for p in value):
            raise ValueError("must be a non-empty list of port numbers")
        ranges = [(p, p) for p in value]
    elif isinstance(value, str):
        spec = value.replace(" ", "")
        if not _PORT_SPEC.fullmatch(spec):
            raise ValueError("only digits, commas and dashes are allowed, e.g. '22,80,8000-8100'")
        ranges = []
        for part in spec.split(","):
            low, _, high = part.partition("-")
            ranges.append((int(low), int(high or low)))
    else:
        raise ValueError("must be a port number, a list of ports or a spec like '22,80,8000-8100'")
    for low, high in ranges:
        for port in (low, high):
            if not 0 < port < 65536:
                raise ValueError(f"{port} is not a port number (1-65535)")
        if low > high:
            raise ValueError(f"range {low}-{high} runs backwards")
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in merged)
