from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

import posture.assess as assess_module
import posture.catalogue as catalogue_module
from posture.assess import AssessmentRun
from posture.check import Check, CheckContext, CheckMeta
from posture.config import load_config
from posture.errors import ConfigError
from posture.models import CheckStatus, Finding, Status
from posture.runner import CheckFinished, CheckProgress, CheckStarted, RunFinished, Runner, RunStarted
from posture.testing import minimal_config, write_config
from tests.fakes import barrier_checks, fake_registry


def _config(tmp_path: Path, checks: dict, registry=None):  # type: ignore[no-untyped-def]
    registry = registry or fake_registry()
    return load_config(write_config(tmp_path, minimal_config(checks=checks)), registry), registry


def test_events_arrive_in_order_and_findings_are_collected(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"finds": {"count": 2}})
    events = list(Runner(config, registry).events())
    assert isinstance(events[0], RunStarted)
    assert set(events[0].checks) == {"readiness", "finds"}
    assert any(isinstance(e, CheckStarted) and e.check == "finds" for e in events)
    assert any(isinstance(e, CheckProgress) and e.message == "half way" for e in events)
    finished = [e.result for e in events if isinstance(e, CheckFinished)]
    assert {r.check for r in finished} == {"readiness", "finds"}
    assessment = events[-1].assessment  # type: ignore[union-attr]
    assert isinstance(events[-1], RunFinished)
    finds = next(c for c in assessment.checks if c.check == "finds")
    assert finds.status is CheckStatus.OK and len(finds.findings) == 2 and finds.facts == {"count": 2}
    assert assessment.plan is None and not assessment.run_id  # the runner runs; posture.assess finishes


def test_the_pipeline_finishes_the_run_with_its_id_and_plan(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"finds": {"count": 2}})
    run = AssessmentRun(config, registry)
    events = list(run.events())
    assessment = events[-1].assessment  # type: ignore[union-attr]
    assert assessment is run.results and len(assessment.run_id) == 12
    assert assessment.plan is not None and assessment.plan.actions


def test_a_failing_check_is_an_error_and_the_others_go_on(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"broken": {}, "buggy": {}, "finds": {}})
    assessment = AssessmentRun(config, registry).run()
    by_id = {c.check: c for c in assessment.checks}
    assert by_id["broken"].status is CheckStatus.ERROR and by_id["broken"].error == "the scanner fell over"
    assert by_id["buggy"].status is CheckStatus.ERROR and "ZeroDivisionError" in by_id["buggy"].error
    assert by_id["finds"].status is CheckStatus.OK
    assert not any(f.status is Status.PASS for f in by_id["broken"].findings)
    assert any(a.id == "complete-assessment" for a in assessment.plan.actions)  # type: ignore[union-attr]


def test_a_hung_check_times_out_as_an_error(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"hangs": {}, "finds": {}})
    assessment = Runner(config, registry).run()
    hangs = next(c for c in assessment.checks if c.check == "hangs")
    assert hangs.status is CheckStatus.ERROR and "did not finish within 0.5 s" in hangs.error


def test_checks_run_concurrently(tmp_path: Path) -> None:
    together = barrier_checks(3)
    registry = fake_registry(*together)
    config, _ = _config(tmp_path, {c.meta.id: {} for c in together}, registry)
    assessment = Runner(config, registry).run()
    assert all(c.status is CheckStatus.OK for c in assessment.checks), [c.error for c in assessment.checks]


def test_cancelling_one_check_leaves_the_others(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"sleeps": {}, "finds": {}})
    runner = Runner(config, registry)
    results = {}
    for event in runner.events():
        if isinstance(event, CheckStarted) and event.check == "sleeps":
            runner.cancel("sleeps")
        if isinstance(event, CheckFinished):
            results[event.result.check] = event.result
    assert results["sleeps"].status is CheckStatus.ERROR and "cancelled" in results["sleeps"].error
    assert results["finds"].status is CheckStatus.OK


def test_bad_evidence_stops_the_run_before_any_check_runs(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"badevidence": {}, "finds": {}})
    with pytest.raises(ConfigError) as caught:
        Runner(config, registry).prepare()
    # Located at the config key of the check that read it, still naming the evidence file and its line.
    assert caught.value.lines() == [f"{tmp_path / 'posture.yaml'}:5:3: checks.badevidence: "
                                    "evidence/x.txt:3: MinimumPasswordLength: expected a number"]


def test_only_runs_the_selected_checks_and_marks_the_rest_skipped(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"finds": {}, "passes": {}})
    assessment = Runner(config, registry, only={"passes"}).run()
    by_id = {c.check: c.status for c in assessment.checks}
    assert by_id == {"passes": CheckStatus.OK, "readiness": CheckStatus.SKIPPED, "finds": CheckStatus.SKIPPED}


def test_drift_compares_with_the_last_complete_run_not_a_partial_one(tmp_path: Path) -> None:
    from posture.history import History

    config, registry = _config(tmp_path, {"finds": {}, "passes": {}})
    history = History(tmp_path / "h.sqlite")
    history.record(AssessmentRun(config, registry, history=history).run())
    history.record(AssessmentRun(config, registry, history=history, only={"passes"}).run())
    previous = history.latest(config.identity)
    assert previous is not None and all(c.status is not CheckStatus.SKIPPED for c in previous.checks)
    again = AssessmentRun(config, registry, history=history).run()
    assert again.drift is not None and again.drift.new == ()
    assert any(fid.startswith("finds-") for fid in again.drift.unchanged)


class RunsATool(Check):
    meta = CheckMeta(id="runstool", title="Fake runstool", description="for tests",
                     weaknesses=("exposed-entry-point",))

    def run(self, ctx: CheckContext) -> list[Finding]:
        assert not ctx.tool_started.is_set()
        ctx.run_command([sys.executable, "-c", "pass"], timeout_s=60)
        return []


def test_a_check_s_tool_starting_is_seen_by_the_whole_run(tmp_path: Path) -> None:
    config, registry = _config(tmp_path, {"runstool": {}, "finds": {}}, fake_registry(RunsATool))
    runner = Runner(config, registry)
    runner.run()
    assert runner.tool_started.is_set()
    (tmp_path / "quiet").mkdir()
    quiet, registry = _config(tmp_path / "quiet", {"finds": {}})
    no_tool = Runner(quiet, registry)
    no_tool.run()
    assert not no_tool.tool_started.is_set()


def test_the_warm_up_waits_for_a_tool_to_be_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """Started earlier, it held the interpreter while the ports check was still working out nmap's arguments."""
    monkeypatch.setattr(assess_module, "WARM_UP_WAIT_S", 60.0)
    began = threading.Event()
    monkeypatch.setattr(catalogue_module, "load_catalogue", lambda: began.set())
    tool_started = threading.Event()
    warm_up = threading.Thread(target=assess_module._warm_up, args=((), tool_started), daemon=True)
    warm_up.start()
    assert not began.wait(0.3)  # nothing done while the tool is still being started
    tool_started.set()
    assert began.wait(30)
    warm_up.join(30)
    assert not warm_up.is_alive()
