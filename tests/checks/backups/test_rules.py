"""The rules, judged on evidence built by hand: freshness, gaps, encryption, retention, restore tests,
integrity, size trend, and the incident restore point."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from checks.backups import rules
from checks.backups.evidence import Integrity, Offsite, Snapshot
from checks.backups.figures import load_figures
from checks.backups.restore_point import compromise_window, judge_restore_point
from checks.backups.wording import age
from posture.config import Incident
from posture.models import Severity, Status
from tests.checks.backups.support import NOW, daily, evidence

FIG = load_figures()


def test_figures_come_from_the_rules_data() -> None:
    assert FIG.default_rpo_hours == 26 and FIG.weekly_hours == 168
    assert FIG.min_retention_days == 30 and FIG.lookback_days == 14 and FIG.restore_test_max_days == 365
    assert "sftp:" in FIG.remote_prefixes and "nfs4" in FIG.network_filesystems


# --- freshness ---------------------------------------------------------------------------------------------------


def test_fresh_daily_backups_pass() -> None:
    f = rules.freshness(evidence(daily(NOW - timedelta(hours=5), 40)), NOW, FIG)
    assert f.status is Status.PASS and f.severity is Severity.INFO
    assert f.title == "Newest backup of File server is 5 hours old"
    assert any("No gaps longer than 26 hours" in line for line in f.evidence)


def test_nine_days_old_is_high_irregular_backups() -> None:
    f = rules.freshness(evidence(daily(NOW - timedelta(days=9), 40)), NOW, FIG)
    assert f.status is Status.FAIL and f.severity is Severity.HIGH
    assert f.weaknesses == ("irregular-backups",)
    assert "9 days old" in f.title
    assert "weekly minimum" in f.detail
    assert f.remediation and f.references


def test_past_rpo_but_within_a_week_is_medium() -> None:
    f = rules.freshness(evidence(daily(NOW - timedelta(hours=30), 40)), NOW, FIG)
    assert (f.status, f.severity) == (Status.FAIL, Severity.MEDIUM)


def test_job_rpo_is_honoured() -> None:
    weekly = [Snapshot(f"w{i}", NOW - timedelta(days=3 + 7 * i)) for i in range(8)][::-1]
    assert rules.freshness(evidence(weekly, rpo_hours=168.0), NOW, FIG).status is Status.PASS
    assert rules.freshness(evidence(weekly), NOW, FIG).status is Status.FAIL


def test_no_snapshots_is_high() -> None:
    f = rules.freshness(evidence([]), NOW, FIG)
    assert (f.status, f.severity) == (Status.FAIL, Severity.HIGH)
    assert f.title == "No snapshot of File server is on record"


def test_stalest_host_drives_freshness() -> None:
    snaps = sorted(daily(NOW - timedelta(hours=3), 10, "fileserver") + daily(NOW - timedelta(days=12), 10, "pc-2"),
                   key=lambda s: s.time)
    f = rules.freshness(evidence(snaps), NOW, FIG)
    assert f.status is Status.FAIL and "(host pc-2)" in f.title
    assert "host fileserver: " in f.evidence[2] and "host pc-2: " in f.evidence[2]


def test_gaps_in_the_last_30_days_are_shown_widest_first_then_in_order() -> None:
    snaps = daily(NOW - timedelta(hours=2), 30)
    kept = [s for i, s in enumerate(snaps) if i not in (10, 11, 12, 20)]
    f = rules.freshness(evidence(kept), NOW, FIG)
    assert f.status is Status.PASS
    gap_lines = [line for line in f.evidence if "with no snapshot" in line]
    assert len(gap_lines) == 2
    assert gap_lines[0].startswith("  4 days with no snapshot: 2026-10-31 10:00 UTC to")
    assert gap_lines[1].startswith("  2 days with no snapshot: 2026-11-10")
    assert any(line.startswith("2 gaps longer than 26 hours") for line in f.evidence)


def test_future_dated_snapshot_never_passes_as_zero_minutes_old() -> None:
    f = rules.freshness(evidence([Snapshot("a", NOW + timedelta(hours=3))]), NOW, FIG)
    assert (f.status, f.severity) == (Status.FAIL, Severity.MEDIUM)
    assert f.title == "Newest backup of File server is dated 3 hours in the future"
    assert "0 minutes" not in f.title


def test_future_dated_host_is_named_among_several() -> None:
    snaps = sorted(daily(NOW - timedelta(hours=3), 5, "fileserver") + [Snapshot("z", NOW + timedelta(days=400),
                                                                                host="till")], key=lambda s: s.time)
    f = rules.freshness(evidence(snaps), NOW, FIG)
    assert f.status is Status.FAIL and f.title.endswith("in the future (host till)")


@pytest.mark.parametrize("gap_days", [14, 28])
def test_a_gap_of_two_or_four_weeks_raises_irregular_backups(gap_days: int) -> None:
    snaps = daily(NOW - timedelta(hours=2), 45)
    kept = [s for i, s in enumerate(snaps) if not 44 - 2 - gap_days < i < 44 - 2]  # gap ends two days ago
    findings = {f.key: f for f in rules.judge_readiness(evidence(kept), NOW, FIG)}
    assert findings["File server/freshness"].status is Status.PASS
    gap = findings["File server/gaps"]
    assert (gap.status, gap.severity, gap.weaknesses) == (Status.FAIL, Severity.HIGH, ("irregular-backups",))
    assert f"went {gap_days} days without a backup" in gap.title


def test_week_long_gaps_from_pruning_are_listed_not_raised() -> None:
    kept = [s for i, s in enumerate(daily(NOW - timedelta(hours=2), 40)) if i % 7 == 0 or i > 32]
    keys = [f.key for f in rules.judge_readiness(evidence(kept), NOW, FIG)]
    assert "File server/gaps" not in keys


def test_history_depth_is_judged_and_named_per_host() -> None:
    snaps = sorted(daily(NOW - timedelta(hours=1), 62, "fileserver")
                   + [Snapshot("l1", NOW - timedelta(minutes=36), host="laptop")], key=lambda s: s.time)
    findings = {f.key: f for f in rules.judge_readiness(evidence(snaps), NOW, FIG)}
    laptop, server = findings["File server/retention/laptop"], findings["File server/retention/fileserver"]
    assert laptop.status is Status.FAIL and laptop.title == "History of File server for host laptop reaches back " \
                                                            "only 36 minutes"
    assert server.status is Status.PASS and "for host fileserver reaches back 61 days" in server.title
    assert "File server/retention" not in findings


def test_hardware_failure_adds_its_weakness() -> None:
    f = rules.freshness(evidence(daily(NOW - timedelta(days=3), 5)), NOW, FIG, hardware_failure=True)
    assert f.weaknesses == ("irregular-backups", "hardware-failure")


# --- offsite, encryption, integrity ------------------------------------------------------------------------------


def test_offsite_pass_and_fail() -> None:
    onsite = rules.offsite(evidence([]))
    assert (onsite.status, onsite.severity, onsite.weaknesses) == (Status.FAIL, Severity.HIGH, ("no-offsite-backup",))
    assert "Offsite: no, a local path" in onsite.evidence[2]
    away = rules.offsite(evidence([], offsite=Offsite(True, "a remote sftp backend on vault"), immutable=True))
    assert away.status is Status.PASS
    assert any("Offline or immutable copy: yes" in line for line in away.evidence)


@pytest.mark.parametrize("encrypted, offsite, status, severity", [
    (True, False, Status.PASS, Severity.INFO),
    (False, False, Status.FAIL, Severity.MEDIUM),
    (False, True, Status.FAIL, Severity.HIGH),
    (None, False, Status.FAIL, Severity.LOW),
])
def test_encryption(encrypted: bool | None, offsite: bool, status: Status, severity: Severity) -> None:
    f = rules.encryption(evidence([], encrypted=encrypted, offsite=Offsite(offsite, "x")))
    assert (f.status, f.severity) == (status, severity)
    if status is Status.FAIL:
        assert f.actions == ("add-offsite-backup",)


def test_integrity_errors_are_high() -> None:
    bad = rules.integrity(evidence([], integrity=Integrity(False, ("pack 2309: does not exist",))))
    assert (bad.status, bad.severity, bad.weaknesses) == (Status.FAIL, Severity.HIGH, ("unreviewed-backups",))
    assert "  pack 2309: does not exist" in bad.evidence
    assert rules.integrity(evidence([], integrity=Integrity(True))).status is Status.PASS


def test_integrity_is_judged_only_when_verified() -> None:
    keys = [f.key for f in rules.judge_readiness(evidence(daily(NOW, 40)), NOW, FIG)]
    assert "File server/integrity" not in keys
    keys = [f.key for f in rules.judge_readiness(evidence(daily(NOW, 40), integrity=Integrity(True)), NOW, FIG)]
    assert "File server/integrity" in keys


# --- retention and restore tests ----------------------------------------------------------------------------------


def test_retention_under_30_days_is_unreviewed_backups() -> None:
    f = rules.retention(evidence(daily(NOW, 21)), NOW, FIG)
    assert (f.status, f.severity, f.weaknesses) == (Status.FAIL, Severity.MEDIUM, ("unreviewed-backups",))
    assert "only 20 days" in f.title
    assert rules.retention(evidence(daily(NOW, 31)), NOW, FIG).status is Status.PASS


def test_retention_of_declared_jobs() -> None:
    unknown = rules.retention(evidence([], declared=True), NOW, FIG)
    assert (unknown.status, unknown.severity) == (Status.FAIL, Severity.LOW)
    assert "(declared, not verified)" in unknown.title
    assert rules.retention(evidence([], declared=True, retention_days=14), NOW, FIG).status is Status.FAIL
    assert rules.retention(evidence([], declared=True, retention_days=90), NOW, FIG).status is Status.PASS


@pytest.mark.parametrize("tested, status, note", [
    (None, Status.FAIL, None),
    (date(2025, 11, 1), Status.FAIL, None),
    (date(2026, 3, 1), Status.PASS, "every quarter"),
    (date(2026, 10, 1), Status.PASS, None),
])
def test_restore_tests(tested: date | None, status: Status, note: str | None) -> None:
    f = rules.restore_test(evidence([], last_restore_test=tested), NOW, FIG)
    assert f.status is status
    if status is Status.FAIL:
        assert f.weaknesses == ("unreviewed-backups",) and f.severity is Severity.MEDIUM
    assert (note is not None) == any("every quarter" in line for line in f.evidence)


# --- size trend ---------------------------------------------------------------------------------------------------


def test_size_trend_flags_a_shrunken_newest_backup() -> None:
    sized = [replace(s, size=1000 + i) for i, s in enumerate(daily(NOW, 6))]
    assert rules.size_trend(evidence(sized), FIG).status is Status.PASS  # type: ignore[union-attr]
    sized[-1] = replace(sized[-1], size=300)
    f = rules.size_trend(evidence(sized), FIG)
    assert f is not None and (f.status, f.severity) == (Status.FAIL, Severity.MEDIUM)
    assert rules.size_trend(evidence(sized[:2]), FIG) is None  # too few to call a trend


# --- incident restore point --------------------------------------------------------------------------------------


def incident(**fields: object) -> Incident:
    return Incident.model_validate({"discovered": date(2026, 11, 20), "kind": "ransomware", **fields})


def test_window_opens_14_days_before_discovery_or_at_first_compromise() -> None:
    assert compromise_window(incident(), FIG).start == datetime(2026, 11, 6, tzinfo=UTC)
    first = compromise_window(incident(first_compromise=date(2026, 10, 2)), FIG)
    assert first.start == datetime(2026, 10, 2, tzinfo=UTC) and "first known" in first.why
    hardware = compromise_window(incident(kind="hardware_failure"), FIG)
    assert hardware.start == datetime(2026, 11, 20, tzinfo=UTC) and hardware.hardware_failure


def test_restore_point_is_the_newest_snapshot_before_the_window() -> None:
    snaps = daily(datetime(2026, 11, 11, 2, 0, tzinfo=UTC), 45)
    finding, facts = judge_restore_point(evidence(snaps), compromise_window(incident(), FIG))
    point = max((s for s in snaps if s.time < datetime(2026, 11, 6, tzinfo=UTC)), key=lambda s: s.time)
    assert point.time == datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    assert finding.status is Status.PASS and finding.severity is Severity.INFO
    assert finding.title == (f"Clean restore point for File server: snapshot {point.id} of 2026-11-05 02:00 UTC "
                             "(before the compromise window)")
    assert finding.actions == ("review-backups-before-restore", "restore-clean")
    assert "Scan this snapshot for malware" in finding.detail
    assert "The 6 later snapshots fall inside the window" in finding.detail
    assert facts == [{"job": "File server", "host": "", "snapshot_id": point.id, "time": point.time.isoformat()}]


def test_no_snapshot_before_the_window_is_critical() -> None:
    finding, facts = judge_restore_point(evidence(daily(datetime(2026, 11, 19, tzinfo=UTC), 10)),
                                         compromise_window(incident(), FIG))
    assert (finding.status, finding.severity) == (Status.FAIL, Severity.CRITICAL)
    assert finding.weaknesses == ("unreviewed-backups",)
    assert finding.actions == ("review-backups-before-restore",)
    assert facts == []


def test_each_host_needs_its_own_restore_point() -> None:
    snaps = sorted(daily(datetime(2026, 11, 19, tzinfo=UTC), 40, "fileserver")
                   + daily(datetime(2026, 11, 19, tzinfo=UTC), 5, "reception-pc"), key=lambda s: s.time)
    finding, _ = judge_restore_point(evidence(snaps), compromise_window(incident(), FIG))
    assert finding.status is Status.FAIL and finding.title.endswith("for host reception-pc")


def test_hardware_failure_restore_point() -> None:
    window = compromise_window(incident(kind="hardware_failure"), FIG)
    finding, facts = judge_restore_point(evidence(daily(datetime(2026, 11, 19, 2, tzinfo=UTC), 5)), window)
    assert finding.title.endswith("of 2026-11-19 02:00 UTC (the newest before the failure)")
    assert finding.weaknesses == ("unreviewed-backups", "hardware-failure")
    assert "replace-failed-hardware" in finding.actions
    missing, _ = judge_restore_point(evidence([]), window)
    assert missing.severity is Severity.CRITICAL and "hardware-failure" in missing.weaknesses


@pytest.mark.parametrize("retention, last, status, severity", [
    (90, datetime(2026, 11, 19, tzinfo=UTC), Status.PASS, Severity.INFO),
    (7, datetime(2026, 11, 19, tzinfo=UTC), Status.FAIL, Severity.CRITICAL),
    (None, datetime(2026, 11, 19, tzinfo=UTC), Status.FAIL, Severity.HIGH),
])
def test_declared_restore_point(retention: int | None, last: datetime, status: Status, severity: Severity) -> None:
    ev = evidence([Snapshot("Veeam run", last)], declared=True, retention_days=retention, tool="Veeam Agent")
    finding, facts = judge_restore_point(ev, compromise_window(incident(), FIG))
    assert (finding.status, finding.severity) == (status, severity)
    assert facts == []  # no snapshot id is known for a declared job
    if status is Status.PASS:
        assert "ask Veeam Agent for the newest backup from before 2026-11-06 00:00 UTC" in finding.title


@pytest.mark.parametrize("span, text", [
    (timedelta(minutes=5), "5 minutes"), (timedelta(hours=30), "30 hours"), (timedelta(days=2.5), "2.5 days"),
    (timedelta(days=9), "9 days"), (timedelta(days=9, seconds=5), "9 days"), (timedelta(days=11.4), "11 days"),
])
def test_ages_read_naturally(span: timedelta, text: str) -> None:
    assert age(span) == text
