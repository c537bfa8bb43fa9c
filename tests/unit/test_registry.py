from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest

from posture.catalogue import load_catalogue
from posture.check import Check, CheckContext, CheckMeta
from posture.models import Finding
from posture.registry import Registry


def make(meta: CheckMeta) -> type[Check]:
    class Made(Check):
        def run(self, ctx: CheckContext) -> Iterable[Finding]:
            return []

    Made.meta = meta
    return Made


@pytest.mark.parametrize(("meta", "message"), [
    (CheckMeta("Bad-Id", "t", "d", ("weak-passwords",)), "must match"),
    (CheckMeta("ok", " ", "d", ("weak-passwords",)), "title is empty"),
    (CheckMeta("ok", "t", "d", ("weak-password",)), "unknown weakness"),
    (CheckMeta("ok", "t", "d", ()), "names no weakness"),
    (CheckMeta("ok", "t", "d", ("weak-passwords",), needs=frozenset({"gpu"})), "unknown needs"),
])
def test_malformed_check_metadata_is_rejected_when_loaded(meta: CheckMeta, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Registry().add(make(meta), load_catalogue().weaknesses)


def test_two_checks_with_one_id_are_rejected() -> None:
    registry = Registry()
    meta = CheckMeta("same", "t", "d", ("weak-passwords",))
    registry.add(make(meta), load_catalogue().weaknesses)
    with pytest.raises(ValueError, match="two checks"):
        registry.add(make(meta), load_catalogue().weaknesses)


def test_a_third_party_check_installs_with_one_module_and_one_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "acme_check-1.0.dist-info").mkdir(parents=True)
    (site / "acme_check.py").write_text(textwrap.dedent("""
        from posture.check import Check, CheckMeta
        from posture.models import Finding, Severity, Status

        class PrinterCheck(Check):
            meta = CheckMeta(id="printers", title="Printer admin pages", description="d",
                             weaknesses=("faulty-security",))

            def run(self, ctx):
                return [Finding(check="printers", key="p1", status=Status.FAIL, severity=Severity.MEDIUM,
                                title="Printer admin page has the default password",
                                weaknesses=("faulty-security",))]
    """))
    (site / "acme_check-1.0.dist-info/METADATA").write_text("Metadata-Version: 2.1\nName: acme-check\nVersion: 1.0\n")
    (site / "acme_check-1.0.dist-info/entry_points.txt").write_text(
        "[posture.checks]\nprinters = acme_check:PrinterCheck\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    listed = subprocess.run([sys.executable, "-m", "posture", "checks"], capture_output=True, text=True, env=env)
    assert "printers         plugin    Printer admin pages" in listed.stdout
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\norganization: {name: Co}\nchecks: {printers: {}, readiness: false}\n")
    scan = subprocess.run([sys.executable, "-m", "posture", "scan", str(config), "--out", str(tmp_path / "o"), "-q",
                           "--no-history", "--format", "json"], capture_output=True, text=True, env=env)
    assert scan.returncode == 0, scan.stderr
    assert "Printer admin page has the default password" in (tmp_path / "o/posture-results.json").read_text()


def test_the_checks_and_the_report_formats_come_from_one_read_of_the_metadata(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    import posture.entrypoints as entrypoints_module
    from posture.registry import default_registry
    from posture.writers import formats

    reads: list[object] = []

    def counted() -> object:
        reads.append(1)
        return importlib.metadata.entry_points()

    monkeypatch.setattr(entrypoints_module, "entry_points", counted)
    entrypoints_module._every_group.cache_clear()
    try:
        registry = default_registry()
        assert {"ports", "password_policy", "backups", "training", "readiness"} <= set(registry.ids())
        assert {"markdown", "html", "json"} <= set(formats())
        assert {ep.name for ep in entrypoints_module.installed("posture.reports")} == set(formats())
        assert len(reads) == 1
    finally:
        entrypoints_module._every_group.cache_clear()


def test_a_plugin_folder_added_to_the_import_path_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from posture.registry import default_registry

    assert "printers" not in default_registry().ids()  # the metadata has been read once already
    site = tmp_path / "site"
    (site / "acme_check-1.0.dist-info").mkdir(parents=True)
    (site / "acme_check-1.0.dist-info/METADATA").write_text("Metadata-Version: 2.1\nName: acme-check\nVersion: 1.0\n")
    (site / "acme_check-1.0.dist-info/entry_points.txt").write_text(
        "[posture.checks]\nprinters = acme_check:PrinterCheck\n")
    monkeypatch.syspath_prepend(str(site))
    assert "printers" in default_registry().ids()


def test_the_command_skips_pydantic_s_plugin_search_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from posture.startup import skip_pydantic_plugins

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    skip_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # someone wants pydantic's plugins: left as set
    skip_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""
