"""The check around the scan: evidence errors, a missing, failing, killed or hung nmap, cancellation.

nmap's failure modes are played by small stand-in `nmap` scripts on PATH (the real nmap is used by
tests/integration/test_ports_scan.py); a stand-in never sends a packet.
"""

from __future__ import annotations

import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from checks.ports import PortsCheck
from posture.assess import AssessmentRun
from posture.check import CheckContext
from posture.errors import Cancelled, CheckFailed, ConfigError, InputError, ToolMissing
from posture.models import CheckStatus, Status
from posture.testing import config_from_dict, context_for, minimal_config, run_check

SCOPE = {"authorization": "Signed by the owner", "targets": [{"address": "127.0.0.21", "name": "pc"}]}
GOOD_XML = """<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap" start="1795035912" version="7.93">
<host><status state="up" reason="localhost-response"/><address addr="127.0.0.21" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="23"><state state="open" reason="syn-ack"/><service name="telnet" method="table"/>
</port></ports></host>
<runstats><finished time="1795035950" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
"""


def context(tmp_path: Path, ports: dict[str, Any] | None = None, scope: dict[str, Any] | None = None) -> CheckContext:
    section = {"profile": "quick", "ports": [23], **(ports or {})}
    config = config_from_dict(tmp_path, minimal_config(scope=scope or SCOPE, checks={"ports": section}))
    return context_for(config, "ports")


def fake_nmap(folder: Path, body: str) -> Path:
    """An `nmap` that runs `body` (sh); $OUT and $TARGETS are the -oX and -iL arguments it was given."""
    folder.mkdir(exist_ok=True)
    script = folder / "nmap"
    script.write_text('#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  if [ "$1" = "-oX" ]; then OUT="$2"; fi\n'
                      '  if [ "$1" = "-iL" ]; then TARGETS="$2"; fi\n  shift\ndone\n' + body + "\n",
                      encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.fixture
def nmap_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(body: str) -> None:
        monkeypatch.setenv("PATH", str(fake_nmap(tmp_path / "bin", body)))
    return install


def write_xml(text: str) -> str:
    return "/bin/cat > \"$OUT\" <<'XML'\n" + text + "XML"


# -- nmap missing


def test_nmap_absent_from_path_is_tool_missing_with_the_install_command(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ToolMissing, match="apt-get install nmap") as err:
        run_check(PortsCheck, context(tmp_path))
    assert err.value.tool == "nmap" and "nmap.org/download" in str(err.value)


def test_the_runner_turns_missing_nmap_into_an_error_result_not_a_pass(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    config = config_from_dict(tmp_path, minimal_config(scope=SCOPE, checks={"ports": {"profile": "quick"}}))
    from posture.registry import default_registry

    assessment = AssessmentRun(config, default_registry(), only={"ports"}).run()
    [result] = [c for c in assessment.checks if c.check == "ports"]
    assert result.status is CheckStatus.ERROR and "apt-get install nmap" in result.error
    assert not result.findings
    assert "complete-assessment" in {a.id for a in assessment.plan.actions} if assessment.plan else False


def test_imports_alone_need_no_nmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scan.xml").write_text(GOOD_XML, encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    ctx = context(tmp_path, {"live_scan": False, "nmap_xml": ["scan.xml"]})
    [finding] = run_check(PortsCheck, ctx)
    assert finding.key == "127.0.0.21/tcp/23" and finding.status is Status.FAIL
    assert ctx.facts["authorization"] == "Signed by the owner"
    assert ctx.facts["imports"][0]["file"] == "scan.xml"


# -- nmap fails


@pytest.mark.parametrize(("body", "message"), [
    ('echo "Failed to open device lo" >&2\necho "QUITTING!" >&2\nexit 1', r"exit status 1\): Failed to open device lo"),
    ("kill -9 $$", r"killed \(signal 9\)"),
    ('echo "sendto in send_ip_packet_sd: sendto(5, packet, 44, 0, 127.0.0.21, 16) => Operation not permitted" >&2\n'
     + write_xml(GOOD_XML), "nmap reported errors.*Operation not permitted"),
    ("exit 0", "wrote no results"),
    (write_xml(GOOD_XML[:200]), "could not be read"),
    (write_xml(GOOD_XML.replace('exit="success"', 'exit="error" errormsg="pcap_open_live failed"')),
     "ended with an error: pcap_open_live failed"),
    (write_xml(GOOD_XML.replace("127.0.0.21", "127.0.0.99")), "not asked for"),
], ids=["exit-1", "killed", "stderr-error", "no-xml", "cut-xml", "error-verdict", "stray-host"])
def test_anything_short_of_a_clean_finish_is_an_error(tmp_path: Path, nmap_path: Any, body: str, message: str) -> None:
    nmap_path(body)
    with pytest.raises(CheckFailed, match=message):
        run_check(PortsCheck, context(tmp_path))


def test_warnings_are_kept_but_do_not_fail_the_scan(tmp_path: Path, nmap_path: Any) -> None:
    nmap_path('echo "Warning: 127.0.0.21 giving up on port because retransmission cap hit (6)." >&2\n'
              + write_xml(GOOD_XML))
    ctx = context(tmp_path)
    [finding] = run_check(PortsCheck, ctx)
    assert finding.key == "127.0.0.21/tcp/23"
    assert ctx.facts["nmap_warnings"] == ["Warning: 127.0.0.21 giving up on port because retransmission cap hit (6)."]


def test_a_scan_past_its_time_limit_is_stopped(tmp_path: Path, nmap_path: Any) -> None:
    nmap_path("exec /bin/sleep 30")
    with pytest.raises(CheckFailed, match="did not finish within 0.5 s"):
        run_check(PortsCheck, context(tmp_path, {"timeout_s": 0.5}))


def test_cancelling_stops_nmap(tmp_path: Path, nmap_path: Any) -> None:
    nmap_path("exec /bin/sleep 30")
    ctx = context(tmp_path)
    threading.Timer(0.3, ctx.cancel_event.set).start()
    with pytest.raises(Cancelled):
        run_check(PortsCheck, ctx)


def test_a_host_nmap_did_not_report_did_not_answer(tmp_path: Path, nmap_path: Any) -> None:
    nmap_path(write_xml(GOOD_XML))
    scope = {"authorization": "ok", "targets": [{"address": "127.0.0.21"}, {"address": "127.0.0.22", "name": "nas"}]}
    ctx = context(tmp_path, scope=scope)
    found = {f.key: f for f in run_check(PortsCheck, ctx)}
    assert found["127.0.0.22/host-down"].status is Status.ERROR
    assert found["127.0.0.22/host-down"].evidence[0].startswith("no reply: live scan of 2026-11-18")
    assert ctx.facts["hosts_down"] == ["127.0.0.22"]


def test_progress_is_reported_per_host(tmp_path: Path, nmap_path: Any) -> None:
    nmap_path(write_xml(GOOD_XML))
    ctx = context(tmp_path)
    seen: list[tuple[float | None, str]] = []
    ctx.progress = lambda fraction, message: seen.append((fraction, message))
    run_check(PortsCheck, ctx)
    assert any("127.0.0.21 scanned (1 of 1)" in m for _, m in seen)
    assert seen[-1][0] == 1.0


def test_exact_arguments_are_recorded_and_only_scope_addresses_reach_nmap(tmp_path: Path, nmap_path: Any) -> None:
    nmap_path('[ "$TARGETS" = "-" ] && while read -r a; do echo "$a" >> "' + str(tmp_path / "asked") + '"; done\n'
              + write_xml(GOOD_XML.replace("127.0.0.21", "127.0.0.20")))
    scope = {"authorization": "ok", "targets": [{"address": "127.0.0.16/29"}], "exclude": ["127.0.0.17/32"]}
    ctx = context(tmp_path, scope=scope)
    run_check(PortsCheck, ctx)
    asked = (tmp_path / "asked").read_text().split()
    assert asked == ["127.0.0.18", "127.0.0.19", "127.0.0.20", "127.0.0.21", "127.0.0.22"]
    assert ctx.facts["nmap_args"][0].startswith("nmap -s")
    assert "-p 23 --script ftp-anon," in ctx.facts["nmap_args"][0]
    assert "--script-timeout 20s -n -T4 --stats-every 2s -oX <xml> -iL -" in ctx.facts["nmap_args"][0]


@pytest.mark.parametrize("spelling", ["::ffff:127.0.0.17", "::ffff:7f00:11", "::ffff:127.0.0.17/128",
                                      "::ffff:127.0.0.16/127"])
def test_an_ipv4_mapped_exclude_keeps_the_address_out_of_nmaps_list(tmp_path: Path, nmap_path: Any,
                                                                     spelling: str) -> None:
    nmap_path('[ "$TARGETS" = "-" ] && while read -r a; do echo "$a" >> "' + str(tmp_path / "asked") + '"; done\n'
              + write_xml(GOOD_XML.replace("127.0.0.21", "127.0.0.20")))
    scope = {"authorization": "ok", "targets": [{"address": "127.0.0.16/29"}], "exclude": [spelling]}
    run_check(PortsCheck, context(tmp_path, scope=scope))
    asked = (tmp_path / "asked").read_text().split()
    assert "127.0.0.17" not in asked and "127.0.0.18" in asked


@pytest.mark.parametrize(("spelling", "message"), [
    ("127.0.0.017", "leading zero"), ("127.0.0.021/32", "leading zero"), ("2130706449", "dotted-quad"),
    ("0x7f000011", "dotted-quad"), ("127.17", "dotted-quad")])
def test_an_ambiguous_exclude_is_refused_before_any_packet(tmp_path: Path, nmap_path: Any, spelling: str,
                                                            message: str) -> None:
    nmap_path("touch " + str(tmp_path / "ran"))
    scope = {"authorization": "ok", "targets": [{"address": "127.0.0.16/29"}], "exclude": [spelling]}
    with pytest.raises(ConfigError) as err:
        run_check(PortsCheck, context(tmp_path, scope=scope))
    assert "scope.exclude[0]" in str(err.value) and message in str(err.value)
    assert not (tmp_path / "ran").exists()


# -- evidence problems are found before anything runs


def test_a_missing_import_is_located_in_the_config(tmp_path: Path) -> None:
    ctx = context(tmp_path, {"nmap_xml": ["evidence/nope.xml"]})
    with pytest.raises(InputError, match="no such file") as err:
        PortsCheck().prepare(ctx)
    assert err.value.key == "checks.ports.nmap_xml[0]" and err.value.line is not None


def test_a_hostile_import_is_refused_in_prepare(tmp_path: Path) -> None:
    (tmp_path / "evil.xml").write_text('<?xml version="1.0"?>\n<!DOCTYPE nmaprun [<!ENTITY a "aaaa">]>\n'
                                       "<nmaprun>&a;</nmaprun>\n", encoding="utf-8")
    with pytest.raises(InputError, match="entities") as err:
        PortsCheck().prepare(context(tmp_path, {"nmap_xml": ["evil.xml"]}))
    assert err.value.path is not None and err.value.path.endswith("evil.xml")


def test_a_public_target_without_permission_stops_before_any_packet(tmp_path: Path) -> None:
    scope = {"authorization": "", "targets": [{"address": "1.2.3.4", "exposure": "internet"}]}
    with pytest.raises(ConfigError, match="scope.authorization is empty"):
        PortsCheck().prepare(context(tmp_path, scope=scope))


def test_no_targets_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least one target"):
        PortsCheck().prepare(context(tmp_path, scope={"targets": []}))


def test_describe_evidence(tmp_path: Path) -> None:
    ctx = context(tmp_path, {"nmap_xml": ["a.xml"]})
    lines = PortsCheck().describe_evidence(ctx.options, ctx.config)
    assert lines == ["nmap quick scan, ports 23 of pc (127.0.0.21)", "nmap XML: a.xml"]
