"""A big config validates in linear time: `posture validate` on configs of 100,000 and 1,000,000 list items
(the larger one 2 MB, the size limit). The figure is the cost per item at 1,000,000 over the cost per item
at 100,000: about 1 when validation is linear, 10 when it is quadratic. The 1,000,000-item CPU time is
printed beside it (the pure-Python YAML parser took ~60 s; libyaml a few).

Run alone: .venv/bin/python -m bench.bench_config_size
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_core import Figure

SIZES = (100_000, 1_000_000)
LINEAR_GOAL = 1.5


def config_text(items: int) -> str:
    return "version: 1\norganization:\n  name: Shop\n  context_words: [" + ",".join(["a"] * items) + "]\n"


def validate_cpu_s(path: Path) -> float:
    """CPU seconds (user + system) of one `posture validate` child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "posture", "validate", str(path)], capture_output=True, text=True,
                          timeout=900, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"validate failed: {proc.stderr[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def config_size_ratio() -> Figure:
    with tempfile.TemporaryDirectory(prefix="bench-config-") as tmp:
        empty = Path(tmp) / "empty.yaml"
        empty.write_text(config_text(1), encoding="utf-8")
        base = min(validate_cpu_s(empty) for _ in range(2))  # start-up: imports, registry
        costs = {}
        for items in SIZES:
            path = Path(tmp) / f"{items}.yaml"
            path.write_text(config_text(items), encoding="utf-8")
            costs[items] = max(1e-6, validate_cpu_s(path) - base)
    small, large = SIZES
    ratio = (costs[large] / large) / (costs[small] / small)
    return Figure(round(ratio, 2), "x", LINEAR_GOAL,
                  detail=f"per-item cost at {large:,} / at {small:,} items; {large:,} items: {costs[large]:.1f} "
                         f"CPU-s beyond start-up ({base:.2f} s)")


def main() -> None:
    figure = config_size_ratio()
    print(f"config size (linear): {figure.value} {figure.unit} (goal <= {figure.goal}); {figure.detail}")


if __name__ == "__main__":
    main()
