"""Hostile and broken input, case by case: each is refused with one located line and exit 2, nothing
is written, nothing is executed, and nothing is expanded or read beyond the limits.

Most cases go through `posture.cli.main` in this process (an escaping exception fails the test just
as a traceback would); a few representative ones run the real command in a child process.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from tests.hardening.support import assert_refused, copy_evidence, evidence_config, posture, problem_lines

TEN_MB = 10 * 1024 * 1024
BILLION_LAUGHS = "version: 1\n" + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 9) + "]\n" for i in range(9)
) + "organization: {name: *l8}\n"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`posture ARGS` in this process, shaped like the child process the other tests run."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


CONFIG_CASES: list[tuple[str, bytes, int | None, str]] = [
    ("a billion laughs", BILLION_LAUGHS.encode(), None, "anchors and aliases are not supported"),
    ("a merge key", b"version: 1\nbase: &b {name: X}\norganization:\n  <<: *b\n", 4, "not supported"),
    ("nesting 100,000 deep", b"version: 1\norganization: " + b"[" * 100_000 + b"]" * 100_000, None,
     "nested too deeply"),
    ("a 3 MB file", b"version: 1\norganization: {name: X}\n" + b"# padding\n" * 300_000, None, "the limit is"),
    ("a 10 MB single line", b"version: 1\norganization: {name: X}\n#" + b"x" * TEN_MB, None, "the limit is"),
    ("invalid UTF-8", b"version: 1\norganization:\n  name: Caf\xe9 Bleu\n", 3, "invalid UTF-8"),
    ("NUL bytes", b"version: 1\norganization: {name: X\x00}\n", None, "NUL"),
    ("a terminal escape", b"version: 1\norganization: {name: \"X\x1b[2J\"}\n", 2, "U+001B"),
    ("a bare python tag", b"version: 1\norganization: !!python/name:os.system\n", 2, "invalid YAML"),
    ("an impossible date", b"version: 1\norganization: {name: X}\nincident: {discovered: 2026-02-30}\n", 3,
     "incident.discovered: '2026-02-30' is not a date"),
    ("a tagged number that is not", b"version: 1\norganization: {name: X}\nreport: {out_dir: !!int ten}\n", 3,
     "report.out_dir: 'ten' is not a whole number"),
]


@pytest.mark.parametrize(("content", "line", "fragment"), [c[1:] for c in CONFIG_CASES],
                         ids=[c[0] for c in CONFIG_CASES])
def test_a_hostile_config_is_one_located_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
                                              line: int | None, fragment: str) -> None:
    config = tmp_path / "posture.yaml"
    config.write_bytes(content)
    ran = run_main(capsys, "scan", str(config), "--out", str(tmp_path / "out"))
    match = assert_refused(ran, config, fragment, line=line)
    assert "\x1b" not in ran.stderr and "\x00" not in ran.stderr
    assert len(match.group(0)) < 300
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("address", [
    "-oN /tmp/posture-pwned", "--script=http-shellshock", "127.0.0.1 -p1-65535", "127.0.0.1;touch pwned",
    "$(touch pwned)", "`touch pwned`", "127.0.0.1\n-iL /etc/shadow", "127.0.0.1|id", "127.0.0.1 && id",
])
def test_a_target_cannot_smuggle_nmap_options_or_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      address: str) -> None:
    config = evidence_config(tmp_path, address=address, ports={"profile": "quick"})
    ran = run_main(capsys, "scan", str(config), "--out", str(tmp_path / "out"), "--no-history")
    assert_refused(ran, config, "scope.targets[0].address", "must be an IP address, CIDR range or hostname")
    assert not (tmp_path / "pwned").exists() and not Path("/tmp/posture-pwned").exists()


@pytest.mark.parametrize(("section", "key", "message"), [
    ({"ports": {"ports": "22 -sU"}}, "checks.ports.ports", "only digits"),
    ({"ports": {"ports": "22;id"}}, "checks.ports.ports", "only digits"),
    ({"ports": {"profile": "--script=vuln"}}, "checks.ports.profile", "Input should be"),
    ({"ports": {"nmap_args": "-sS"}}, "checks.ports.nmap_args", "unknown key"),
])
def test_the_ports_section_takes_no_nmap_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   section: dict[str, Any], key: str, message: str) -> None:
    config = evidence_config(tmp_path, **section)
    ran = run_main(capsys, "validate", str(config))
    assert_refused(ran, config, key, message)


def test_shell_syntax_in_a_repository_or_host_is_never_run_by_a_shell(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """restic gets the repository through its environment and the host as one argument: no shell sees them."""
    (tmp_path / "pw").write_text("not-the-password\n", encoding="utf-8")
    marker = tmp_path / "pwned"
    config = evidence_config(tmp_path, backups=[
        {"name": "Shell", "type": "restic", "repository": f"/srv/none; touch {marker}", "password_file": "pw",
         "timeout_s": 30},
        {"name": "Subst", "type": "restic", "repository": f"$(touch {marker})", "password_file": "pw",
         "host": f"x`touch {marker}`", "timeout_s": 30},
    ])
    ran = run_main(capsys, "scan", str(config), "--out", str(tmp_path / "out"), "--no-history", "--format", "json",
                   "--fail-on", "none")
    assert ran.returncode == 3  # both jobs end as `error`: restic found no repository there
    assert not marker.exists()


def test_an_unknown_tag_on_a_mapping_builds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "posture.yaml"
    config.write_text(f"version: 1\norganization: !!python/object/apply:os.system ['touch {tmp_path}/pwned']\n",
                      encoding="utf-8")
    ran = run_main(capsys, "validate", str(config))
    assert_refused(ran, config, "organization", line=2)
    assert not (tmp_path / "pwned").exists()


def test_the_real_command_refuses_a_bomb_and_a_huge_line_without_a_traceback(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert_refused(posture("validate", str(bomb)), bomb, "anchors and aliases")
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"version: 1\n#" + b"x" * TEN_MB)
    proc = posture("scan", str(huge), "--out", str(tmp_path / "out"))
    assert_refused(proc, huge, "the limit is")
    assert len(proc.stderr) < 500 and not (tmp_path / "out").exists()


# Evidence: each kind of file a check reads, damaged in the ways real files get damaged or attacked.
EVIDENCE: dict[str, tuple[str, Callable[[str], dict[str, Any]]]] = {
    "nmap XML": ("offsite-scan.xml", lambda path: {"ports": {"live_scan": False, "nmap_xml": [path]}}),
    "restic JSON": ("restic-snapshots.json", lambda path: {"backups": [
        {"name": "Nightly", "type": "restic", "snapshots_file": path}]}),
    "borg JSON": ("borg-list.json", lambda path: {"backups": [{"name": "Nightly", "type": "borg", "list_file": path}]}),
    "training CSV": ("training.csv", lambda path: {"training": {"roster": path}}),
    "net accounts": ("net-accounts.txt", lambda path: {"password_policy": {"sources": [
        {"type": "windows_net_accounts", "path": path}]}}),
    "AD policy": ("ad-policy.json", lambda path: {"password_policy": {"sources": [
        {"type": "ad_password_policy", "path": path}]}}),
    "login.defs": ("login.defs", lambda path: {"password_policy": {"sources": [
        {"type": "linux_login_defs", "path": path}]}}),
    "pwquality": ("pwquality.conf", lambda path: {"password_policy": {"sources": [
        {"type": "pwquality_conf", "path": path}]}}),
}


def _ten_mb_line(original: bytes) -> bytes:
    return original[: len(original) // 2] + b"A" * TEN_MB + original[len(original) // 2:]


def _nul(original: bytes) -> bytes:
    return original[: len(original) // 2] + b"\x00" + original[len(original) // 2:]


def _bad_utf8(original: bytes) -> bytes:
    return original[: len(original) // 2] + b"\xff\xfe\xc3(" + original[len(original) // 2:]


def _deep(original: bytes) -> bytes:
    return b"[" * 200_000 + b"]" * 200_000


def _cut(original: bytes) -> bytes:
    return original[: len(original) // 3]


DAMAGE = {"a 10 MB line": _ten_mb_line, "a NUL byte": _nul, "invalid UTF-8": _bad_utf8,
          "nesting 200,000 deep": _deep, "cut short": _cut}
MUST_REFUSE = {"a NUL byte", "nesting 200,000 deep"}


# "training CSV-nesting 200,000 deep" found that the training check quoted every header whole (a 400 KB
# "one line" error); it now quotes a prefix of each.
EVIDENCE_CASES = [pytest.param(kind, damage, id=f"{kind}-{damage}") for kind in EVIDENCE for damage in DAMAGE]


@pytest.mark.parametrize(("kind", "damage"), EVIDENCE_CASES)
def test_damaged_evidence_is_refused_at_its_file_or_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         kind: str, damage: str) -> None:
    sample, section = EVIDENCE[kind]
    evidence = copy_evidence(sample, tmp_path, f"evidence/{sample}")
    evidence.write_bytes(DAMAGE[damage](evidence.read_bytes()))
    config = evidence_config(tmp_path, **section(f"evidence/{sample}"))
    ran = run_main(capsys, "validate", str(config))
    if damage in MUST_REFUSE:
        assert ran.returncode == 2, ran.stdout
    if ran.returncode == 2:
        lines = problem_lines(ran.stderr)
        assert lines and all(len(line) < 1000 for line in lines), ran.stderr[:2000]
        assert f"evidence/{sample}" in lines[0] or str(config) in lines[0], lines[0]
    else:
        assert ran.returncode == 0, ran.stderr


NMAP_HEAD = '<?xml version="1.0"?>\n'
NMAP_BODY = ('<nmaprun scanner="nmap" args="nmap -oX - 127.0.0.1" start="1763539200" version="7.94">'
             '<host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/>'
             '<hostnames><hostname name="{name}"/></hostnames></host>'
             '<runstats><finished time="1763539260" exit="success"/></runstats></nmaprun>\n')
XML_ATTACKS = {
    "a billion laughs": '<!DOCTYPE l [<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) + "]>\n",
    "an external entity": '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    "a parameter entity": '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n',
    "an external DTD": '<!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:9/nmap.dtd">\n',
}


@pytest.mark.parametrize("attack", list(XML_ATTACKS))
def test_xml_entities_are_refused_unexpanded(tmp_path: Path, capsys: pytest.CaptureFixture[str], attack: str) -> None:
    name = "&xxe;" if "external entity" in attack else "&l9;" if "laughs" in attack else "host"
    xml = tmp_path / "evidence/scan.xml"
    xml.parent.mkdir()
    xml.write_text(NMAP_HEAD + XML_ATTACKS[attack] + NMAP_BODY.format(name=name), encoding="utf-8")
    config = evidence_config(tmp_path, ports={"live_scan": False, "nmap_xml": ["evidence/scan.xml"]})
    ran = run_main(capsys, "validate", str(config))
    if attack == "an external DTD":
        # Only a reference, never fetched (nothing listens on port 9): refused, or read without it.
        assert ran.returncode in (0, 2), ran.stderr
    else:
        assert_refused(ran, xml)
    assert "root:" not in ran.stderr + ran.stdout and "lollol" not in ran.stderr + ran.stdout


@pytest.mark.parametrize(("damage", "key"), [
    (lambda d: d["scope"].update(targets=None), "scope.targets"),
    (lambda d: d["scope"].update(targets=[{"name": "till"}]), "scope.targets[0].address"),
    (lambda d: d.update(incident={"discovered": "2026-11-20", "kind": "virus", "compromised_assets": 7}),
     "incident.compromised_assets"),
])
def test_plan_refuses_results_whose_redactions_cannot_be_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              damage: Callable[[dict[str, Any]], None],
                                                              key: str) -> None:
    """Found by fuzzing: the staff edition crashed on these (it reads them to know what to withhold)."""
    import json

    from posture.results import to_dict
    from tests.reports import sample

    document = to_dict(sample.two_runs()[1])
    damage(document)
    results = tmp_path / "posture-results.json"
    results.write_text(json.dumps(document), encoding="utf-8")
    ran = run_main(capsys, "plan", str(results), "--audience", "staff", "--out", str(tmp_path / "out"))
    assert_refused(ran, results, f"{key}: ")
    assert not (tmp_path / "out").exists()
