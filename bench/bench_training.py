"""Training check at scale: a 50,000-row roster and a 5,000-person staff list, judged end to end.

Budget: 0.5 s for prepare + run (parse both files, match, judge, build findings and facts): issue 19's 2 s per
200,000 roster rows, linear.
Run: .venv/bin/python -m bench.bench_training
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from checks.training import TrainingCheck
from posture.catalogue import load_catalogue
from posture.registry import Registry
from posture.testing import config_from_dict, context_for, minimal_config

BUDGET_S = 0.5
STAFF = 5_000
ROWS = 50_000
DEPARTED = 250  # on the roster, not on the staff list
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
DEPARTMENTS = ["Front desk", "Clinic", "Billing", "Warehouse", "Sales", "Accounts", "IT", "Management"]
COURSES = ["Security Awareness 2024", "Security Awareness 2025", "Security Awareness 2026", "Phishing Refresher",
           "Password Basics", "Data Handling"]
STATUSES = ["Passed", "Passed", "Passed", "Completed", "In Progress", "Not Started"]


def write_files(folder: Path, seed: int = 7) -> tuple[Path, Path]:
    """KnowBe4-like roster (US dates, often with a time; first/last name columns; phishing totals) and an
    HR list in ISO dates."""
    rng = random.Random(seed)
    people = [(f"First{i}", f"Last{i}", f"person{i}@bench.example", rng.choice(DEPARTMENTS),
               date(2026, 11, 1) - timedelta(days=rng.randint(0, 6000)), rng.choice([0, 0, 0, 1, 2, 4]))
              for i in range(STAFF + DEPARTED)]
    staff = ["Employee ID,Last Name,First Name,Work Email,Department,Date of Hire"]
    staff += [f"E{i},{p[1]},{p[0]},{p[2]},{p[3]},{p[4].isoformat()}" for i, p in enumerate(people[:STAFF])]
    roster = ['"First Name","Last Name","Email","Group","Training Campaign","Status","Completion Date",'
              '"Phishing Failures","Phish-prone %"']
    for n in range(ROWS):
        first, last, email, dept, _, clicks = people[n % len(people)] if n < len(people) else rng.choice(people)
        status = rng.choice(STATUSES)
        when = ""
        if status in ("Passed", "Completed"):
            day = NOW.date() - timedelta(days=rng.randint(1, 900))
            when = f"{day.month:02d}/{day.day:02d}/{day.year}"
            if rng.random() < 0.3:  # some exports carry the time: far more distinct strings to parse
                when += f" {rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}"
        roster.append(f'"{first}","{last}","{email}","{dept}","{rng.choice(COURSES)}","{status}","{when}",'
                      f'"{clicks}","{clicks * 12.5:.1f}%"')
    roster_path, staff_path = folder / "roster.csv", folder / "staff.csv"
    roster_path.write_text("\n".join(roster) + "\n", encoding="utf-8")
    staff_path.write_text("\n".join(staff) + "\n", encoding="utf-8")
    return roster_path, staff_path


def judge_once(folder: Path, registry: Registry) -> tuple[float, float, float, int, dict[str, object]]:
    """(prepare s, run s, CPU s of both, findings, facts) for one fresh check."""
    config = config_from_dict(folder, minimal_config(checks={"training": {"roster": "roster.csv",
                                                                         "staff": "staff.csv"}}), registry)
    ctx = context_for(config, "training", now=NOW)
    check = TrainingCheck()
    cpu = time.process_time()
    start = time.perf_counter()
    check.prepare(ctx)
    parsed = time.perf_counter()
    findings = list(check.run(ctx))
    done = time.perf_counter()
    return parsed - start, done - parsed, time.process_time() - cpu, len(findings), ctx.facts


def main() -> None:
    registry = Registry()
    registry.add(TrainingCheck, load_catalogue().weaknesses)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        roster, staff = write_files(folder)
        size_mb = (roster.stat().st_size + staff.stat().st_size) / 1e6
        runs = [judge_once(folder, registry) for _ in range(5)]
    totals = [p + r for p, r, _, _, _ in runs]
    best = min(range(len(runs)), key=lambda i: totals[i])
    parse_s, run_s, _, findings, facts = runs[best]
    median = statistics.median(totals)
    cpu = min(c for _, _, c, _, _ in runs)
    coverage = facts["coverage"]
    assert isinstance(coverage, dict)
    print(f"training: {ROWS:,} roster rows + {STAFF:,} staff ({size_mb:.1f} MB of CSV)")
    print(f"  prepare (read + parse both files): {parse_s * 1000:7.0f} ms")
    print(f"  run (match, judge, findings):      {run_s * 1000:7.0f} ms")
    print(f"  total, best of {len(runs)}:                {totals[best] * 1000:7.0f} ms   "
          f"(median {median * 1000:.0f} ms)")
    print(f"  CPU time, best of {len(runs)}:             {cpu * 1000:7.0f} ms   (wall time above includes waiting for "
          "a core on a busy machine)")
    print(f"  throughput: {ROWS / totals[best]:,.0f} roster rows/s; {findings:,} findings; "
          f"coverage {coverage['percent']}%")
    print(f"  budget {BUDGET_S:.1f} s: median uses {median / BUDGET_S:.0%} of it "
          f"({'within' if median <= BUDGET_S else 'OVER'} budget)")


if __name__ == "__main__":
    main()
