"""The top-ports list the quick and standard profiles scan is nmap's own `--top-ports N` list."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from checks.ports.profiles import _ranges, top_tcp_ports
from checks.ports.scanner import find_nmap


@pytest.mark.parametrize("count", [100, 1000])
def test_the_list_is_the_one_nmap_itself_scans(count: int) -> None:
    # nmap names the ports it chose in <scaninfo services="...">; only 127.0.0.1 is touched.
    xml = subprocess.run([find_nmap(), "-sT", "--top-ports", str(count), "-n", "-Pn", "--max-retries", "0",
                          "-oX", "-", "127.0.0.1"], capture_output=True, text=True, check=True, timeout=120).stdout
    chosen = re.search(r'<scaninfo type="connect" protocol="tcp" numservices="(\d+)" services="([^"]+)"', xml)
    assert chosen is not None and int(chosen.group(1)) == count
    assert _ranges(top_tcp_ports(count)) == chosen.group(2)
    assert _ranges(top_tcp_ports(count)) == chosen.group(2)  # the second time from the cache


def test_comment_udp_and_unreadable_lines_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "nmap-services").write_text(
        "# Fields: name<TAB>port/proto<TAB>frequency\n"
        "ftp\t21/tcp\t0.5\t# File Transfer\n"
        "snmp\t161/udp\t0.9\n"
        "odd\t22/tcp\tnot-a-number\n"
        "#telnet\t23/tcp\t0.99\n"
        "rare\t24/tcp\t1e-3\n"
        "short\t25/tcp\n"
        "\t26/tcp\t0.7\n"
        "crlf\t27/tcp\t0.2\r\n"
        "tie\t28/tcp\t0.2\n", encoding="utf-8")
    monkeypatch.setenv("NMAPDIR", str(tmp_path))
    assert top_tcp_ports(10) == [21, 24, 26, 27, 28]
    assert top_tcp_ports(3) == [21, 26, 27]  # a tie at the cut goes to the lower port
