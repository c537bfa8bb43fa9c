from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posture.cli import main
from posture.testing import minimal_config, write_config

INCIDENT = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["127.0.0.21"],
            "personal_data_exposed": "unknown"}


def readiness_only(tmp_path: Path, **sections: object) -> Path:
    data = minimal_config(**sections)
    data["organization"]["contacts"] = {"it_provider": "Bayou IT", "attorney": "Hale LLP",
                                        "cyber_insurer": "Mutual", "incident_lead": "Owner"}
    return write_config(tmp_path, data)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posture", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONWARNINGS": "error"}, timeout=120)


def test_scan_writes_every_format_and_prints_the_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = readiness_only(tmp_path, incident=INCIDENT)
    code = main(["scan", str(config), "--out", str(tmp_path / "out"), "--quiet"])
    printed = capsys.readouterr().out.split()
    assert code == 1  # a declared incident is a high finding
    assert sorted(Path(p).name for p in printed) == ["posture-plan.html", "posture-plan.md", "posture-results.json"]
    results = json.loads((tmp_path / "out/posture-results.json").read_text())
    assert results["schema"] == "posture/results@1"
    assert (tmp_path / "out/posture-plan.md").stat().st_mode & 0o777 == 0o600


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    config = readiness_only(tmp_path)
    out = str(tmp_path / "out")
    assert main(["scan", str(config), "--out", out, "-q"]) == 0
    incident = readiness_only(tmp_path, incident=INCIDENT)
    assert main(["scan", str(incident), "--out", out, "-q", "--fail-on", "critical"]) == 1  # compromised asset
    assert main(["scan", str(incident), "--out", out, "-q", "--fail-on", "none"]) == 0


def test_a_broken_config_is_one_located_line_exit_2_no_traceback_nothing_written(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("version: 1\norganization:\n  name: X\n  nmae: Y\nreport: {out_dir: out}\n")
    proc = run("scan", str(config))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"posture: {config}:4:3: organization.nmae: unknown key (did you mean 'name'?)")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "out").exists()


def test_validate_init_schema_and_checks(tmp_path: Path) -> None:
    starter = tmp_path / "posture.yaml"
    proc = run("init", str(starter))
    assert proc.returncode == 0 and starter.exists()
    again = run("init", str(starter))
    assert again.returncode == 2 and "already exists" in again.stderr
    config = readiness_only(tmp_path / "")
    valid = run("validate", str(config))
    assert valid.returncode == 0 and "OK (readiness mode" in valid.stdout
    schema = json.loads(run("schema").stdout)
    assert "readiness" in schema["properties"]["checks"]["properties"]
    listed = run("checks").stdout
    assert "readiness" in listed and "built-in" in listed


def test_plan_re_renders_from_results_without_scanning(tmp_path: Path) -> None:
    config = readiness_only(tmp_path, incident=INCIDENT)
    main(["scan", str(config), "--out", str(tmp_path / "first"), "-q", "--no-history"])
    first = (tmp_path / "first/posture-plan.md").read_text()
    proc = run("plan", str(tmp_path / "first/posture-results.json"), "--out", str(tmp_path / "again"),
               "--format", "markdown")
    assert proc.returncode == 0
    assert (tmp_path / "again/posture-plan.md").read_text() == first


def test_plan_on_a_broken_results_file_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps({"schema": "posture/results@1", "findings": [{"check": 3}]}))
    proc = run("plan", str(bad))
    assert proc.returncode == 2 and f"{bad}: findings[0]" in proc.stderr and "Traceback" not in proc.stderr


def imported_by(*argv: str) -> tuple[int, list[str]]:
    """Run `posture ARGV` in a fresh interpreter; its exit code and every module it imported (report writers
    and checks are loaded through entry points, which `-X importtime` does not see)."""
    code = (f"import sys, json\nfrom posture.cli import main\ntry:\n    rc = main({list(argv)!r})\n"
            "except SystemExit as e:\n    rc = e.code\nprint(json.dumps([rc, sorted(sys.modules)]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    rc, modules = json.loads(proc.stdout.splitlines()[-1])
    return rc, modules


def test_a_headless_scan_never_imports_textual(tmp_path: Path) -> None:
    config = readiness_only(tmp_path)
    rc, imported = imported_by("scan", str(config), "--out", str(tmp_path / "o"), "-q", "--no-history")
    assert rc == 0
    assert "posture.runner" in imported and "reports.markdown" in imported
    assert not [m for m in imported if m == "textual" or m.startswith("textual.")]
    # Lazy plugins: only the check the config uses is imported, and none of the others' heavy libraries.
    assert "checks.readiness" in imported
    assert not {"checks.ports", "checks.password_policy", "checks.backups", "checks.training", "zxcvbn",
                "requests"} & set(imported)


def test_help_imports_no_check_and_no_report_writer() -> None:
    rc, imported = imported_by("--help")
    assert rc == 0
    assert not [m for m in imported if m.split(".")[0] in ("checks", "reports", "textual", "zxcvbn", "requests")]


def test_reading_a_config_imports_only_what_the_checks_options_need() -> None:
    # What the TUI's overview needs (the config validated, each check's evidence described) for the demo
    # config, which enables all four checks: their options, and none of their parsers, scanners, XML
    # readers, rules or zxcvbn (issue 19: those wait until a check is prepared).
    proc = command("import sys", "from pathlib import Path", "from posture.config import load_config",
                   "from posture.registry import default_registry", "registry = default_registry()",
                   "config = load_config(Path('sample_configs/demo.yaml'), registry)",
                   "for c in config.enabled_checks:",
                   "    registry.require(c)().describe_evidence(config.options(c), config)",
                   "compile = getattr(sys.modules.get('tokenize'), '_compile', None)",
                   "print(compile.cache_info().misses if compile else 0)",
                   "print(' '.join(sorted(sys.modules)))")
    tokenized, listed = proc.stdout.splitlines()[-2:]
    imported = set(listed.split())
    # pydantic asks for the signature of a field's default_factory; for a builtin such as `list`, inspect
    # tokenizes its text signature, and compiling tokenize's patterns cost ~5 ms of every start (a plain
    # `= []` default is copied per model all the same).
    assert tokenized == "0"
    assert {"checks.ports.options", "checks.password_policy.options", "checks.backups.options",
            "checks.training.options"} <= imported, proc.stderr
    heavy = {"checks.ports.nmapxml", "checks.ports.scanner", "checks.ports.judge", "checks.ports.services",
             "checks.password_policy.sources", "checks.password_policy.weakest", "checks.backups.collect",
             "checks.backups.borg", "checks.training.parse", "checks.training.people", "zxcvbn", "requests"}
    assert not heavy & imported


def command(*lines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, timeout=120)


def test_the_command_runs_exit_handlers_and_flushes_before_it_leaves() -> None:
    # posture.cli.run() skips the interpreter's teardown: the exit handlers still run, every byte still
    # reaches the pipe, and the exit status is main()'s.
    proc = command("import atexit, sys",
                   "atexit.register(lambda: sys.stdout.write('exit handler ran\\n'))",
                   "sys.argv = ['posture', 'schema']",
                   "from posture.cli import run",
                   "run()")
    assert proc.returncode == 0, proc.stderr
    schema, _, tail = proc.stdout.rpartition("}")
    assert json.loads(schema + "}")["$schema"] and tail.strip() == "exit handler ran"
    bad = command("import sys", "sys.argv = ['posture', 'validate', 'no-such.yaml']", "from posture.cli import run",
                  "run()")
    assert bad.returncode == 2 and "no-such.yaml" in bad.stderr and "Traceback" not in bad.stderr


def test_start_up_pauses_the_collector_and_a_command_turns_it_back_on(tmp_path: Path) -> None:
    # posture.startup: run() pauses the collector; `validate` resumes it before it starts, `scan` once the
    # checks begin; what start-up built is frozen. A collector someone else turned off stays off.
    probe = ("import gc, sys", "from posture.startup import pause_collector", "pause_collector()",
             "assert not gc.isenabled()", "from posture.cli import main")
    config = readiness_only(tmp_path)
    for argv in (["validate", str(config)], ["scan", str(config), "--out", str(tmp_path / "o"), "-q", "--no-history"]):
        proc = command(*probe, f"main({argv!r})", "print(gc.isenabled(), gc.get_freeze_count() > 0)")
        assert proc.stdout.splitlines()[-1].split() == ["True", "True"], (argv, proc.stderr)
    proc = command("import gc", "gc.disable()", "from posture.startup import pause_collector, resume_collector",
                   "pause_collector()", "resume_collector()", "print(gc.isenabled(), gc.get_freeze_count())")
    assert proc.stdout.split() == ["False", "0"]


def test_the_tuis_first_screen_imports_no_run_plan_or_tracking_code(tmp_path: Path) -> None:
    # What `posture tui CONFIG` needs before its first paint (the app, the config validated, each check's
    # evidence described, the last run looked up): none of the run, the planner, the reports, the tracking
    # forms or the later screens (issue 19: they load when first used).
    db = str(tmp_path / "history.sqlite")
    proc = command("import sys", "from pathlib import Path", "from posture.registry import default_registry",
                   "from posture.tui.app import make_app",
                   f"app = make_app(Path('sample_configs/demo.yaml'), default_registry(), db=Path({db!r}))",
                   "app.session.load(Path('sample_configs/demo.yaml'))", "app.session.outline()",
                   "print(' '.join(sorted(sys.modules)))")
    imported = set(proc.stdout.split())
    assert "posture.tui.screens.overview" in imported and "checks.training.options" in imported, proc.stderr
    later = {"posture.runner", "posture.planner", "posture.tracking", "posture.store.tracking", "posture.results",
             "posture.notify_rules", "markdown_it", "reports", "posture.tui.screens.run",
             "posture.tui.screens.findings", "posture.tui.screens.plan", "checks.training.parse", "zxcvbn"}
    assert not later & imported
