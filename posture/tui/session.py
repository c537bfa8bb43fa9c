"""What one TUI session holds, kept free of Textual so the screens stay thin and the logic is testable.

The session drives exactly what `posture scan` drives: `load_config`, `Runner`, `History` and
`reports.write_reports`. Screens read from it and ask it to act; they never hold check logic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from posture.check import Secrets
from posture.config import Config, load_config
from posture.errors import PostureError, UsageError
from posture.models import Assessment
from posture.registry import Registry
from posture.runner import Runner
from posture.store import Store

CONFIG_SUFFIXES = (".yaml", ".yml")


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
    runner: Runner | None = None
    assessment: Assessment | None = None

    def load(self, path: Path) -> Config:
        """Read a config (raises ConfigError with every located problem) and look up its last run."""
        config = load_config(path, self.registry)
        if self.config is None or self.config.identity != config.identity:
            self.secrets = Secrets()
            self.assessment = None
        self.config = config
        self.selected = set(config.enabled_checks)
        self.previous, self.history_note = self._latest(config)
        return config

    def _latest(self, config: Config) -> tuple[Assessment | None, str]:
        if self.history is None:
            return None, "history is off"
        try:
            previous = self.history.latest(config.identity)
        except PostureError as exc:
            return None, f"could not read the history ({exc}); comparing with no previous run"
        if previous is None:
            return None, "no earlier run of this config"
        return previous, (f"last run {previous.finished:%Y-%m-%d %H:%M} UTC: "
                          f"{len(previous.failing)} problem(s); new ones will be marked")

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

    def new_runner(self) -> Runner:
        config = self._config()
        if not self.selected:
            raise UsageError("no check is selected: select at least one with space")
        only = None if self.selected >= set(config.enabled_checks) else set(self.selected)
        self.runner = Runner(config, self.registry, only=only, previous=self.previous, secrets=self.secrets,
                             now=self.now)
        return self.runner

    def record(self, assessment: Assessment) -> str:
        """Keep the run for the next comparison; return a warning when it could not be recorded.

        Called from the run worker's thread: it touches only the history database.
        """
        if self.history is None:
            return ""
        try:
            config = self.config
            self.history.record(assessment, client=config.client_id if config else None,
                                schedule_days=config.scan_every_days if config else None)
        except PostureError as exc:
            return f"the run was not recorded in the history: {exc}"
        return ""

    def default_out_dir(self) -> Path:
        config = self._config()
        return config.resolve(config.report.out_dir)

    def default_formats(self) -> list[str]:
        return list(self._config().report.formats)

    def export(self, out_dir: Path, formats: Iterable[str], audience: str) -> list[Path]:
        """Write the plan exactly as `posture scan` would (atomically); raises OutputError."""
        from reports import write_reports

        if self.assessment is None:
            raise UsageError("run the assessment first")
        chosen = list(formats)
        if not chosen:
            raise UsageError("choose at least one format")
        return write_reports(self.assessment, out_dir, chosen, audience)

    def plan_markdown(self, audience: str) -> str:
        from reports.markdown import render

        if self.assessment is None:
            raise UsageError("run the assessment first")
        return render(self.assessment, audience)

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


def create_starter_config(path: Path) -> Path:
    """Write `posture init`'s commented starter to `path`, never over an existing file."""
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    text = resources.files("posture.data").joinpath("starter.yaml").read_text(encoding="utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    return path
