"""What one TUI session holds, kept free of Textual so the screens stay thin and the logic is testable.

The session drives the very pipeline `posture scan` drives (posture.assess): open the config, prepare and
run the checks, finish, then publish the reports to report.out_dir, record the run and send the alert.
Screens read from it and ask it to act; they never hold check logic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from posture.assess import AssessmentRun, Published, create_starter_config, last_run, open_config, write_reports
from posture.check import Secrets
from posture.config import Config
from posture.errors import PostureError, UsageError
from posture.models import Assessment
from posture.registry import Registry
from posture.store import Store

# The tracking forms' checks, imported when an action is tracked or a risk accepted: the first screen never
# needs them (bench: tui-first-screen).
if TYPE_CHECKING:
    from posture.tracking import AcceptedRisk, ActionState

__all__ = ["CONFIG_SUFFIXES", "CheckOutline", "Session", "create_starter_config", "find_configs"]

CONFIG_SUFFIXES = (".yaml", ".yml")
# The tracking forms' labels: the shared checks (posture.tracking) name the field the way the form does.
FORM_NAMES = {"owner": "Owner", "status": "Status", "due": "Due date", "note": "Note", "reason": "Reason",
              "until": "Until", "by": "Accepted by"}


@dataclass(frozen=True)
class CheckOutline:
    """One check as the overview shows it: what it is and what it will read or probe."""

    id: str
    title: str
    description: str
    evidence: tuple[str, ...]


@dataclass
class Session:
    registry: Registry
    history: Store | None
    now: datetime | None = None
    config: Config | None = None
    previous: Assessment | None = None
    history_note: str = ""
    selected: set[str] = field(default_factory=set)
    # Typed in on the overview screen; memory only, handed to the Runner and nowhere else.
    secrets: Secrets = field(default_factory=Secrets)
    run: AssessmentRun | None = None
    assessment: Assessment | None = None
    published: Published | None = None  # what publishing the last run wrote
    publish_error: str = ""  # why the last run's reports could not be written ("" when they were)

    def load(self, path: Path) -> Config:
        """Read a config (raises ConfigError with every located problem) and look up its last run."""
        config = open_config(path, self.registry)
        if self.config is None or self.config.identity != config.identity:
            self.secrets = Secrets()
            self.assessment = None
            self.published, self.publish_error = None, ""
        self.config = config
        self.selected = set(config.enabled_checks)
        self.previous, self.history_note = last_run(self.history, config)
        return config

    def outline(self) -> list[CheckOutline]:
        config = self._config()
        out = []
        for check_id in config.enabled_checks:
            check_cls = self.registry.require(check_id)
            options = config.options(check_id)
            try:
                evidence = tuple(check_cls().describe_evidence(options, config)) if options is not None else ()
            except Exception as exc:  # a plugin's description must not stop the overview
                evidence = (f"(could not describe its evidence: {type(exc).__name__})",)
            out.append(CheckOutline(check_id, check_cls.meta.title, check_cls.meta.description, evidence))
        return out

    @property
    def wants_passwords(self) -> bool:
        return self.config is not None and "password_policy" in self.config.enabled_checks

    def add_candidate_password(self, label: str, password: str) -> None:
        if not password:
            raise UsageError("type a password first")
        label = label.strip() or f"candidate {len(self.secrets.candidate_passwords) + 1}"
        self.secrets.candidate_passwords.append((label, password))

    def forget_passwords(self) -> None:
        self.secrets.candidate_passwords.clear()

    def new_run(self) -> AssessmentRun:
        config = self._config()
        if not self.selected:
            raise UsageError("no check is selected: select at least one with space")
        only = None if self.selected >= set(config.enabled_checks) else set(self.selected)
        self.run = AssessmentRun(config, self.registry, history=self.history, only=only, secrets=self.secrets,
                                 now=self.now, previous=(self.previous, self.history_note))
        return self.run

    def publish(self, run: AssessmentRun) -> Published | None:
        """Write the finished run's reports to report.out_dir as `posture scan` does, record it, alert.

        Called from the run worker's thread. On failure `publish_error` says why and None is returned.
        """
        try:
            published = run.publish()
        except PostureError as exc:
            self.published, self.publish_error = None, str(exc)
            return None
        self.published, self.publish_error = published, ""
        return published

    def finished(self, assessment: Assessment) -> None:
        """A run ended: it is what the screens show, and the run the next one compares with."""
        self.assessment = assessment
        if self.published is not None and self.published.recorded:
            self.previous, self.history_note = last_run(self.history, self._config())

    @property
    def unsaved(self) -> str:
        """Why quitting now would lose the last run ("" when nothing would be lost)."""
        if self.assessment is None:
            return ""
        if self.publish_error:
            return f"the reports of the last run could not be written ({self.publish_error})"
        if self.published is not None and self.history is not None and not self.published.recorded:
            return "the last run was not recorded in the history"
        return ""

    def default_out_dir(self) -> Path:
        config = self._config()
        return config.resolve(config.report.out_dir)

    def default_formats(self) -> list[str]:
        return list(self._config().report.formats)

    def export(self, out_dir: Path, formats: Iterable[str], audience: str) -> list[Path]:
        """Write the plan exactly as `posture scan` would (atomically) to another folder or edition;
        raises OutputError."""
        if self.assessment is None:
            raise UsageError("run the assessment first")
        chosen = list(formats)
        if not chosen:
            raise UsageError("choose at least one format")
        written = write_reports(self.assessment, out_dir, chosen, audience)
        if self.publish_error and out_dir.resolve() == self.default_out_dir().resolve():
            self.publish_error = ""
        return written

    def plan_markdown(self, audience: str) -> str:
        from posture.writers import render

        if self.assessment is None:
            raise UsageError("run the assessment first")
        return render("markdown", self.assessment, audience)

    # --- tracking: owners, status and accepted risks, stored beside the history as `posture track` does ----

    @property
    def tracking_blocked(self) -> str:
        """Why owners, status and accepted risks cannot be recorded now ("" when they can)."""
        if self.history is None:
            return "the history is off (they are kept in the history database)"
        if self.assessment is None or self.assessment.plan is None:
            return "no completed run yet: run the assessment first (r on the overview)"
        if self.publish_error or (self.published is not None and not self.published.recorded):
            return "this run is not in the history (see the run screen's warning): scan again once it can be written"
        return ""

    def action_state(self, action_id: str) -> ActionState:
        """What is recorded for an action, as this run's plan shows it."""
        from posture.tracking import ActionState

        view = self.assessment.tracking if self.assessment is not None else None
        tracked = view.actions.get(action_id) if view is not None else None
        return tracked.state if tracked is not None else ActionState(action_id)

    def track_action(self, action_id: str, *, owner: str, status: str, due: str, note: str) -> list[str]:
        """Record the fields that differ from what the plan shows (each on its own, as the CLI writes them);
        returns their names. Raises UsageError for a bad value, PostureError when the history cannot be written."""
        from posture.store.tracking import update_action
        from posture.tracking import action_changes, current_user

        history, config = self._tracking_store()
        shown = self.action_state(action_id)
        typed = action_changes(owner, status, due, note, FORM_NAMES)
        before = {"owner": shown.owner, "status": shown.status.value,
                  "due": shown.due.isoformat() if shown.due else None, "note": shown.note}
        changes = {name: value for name, value in typed.items() if value != before[name]}
        if changes:
            update_action(history, config.identity, action_id, changes, current_user(), datetime.now(UTC))
            self.rejudge()
        return list(changes)

    def accept_finding(self, finding_id: str, *, reason: str, until: str, by: str) -> AcceptedRisk:
        """Accept a finding of this run until a date, checked as `posture accept` checks it."""
        from posture.store.tracking import accept_risk
        from posture.tracking import new_acceptance

        history, config = self._tracking_store()
        assert self.assessment is not None
        finding = self.assessment.finding(finding_id)
        if finding is None:
            raise UsageError(f"this run has no finding {finding_id}")
        risk = new_acceptance(finding_id, finding.title, reason, until, by, self.today(), FORM_NAMES)
        accept_risk(history, config.identity, risk, datetime.now(UTC))
        self.rejudge()
        return risk

    def rejudge(self) -> None:
        """Plan the shown run again with what is recorded now, as the next scan will (same day as its reports)."""
        from posture.planner import plan_with_tracking
        from posture.store.tracking import load_tracking

        history, config = self._tracking_store()
        assert self.assessment is not None
        tracking = load_tracking(history, config.identity)
        plan_with_tracking(self.assessment, tracking, self.assessment.finished.date(),
                           staff_owners=config.report.staff_owners)

    def today(self) -> date:
        return self.now.date() if self.now is not None else date.today()

    def _tracking_store(self) -> tuple[Store, Config]:
        blocked = self.tracking_blocked
        if blocked or self.history is None:
            raise UsageError(blocked)
        return self.history, self._config()

    def _config(self) -> Config:
        if self.config is None:
            raise UsageError("open a config first")
        return self.config


def find_configs(folder: Path) -> list[Path]:
    """Configs the start screen offers: YAML files in `folder` and in its sample_configs/ (one level down too)."""
    found: list[Path] = []
    places = [folder]
    samples = folder / "sample_configs"
    if samples.is_dir():
        places += [samples, *sorted(p for p in samples.iterdir() if p.is_dir())]
    for place in places:
        try:
            found += sorted(p for p in place.iterdir() if p.suffix in CONFIG_SUFFIXES and p.is_file())
        except OSError:
            continue
    return found
