"""The conformance kit: every built-in check passes it, and it catches what a careless plugin gets wrong."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from posture.api import Check, CheckContext, CheckMeta, Finding, Options, Severity, Status
from posture.registry import default_registry
from posture.testing import STEPS, ConformanceError, check_conformance

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_configs" / "corner-shop"


@pytest.mark.parametrize("check_id", ["readiness", "training", "password_policy", "backups", "ports"])
def test_every_built_in_check_conforms(check_id: str, tmp_path: Path) -> None:
    shutil.copytree(SAMPLE / "evidence", tmp_path / "evidence")
    data = yaml.safe_load((SAMPLE / "posture.yaml").read_text(encoding="utf-8"))
    options = data["checks"].get(check_id)
    config = {"scope": data["scope"]} if check_id == "ports" else {}
    result = check_conformance(default_registry().require(check_id), options=options, folder=tmp_path,
                               config=config)
    assert result.passed == list(STEPS) and result.problems == []


class SloppyOptions(BaseModel):  # not posture.api.Options: unknown keys slip through
    hosts: list[str] = ["127.0.0.1"]


def sloppy(run: Any, options: type[BaseModel] = Options, check_id: str = "sloppy") -> type[Check[Any]]:
    class Sloppy(Check[Any]):
        meta = CheckMeta(id=check_id, title="Sloppy", description="A check that gets things wrong.",
                         weaknesses=("faulty-security",))
        Options = options

        def run(self, ctx: CheckContext[Any]) -> Iterable[Finding]:
            return run(ctx)

    return Sloppy


def test_the_kit_reports_every_problem_at_once(tmp_path: Path) -> None:
    def run(ctx: CheckContext[Any]) -> list[Finding]:
        time.sleep(3)  # ignores cancellation
        return [Finding("other", "k", Status.FAIL, Severity.LOW, "t", weaknesses=("no-such-weakness",))]

    with pytest.raises(ConformanceError) as caught:
        check_conformance(sloppy(run, SloppyOptions), folder=tmp_path, bound_s=0.5)
    problems = "\n".join(caught.value.problems)
    assert "entry point: no entry point named 'sloppy'" in problems
    assert "option schema: Options must forbid unknown keys" in problems
    assert "option schema: a config with an unknown key in its section was accepted" in problems
    assert "cancellation: a cancelled run did not end within 0.5 s" in problems
    assert "run and results: finding 'k': check is 'other'" in problems
    assert "weaknesses must name catalogue ids (unknown: ['no-such-weakness'])" in problems


def test_the_kit_catches_a_probe_outside_the_scope(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def run(ctx: CheckContext[Any]) -> list[Finding]:  # probes without asking ctx.scope
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        return [Finding("sloppy", "127.0.0.1", Status.PASS, Severity.INFO, "127.0.0.1 is fine")]

    try:
        with pytest.raises(ConformanceError) as caught:
            check_conformance(sloppy(run), folder=tmp_path, installed=False,
                              config={"scope": {"targets": [{"address": "127.0.0.1"}]}})
    finally:
        listener.close()
    problems = "\n".join(caught.value.problems)
    assert "scope: with nothing in scope it still connected to 127.0.0.1" in problems
    assert "reported an address as passing" in problems


def test_the_kit_rejects_malformed_metadata_first(tmp_path: Path) -> None:
    with pytest.raises(ConformanceError, match="must match"):
        check_conformance(sloppy(lambda ctx: [], check_id="Bad-Id"), folder=tmp_path, installed=False)
