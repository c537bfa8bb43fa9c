"""The findings table's data: sorting and filtering, without Textual.

Kept apart from the widget so it can be measured on its own (bench/bench_tui.py) and so a keystroke
in the search box costs one pass over precomputed lowercase text, even for 10,000 findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from posture.models import Finding, Severity, Status

SORT_KEYS = ("severity", "check", "asset", "weakness", "status", "title")
STATUS_FILTERS = ("fail", "all", "pass", "error")
STATUS_LABELS = {"fail": "problems", "all": "everything", "pass": "passed", "error": "errors"}
# "all" first, then a rising floor: the key cycles from everything to only the most severe.
SEVERITY_FLOORS: tuple[Severity | None, ...] = (None, Severity.LOW, Severity.MEDIUM, Severity.HIGH,
                                                 Severity.CRITICAL)
_STATUS_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.PASS: 2}


@dataclass(frozen=True, slots=True)
class Row:
    finding: Finding
    new: bool
    weakness: str
    haystack: str  # lowercase title, asset, check and weaknesses: what the search box looks in


def make_rows(findings: Iterable[Finding], new_ids: Iterable[str] = ()) -> list[Row]:
    new = set(new_ids)
    rows = []
    for f in findings:
        weakness = ", ".join(f.weaknesses)
        haystack = "\n".join((f.title, f.asset, f.check, weakness)).lower()
        rows.append(Row(f, f.id in new, weakness, haystack))
    return rows


_SORTERS: dict[str, Callable[[Row], Any]] = {
    "severity": lambda r: (r.finding.severity.rank, _STATUS_ORDER.get(r.finding.status, 3), r.finding.check,
                           r.finding.title.lower()),
    "check": lambda r: (r.finding.check, r.finding.severity.rank, r.finding.title.lower()),
    "asset": lambda r: (r.finding.asset.lower(), r.finding.severity.rank, r.finding.title.lower()),
    "weakness": lambda r: (r.weakness, r.finding.severity.rank, r.finding.title.lower()),
    "status": lambda r: (_STATUS_ORDER.get(r.finding.status, 3), r.finding.severity.rank, r.finding.title.lower()),
    "title": lambda r: (r.finding.title.lower(), r.finding.severity.rank),
}


class FindingsView:
    """All rows, the current sort and filters, and the rows they leave visible."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.query = ""
        self.status = "fail"
        self.severity_floor: Severity | None = None
        self.new_only = False
        self.sort_key = "severity"
        self.reverse = False
        self._sorted: list[Row] | None = None

    @property
    def total(self) -> int:
        return len(self.rows)

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        if key not in _SORTERS:
            raise ValueError(f"cannot sort by {key!r}")
        if reverse is None:
            reverse = not self.reverse if key == self.sort_key else False
        self.sort_key, self.reverse = key, reverse
        self._sorted = None

    def cycle_sort(self) -> None:
        self.sort_by(SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)], reverse=False)

    def cycle_status(self) -> None:
        self.status = STATUS_FILTERS[(STATUS_FILTERS.index(self.status) + 1) % len(STATUS_FILTERS)]

    def cycle_severity(self) -> None:
        self.severity_floor = SEVERITY_FLOORS[(SEVERITY_FLOORS.index(self.severity_floor) + 1)
                                              % len(SEVERITY_FLOORS)]

    def visible(self) -> list[Row]:
        if self._sorted is None:
            self._sorted = sorted(self.rows, key=_SORTERS[self.sort_key], reverse=self.reverse)
        words = self.query.lower().split()
        status = None if self.status == "all" else Status(self.status)
        floor = self.severity_floor.rank if self.severity_floor is not None else None
        new_only = self.new_only
        out = []
        for row in self._sorted:
            f = row.finding
            if status is not None and f.status is not status:
                continue
            if floor is not None and f.severity.rank > floor:
                continue
            if new_only and not row.new:
                continue
            if words and not all(w in row.haystack for w in words):
                continue
            out.append(row)
        return out

    def describe(self, shown: int) -> str:
        """The one-line summary above the table: what is filtered and how it is sorted."""
        parts = [f"{shown} of {self.total}", f"showing {STATUS_LABELS[self.status]}"]
        if self.severity_floor is not None:
            parts.append(f"{self.severity_floor.value} and worse" if self.severity_floor is not Severity.CRITICAL
                         else "critical only")
        if self.new_only:
            parts.append("new only")
        if self.query.strip():
            parts.append(f"matching {self.query.strip()!r}")
        parts.append(f"sorted by {self.sort_key}{' (reversed)' if self.reverse else ''}")
        return " · ".join(parts)
