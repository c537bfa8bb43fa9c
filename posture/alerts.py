"""One short webhook post after a scan, only when something the consultant asked about happened.

Triggers (`alerts.on` in the config):
- `new_high` / `new_critical`: a failing finding of that severity or worse that was not failing in the
  previous run. With no previous run (the first run, or `--no-history`) every failing finding counts as
  new: nobody has been told about it yet.
- `check_error`: a check could not complete.
- `any_change`: anything new or resolved since the previous run (on a first run: any failing finding).

The payload carries `text` (Slack mrkdwn; Teams incoming webhooks take the same `text` key) and a
structured `posture` object (`posture/alert@1`) for anything else that reads it. It names finding titles
and check errors, never evidence.

The webhook URL embeds a secret token: logs only ever show its scheme and host, and exception messages
(which quote the URL) are never logged. Sending never raises: it returns False after a bounded number
of tries, and the caller decides what a failed alert means for the exit code.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from posture.config import Alerts
from posture.drift import new_failing
from posture.models import Assessment, CheckStatus, Finding, Severity
from posture.redact import redact
from posture.webcall import CallFailed, call

log = logging.getLogger("posture.alerts")

SCHEMA = "posture/alert@1"
# Waits before the 2nd and 3rd tries: three tries at most, so a dead endpoint costs a cron run at most
# 3 x timeout + 1.5 s.
BACKOFF_S: tuple[float, ...] = (0.5, 1.0)
MAX_LISTED = 10  # findings or errors named in the text; the counts cover the rest
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def fired(alerts: Alerts, assessment: Assessment) -> list[str]:
    """The configured triggers this run sets off, in the config's order."""
    new = new_failing(assessment)
    drift = assessment.drift
    hits = {
        "new_critical": any(f.severity is Severity.CRITICAL for f in new),
        "new_high": any(f.severity.at_least(Severity.HIGH) for f in new),
        "check_error": any(c.status is CheckStatus.ERROR for c in assessment.checks),
        "any_change": bool(new) or bool(drift and drift.resolved),
    }
    return [t for t in dict.fromkeys(alerts.on) if hits.get(t)]


def build_payload(assessment: Assessment, triggers: Sequence[str]) -> dict[str, Any]:
    new = new_failing(assessment)
    serious = [f for f in new if f.severity.at_least(Severity.HIGH)]
    errors = [c for c in assessment.checks if c.status is CheckStatus.ERROR]
    counts = Counter(f.severity.value for f in assessment.failing)
    drift = assessment.drift
    org = str(assessment.organization.get("name", ""))
    structured = {
        "schema": SCHEMA,
        "organization": org,
        "run_id": assessment.run_id,
        "config_id": assessment.config_id,
        "finished": assessment.finished.isoformat(),
        "previous_run": drift.previous_run if drift else None,
        "triggers": list(triggers),
        "summary": {
            "failing": {s.value: counts.get(s.value, 0) for s in Severity if s is not Severity.INFO},
            "new": len(new),
            "resolved": len(drift.resolved) if drift else 0,
            "unchanged": len(drift.unchanged) if drift else 0,
            "check_errors": len(errors),
        },
        "new_high": [_finding(f) for f in serious],
        "check_errors": [{"check": c.check, "title": c.title, "error": c.error} for c in errors],
    }
    return {"text": _text(assessment, org, new, serious, errors, counts), "posture": structured}


def send_alert(
    alerts: Alerts,
    assessment: Assessment,
    *,
    sleep: Callable[[float], None] = time.sleep,
    backoff: Sequence[float] | None = None,
) -> bool:
    """Post the alert if a trigger fired. True when it was delivered or there was nothing to send."""
    triggers = fired(alerts, assessment)
    if not triggers:
        log.info("no alert: none of %s happened", ", ".join(alerts.on))
        return True
    try:
        payload = build_payload(assessment, triggers)
    except Exception as exc:  # noqa: BLE001 - a bug here must not cost the run its exit code
        log.error("alert not sent: could not build it (%s)", type(exc).__name__)
        return False
    return post(alerts.webhook, payload, alerts.timeout_s, sleep=sleep, backoff=backoff)


def post(
    url: str,
    payload: dict[str, Any],
    timeout_s: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    backoff: Sequence[float] | None = None,
) -> bool:
    """POST `payload` as JSON; retry connection errors, timeouts, 429 and 5xx after each wait in `backoff`.

    Each try ends within `timeout_s` of wall-clock time (posture.webcall), so the whole delivery takes at
    most tries x timeout_s + the waits, however slowly the server answers."""
    where = safe_url(url)
    # The text and the structured part quote check errors: masked like everything else that leaves.
    body = redact(json.dumps(payload)).encode("utf-8")
    waits = [*(BACKOFF_S if backoff is None else backoff), None]
    for attempt, wait in enumerate(waits, start=1):
        outcome = _try_once(url, body, timeout_s)
        if outcome == "ok":
            log.info("alert sent to %s", where)
            return True
        retry = outcome.startswith("retry:")
        reason = outcome.removeprefix("retry:").removeprefix("fail:")
        if not retry or wait is None:
            log.error("alert to %s not delivered after %d attempt(s): %s", where, attempt, reason)
            return False
        log.info("alert to %s: %s; trying again in %g s", where, reason, wait)
        sleep(wait)
    return False  # pragma: no cover - the loop always returns


def _try_once(url: str, body: bytes, timeout_s: float) -> str:
    """"ok", "retry:<reason>" or "fail:<reason>"; the reason never quotes the URL."""
    try:
        reply = call("POST", url, body=body, deadline_s=timeout_s, max_bytes=64 * 1024,
                     headers={"User-Agent": "posture-alerts", "Content-Type": "application/json"})
    except CallFailed as exc:
        return f"retry:{'Timeout' if exc.timed_out else 'ConnectionError'}"
    if 200 <= reply.status < 300:
        return "ok"
    kind = "retry" if reply.status in RETRY_STATUS else "fail"
    return f"{kind}:HTTP {reply.status}"


def safe_url(url: str) -> str:
    """Scheme and host only: the path and query of a webhook URL are its credentials."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparsable webhook URL)"
    return f"{parts.scheme}://{host}{port}"


def _finding(f: Finding) -> dict[str, str]:
    return {"id": f.id, "check": f.check, "severity": f.severity.value, "title": f.title}


def _text(
    a: Assessment, org: str, new: list[Finding], serious: list[Finding], errors: list[Any], counts: Counter[str]
) -> str:
    drift = a.drift
    since = f"since the last run ({drift.previous_finished:%Y-%m-%d})" if drift else "on the first recorded run"
    lines = [f"*posture: {_esc(org)}*: {len(new)} new problem(s) {since}, {len(serious)} of them high or critical"
             + (f"; {len(drift.resolved)} resolved" if drift else "") + "."]
    lines += [f"• [{f.severity.value.upper()}] {_esc(f.title)}" for f in serious[:MAX_LISTED]]
    if len(serious) > MAX_LISTED:
        lines.append(f"• … and {len(serious) - MAX_LISTED} more")
    lines += [f"• Could not check: {_esc(c.title)} ({_esc(c.error)})" for c in errors[:MAX_LISTED]]
    open_now = ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Severity if s is not Severity.INFO)
    lines.append(f"Open now: {open_now}. The full plan is in the run's reports (run {_esc(a.run_id or '?')}).")
    return "\n".join(lines)


def _esc(text: str) -> str:
    """Slack's mrkdwn control characters (Teams renders the same entities as text)."""
    flat = " ".join(str(text).split())[:300]
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
