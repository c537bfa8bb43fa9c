"""What the staff edition shows of the training check: coverage, what to book, and counts by department.

Built from the check's own facts, which hold counts and dates only: the staff edition renders exactly
these fields, so no name, no evidence file and no account can reach it.
"""

from __future__ import annotations

from typing import Any

from posture.api import NotRequired, StaffSection, TypedDict


class Coverage(TypedDict):
    fraction: float
    percent: int
    current: int
    counted: int
    not_counted_onboarding: int


class Group(TypedDict):
    count: int
    by_department: dict[str, int]
    earliest_due: str | None


class Department(TypedDict):
    staff: int
    current: int


class Phishing(TypedDict):
    clicked_once: int
    repeat_clickers: int
    repeat_clickers_by_department: dict[str, int]


class Roster(TypedDict):
    file: str
    rows: int
    people: int


class TrainingFacts(TypedDict):
    """The training check's facts (`TrainingCheck.Facts`): counts and dates, never a name."""

    as_of: str
    valid_days: int
    new_hire_days: int
    expiring_days: int
    staff_source: str
    staff: int
    coverage: Coverage
    overdue: Group
    never_trained: Group
    new_hires_untrained: Group
    expiring_soon: Group
    onboarding: Group
    departments: dict[str, Department]
    phishing: NotRequired[Phishing]
    possibly_departed: NotRequired[int]
    roster: Roster

TITLE = "Training"
GROUPS = (("overdue", "Overdue"), ("never_trained", "Never trained"),
          ("new_hires_untrained", "New hires to train"), ("expiring_soon", "Expiring soon"))
ASKS = {
    "overdue": "{whose} training has lapsed (the oldest since {due}): book them onto the next session.",
    "never_trained": "{who} never been trained: train them first.",
    "new_hires_untrained": "{who} joined recently and still need training (due {due}).",
    "expiring_soon": "{whose} training lapses soon (from {due}): book renewals now.",
}


def staff_section(facts: Any) -> StaffSection:
    """`facts`: a TrainingFacts."""
    paragraphs = []
    percent = facts.get("coverage", {}).get("percent")
    if isinstance(percent, int):
        paragraphs.append(f"{percent}% of staff have current security-awareness training. Everyone should "
                          "complete it when they join and at least once a year, phishing included.")
    columns, rows = _department_table(facts)
    return StaffSection(TITLE, tuple(paragraphs), _asks(facts), columns, rows)


def _asks(facts: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for key, template in ASKS.items():
        group = facts.get(key) or {}
        n = group.get("count", 0)
        if n > 0:
            due = group.get("earliest_due")
            out.append(template.format(
                whose=f"{n} person's" if n == 1 else f"{n} people's",
                who=f"{n} person has" if n == 1 else f"{n} people have",
                due=due if isinstance(due, str) else "now"))
    repeat = (facts.get("phishing") or {}).get("repeat_clickers", 0)
    if repeat > 0:
        who = "1 person" if repeat == 1 else f"{repeat} people"
        out.append(f"{who} fell for more than one practice phishing email: a short one-to-one refresher helps.")
    return tuple(out)


def _department_table(facts: dict[str, Any]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    departments = facts.get("departments") or {}
    columns: list[tuple[str, dict[str, int]]] = [
        ("Staff", {d: v["staff"] for d, v in departments.items()}),
        ("Current", {d: v["current"] for d, v in departments.items()}),
    ]
    columns += [(label, (facts.get(key) or {}).get("by_department", {})) for key, label in GROUPS]
    phishing = facts.get("phishing")
    if phishing:
        columns.append(("Repeat phishing clicks", phishing.get("repeat_clickers_by_department", {})))
    names = sorted({str(d) for _, counts in columns for d in counts})
    if not names:
        return (), ()
    rows = tuple((d, *(str(counts.get(d, 0)) for _, counts in columns)) for d in names)
    return ("Department", *(label for label, _ in columns)), rows
