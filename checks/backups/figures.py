"""The figures the backups check judges by, read from rules.yaml beside this module (data, with sources)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from posture.api import load_data_yaml


@dataclass(frozen=True)
class Figures:
    default_rpo_hours: float
    weekly_hours: float
    gap_window_days: int
    min_retention_days: int
    restore_test_max_days: int
    restore_test_recommended_days: int
    lookback_days: int
    shrink_ratio: float
    compare_last: int
    remote_prefixes: tuple[str, ...]
    network_filesystems: frozenset[str]
    loopback_hosts: frozenset[str]


@functools.cache
def load_figures() -> Figures:
    raw = load_data_yaml(resources.files("checks.backups").joinpath("rules.yaml").read_text(encoding="utf-8"))
    return Figures(
        default_rpo_hours=float(raw["freshness"]["default_rpo_hours"]),
        weekly_hours=float(raw["freshness"]["weekly_hours"]),
        gap_window_days=int(raw["freshness"]["gap_window_days"]),
        min_retention_days=int(raw["retention"]["min_days"]),
        restore_test_max_days=int(raw["restore_test"]["max_age_days"]),
        restore_test_recommended_days=int(raw["restore_test"]["recommended_days"]),
        lookback_days=int(raw["incident"]["lookback_days"]),
        shrink_ratio=float(raw["folder"]["shrink_ratio"]),
        compare_last=int(raw["folder"]["compare_last"]),
        remote_prefixes=tuple(raw["offsite"]["remote_prefixes"]),
        network_filesystems=frozenset(raw["offsite"]["network_filesystems"]),
        loopback_hosts=frozenset(h.lower() for h in raw["offsite"]["loopback_hosts"]),
    )
