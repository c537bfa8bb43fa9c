"""Tracking judged against a run: overdue, reopened, verified fixed, accepted risks and their expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from posture.action_status import ActionStatus
from posture.errors import InputError
from posture.planmarks import parse_marked_plan
from posture.planner import plan_with_tracking
from posture.tracking import AcceptedRisk, ActionState, Tracking
from tests.reports import sample

TODAY = date(2026, 11, 20)


def _risk(finding_id: str, until: date) -> AcceptedRisk:
    return AcceptedRisk(finding=finding_id, reason="vendor VPN appliance, replaced in Q1", accepted_by="Dana",
                        until=until, accepted_on=TODAY - timedelta(days=3))


def _run(tracking: Tracking, today: date = TODAY):
    a = sample.assessment(sample.RDP, sample.TELNET, sample.PASSED, backups_error=False)
    plan_with_tracking(a, tracking, today)
    return a


def test_an_accepted_risk_leaves_the_counts_and_the_plan_until_it_expires() -> None:
    rdp = sample.RDP.id
    accepted = _run(Tracking(risks={rdp: _risk(rdp, TODAY + timedelta(days=60))}))
    assert rdp not in {f.id for f in accepted.failing}
    assert accepted.tracking is not None
    assert [r.finding for r in accepted.tracking.accepted] == [rdp]
    assert all(rdp not in action.findings for action in accepted.plan.actions)
    assert accepted.tracking.progress.accepted == 1
    # The day after `until` it is a problem again, listed as an expired acceptance.
    expired = _run(Tracking(risks={rdp: _risk(rdp, TODAY - timedelta(days=1))}))
    assert rdp in {f.id for f in expired.failing}
    assert [r.finding for r in expired.tracking.expired] == [rdp]
    # On the last day it still holds.
    assert rdp not in {f.id for f in _run(Tracking(risks={rdp: _risk(rdp, TODAY)})).failing}


def test_done_action_still_triggered_is_reopened_and_flagged() -> None:
    done = ActionState("close-exposed-services", owner="Dana", status=ActionStatus.DONE,
                       done_on=date(2026, 11, 15), changed_at=datetime(2026, 11, 15, 9, tzinfo=UTC))
    a = _run(Tracking(actions={done.action: done}))
    tracked = a.tracking.actions["close-exposed-services"]
    assert tracked.reopened and tracked.status is ActionStatus.OPEN
    assert tracked.flag == "marked done on 2026-11-15, still seen"
    assert a.tracking.progress.reopened == 1


def test_done_action_whose_findings_are_gone_is_verified_fixed() -> None:
    gone = ActionState("patch-outdated-software", status=ActionStatus.DONE, done_on=date(2026, 11, 10))
    a = _run(Tracking(actions={gone.action: gone}))
    assert "patch-outdated-software" not in {x.id for x in a.plan.actions}
    assert [s.action for s in a.tracking.progress.verified_fixed] == ["patch-outdated-software"]
    assert "1 verified fixed" in a.tracking.progress.line()


def test_overdue_uses_the_owner_due_date_over_the_computed_one() -> None:
    late = ActionState("close-exposed-services", owner="Dana", status=ActionStatus.IN_PROGRESS,
                       due=date(2026, 11, 18))
    a = _run(Tracking(actions={late.action: late}))
    tracked = a.tracking.actions["close-exposed-services"]
    assert tracked.due == date(2026, 11, 18) and tracked.overdue
    line = a.tracking.progress.line()
    overdue = sum(1 for t in a.tracking.actions.values() if t.overdue)  # the notify action's legal deadline too
    assert "1 in progress" in line and f"{overdue} overdue" in line and line.startswith("0 of ")


def test_a_plan_file_reads_back_ticks_and_owners() -> None:
    text = ("# Plan\n\n- [x] **Close the exposed services** · `close-exposed-services` (due 2026-12-02; owner: Maria)\n"
            "- [ ] **Change passwords** · `change-all-passwords` (within 24 hours; owner: ________)\n"
            "* [X] **Call the attorney** · `call-attorney` (owner: Lee Ann)\n\n"
            "Plan of run `r1` for config `c0ffee0000000001`.\n")
    plan = parse_marked_plan(text)
    assert plan.config_id == "c0ffee0000000001"
    marks = {m.action: m for m in plan.marks}
    assert marks["close-exposed-services"].done and marks["close-exposed-services"].owner == "Maria"
    assert not marks["change-all-passwords"].done and marks["change-all-passwords"].owner == ""
    assert marks["call-attorney"].owner == "Lee Ann" and marks["call-attorney"].line == 5


def test_a_file_that_is_not_a_posture_plan_is_refused() -> None:
    with pytest.raises(InputError, match="not a posture plan"):
        parse_marked_plan("- [x] **Something** · `close-exposed-services`\n", "notes.md")


def test_a_done_action_held_back_by_an_accepted_risk_is_not_verified_fixed() -> None:
    old_ssh = sample.OLD_SSH.id
    done = ActionState("patch-outdated-software", status=ActionStatus.DONE, done_on=date(2026, 11, 10))
    a = sample.assessment(sample.OLD_SSH, sample.RDP, backups_error=False)
    plan_with_tracking(a, Tracking(actions={done.action: done},
                                   risks={old_ssh: _risk(old_ssh, TODAY + timedelta(days=30))}), TODAY)
    assert "patch-outdated-software" not in {x.id for x in a.plan.actions}
    assert a.tracking.progress.verified_fixed == ()
