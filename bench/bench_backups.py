"""Backups check at scale: a saved `restic snapshots --json` of 10,000 snapshots over 8 hosts, judged end to end
in incident mode, plus the cost of locating an error at the very end of that file.

Budget: 1.0 s for prepare + run (parse, judge every rule per host, pick the restore points).
Run: .venv/bin/python -m bench.bench_backups
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checks.backups import BackupsCheck
from checks.backups.jsonfile import parse_json
from checks.backups.restic import parse_snapshots
from posture.catalogue import load_catalogue
from posture.errors import InputError
from posture.registry import Registry
from posture.testing import config_from_dict, context_for, minimal_config

BUDGET_S = 1.0
SNAPSHOTS = 10_000
HOSTS = 8
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def snapshots_json(seed: int = 11) -> str:
    """restic 0.14's shape: hourly snapshots per host going back, with jittered times and offsets."""
    rng = random.Random(seed)
    items = []
    per_host = SNAPSHOTS // HOSTS
    for h in range(HOSTS):
        for i in range(per_host):
            moment = NOW - timedelta(hours=3 + i * 2, seconds=rng.randint(0, 900))
            local = moment.astimezone(UTC).replace(tzinfo=None) - timedelta(hours=6)
            sid = f"{rng.getrandbits(256):064x}"
            items.append({"time": local.isoformat(timespec="microseconds") + "123-06:00", "tree": sid[::-1],
                          "paths": ["/srv/shares"], "hostname": f"host-{h}", "username": "root",
                          "tags": ["hourly"], "id": sid, "short_id": sid[:8]})
    return json.dumps(items, indent=2)


def judge_once(folder: Path, registry: Registry) -> tuple[float, float, int, dict[str, object]]:
    config = config_from_dict(folder, minimal_config(
        checks={"backups": [{"name": "Office", "type": "restic", "snapshots_file": "snaps.json",
                             "repository": "sftp:backup@vault.example.net:/srv/restic"}]},
        incident={"discovered": NOW.date().isoformat(), "kind": "ransomware"}), registry)
    ctx = context_for(config, "backups", now=NOW)
    check = BackupsCheck()
    start = time.perf_counter()
    check.prepare(ctx)
    parsed = time.perf_counter()
    findings = list(check.run(ctx))
    done = time.perf_counter()
    return parsed - start, done - parsed, len(findings), ctx.facts


def locate_last_error(text: str) -> tuple[float, float]:
    """json.loads alone vs. parse + locate a bad time in the last snapshot (the error path walks the text)."""
    start = time.perf_counter()
    json.loads(text)
    loads = time.perf_counter() - start
    bad = text[: text.rindex('"time": "')] + '"time": "broken' + text[text.rindex('"time": "') + 9:]
    start = time.perf_counter()
    try:
        parse_snapshots(parse_json(bad, "snaps.json"), bad, "snaps.json")
    except InputError:
        pass
    return loads, time.perf_counter() - start


def main() -> None:
    registry = Registry()
    registry.add(BackupsCheck, load_catalogue().weaknesses)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = snapshots_json()
        (folder / "snaps.json").write_text(text, encoding="utf-8")
        runs = [judge_once(folder, registry) for _ in range(5)]
        loads_s, located_s = locate_last_error(text)
    prepare = statistics.median(r[0] for r in runs)
    judge = statistics.median(r[1] for r in runs)
    total = prepare + judge
    _, _, count, facts = runs[0]
    print(f"backups: {SNAPSHOTS:,} restic snapshots over {HOSTS} hosts ({len(text) / 1e6:.1f} MB), incident mode")
    print(f"  prepare (read + parse)  {prepare * 1000:8.1f} ms   ({SNAPSHOTS / prepare:,.0f} snapshots/s)")
    print(f"  run (judge all rules)   {judge * 1000:8.1f} ms")
    print(f"  total                   {total * 1000:8.1f} ms   budget {BUDGET_S * 1000:.0f} ms "
          f"-> {total / BUDGET_S:.2f} of budget")
    points = facts["restore_points"]
    assert isinstance(points, list)
    print(f"  findings {count}, restore points {len(points)}")
    print(f"  locating an error in the last snapshot: {located_s * 1000:.1f} ms vs json.loads alone "
          f"{loads_s * 1000:.1f} ms ({located_s / loads_s:.1f}x)")


if __name__ == "__main__":
    main()
