"""The check author's API: one module, typed, its scope guard and its located evidence helpers; the plugin
groups (checks and report writers) load lazily by entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import posture.api as api
from posture.catalogue import load_catalogue
from posture.errors import InputError
from posture.registry import Registry
from posture.scope import OutOfScope, Scope
from posture.testing import config_from_dict, context_for, minimal_config
from tests.fakes import fake_registry


def test_the_api_exports_what_it_lists_and_the_weakness_ids_match_the_catalogue() -> None:
    assert all(hasattr(api, name) for name in api.__all__)
    assert set(api.WEAKNESS_IDS) == set(load_catalogue().weaknesses)
    assert set(api.NEEDS) == set(__import__("posture.check").check.NEEDS)
    assert "isolate-compromised" in api.action_ids()


def test_the_scope_allows_targets_and_refuses_the_rest_exclusions_first() -> None:
    scope = Scope.of(["127.0.0.0/29", "127.0.0.50", "localhost", "::1"], ["127.0.0.3"])
    assert scope.addresses == ("127.0.0.0/29", "127.0.0.50", "::1", "localhost")
    assert scope.require_in_scope(" 127.0.0.2 ") == "127.0.0.2"
    assert scope.require_in_scope("LOCALHOST.") == "localhost"
    assert scope.require_in_scope("127.0.0.1") == "127.0.0.1"
    assert scope.contains("::1") and scope.contains("127.0.0.50")
    for outside in ("127.0.0.3", "127.0.0.9", "127.0.0.0/24", "10.0.0.1", "printer.example", "::2"):
        with pytest.raises(OutOfScope, match="outside the scope"):
            scope.require_in_scope(outside)


def test_ctx_scope_comes_from_the_config(tmp_path: Path) -> None:
    config = config_from_dict(tmp_path, minimal_config(
        scope={"targets": [{"address": "127.0.0.7"}], "exclude": ["127.0.0.8"]}))
    ctx = context_for(config, "readiness")
    assert ctx.scope.addresses == ("127.0.0.7",)
    with pytest.raises(OutOfScope):
        ctx.scope.require_in_scope("127.0.0.8")


def test_evidence_helpers_locate_errors_at_the_config_key(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("name\nAna\n", encoding="utf-8")
    registry = fake_registry()
    config = config_from_dict(tmp_path, minimal_config(checks={"finds": {"count": 1}}), registry)
    ctx = context_for(config, "finds")
    with pytest.raises(InputError) as caught:
        ctx.evidence_path("count")  # not a path
    assert caught.value.key == "checks.finds.count" and caught.value.line == 6  # the line that sets it
    error = ctx.locate(("count",), "too many")
    assert str(error) == f"{tmp_path / 'posture.yaml'}:6:5: checks.finds.count: too many"


def test_read_evidence_names_the_key_and_the_file(tmp_path: Path) -> None:
    from pydantic import BaseModel

    class FileOptions(BaseModel):
        roster: str

    config = config_from_dict(tmp_path, minimal_config(checks={"readiness": {}}))
    ctx = context_for(config, "readiness")
    ctx.options = FileOptions(roster="missing.csv")  # type: ignore[assignment]
    with pytest.raises(InputError, match=r"checks.readiness.roster: .*missing.csv: cannot read"):
        ctx.read_evidence("roster")
    (tmp_path / "missing.csv").write_text("x", encoding="utf-8")
    assert ctx.read_evidence("roster") == b"x"


def site_with(tmp_path: Path, module: str, source: str, entry_points: str) -> dict[str, str]:
    site = tmp_path / "site"
    (site / f"{module}-1.0.dist-info").mkdir(parents=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (site / f"{module}-1.0.dist-info/METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (site / f"{module}-1.0.dist-info/entry_points.txt").write_text(entry_points, encoding="utf-8")
    return {**os.environ, "PYTHONPATH": str(site)}


def test_a_new_report_format_is_one_module_and_one_entry_point(tmp_path: Path) -> None:
    env = site_with(tmp_path, "csv_writer", """
        class CsvWriter:
            format = "csv"
            consultant_only = False

            def file_name(self, audience):
                return "findings.csv"

            def render(self, assessment, audience):
                return "severity,title\\n" + "".join(f"{f.severity.value},{f.title}\\n" for f in assessment.failing)

            def stream(self, assessment, audience):
                return [self.render(assessment, audience)]

        WRITER = CsvWriter()
    """, "[posture.reports]\ncsv = csv_writer:WRITER\n")
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\norganization: {name: Co}\nreport: {formats: [markdown, csv]}\n", encoding="utf-8")
    scan = subprocess.run([sys.executable, "-m", "posture", "scan", str(config), "--out", str(tmp_path / "o"), "-q",
                           "--no-history", "--fail-on", "none"], capture_output=True, text=True, env=env, timeout=120)
    assert scan.returncode == 0, scan.stderr
    assert (tmp_path / "o/findings.csv").read_text().startswith("severity,title\nhigh,No IT security provider")
    bad = subprocess.run([sys.executable, "-m", "posture", "scan", str(config), "--format", "nosuchformat"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "unknown format nosuchformat; choose from csv, " in bad.stderr


def test_a_broken_plugin_is_found_only_when_used_and_never_stops_the_others(tmp_path: Path) -> None:
    calls: list[str] = []

    def broken() -> object:
        calls.append("broken")
        raise ImportError("no module named nowhere")

    registry = Registry()
    registry.add_entry("kaputt", broken, "nowhere:Check")
    for check_id, cls in fake_registry().checks.items():
        registry.add_entry(check_id, lambda cls=cls: cls, f"tests:{check_id}", always=cls.meta.always_runs)
    assert calls == [] and "kaputt" in registry.ids()
    config = config_from_dict(tmp_path, minimal_config(checks={"finds": {}}), registry)
    assert calls == [] and config.enabled_checks == ["finds", "readiness"]
    assert registry.get("kaputt") is None and calls == ["broken"]
    assert registry.broken == {"kaputt": "ImportError: no module named nowhere"}


def test_an_entry_point_must_agree_with_the_check_it_loads(tmp_path: Path) -> None:
    registry = Registry()
    cls = fake_registry().checks["readiness"]
    registry.add_entry("other_name", lambda: cls, "x:Y")
    registry.add_entry("readiness", lambda: cls, "x:Y", always=False)
    assert registry.get("other_name") is None and "the names must agree" in registry.broken["other_name"]
    assert registry.get("readiness") is None and "[always]" in registry.broken["readiness"]
