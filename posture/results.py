"""The `posture/results@1` JSON: written by every scan, read back by `posture plan` and the history."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from posture.errors import InputError
from posture.models import (
    Action,
    Assessment,
    CheckResult,
    CheckStatus,
    Drift,
    Finding,
    GuideStep,
    Mode,
    Notification,
    Phase,
    Plan,
    Reference,
    Severity,
    StaffSection,
    Status,
)
from posture.tracking_json import view_from_dict, view_to_dict
from posture.yamlsrc import read_text_limited

SCHEMA = "posture/results@1"
MAX_RESULTS_BYTES = 64 * 1024 * 1024
T = TypeVar("T")


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "key": f.key, "check": f.check, "status": f.status.value, "severity": f.severity.value,
        "asset": f.asset, "title": f.title, "detail": f.detail, "weaknesses": list(f.weaknesses),
        "evidence": list(f.evidence), "remediation": f.remediation,
        "references": [{"title": r.title, "url": r.url} for r in f.references], "actions": list(f.actions),
    }


def to_dict(a: Assessment, findings: bool = True) -> dict[str, Any]:
    plan = a.plan
    return {
        "schema": SCHEMA,
        "tool": {"name": "posture", "version": a.tool_version},
        "run_id": a.run_id,
        "config": {"path": a.config_path, "id": a.config_id},
        "organization": a.organization,
        "mode": a.mode.value,
        "incident": a.incident,
        "scope": a.scope,
        "started": a.started.isoformat(),
        "finished": a.finished.isoformat(),
        "checks": [
            {"id": c.check, "title": c.title, "status": c.status.value, "error": c.error,
             "duration_s": c.duration_s, "facts": c.facts, "staff": _staff_to_dict(c.staff)}
            for c in a.checks
        ],
        "findings": [finding_to_dict(f) for f in a.findings] if findings else [],
        "plan": None if plan is None else {
            "mode": plan.mode.value,
            "generated": plan.generated.isoformat(),
            "actions": [
                {"id": x.id, "phase": x.phase.value, "priority": x.priority,
                 "due": x.due.isoformat() if x.due else None, "title": x.title, "detail": x.detail,
                 "weaknesses": list(x.weaknesses), "findings": list(x.findings), "notes": list(x.notes),
                 "guide_steps": [{"guide": g.guide, "step": g.step, "guide_title": g.guide_title,
                                  "step_title": g.step_title} for g in x.guide_steps]}
                for x in plan.actions
            ],
            "notifications": [
                {"rule": n.rule, "recipient": n.recipient, "jurisdiction": n.jurisdiction,
                 "deadline": n.deadline.isoformat() if n.deadline else None, "deadline_text": n.deadline_text,
                 "condition": n.condition, "source": n.source, "confirmed": n.confirmed,
                 "ordering": n.ordering, "open_points": list(n.open_points)}
                for n in plan.notifications
            ],
            "notification_notes": list(plan.notification_notes),
        },
        "accepted": sorted(a.accepted),
        "tracking": view_to_dict(a.tracking),
        "drift": None if a.drift is None else {
            "previous_run": a.drift.previous_run,
            "previous_finished": a.drift.previous_finished.isoformat(),
            "new": list(a.drift.new),
            "resolved": [finding_to_dict(f) for f in a.drift.resolved],
            "unchanged": list(a.drift.unchanged),
        },
    }


def _staff_to_dict(s: StaffSection | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"title": s.title, "paragraphs": list(s.paragraphs), "items": list(s.items), "columns": list(s.columns),
            "rows": [list(row) for row in s.rows]}


def _staff(r: _Reader, d: dict[str, Any] | None, where: str) -> StaffSection | None:
    if d is None:
        return None
    rows = r.get(d, "rows", list, where)
    return StaffSection(
        title=r.get(d, "title", str, where), paragraphs=r.strings(d, "paragraphs", where),
        items=r.strings(d, "items", where), columns=r.strings(d, "columns", where),
        rows=tuple(r.strings({"row": row}, "row", f"{where}.rows[{i}]") for i, row in enumerate(rows)),
    )


def dumps(a: Assessment) -> str:
    return "".join(iter_json(a))


# Long lists hold one item per line: the C encoder writes each (json's indented output is pure Python and
# took seconds for 10,000 findings; the ports inventory of a /24 was most of a scan's time after nmap), and
# the file still reads and diffs line by line. "*" is any item of a list.
_compact = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per item
_ONE_PER_LINE = {("findings",), ("plan", "actions"), ("drift", "resolved"), ("checks", "*", "facts", "inventory")}
_ON_THE_WAY = {path[:n] for path in _ONE_PER_LINE for n in range(len(path))}


def iter_json(a: Assessment) -> Iterator[str]:
    """The results JSON piece by piece, the findings built and encoded one at a time."""
    data = to_dict(a, findings=False)
    data["findings"] = (finding_to_dict(f) for f in a.findings)
    yield from _encode(data, ())
    yield "\n"


def _encode(value: Any, path: tuple[str, ...]) -> Iterator[str]:
    pad = "  " * len(path)
    if path in _ONE_PER_LINE and isinstance(value, list | tuple | Iterator):  # a plugin's facts may hold anything
        first = True
        for item in value:
            yield ("[\n" if first else ",\n") + pad + "  " + _compact(item)
            first = False
        yield "[]" if first else f"\n{pad}]"
    elif path in _ON_THE_WAY and isinstance(value, dict) and value:
        for n, (key, item) in enumerate(value.items()):
            yield ("{\n" if n == 0 else ",\n") + f"{pad}  {json.dumps(key)}: "
            yield from _encode(item, (*path, key))
        yield f"\n{pad}}}"
    elif path in _ON_THE_WAY and isinstance(value, list) and value:
        for n, item in enumerate(value):
            yield ("[\n" if n == 0 else ",\n") + f"{pad}  "
            yield from _encode(item, (*path, "*"))
        yield f"\n{pad}]"
    else:
        yield json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)


def load_results(path: Path) -> Assessment:
    text = read_text_limited(path, MAX_RESULTS_BYTES)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", path=path) from None
    return from_dict(data, path)


class _Reader:
    """Typed access into untrusted JSON; every failure is an InputError naming the key."""

    def __init__(self, path: Path | str) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> InputError:
        return InputError(message, path=self.path, key=key)

    def get(self, obj: Any, name: str, kind: type[T], where: str, optional: bool = False) -> T:
        key = f"{where}.{name}" if where else name
        if not isinstance(obj, dict):
            raise self.fail(where or "(top)", "expected an object")
        if name not in obj or obj[name] is None:
            if optional:
                return None  # type: ignore[return-value]
            raise self.fail(key, "missing")
        value = obj[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def convert(self, key: str, fn: Callable[[Any], T], value: Any) -> T:
        try:
            return fn(value)
        except (ValueError, TypeError, KeyError):
            raise self.fail(key, f"invalid value {str(value)[:60]!r}") from None

    def strings(self, obj: Any, name: str, where: str) -> tuple[str, ...]:
        items = self.get(obj, name, list, where)
        if not all(isinstance(i, str) for i in items):
            raise self.fail(f"{where}.{name}", "expected a list of strings")
        return tuple(items)


def _finding(r: _Reader, d: Any, where: str) -> Finding:
    refs = []
    for i, ref in enumerate(r.get(d, "references", list, where)):
        refs.append(Reference(r.get(ref, "title", str, f"{where}.references[{i}]"),
                              r.get(ref, "url", str, f"{where}.references[{i}]", optional=True) or ""))
    return Finding(
        check=r.get(d, "check", str, where), key=r.get(d, "key", str, where),
        status=r.convert(f"{where}.status", Status, r.get(d, "status", str, where)),
        severity=r.convert(f"{where}.severity", Severity, r.get(d, "severity", str, where)),
        title=r.get(d, "title", str, where), detail=r.get(d, "detail", str, where),
        asset=r.get(d, "asset", str, where), weaknesses=r.strings(d, "weaknesses", where),
        evidence=r.strings(d, "evidence", where), remediation=r.get(d, "remediation", str, where),
        references=tuple(refs), actions=r.strings(d, "actions", where),
    )


def from_dict(data: Any, path: Path | str = "<results>") -> Assessment:
    r = _Reader(path)
    schema = r.get(data, "schema", str, "")
    if schema != SCHEMA:
        raise r.fail("schema", f"expected {SCHEMA!r}, found {schema!r}")
    by_check: dict[str, list[Finding]] = {}
    for i, fd in enumerate(r.get(data, "findings", list, "")):
        f = _finding(r, fd, f"findings[{i}]")
        by_check.setdefault(f.check, []).append(f)
    checks = []
    for i, cd in enumerate(r.get(data, "checks", list, "")):
        where = f"checks[{i}]"
        cid = r.get(cd, "id", str, where)
        checks.append(CheckResult(
            check=cid, title=r.get(cd, "title", str, where),
            status=r.convert(f"{where}.status", CheckStatus, r.get(cd, "status", str, where)),
            findings=tuple(by_check.pop(cid, [])), error=r.get(cd, "error", str, where),
            duration_s=r.get(cd, "duration_s", float, where), facts=r.get(cd, "facts", dict, where),
            staff=_staff(r, r.get(cd, "staff", dict, where, optional=True), f"{where}.staff"),
        ))
    if by_check:
        raise r.fail("findings", f"findings name checks not in checks[]: {sorted(by_check)}")
    mode = r.convert("mode", Mode, r.get(data, "mode", str, ""))
    config = r.get(data, "config", dict, "")
    assessment = Assessment(
        config_path=r.get(config, "path", str, "config"), config_id=r.get(config, "id", str, "config"),
        organization=r.get(data, "organization", dict, ""), mode=mode,
        incident=r.get(data, "incident", dict, "", optional=True),
        scope=r.get(data, "scope", dict, ""),
        started=r.convert("started", datetime.fromisoformat, r.get(data, "started", str, "")),
        finished=r.convert("finished", datetime.fromisoformat, r.get(data, "finished", str, "")),
        checks=checks, tool_version=r.get(r.get(data, "tool", dict, ""), "version", str, "tool"),
        run_id=r.get(data, "run_id", str, "", optional=True) or "",
    )
    if not isinstance(assessment.organization.get("name"), str):
        raise r.fail("organization.name", "missing")
    _what_the_staff_edition_hides(r, assessment)
    plan = r.get(data, "plan", dict, "", optional=True)
    if plan is not None:
        assessment.plan = _plan(r, plan)
    assessment.accepted = frozenset(r.strings(data, "accepted", "") if data.get("accepted") is not None else ())
    assessment.tracking = view_from_dict(data.get("tracking"))
    drift = r.get(data, "drift", dict, "", optional=True)
    if drift is not None:
        assessment.drift = Drift(
            previous_run=r.get(drift, "previous_run", str, "drift"),
            previous_finished=r.convert("drift.previous_finished", datetime.fromisoformat,
                                        r.get(drift, "previous_finished", str, "drift")),
            new=r.strings(drift, "new", "drift"),
            resolved=tuple(_finding(r, f, f"drift.resolved[{i}]")
                           for i, f in enumerate(r.get(drift, "resolved", list, "drift"))),
            unchanged=r.strings(drift, "unchanged", "drift"),
        )
    return assessment


def _what_the_staff_edition_hides(r: _Reader, a: Assessment) -> None:
    """The staff edition withholds the targets and the compromised assets by name: they must be readable
    as such, or a damaged file would render with them left in (or not render at all)."""
    if "targets" in a.scope:
        for i, target in enumerate(r.get(a.scope, "targets", list, "scope")):
            r.get(target, "address", str, f"scope.targets[{i}]")
            r.get(target, "name", str, f"scope.targets[{i}]", optional=True)
    if a.incident is not None and "compromised_assets" in a.incident:
        r.strings(a.incident, "compromised_assets", "incident")


def _plan(r: _Reader, d: dict[str, Any]) -> Plan:
    actions = []
    for i, ad in enumerate(r.get(d, "actions", list, "plan")):
        w = f"plan.actions[{i}]"
        priority = r.get(ad, "priority", int, w)
        if not 1 <= priority <= 4:
            raise r.fail(f"{w}.priority", "must be 1 to 4")
        due = r.get(ad, "due", str, w, optional=True)
        steps = tuple(
            GuideStep(r.get(g, "guide", str, f"{w}.guide_steps[{j}]"), r.get(g, "step", str, f"{w}.guide_steps[{j}]"),
                      r.get(g, "guide_title", str, f"{w}.guide_steps[{j}]"),
                      r.get(g, "step_title", str, f"{w}.guide_steps[{j}]"))
            for j, g in enumerate(r.get(ad, "guide_steps", list, w))
        )
        actions.append(Action(
            id=r.get(ad, "id", str, w), phase=r.convert(f"{w}.phase", Phase, r.get(ad, "phase", str, w)),
            priority=priority, title=r.get(ad, "title", str, w), detail=r.get(ad, "detail", str, w),
            guide_steps=steps, weaknesses=r.strings(ad, "weaknesses", w), findings=r.strings(ad, "findings", w),
            due=r.convert(f"{w}.due", date.fromisoformat, due) if due else None, notes=r.strings(ad, "notes", w),
        ))
    notes = []
    for i, nd in enumerate(r.get(d, "notifications", list, "plan")):
        w = f"plan.notifications[{i}]"
        deadline = r.get(nd, "deadline", str, w, optional=True)
        notes.append(Notification(
            rule=r.get(nd, "rule", str, w), recipient=r.get(nd, "recipient", str, w),
            jurisdiction=r.get(nd, "jurisdiction", str, w),
            deadline=r.convert(f"{w}.deadline", datetime.fromisoformat, deadline) if deadline else None,
            deadline_text=r.get(nd, "deadline_text", str, w), condition=r.get(nd, "condition", str, w),
            source=r.get(nd, "source", str, w), confirmed=r.get(nd, "confirmed", bool, w),
            ordering=r.get(nd, "ordering", str, w, optional=True) or "",
            open_points=r.strings(nd, "open_points", w) if "open_points" in nd else (),
        ))
    return Plan(
        mode=r.convert("plan.mode", Mode, r.get(d, "mode", str, "plan")),
        generated=r.convert("plan.generated", date.fromisoformat, r.get(d, "generated", str, "plan")),
        actions=tuple(actions), notifications=tuple(notes),
        notification_notes=r.strings(d, "notification_notes", "plan") if "notification_notes" in d else (),
    )
