"""Alerts: which triggers fire, the Slack/Teams-compatible payload, and delivery with retries against a
real HTTP server on 127.0.0.1 (the webhook URL, a secret, never reaches the logs)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from posture.alerts import build_payload, fired, safe_url, send_alert
from posture.cli import main
from posture.config import Alerts
from posture.models import Severity
from posture.testing import minimal_config, write_config
from tests.reports import sample
from tests.reports.webhook_server import dead_url, webhook

ALL = ["new_high", "new_critical", "check_error", "any_change"]


def _alerts(url: str = "https://hooks.example.test/services/T0/B0/s3cr3tT0k3n", on: list[str] | None = None,
            timeout_s: float = 5.0) -> Alerts:
    return Alerts.model_validate({"webhook": url, "on": on or ALL, "timeout_s": timeout_s})


def test_a_first_run_counts_every_failing_finding_as_new() -> None:
    first, _ = sample.two_runs()
    assert first.drift is None
    assert fired(_alerts(), first) == ["new_high", "new_critical", "any_change"]


def test_later_runs_fire_only_on_what_is_new() -> None:
    _, second = sample.two_runs()  # RDP (high) opened; OpenSSH resolved; no check errors
    assert fired(_alerts(), second) == ["new_high", "any_change"]
    quiet_first, quiet_second = sample.assessment(sample.ACCOUNT, incident=False, backups_error=False), None
    quiet_second = sample.assessment(sample.ACCOUNT, incident=False, previous=quiet_first, backups_error=False)
    assert fired(_alerts(), quiet_second) == []
    medium_new = sample.assessment(sample.ACCOUNT, sample.with_severity(sample.PERSON, Severity.MEDIUM),
                                   incident=False, previous=quiet_first, backups_error=False)
    assert fired(_alerts(), medium_new) == ["any_change"]


def test_a_check_error_fires_check_error_only_when_asked() -> None:
    errored = sample.assessment(sample.ACCOUNT, incident=False, previous=sample.assessment(
        sample.ACCOUNT, incident=False, backups_error=False))
    assert fired(_alerts(), errored) == ["check_error"]
    assert fired(_alerts(on=["new_high"]), errored) == []


def test_the_payload_suits_slack_and_teams_and_carries_no_evidence() -> None:
    _, second = sample.two_runs()
    payload = build_payload(second, ["new_high"])
    assert set(payload) == {"text", "posture"}
    text = payload["text"]
    assert text.startswith("*posture: Corner Shop Outfitters*: 1 new problem(s) since the last run (2026-11-13)")
    assert "• [HIGH] Remote desktop (RDP) open on back-office-pc (127.0.0.42:3389)" in text
    structured = payload["posture"]
    assert structured["schema"] == "posture/alert@1"
    assert structured["summary"] == {"failing": {"critical": 1, "high": 1, "medium": 1, "low": 1}, "new": 1,
                                     "resolved": 1, "unchanged": 3, "check_errors": 0}
    assert [f["title"] for f in structured["new_high"]] == [sample.RDP.title]
    assert "ms-wbt-server" not in str(payload)  # evidence never leaves in an alert


def test_slack_control_characters_are_escaped() -> None:
    hostile = sample.assessment(sample.with_severity(sample.BANNER_TITLE, Severity.HIGH), incident=False)
    text = build_payload(hostile, ["new_high"])["text"]
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_delivered_once_to_a_local_server(caplog: pytest.LogCaptureFixture) -> None:
    _, second = sample.two_runs()
    caplog.set_level(logging.DEBUG)
    with webhook([200]) as hook:
        assert send_alert(_alerts(hook.url), second) is True
    assert len(hook.received) == 1 and hook.received[0]["posture"]["triggers"] == ["new_high", "any_change"]
    assert "s3cr3tT0k3n" not in caplog.text and "/services/" not in caplog.text


def test_nothing_to_say_sends_nothing() -> None:
    first = sample.assessment(sample.ACCOUNT, incident=False, backups_error=False)
    second = sample.assessment(sample.ACCOUNT, incident=False, previous=first, backups_error=False)
    with webhook([200]) as hook:
        assert send_alert(_alerts(hook.url), second) is True
    assert hook.received == []


def test_a_server_error_is_retried_with_backoff() -> None:
    _, second = sample.two_runs()
    waits: list[float] = []
    with webhook([500, 503, 200]) as hook:
        assert send_alert(_alerts(hook.url), second, sleep=waits.append) is True
    assert len(hook.received) == 3 and waits == [0.5, 1.0]


def test_retries_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    _, second = sample.two_runs()
    waits: list[float] = []
    with webhook([502]) as hook:
        assert send_alert(_alerts(hook.url), second, sleep=waits.append) is False
    assert len(hook.received) == 3 and waits == [0.5, 1.0]
    assert "not delivered after 3 attempt(s): HTTP 502" in caplog.text
    assert f"{safe_url(hook.url)}" in caplog.text and "s3cr3tT0k3n" not in caplog.text


def test_a_client_error_is_not_retried() -> None:
    _, second = sample.two_runs()
    waits: list[float] = []
    with webhook([404]) as hook:
        assert send_alert(_alerts(hook.url), second, sleep=waits.append) is False
    assert len(hook.received) == 1 and waits == []


def test_a_slow_server_times_out_and_is_retried() -> None:
    _, second = sample.two_runs()
    waits: list[float] = []
    with webhook([200], delay_s=1.0) as hook:
        assert send_alert(_alerts(hook.url, timeout_s=0.2), second, sleep=waits.append, backoff=(0.0,)) is False
    assert waits == [0.0]


def test_a_dead_server_fails_without_leaking_the_url(caplog: pytest.LogCaptureFixture) -> None:
    _, second = sample.two_runs()
    caplog.set_level(logging.DEBUG)
    url = dead_url()
    assert send_alert(_alerts(url), second, sleep=lambda _: None) is False
    assert "ConnectionError" in caplog.text and "s3cr3tT0k3n" not in caplog.text


def test_safe_url_keeps_only_scheme_and_host() -> None:
    assert safe_url("https://hooks.slack.com/services/T0/B0/XYZ?x=1") == "https://hooks.slack.com"
    assert safe_url("http://user:pw@127.0.0.1:8080/path") == "http://127.0.0.1:8080"
    assert safe_url("http://[::1") == "(unparsable webhook URL)"


# Through the CLI: reports are written first; a lost alert changes the exit code only with --strict-alerts.

@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("posture.alerts.BACKOFF_S", (0.0, 0.0))


def _config(tmp_path: Path, url: str) -> Path:
    # readiness alone: no IT provider named is a HIGH finding, so the first run's alert fires (new_high)
    return write_config(tmp_path, minimal_config(alerts={"webhook": url, "on": ["new_high", "check_error"],
                                                         "timeout_s": 2}))


@pytest.mark.parametrize("strict, expected", [(False, 0), (True, 4)])
def test_a_dead_webhook_never_stops_the_reports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, fast_retries: None, strict: bool, expected: int
) -> None:
    config = _config(tmp_path, dead_url())
    out = tmp_path / "out"
    argv = ["scan", str(config), "--out", str(out), "--fail-on", "none", "-q", *(["--strict-alerts"] if strict else [])]
    assert main(argv) == expected
    assert (out / "posture-plan.md").is_file() and (out / "posture-results.json").is_file()
    assert "not delivered after 3 attempt(s)" in caplog.text and "s3cr3tT0k3n" not in caplog.text


def test_strict_alerts_overrides_the_findings_code(tmp_path: Path, fast_retries: None) -> None:
    config = _config(tmp_path, dead_url())
    assert main(["scan", str(config), "--out", str(tmp_path / "out"), "-q"]) == 1
    assert main(["scan", str(config), "--out", str(tmp_path / "out"), "-q", "--no-history", "--strict-alerts"]) == 4


def test_a_scan_alerts_once_then_stays_quiet(tmp_path: Path) -> None:
    with webhook([200]) as hook:
        config = _config(tmp_path, hook.url)
        for _ in range(2):
            assert main(["scan", str(config), "--out", str(tmp_path / "out"), "--fail-on", "none", "-q",
                         "--strict-alerts"]) == 0
    assert len(hook.received) == 1  # the first run told; the second had nothing new
    assert hook.received[0]["posture"]["triggers"] == ["new_high"]
