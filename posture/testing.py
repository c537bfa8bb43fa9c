"""Helpers for testing checks, ours and third parties': a config from a dict, a context, one check run, and
the conformance kit, `check_conformance(MyCheck)`, which every check (built-in or plugin) should pass.

    from posture.testing import check_conformance

    def test_my_check_conforms(tmp_path):
        check_conformance(MyCheck, options={"hosts": ["127.0.0.1"]}, folder=tmp_path)
"""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from posture.check import Check, CheckContext, CheckMeta, PreviousRun, Secrets
from posture.config import Config, config_json_schema, load_config
from posture.errors import ConfigError, PostureError
from posture.models import CheckResult, CheckStatus, Finding, StaffSection, Status
from posture.registry import Registry, default_registry
from posture.runner import CheckFinished, CheckStarted, Runner
from posture.scope import OutOfScope, Scope


def write_config(folder: Path, data: dict[str, Any], name: str = "posture.yaml") -> Path:
    """Write `data` as a config file in `folder` (relative evidence paths resolve against it)."""
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def config_from_dict(
    folder: Path, data: dict[str, Any], registry: Registry | None = None, name: str = "posture.yaml"
) -> Config:
    return load_config(write_config(folder, data, name), registry or default_registry())


def minimal_config(**sections: Any) -> dict[str, Any]:
    """A valid readiness-mode config dict; keyword arguments replace or add top-level sections."""
    data: dict[str, Any] = {"version": 1, "organization": {"name": "Test Co"}}
    data.update(sections)
    return data


def context_for(
    config: Config,
    check_id: str,
    *,
    now: datetime | None = None,
    previous: PreviousRun | None = None,
    secrets: Secrets | None = None,
) -> CheckContext[Any]:
    return CheckContext(
        config=config,
        options=config.options(check_id),
        now=now or datetime.now(UTC),
        previous=previous,
        secrets=secrets or Secrets(),
        check_id=check_id,
    )


def run_check(check: type[Check[Any]], ctx: CheckContext[Any]) -> list[Finding]:
    """prepare + run one check directly, letting its exceptions through (for unit tests)."""
    instance = check()
    instance.prepare(ctx)
    return list(instance.run(ctx))


# --- the conformance kit -------------------------------------------------------------------------------------


class ConformanceError(AssertionError):
    """A check does not conform; `problems` says where, one line each."""

    def __init__(self, check_id: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{check_id} does not conform:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Conformance:
    """What `check_conformance` found: the steps passed, and the problems (empty when it conforms)."""

    check: str
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def step(self, name: str, problems: list[str]) -> None:
        if problems:
            self.problems += [f"{name}: {p}" for p in problems]
        else:
            self.passed.append(name)


STEPS = ("metadata", "entry point", "option schema", "evidence description", "run and results",
         "missing tools", "cancellation", "scope")


def check_conformance(
    check: type[Check[Any]],
    *,
    options: Any = None,
    config: dict[str, Any] | None = None,
    folder: Path | None = None,
    installed: bool = True,
    bound_s: float = 30.0,
) -> Conformance:
    """Run a check through every step in STEPS; raise ConformanceError listing all problems at once.

    `options`: a valid `checks.<id>` section (its evidence paths relative to `folder`); `config`: other
    top-level config sections (scope, organization...). `installed`: the check must be registered under
    its id in the `posture.checks` entry-point group. `bound_s`: how long a cancelled check may take to stop.
    """
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="posture-conformance-") as tmp:
            return check_conformance(check, options=options, config=config, folder=Path(tmp),
                                     installed=installed, bound_s=bound_s)
    meta = getattr(check, "meta", None)
    result = Conformance(getattr(meta, "id", repr(check)))
    problems = _metadata(check)
    result.step("metadata", problems)
    if problems:
        raise ConformanceError(result.check, result.problems)
    registry = Registry()
    registry.add(check)
    if installed:
        result.step("entry point", _entry_point(check))
    section = {} if options is None else options
    data = {**minimal_config(), **(config or {})}
    data["checks"] = {**data.get("checks", {}), check.meta.id: section}
    result.step("option schema", _option_schema(check, registry, folder, data))
    try:
        cfg = config_from_dict(folder, data, registry)
    except PostureError as exc:
        result.problems.append(f"the sample options do not make a valid config: {exc}")
        raise ConformanceError(result.check, result.problems) from None
    result.step("evidence description", _describe(check, cfg))
    result.step("run and results", _run_and_results(check, cfg, registry))
    result.step("missing tools", _missing_tools(check, cfg, registry))
    result.step("cancellation", _cancellation(check, cfg, registry, bound_s))
    result.step("scope", _scope(check, folder, data, registry))
    if result.problems:
        raise ConformanceError(result.check, result.problems)
    return result


def _metadata(check: type[Check[Any]]) -> list[str]:
    from posture.catalogue import load_catalogue

    if not (isinstance(check, type) and issubclass(check, Check)):
        return [f"{check!r} is not a subclass of posture.api.Check"]
    meta = getattr(check, "meta", None)
    if not isinstance(meta, CheckMeta):
        return ["`meta` must be a posture.api.CheckMeta"]
    problems = []
    try:
        meta.validate(load_catalogue().weaknesses)
    except ValueError as exc:
        problems.append(str(exc))
    if not meta.description.strip():
        problems.append("description is empty (the overview and `posture schema` show it)")
    if not (isinstance(check.Options, type) and issubclass(check.Options, BaseModel)):
        problems.append("Options must be a pydantic model (subclass posture.api.Options)")
    if getattr(check.run, "__isabstractmethod__", False):
        problems.append("run() is not implemented")
    return problems


def _entry_point(check: type[Check[Any]]) -> list[str]:
    registry = default_registry()
    if check.meta.id not in registry.ids():
        return [f"no entry point named {check.meta.id!r} in the posture.checks group (is the package installed?)"]
    loaded = registry.get(check.meta.id)
    if loaded is None:
        return [f"the entry point does not load: {registry.broken.get(check.meta.id)}"]
    if f"{loaded.__module__}:{loaded.__qualname__}" != f"{check.__module__}:{check.__qualname__}":
        return [f"the entry point {check.meta.id!r} loads {loaded.__module__}:{loaded.__qualname__}, not this class"]
    return []


def _option_schema(check: type[Check[Any]], registry: Registry, folder: Path, data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    model = check.Options
    try:
        schema = model.model_json_schema()
        json.dumps(config_json_schema(registry))
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return [f"no JSON Schema for Options: {type(exc).__name__}: {exc}"]
    section = data["checks"][check.meta.id]
    if not isinstance(section, dict):
        return problems  # a list section (a RootModel): its items' models carry the rule
    if model.model_config.get("extra") != "forbid" or schema.get("additionalProperties") is not False:
        problems.append("Options must forbid unknown keys (subclass posture.api.Options), or a typo is silently "
                        "ignored")
    bad = {**data, "checks": {check.meta.id: {**section, "no_such_key_zz": 1}}}
    try:
        config_from_dict(folder, bad, registry, name="conformance-typo.yaml")
        problems.append("a config with an unknown key in its section was accepted")
    except ConfigError as exc:
        located = [p for p in exc.problems if p.key == f"checks.{check.meta.id}.no_such_key_zz" and p.line]
        if not located:
            problems.append(f"an unknown key was not reported at its line and key: {exc}")
    finally:
        (folder / "conformance-typo.yaml").unlink(missing_ok=True)
    return problems


def _describe(check: type[Check[Any]], cfg: Config) -> list[str]:
    try:
        lines = check().describe_evidence(cfg.options(check.meta.id), cfg)
    except Exception as exc:  # noqa: BLE001
        return [f"describe_evidence raised {type(exc).__name__}: {exc}"]
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        return ["describe_evidence must return a list of strings"]
    return []


def _one_run(cfg: Config, registry: Registry, check_id: str,
             on_start: Callable[[Runner], None] | None = None) -> CheckResult:
    runner = Runner(cfg, registry, only={check_id})
    runner.prepare()
    for event in runner.events():
        if isinstance(event, CheckStarted) and on_start is not None:
            on_start(runner)
        if isinstance(event, CheckFinished) and event.result.check == check_id:
            return event.result
    raise AssertionError("the run ended without the check's result")


def _run_and_results(check: type[Check[Any]], cfg: Config, registry: Registry) -> list[str]:
    from posture.catalogue import load_catalogue

    try:
        result = _one_run(cfg, registry, check.meta.id)
    except PostureError as exc:
        return [f"prepare rejected the sample options' evidence: {exc}"]
    problems = []
    if result.status is CheckStatus.ERROR and not result.error.strip():
        problems.append("an error result must say why")
    catalogue = load_catalogue()
    keys = set()
    for f in result.findings:
        where = f"finding {f.key!r}"
        if f.check != check.meta.id:
            problems.append(f"{where}: check is {f.check!r}, not {check.meta.id!r}")
        if not f.key or not f.title.strip():
            problems.append(f"{where}: key and title must not be empty")
        if f.key in keys:
            problems.append(f"{where}: two findings share one key (ids must be unique)")
        keys.add(f.key)
        unknown = set(f.weaknesses) - set(catalogue.weaknesses)
        if unknown or (f.status is Status.FAIL and not f.weaknesses):
            problems.append(f"{where}: weaknesses must name catalogue ids (unknown: {sorted(unknown)})")
        if set(f.actions) - set(catalogue.actions):
            problems.append(f"{where}: unknown actions {sorted(set(f.actions) - set(catalogue.actions))}")
    try:
        json.dumps(result.facts)
    except (TypeError, ValueError) as exc:
        problems.append(f"facts must be JSON values: {exc}")
    if check.Facts is not None and result.status is CheckStatus.OK:
        from pydantic import TypeAdapter, ValidationError

        try:
            TypeAdapter(check.Facts).validate_python(result.facts, strict=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            problems.append(f"facts do not match the declared Facts: {first['loc']}: {first['msg']}")
    if result.staff is not None and not isinstance(result.staff, StaffSection):
        problems.append("ctx.staff must be a posture.api.StaffSection")
    return problems


NEEDS_TOOLS = {"nmap", "restic", "borg"}


def _missing_tools(check: type[Check[Any]], cfg: Config, registry: Registry) -> list[str]:
    """A check that needs an external tool reports `error` when the tool is not there, never `pass`.

    Judged against a run with the tools: when the sample's result does not change without them, the
    sample did not use them.
    """
    if not check.meta.needs & NEEDS_TOOLS:
        return []
    import os

    def outcome(result: CheckResult) -> tuple[Any, ...]:
        return result.status, sorted((f.key, f.status.value) for f in result.findings)

    try:
        with_tools = _one_run(cfg, registry, check.meta.id)
    except PostureError:
        return []
    saved = os.environ.get("PATH", "")
    with tempfile.TemporaryDirectory() as empty:
        os.environ["PATH"] = empty
        try:
            result = _one_run(cfg, registry, check.meta.id)
        except PostureError:
            return []  # refused before running: not a pass
        finally:
            os.environ["PATH"] = saved
    if outcome(result) == outcome(with_tools):
        return []
    if result.status is CheckStatus.ERROR or any(f.status is Status.ERROR for f in result.findings):
        return []
    return [f"with {', '.join(sorted(check.meta.needs & NEEDS_TOOLS))} missing the result was not an error"]


def _cancellation(check: type[Check[Any]], cfg: Config, registry: Registry, bound_s: float) -> list[str]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = _one_run(cfg, registry, check.meta.id, on_start=lambda r: r.cancel())
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(bound_s)
    if thread.is_alive():
        return [f"a cancelled run did not end within {bound_s:g} s (poll ctx.cancelled() or use ctx.run_command)"]
    if "error" in outcome:
        return [f"a cancelled run raised {type(outcome['error']).__name__}: {outcome['error']}"]
    result: CheckResult = outcome["result"]
    if result.status is not CheckStatus.ERROR:
        return [f"a cancelled check must end as an error, not {result.status.value}"]
    del started
    return []


@contextmanager
def _watch_connections(allowed: Scope) -> Iterator[list[str]]:
    """Record every TCP/UDP connection attempted in this process to an address outside `allowed`."""
    seen: list[str] = []
    original = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

    def guard(address: Any) -> None:
        if isinstance(address, tuple) and address and not allowed.contains(str(address[0])):
            seen.append(str(address[0]))

    def connect(self: socket.socket, address: Any) -> Any:
        guard(address)
        return original[0](self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        guard(address)
        return original[1](self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        guard(args[-1])
        return original[2](self, data, *args)

    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = (  # type: ignore[method-assign]
        connect, connect_ex, sendto)  # type: ignore[assignment]
    try:
        yield seen
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = original  # type: ignore[method-assign]


def _scope(check: type[Check[Any]], folder: Path, data: dict[str, Any], registry: Registry) -> list[str]:
    """With nothing in scope, the check probes nothing: no connection leaves, and what it refused is an error."""
    name = "conformance-scope.yaml"
    try:
        cfg = config_from_dict(folder, {**data, "scope": {"authorization": "nobody"}}, registry, name=name)
    except PostureError as exc:
        return [f"the sample options need a scope to be valid ({exc}); a check must accept an empty one"]
    finally:
        (folder / name).unlink(missing_ok=True)
    ctx = context_for(cfg, check.meta.id)
    problems = []
    with _watch_connections(ctx.scope) as probed:
        try:
            findings = run_check(check, ctx)
            refused = False
        except OutOfScope:
            findings, refused = [], True
        except PostureError:
            findings, refused = [], False
        except Exception as exc:  # noqa: BLE001
            return [f"with an empty scope the check raised {type(exc).__name__}: {exc}"]
    outside = sorted(set(probed) - {"/dev/log"})
    if outside:
        problems.append(f"with nothing in scope it still connected to {', '.join(outside)} "
                        "(call ctx.scope.require_in_scope(address) before any probe)")
    if not refused and any(f.status is Status.PASS and _names_an_address(f) for f in findings):
        problems.append("with nothing in scope it reported an address as passing (unprobed is not safe)")
    return problems


def _names_an_address(f: Finding) -> bool:
    import re

    return bool(re.search(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|::", f"{f.key} {f.asset}"))
