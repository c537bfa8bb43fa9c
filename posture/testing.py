"""Helpers for testing checks, ours and third parties': a config from a dict, a context, one check run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from posture.check import Check, CheckContext, PreviousRun, Secrets
from posture.config import Config, load_config
from posture.models import Finding
from posture.registry import Registry, default_registry


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
) -> CheckContext:
    return CheckContext(
        config=config,
        options=config.options(check_id),
        now=now or datetime.now(UTC),
        previous=previous,
        secrets=secrets or Secrets(),
    )


def run_check(check: type[Check], ctx: CheckContext) -> list[Finding]:
    """prepare + run one check directly, letting its exceptions through (for unit tests)."""
    instance = check()
    instance.prepare(ctx)
    return list(instance.run(ctx))
