"""The staff edition's last line of defence: addresses and ports in free text are withheld."""

from __future__ import annotations

import pytest

from reports.text import scrub


@pytest.mark.parametrize("text, expected", [
    ("Cut 127.0.0.41 off the network", "Cut [address withheld] off the network"),
    ("host 10.0.0.5:3389 then 192.168.1.0/24", "host [address withheld] then [address withheld]"),
    ("router fe80::1%eth0 and [2001:db8::7]:443", "router [address withheld] and [address withheld]"),
    ("port 3389 and 22/tcp, ports 80, 443 and 8080/udp", "[port withheld], [port withheld]"),
    ("Port 23 is open", "[port withheld] is open"),
    ("front-desk-pc, tcp/2222 and udp/161", "front-desk-pc, [port withheld] and [port withheld]"),
])
def test_addresses_and_ports_are_withheld(text: str, expected: str) -> None:
    assert scrub(text, []) == expected


@pytest.mark.parametrize("text", [
    "CIS Controls 4.4 and 4.5", "NIST SP 800-63B", "due 2026-11-20 09:00 UTC", "support 5 desks",
    "at 10:30 today", "Std::vector",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub(text, []) == text


def test_named_values_are_replaced_as_whole_words_longest_first() -> None:
    sensitive = ["pos", "pos-terminal", "Maria Gonzalez"]
    assert scrub("Wipe pos-terminal; ask Maria Gonzalez; the position is fine", sensitive) == (
        "Wipe the affected devices; ask the affected devices; the position is fine")
