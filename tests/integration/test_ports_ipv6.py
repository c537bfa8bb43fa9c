"""IPv6 targets work like IPv4: a real nmap scan of a listener on ::1 (the only IPv6 address tests use)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.ports import PortsCheck
from posture.models import Severity, Status
from posture.testing import config_from_dict, context_for, minimal_config, run_check
from tests.conftest import need_tools

pytestmark = pytest.mark.integration


@pytest.fixture
def listener() -> Iterator[int]:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.bind(("::1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6p1\r\n")  # an upstream build: regreSSHion's range
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("profile", ["quick", "standard"])
def test_a_live_scan_of_ipv6_loopback(tmp_path: Path, listener: int, profile: str) -> None:
    need_tools("nmap")
    data = minimal_config(scope={"authorization": "loopback only", "targets": [{"address": "::1", "name": "v6"}],
                                 "exclude": ["::ffff:127.0.0.1"]},
                          checks={"ports": {"profile": profile, "ports": [listener]}})
    ctx = context_for(config_from_dict(tmp_path, data), "ports")
    found = {f.key: f for f in run_check(PortsCheck, ctx)}
    key = f"::1/tcp/{listener}"
    assert found[key].status is Status.FAIL and found[key].asset == "v6 (::1)"
    assert " -6" in ctx.facts["nmap_args"][0]
    assert ctx.facts["scanned"] == ["::1"]
    if profile == "standard":  # version detection reads the banner: upstream 9.6p1 is regreSSHion's
        version = found[f"{key}/version"]
        assert "CVE-2024-6387" in version.title and version.severity is Severity.HIGH
        assert "confidence high" in version.detail
