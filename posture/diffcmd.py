"""`posture diff OLD NEW`: what changed between two runs, in Markdown or as `posture/diff@1` JSON.

Each side is a results JSON file (`posture-results.json`) or a run id, or a unique prefix of one,
from the history database. The comparison is the same one the plan's "since the last run" uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from posture.drift import Comparison, compare
from posture.errors import ExitCode
from posture.mdtext import cell, md
from posture.models import Assessment, Finding
from posture.results import load_results

SCHEMA = "posture/diff@1"
GROUPS = (
    ("new", "New"),
    ("resolved", "Resolved"),
    ("unchanged", "Unchanged"),
    ("not_rechecked", "Not re-checked (the check did not complete in the newer run)"),
)


def run_diff(args: argparse.Namespace) -> int:
    old = load_side(args.old, args.db)
    new = load_side(args.new, args.db)
    if old.config_id != new.config_id:
        print("posture: note: the two runs are of different configs; findings are matched by id anyway",
              file=sys.stderr)
    document = diff_document(old, new)
    if args.format == "json":
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_markdown(document))
    return ExitCode.OK


def load_side(spec: str, db: str | Path | None) -> Assessment:
    """A results file when `spec` names an existing file or looks like a path; otherwise a run id."""
    path = Path(spec)
    if path.is_file() or path.suffix.lower() == ".json" or "/" in spec or "\\" in spec:
        return load_results(path)
    from posture.store import open_store

    return open_store(db).get(spec)


def diff_document(old: Assessment, new: Assessment) -> dict[str, Any]:
    c: Comparison = compare(old, new)
    groups = {key: [_finding(f) for f in getattr(c, key)] for key, _ in GROUPS}
    return {
        "schema": SCHEMA,
        "before": _side(old),
        "after": _side(new),
        "same_config": old.config_id == new.config_id,
        "summary": {key: len(items) for key, items in groups.items()},
        **groups,
    }


def render_markdown(doc: dict[str, Any]) -> str:
    old, new = doc["before"], doc["after"]
    s = doc["summary"]
    out = [f"# Changes: {md(new['organization'])}", "",
           f"From run `{md(old['run_id'] or '?')}` ({md(old['finished'])}) to run `{md(new['run_id'] or '?')}` "
           f"({md(new['finished'])}): {s['new']} new, {s['resolved']} resolved, {s['unchanged']} unchanged"
           + (f", {s['not_rechecked']} not re-checked" if s["not_rechecked"] else "") + ".", ""]
    for key, title in GROUPS:
        items = doc[key]
        if key == "not_rechecked" and not items:
            continue
        out += [f"## {title} ({len(items)})", ""]
        if not items:
            out += ["None.", ""]
            continue
        out += ["| Severity | Problem | Asset | Check |", "|---|---|---|---|"]
        out += [f"| {f['severity'].upper()} | {cell(f['title'])} | {cell(f['asset'])} | {cell(f['check'])} |"
                for f in items]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _side(a: Assessment) -> dict[str, Any]:
    return {"run_id": a.run_id, "finished": a.finished.isoformat(), "organization": a.organization.get("name", ""),
            "config_id": a.config_id, "failing": len(a.failing)}


def _finding(f: Finding) -> dict[str, str]:
    return {"id": f.id, "check": f.check, "severity": f.severity.value, "title": f.title, "asset": f.asset}
