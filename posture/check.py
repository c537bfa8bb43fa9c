"""What a check is: typed metadata, an Options model for its config section, and `run`.

A third-party check is one module with a `Check` subclass and one entry-point line in the
`posture.checks` group; the built-ins in `checks/` register the same way. Check authors import from
`posture.api` only (docs/writing-a-check.md).

Life of a check in one run:
1. `prepare(ctx)`: read and parse evidence files; raise InputError for bad input. All checks are
   prepared before any runs, so a broken evidence file stops the run with exit 2 and nothing written.
2. `run(ctx)`: observe and judge; return findings. Raise CheckFailed (or anything) and the result is
   `error` with the reason; the other checks go on. Poll `ctx.cancelled()` or use `ctx.run_command`,
   which stops the child process when the run is cancelled or times out.
"""

from __future__ import annotations

import abc
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from posture import signals
from posture.errors import Cancelled, CheckFailed, InputError, ToolMissing
from posture.evidence import read_limited
from posture.models import Finding, Severity, StaffSection, Status
from posture.scope import Scope

if TYPE_CHECKING:
    from posture.config import Config

NEEDS = frozenset({"nmap", "restic", "borg", "network", "internet", "files", "root"})
_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class CheckMeta:
    id: str
    title: str
    description: str
    weaknesses: tuple[str, ...]
    needs: frozenset[str] = frozenset()
    timeout_s: float = 900.0
    always_runs: bool = False  # runs even when the config has no section for it

    def validate(self, known_weaknesses: Iterable[str]) -> None:
        """Reject malformed metadata when the check is loaded, not when it runs."""
        if not _ID.match(self.id):
            raise ValueError(f"check id {self.id!r} must match {_ID.pattern}")
        if not self.title.strip():
            raise ValueError(f"check {self.id}: title is empty")
        unknown = set(self.weaknesses) - set(known_weaknesses)
        if unknown:
            raise ValueError(f"check {self.id}: unknown weakness ids {sorted(unknown)}")
        if not self.weaknesses:
            raise ValueError(f"check {self.id}: names no weakness")
        if self.needs - NEEDS:
            raise ValueError(f"check {self.id}: unknown needs {sorted(self.needs - NEEDS)}")
        if self.timeout_s <= 0:
            raise ValueError(f"check {self.id}: timeout must be positive")


OptionsT = TypeVar("OptionsT", bound=BaseModel)


class Check(abc.ABC, Generic[OptionsT]):
    """Subclass as `Check[MyOptions]`, set `meta` and `Options = MyOptions`, implement `run`.

    `ctx.options` is then typed as `MyOptions` (a check without settings uses `Check[NoOptions]`).
    """

    meta: ClassVar[CheckMeta]
    Options: ClassVar[type[BaseModel]] = NoOptions
    # The shape of `ctx.facts` (a TypedDict or model); the conformance kit checks every run against it.
    Facts: ClassVar[Any] = None

    def prepare(self, ctx: CheckContext[OptionsT]) -> None:  # noqa: B027 - optional hook
        """Parse evidence files; raise InputError naming file, line and key (`ctx.locate`)."""

    @abc.abstractmethod
    def run(self, ctx: CheckContext[OptionsT]) -> Iterable[Finding]:
        """Observe and judge; return findings. May also set `ctx.facts` and `ctx.staff`."""

    def describe_evidence(self, options: OptionsT, config: Config) -> list[str]:
        """What this check will read or probe, for the overview screen and `posture validate`."""
        return []


# The fact under which a check lists the key prefixes it did not assess this run (see `not_assessed`).
UNASSESSED = "not_assessed"


def part_error(check_id: str, key_prefix: str, part: str, reason: str, *, asset: str = "",
               weaknesses: tuple[str, ...] = (), remediation: str = "") -> Finding:
    """The `error` finding of one independent part of a check (a backup job, a password source) that
    could not be judged while the rest was: named, with the reason, never a pass."""
    return Finding(
        check=check_id, key=f"{key_prefix}could-not-check", status=Status.ERROR, severity=Severity.MEDIUM,
        title=f"{part} could not be checked", detail=reason, asset=asset or part, weaknesses=weaknesses,
        remediation=remediation or "Fix the cause above and run the check again; until then this part is not "
                                   "known to be safe.",
    )


def all_parts_failed(errors: Sequence[Finding]) -> CheckFailed:
    """The check's own error when not one of its parts could be judged."""
    return CheckFailed("; ".join(f"{f.title.removesuffix(' could not be checked')}: {f.detail}" for f in errors)
                       or "nothing could be checked")


ProgressFn = Callable[[float | None, str], None]


@dataclass
class Secrets:
    """Secrets typed in at run time (the TUI's masked field). Memory only; never serialised."""

    candidate_passwords: list[tuple[str, str]] = field(default_factory=list)  # (label, password)

    def __repr__(self) -> str:  # never print the values
        return f"Secrets({len(self.candidate_passwords)} candidate passwords)"


@dataclass
class PreviousRun:
    run_id: str
    finished: datetime
    findings: Mapping[str, Finding]  # by finding id


@dataclass
class CheckContext(Generic[OptionsT]):
    config: Config
    options: OptionsT
    now: datetime
    cancel_event: threading.Event = field(default_factory=threading.Event)
    progress: ProgressFn = lambda fraction, message: None
    previous: PreviousRun | None = None
    secrets: Secrets = field(default_factory=Secrets)
    # Figures the consultant's report may quote (JSON-safe; never a secret).
    facts: dict[str, Any] = field(default_factory=dict)
    # What the staff edition shows of this check: only what the check puts here (see StaffSection).
    staff: StaffSection | None = None
    check_id: str = ""
    # Set once a check's tool (nmap, restic, borg) is running: the core then warms up for the run's end
    # while the tool works, instead of competing with the check that is still starting it.
    tool_started: threading.Event = field(default_factory=threading.Event, repr=False)
    _scope: Scope | None = field(default=None, repr=False)

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def _tool_dir(self) -> Path | None:
        folder = self.config.base_dir
        return folder if folder.is_dir() else None

    def not_assessed(self, key_prefix: str) -> None:
        """Say that this run did not look at the findings whose key starts with `key_prefix` (a broken
        part, an input not supplied): the comparison with the last run calls them "not re-checked",
        never "resolved"."""
        unassessed = self.facts.setdefault(UNASSESSED, [])
        if key_prefix not in unassessed:
            unassessed.append(key_prefix)

    def raise_if_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()

    def resolve(self, relative: str | Path) -> Path:
        return self.config.resolve(relative)

    @property
    def scope(self) -> Scope:
        """The addresses this run may probe; `ctx.scope.require_in_scope(addr)` before touching one."""
        if self._scope is None:
            s = self.config.scope
            self._scope = Scope.of([t.address for t in s.targets], s.exclude, s.authorization)
        return self._scope

    def locate(self, key: str | Sequence[str | int], message: str) -> InputError:
        """An error at this check's config key (`key` below `checks.<id>`), as FILE:LINE:COL: key: message."""
        parts = (key,) if isinstance(key, str) else tuple(key)
        return self.config.locate(("checks", self.check_id, *parts), message)

    def evidence_path(self, key: str | Sequence[str | int]) -> Path:
        """The file an option names (e.g. "roster"), resolved against the config's folder; errors at the key."""
        value = _option_at(self.options, (key,) if isinstance(key, str) else tuple(key))
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise self.locate(key, "expected a file path")
        try:
            return self.config.resolve(str(value))
        except InputError as exc:
            raise self.locate(key, exc.message) from None

    def read_evidence(self, key: str | Sequence[str | int], limit: int = 16 * 1024 * 1024) -> bytes:
        """The bytes of the file an option names; a missing, unreadable or oversized file is an
        InputError located at that config key."""
        path = self.evidence_path(key)
        try:
            return read_limited(path, limit)
        except InputError as exc:
            raise self.locate(key, f"{path}: {exc.message}") from None

    def run_command(
        self,
        args: Sequence[str],
        *,
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        install_hint: str = "",
        input_text: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a tool without a shell; stop it when cancelled or past `timeout_s`.

        `env` is added to the environment (pass secrets here, never in `args`). The command line
        is never logged and errors name only the tool. The tool runs in the config's folder, so what
        it runs in turn (restic's password_command) sees relative paths as the config does.
        """
        tool = Path(args[0]).name
        full_env = {**os.environ, **(env or {})}
        try:
            proc = subprocess.Popen(
                list(args), stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
                start_new_session=True,  # so the whole process group can be stopped
                cwd=self._tool_dir(),
            )
        except FileNotFoundError:
            raise ToolMissing(tool, install_hint or f"apt-get install {tool}") from None
        except OSError as exc:
            raise CheckFailed(f"{tool} could not start: {exc.strerror}") from None
        signals.track_child(proc.pid)  # a signal to posture stops this group too
        self.tool_started.set()
        try:
            return self._wait(proc, tool, timeout_s, input_text, args)
        finally:
            signals.untrack_child(proc.pid)

    def _wait(self, proc: subprocess.Popen[str], tool: str, timeout_s: float, input_text: str | None,
              args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        result: dict[str, str] = {}

        def communicate() -> None:
            out, err = proc.communicate(input_text)
            result["out"], result["err"] = out, err

        reader = threading.Thread(target=communicate, daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout_s
        while reader.is_alive():
            reader.join(0.05)
            if self.cancel_event.is_set() or time.monotonic() > deadline:
                _stop(proc)
                reader.join(5)
                if self.cancel_event.is_set():
                    raise Cancelled(f"{tool} stopped: the check was cancelled")
                raise CheckFailed(f"{tool} did not finish within {timeout_s:g} s and was stopped")
        return subprocess.CompletedProcess(list(args), proc.returncode, result.get("out", ""),
                                           result.get("err", ""))


def _option_at(options: Any, key_path: tuple[str | int, ...]) -> Any:
    value = options
    for part in key_path:
        value = value[part] if isinstance(part, int) else getattr(value, part, None)
    return value


def _stop(proc: subprocess.Popen[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(2)
            return
        except subprocess.TimeoutExpired:
            continue
