"""The `posture` command. Headless commands never import Textual; only `posture tui` does.

stdout carries data (paths written, JSON, schema); stderr carries progress and diagnostics.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posture import __version__
from posture.errors import ExitCode, PostureError, UsageError
from posture.logsetup import add_global_options, configure_logging

if TYPE_CHECKING:
    from posture.models import Assessment

SEVERITIES = ("critical", "high", "medium", "low", "info", "none")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posture",
        description="Assess a small business's security posture and write a prioritised action plan.",
    )
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser("scan", help="run the checks and write the plan (cron-friendly)")
    scan.add_argument("config", type=Path)
    _add_output_options(scan)
    scan.add_argument("--fail-on", choices=SEVERITIES, default="high",
                      help="exit 1 when a problem at or above this severity is found (default: high)")
    scan.add_argument("--only", metavar="CHECKS", help="comma-separated check ids to run (others are skipped)")
    scan.add_argument("--db", type=Path, help="history database (default: per-user data dir, or $POSTURE_DB)")
    scan.add_argument("--no-history", action="store_true", help="neither read nor record run history")
    scan.add_argument("--strict-alerts", action="store_true", help="a failed alert makes the exit code 4")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress, and only errors on stderr")

    validate = sub.add_parser("validate", help="check a config and its evidence files; exit 2 on any problem")
    validate.add_argument("config", type=Path)

    init = sub.add_parser("init", help="write a commented starter config")
    init.add_argument("path", type=Path, nargs="?", default=Path("posture.yaml"))

    sub.add_parser("schema", help="print the config's JSON Schema")
    sub.add_parser("checks", help="list the installed checks, built-in and third party")

    plan = sub.add_parser("plan", help="re-render the plan from a results JSON without re-scanning")
    plan.add_argument("results", type=Path)
    _add_output_options(plan, out_default="the results file's folder", format_default="markdown,html")

    history = sub.add_parser("history", help="list the recorded runs of a config")
    history.add_argument("config", type=Path)
    history.add_argument("--db", type=Path)

    diff = sub.add_parser("diff", help="compare two runs (run ids or results JSON files)")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("--db", type=Path)
    diff.add_argument("--format", choices=("markdown", "json"), default="markdown")

    tui = sub.add_parser("tui", help="the interactive terminal UI")
    tui.add_argument("config", type=Path, nargs="?")
    tui.add_argument("--db", type=Path)
    add_global_options(parser, sub)
    return parser


def _add_output_options(p: argparse.ArgumentParser, out_default: str = "the config's report.out_dir",
                        format_default: str = "the config's report.formats") -> None:
    p.add_argument("--out", type=Path, help=f"folder for the reports (default: {out_default})")
    p.add_argument("--format", help=f"comma-separated: markdown,json,html (default: {format_default})")
    p.add_argument("--audience", choices=("consultant", "staff"),
                   help="consultant: everything; staff: no addresses, ports, versions, names or evidence")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose, quiet=getattr(args, "quiet", False))
    if not args.command:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    handler = COMMANDS[args.command]
    try:
        return int(handler(args))
    except PostureError as exc:
        for line in exc.lines():
            print(f"posture: {line}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("posture: interrupted; nothing was written", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK


def _registry() -> Any:
    from posture.registry import default_registry

    registry = default_registry()
    for name, why in registry.broken.items():
        logging.getLogger("posture").warning("check plugin %s could not be loaded: %s", name, why)
    return registry


def _formats(args: argparse.Namespace, default: Sequence[str]) -> list[str]:
    from reports import FORMATS

    if not args.format:
        return list(default)
    chosen = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise UsageError(f"--format: unknown format {', '.join(bad) or '(empty)'}; choose from {', '.join(FORMATS)}")
    return chosen


def cmd_scan(args: argparse.Namespace) -> int:
    from posture.history import History
    from posture.preflight import load_or_explain
    from posture.progress import ProgressLine
    from posture.runner import Runner

    registry = _registry()
    config = load_or_explain(args.config, registry)
    formats = _formats(args, config.report.formats)
    only = {c.strip() for c in args.only.split(",")} if args.only else None
    if only:
        unknown = only - set(config.enabled_checks)
        if unknown:
            raise UsageError(f"--only: not enabled in {args.config}: {', '.join(sorted(unknown))}")
    history = None if args.no_history else History(args.db)
    previous = _previous(history, config.identity)
    runner = Runner(config, registry, only=only, previous=previous)
    runner.prepare()
    show = ProgressLine.for_stream(sys.stderr, enabled=not args.quiet)
    assessment = None
    try:
        for event in runner.events():
            show.update(event)
            assessment = getattr(event, "assessment", assessment)
    except KeyboardInterrupt:
        runner.cancel()
        show.close()
        runner.wait_stopped()  # so no nmap or restic outlives the run
        raise
    show.close()
    assert assessment is not None
    _say_what_is_incomplete(assessment)
    out_dir = args.out or config.resolve(config.report.out_dir)
    audience = args.audience or config.report.audience
    written = _write(assessment, out_dir, formats, audience)
    if history is not None:
        _record(history, assessment)
    for path in written:
        print(path)
    alert_failed = _alerts(config, assessment, args)
    code = exit_code(assessment, args.fail_on)
    # A cron job that relies on the alert must hear that it was lost, even over "findings" or "incomplete".
    if alert_failed and args.strict_alerts:
        return ExitCode.OUTPUT
    return code


def _say_what_is_incomplete(assessment: Assessment) -> None:
    """One stderr line per check that could not complete (and a count of items not checked): under cron,
    stderr is what gets mailed, and exit code 3 alone does not say what to fix."""
    from posture.errors import printable
    from posture.models import CheckStatus

    for check in assessment.checks:
        if check.status is CheckStatus.ERROR:
            print(f"posture: {check.check}: could not complete: {printable(check.error)}", file=sys.stderr)
    unchecked: dict[str, int] = {}
    for finding in assessment.unchecked:
        unchecked[finding.check] = unchecked.get(finding.check, 0) + 1
    for check_id, count in unchecked.items():
        print(f"posture: {check_id}: {count} item(s) could not be checked; see the report", file=sys.stderr)
    if not assessment.assessed:
        print("posture: nothing was assessed: no check ran to completion", file=sys.stderr)


def _previous(history: Any, config_id: str) -> Assessment | None:
    if history is None:
        return None
    try:
        previous: Assessment | None = history.latest(config_id)
        return previous
    except PostureError as exc:
        print(f"posture: warning: {exc}; comparing with no previous run", file=sys.stderr)
        return None


def _record(history: Any, assessment: Assessment) -> None:
    try:
        history.record(assessment)
    except PostureError as exc:
        print(f"posture: warning: the reports are written, but the run was not recorded: {exc}", file=sys.stderr)


def _write(assessment: Assessment, out_dir: Path, formats: list[str], audience: str) -> list[Path]:
    import uuid

    from reports import write_reports

    # The id goes into the results JSON before it is written, so the file and the history agree.
    assessment.run_id = assessment.run_id or uuid.uuid4().hex[:12]
    if audience == "staff" and "json" in formats:
        print("posture: note: the staff edition has no JSON (it would carry the evidence)", file=sys.stderr)
    written = write_reports(assessment, out_dir, formats, audience)
    for path in written:
        logging.getLogger("posture.reports").info("report written: %s", path)
    return written


def _alerts(config: Any, assessment: Assessment, args: argparse.Namespace) -> bool:
    """Send the configured alert; True when it failed. Never blocks the reports (already written)."""
    if config.alerts is None:
        return False
    from posture.alerts import send_alert

    try:
        return not send_alert(config.alerts, assessment)
    except Exception as exc:  # noqa: BLE001 - send_alert never raises by design; belt and braces
        logging.getLogger("posture.alerts").error("alert not sent: %s", type(exc).__name__)
        return True


def exit_code(assessment: Assessment, fail_on: str) -> int:
    from posture.models import Severity

    if not assessment.assessed:  # no check completed: never "no problems"
        return ExitCode.INCOMPLETE
    if fail_on != "none":
        threshold = Severity(fail_on)
        if any(f.severity.at_least(threshold) for f in assessment.failing):
            return ExitCode.FINDINGS
    if assessment.incomplete:
        return ExitCode.INCOMPLETE
    return ExitCode.OK


def cmd_validate(args: argparse.Namespace) -> int:
    from posture.preflight import load_checked

    registry = _registry()
    config = load_checked(args.config, registry)
    print(f"{args.config}: OK ({config.mode} mode; checks: {', '.join(config.enabled_checks)})")
    for check_id in config.enabled_checks:
        check = registry.require(check_id)
        for item in check().describe_evidence(config.options(check_id), config):
            print(f"  {check_id}: {item}")
    return ExitCode.OK


def cmd_init(args: argparse.Namespace) -> int:
    from importlib import resources

    path: Path = args.path
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    text = resources.files("posture.data").joinpath("starter.yaml").read_text(encoding="utf-8")
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    print(path)
    return ExitCode.OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from posture.config import config_json_schema

    print(json.dumps(config_json_schema(_registry()), indent=2))
    return ExitCode.OK


def cmd_checks(args: argparse.Namespace) -> int:
    registry = _registry()
    for check_id in registry.ids():
        check = registry.require(check_id)
        origin = registry.origins[check_id]
        kind = "built-in" if origin.startswith("checks.") else "plugin"
        print(f"{check_id:<16} {kind:<9} {check.meta.title}  [{', '.join(check.meta.weaknesses)}]")
    for name, why in registry.broken.items():
        print(f"{name:<16} BROKEN    {why}")
    return ExitCode.OK


def cmd_plan(args: argparse.Namespace) -> int:
    from posture.results import load_results

    assessment = load_results(args.results)
    formats = _formats(args, ["markdown", "html"])
    out_dir = args.out or args.results.parent
    for path in _write(assessment, out_dir, formats, args.audience or "consultant"):
        print(path)
    return ExitCode.OK


def cmd_history(args: argparse.Namespace) -> int:
    from posture.config import load_config
    from posture.history import History

    config = load_config(args.config, _registry())
    runs = History(args.db).runs(config.identity)
    if not runs:
        print(f"no recorded runs for {args.config}", file=sys.stderr)
        return ExitCode.OK
    print(f"{'run':<13} {'finished (UTC)':<20} {'problems':>8} {'new':>4} {'resolved':>8} {'errors':>6}  version")
    for run in runs:
        finished = run.finished[:19].replace("T", " ")
        new = "-" if run.new is None else str(run.new)
        resolved = "-" if run.resolved is None else str(run.resolved)
        print(f"{run.id:<13} {finished:<20} {run.failing:>8} {new:>4} {resolved:>8} {run.errors:>6}  "
              f"{run.tool_version}")
    return ExitCode.OK


def cmd_diff(args: argparse.Namespace) -> int:
    from posture.diffcmd import run_diff

    return run_diff(args)


def cmd_tui(args: argparse.Namespace) -> int:
    from posture.tui.app import run_tui

    return run_tui(args.config, db=args.db)


COMMANDS = {
    "scan": cmd_scan, "validate": cmd_validate, "init": cmd_init, "schema": cmd_schema, "checks": cmd_checks,
    "plan": cmd_plan, "history": cmd_history, "diff": cmd_diff, "tui": cmd_tui,
}

if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
