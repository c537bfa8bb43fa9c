"""Everything wrong with a config and its evidence, in one pass: what `posture validate` prints.

Layers that would otherwise show one after another (fix the schema, then see the evidence) are
checked together: the config's own problems (unknown keys, bad values), then the evidence of every
check whose section is sound, read from the most of the config that is usable. Each problem is one
`FILE:LINE:COL: key.path: message` line located at the config key; an evidence problem's message
names the evidence file and its line.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from posture.config import Config, config_and_problems
from posture.errors import ConfigError, InputError
from posture.yamlsrc import load_yaml

log = logging.getLogger("posture.config")


def load_checked(path: str | Path, registry: Any) -> Config:
    """The config, its evidence read by every enabled check; ConfigError lists every problem at once."""
    from posture.runner import Runner

    located = load_yaml(Path(path))
    config, problems = config_and_problems(located, registry)
    if config is not None:
        try:
            Runner(config, registry).prepare()
        except ConfigError as exc:
            # Read from the config less its bad keys: a problem about a key already reported (the targets
            # list once its bad address is left out) is that problem again, not a new one.
            problems += [p for p in exc.problems if not any(_related(p.key, q.key) for q in problems)]
    if problems or config is None:
        raise ConfigError(_ordered(problems))
    log.info("config loaded: %s (%s mode; checks: %s)", path, config.mode, ", ".join(config.enabled_checks))
    return config


def load_or_explain(path: str | Path, registry: Any) -> Config:
    """The config for a run; when it is wrong, every problem of every layer (not only the first layer's)."""
    from posture.config import load_config

    try:
        config = load_config(path, registry)
    except ConfigError:
        load_checked(path, registry)  # raises with the full list
        raise
    log.info("config loaded: %s (%s mode; checks: %s)", path, config.mode, ", ".join(config.enabled_checks))
    return config


def _related(a: str | None, b: str | None) -> bool:
    """Whether one dotted key path is the other or lies under it (scope.targets, scope.targets[0].address)."""
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return long == short or long.startswith((short + ".", short + "["))


def _ordered(problems: list[InputError]) -> list[InputError]:
    seen: set[str] = set()
    unique = []
    for problem in sorted(problems, key=lambda p: (p.line or 0, p.column or 0)):
        if str(problem) not in seen:
            seen.add(str(problem))
            unique.append(problem)
    return unique
