"""The `posture` command. Headless commands never import Textual; only `posture tui` does.

stdout carries data (paths written, JSON, schema); stderr carries progress and diagnostics.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from posture import __version__
from posture.errors import ExitCode, PostureError, UsageError
from posture.logsetup import add_global_options, configure_logging
from posture.startup import pause_collector, resume_collector, skip_pydantic_plugins

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
    scan.add_argument("--db", help="history: an SQLite file or a postgresql:// DSN (default: $POSTURE_DB, else a "
                      "file in the per-user data dir)")
    scan.add_argument("--no-history", action="store_true", help="neither read nor record run history")
    scan.add_argument("--strict-alerts", action="store_true", help="a failed alert makes the exit code 4")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress, and only errors on stderr")

    validate = sub.add_parser("validate", help="check a config and its evidence files; exit 2 on any problem")
    validate.add_argument("config", type=Path)

    init = sub.add_parser("init", help="write a commented starter config")
    init.add_argument("path", type=Path, nargs="?", default=Path("posture.yaml"))

    sub.add_parser("schema", help="print the config's JSON Schema")
    sub.add_parser("checks", help="list the installed checks, built-in and third party")

    plan = sub.add_parser("plan", help="re-render a run's plan from its results JSON or its run id, without "
                                       "re-scanning")
    plan.add_argument("results", metavar="RESULTS_OR_RUN_ID",
                      help="a posture-results.json, or a run id (or unique prefix) from the history")
    plan.add_argument("--db", type=Path, help="history database, for a run id")
    _add_output_options(plan, out_default="the results file's folder; for a run id, the current folder",
                        format_default="markdown,html")

    history = sub.add_parser("history", help="list the recorded runs of a config")
    history.add_argument("config", type=Path)
    history.add_argument("--db", help="SQLite file or postgresql:// DSN (default: $POSTURE_DB or per-user file)")

    diff = sub.add_parser("diff", help="compare two runs (run ids or results JSON files)")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("--db", help="SQLite file or postgresql:// DSN (default: $POSTURE_DB or per-user file)")
    diff.add_argument("--format", choices=("markdown", "json"), default="markdown")

    new = sub.add_parser("new-check", help="create a third-party check package that passes the conformance kit")
    new.add_argument("name", help="the check id, e.g. printers (lower case, digits, underscores)")
    new.add_argument("--dir", type=Path, default=Path.cwd(), help="where to create posture-NAME/ (default: here)")

    tui = sub.add_parser("tui", help="the interactive terminal UI")
    tui.add_argument("config", type=Path, nargs="?")
    tui.add_argument("--db", help="SQLite file or postgresql:// DSN (default: $POSTURE_DB or per-user file)")

    fleet = sub.add_parser("fleet", help="one roll-up of every client in the history (no scan is run)")
    fleet.add_argument("--db", help="SQLite file or postgresql:// DSN (default: $POSTURE_DB or per-user file)")
    fleet.add_argument("--out", type=Path, help="write posture-fleet.md and posture-fleet.html here "
                       "(default: Markdown on stdout)")
    add_global_options(parser, sub)
    from posture.trackcmd import add_parsers as add_tracking_parsers

    add_tracking_parsers(sub)
    return parser


def _add_output_options(p: argparse.ArgumentParser, out_default: str = "the config's report.out_dir",
                        format_default: str = "the config's report.formats") -> None:
    p.add_argument("--out", type=Path, help=f"folder for the reports (default: {out_default})")
    p.add_argument("--format", help=f"comma-separated: markdown,json,html (default: {format_default})")
    p.add_argument("--audience", choices=("consultant", "staff"),
                   help="consultant: everything; staff: no addresses, ports, versions, names or evidence")


def run() -> NoReturn:
    """The `posture` command (and `python -m posture`): main(), then the exit handlers, then out.

    The interpreter's own teardown (freeing every module, pydantic's schemas among them) takes 0.1-0.15 s
    and does nothing a finished command needs: the reports are fsynced and closed, the history committed,
    every thread is a daemon, and the exit handlers (logging, temporary files) run first. Tests call main().
    """
    pause_collector()  # until the command has started (posture.startup says when, and why)
    skip_pydantic_plugins()
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to say it to
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "tui":  # Textual owns the terminal; its run path redacts what it records
        return _main(parser, args)
    from posture import signals
    from posture.redact import RedactingStream

    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    restore_handlers = signals.install()  # SIGINT/TERM/HUP stop every tool and remove temporary files
    try:
        return _main(parser, args)
    except Exception:  # a bug: its traceback is printed here, through the redaction, not after it
        import traceback

        traceback.print_exc()
        return 1
    finally:
        restore_handlers()
        sys.stdout, sys.stderr = streams


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    configure_logging(verbose=args.verbose, quiet=getattr(args, "quiet", False))  # onto the redacting stderr
    if not args.command:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    handler = COMMANDS[args.command]
    if args.command not in STARTS_PAUSED:
        resume_collector()
    try:
        return int(handler(args))
    except PostureError as exc:
        for line in exc.lines():
            print(f"posture: {line}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (posture.signals.Terminated)
        from posture.signals import exit_status

        print("posture: interrupted; nothing was written", file=sys.stderr)
        return exit_status(exc)
    except BrokenPipeError:
        return ExitCode.OK


def _registry() -> Any:
    from posture.registry import default_registry

    return default_registry()  # checks are imported when used; a broken one is logged then


def _formats(args: argparse.Namespace, default: Sequence[str]) -> list[str]:
    from posture.writers import choose

    if not args.format:
        return list(default)
    try:
        return choose(args.format.split(","))
    except UsageError as exc:
        raise UsageError(f"--format: {exc}") from None


def cmd_scan(args: argparse.Namespace) -> int:
    from posture.assess import AssessmentRun, open_config
    from posture.progress import ProgressLine
    from posture.store import open_store

    registry = _registry()
    config = open_config(args.config, registry)
    formats = _formats(args, config.report.formats)
    only = {c.strip() for c in args.only.split(",")} if args.only else None
    if only:
        unknown = only - set(config.enabled_checks)
        if unknown:
            raise UsageError(f"--only: not enabled in {args.config}: {', '.join(sorted(unknown))}")
    # Resolved (and so checked) before the scan: a bad report folder is a config error, not a lost run.
    out_dir = args.out or config.resolve(config.report.out_dir)
    history = None if args.no_history else open_store(args.db)
    run = AssessmentRun(config, registry, history=history, only=only)
    if history is not None and run.previous is None and run.history_note.startswith("could not"):
        print(f"posture: warning: {run.history_note}", file=sys.stderr)
    resume_collector()  # started: the evidence the checks read (a 64k-host XML) is theirs to collect
    run.prepare()
    show = ProgressLine.for_stream(sys.stderr, enabled=not args.quiet)
    try:
        for event in run.events():
            show.update(event)
    except KeyboardInterrupt:
        run.cancel()
        show.close()
        run.wait_stopped()  # so no nmap or restic outlives the run
        raise
    show.close()
    assert run.results is not None
    _say_what_is_incomplete(run.results)
    published = run.publish(out_dir=out_dir, formats=formats, audience=args.audience)
    recorded = history is None or published.recorded
    for warning in published.warnings:
        print(f"posture: {warning}", file=sys.stderr)
    for path in published.reports:
        print(path)
    code = exit_code(run.results, args.fail_on)
    # A cron job that relies on the alert must hear that it was lost, even over "findings" or "incomplete".
    if published.alert_failed and args.strict_alerts:
        return ExitCode.OUTPUT
    # The README's table: 4 when the reports *or the history* could not be written (the reports are kept).
    return ExitCode.OUTPUT if not recorded else code


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
    config.resolve(config.report.out_dir)  # refused here, as `scan` would refuse it
    print(f"{args.config}: OK ({config.mode} mode; checks: {', '.join(config.enabled_checks)})")
    for check_id in config.enabled_checks:
        check = registry.require(check_id)
        for item in check().describe_evidence(config.options(check_id), config):
            print(f"  {check_id}: {item}")
    return ExitCode.OK


def cmd_init(args: argparse.Namespace) -> int:
    from posture.assess import create_starter_config

    print(create_starter_config(args.path))
    return ExitCode.OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from posture.config import config_json_schema

    print(json.dumps(config_json_schema(_registry()), indent=2))
    return ExitCode.OK


def cmd_checks(args: argparse.Namespace) -> int:
    registry = _registry()
    registry.load_all()
    for check_id in registry.ids():
        check = registry.get(check_id)
        if check is None:
            continue
        origin = registry.origins[check_id]
        kind = "built-in" if origin.startswith("checks.") else "plugin"
        needs = f"  needs: {', '.join(sorted(check.meta.needs))}" if check.meta.needs else ""
        print(f"{check_id:<16} {kind:<9} {check.meta.title}  [{', '.join(check.meta.weaknesses)}]{needs}")
    for name, why in registry.broken.items():
        print(f"{name:<16} BROKEN    {why}")
    return ExitCode.OK


def cmd_plan(args: argparse.Namespace) -> int:
    """Re-render a run's plan from its results JSON, or from the history database by run id."""
    from posture.assess import write_reports
    from posture.diffcmd import load_side

    assessment = load_side(args.results, args.db)
    formats = _formats(args, ["markdown", "html"])
    from_file = Path(args.results).is_file()
    out_dir = args.out or (Path(args.results).parent if from_file else Path.cwd())
    notes: list[str] = []
    written = write_reports(assessment, out_dir, formats, args.audience or "consultant", notes)
    for note in notes:
        print(f"posture: {note}", file=sys.stderr)
    for path in written:
        print(path)
    return ExitCode.OK


def cmd_new_check(args: argparse.Namespace) -> int:
    from posture.template import new_check

    for path in new_check(args.name, args.dir):
        print(path)
    return ExitCode.OK


def cmd_history(args: argparse.Namespace) -> int:
    from posture.config import load_config
    from posture.store import open_store

    config = load_config(args.config, _registry())
    runs = open_store(args.db).runs(config.identity)
    if not runs:
        print(f"no recorded runs for {args.config}", file=sys.stderr)
        return ExitCode.OK
    print(f"{'run':<13} {'finished (UTC)':<20} {'problems':>8} {'new':>4} {'resolved':>8} {'errors':>6}  "
          f"{'version':<8} progress")
    for run in runs:
        finished = run.finished[:19].replace("T", " ")
        new = "-" if run.new is None else str(run.new)
        resolved = "-" if run.resolved is None else str(run.resolved)
        print(f"{run.id:<13} {finished:<20} {run.failing:>8} {new:>4} {resolved:>8} {run.errors:>6}  "
              f"{run.tool_version:<8} {run.progress or '-'}")
    return ExitCode.OK


def cmd_diff(args: argparse.Namespace) -> int:
    from posture.diffcmd import run_diff

    return run_diff(args)


def cmd_fleet(args: argparse.Namespace) -> int:
    from posture.fleet import run_fleet

    return run_fleet(args)


def cmd_track(args: argparse.Namespace) -> int:
    from posture.trackcmd import cmd_track as run_track

    return run_track(args, _registry())


def cmd_accept(args: argparse.Namespace) -> int:
    from posture.trackcmd import cmd_accept as run_accept

    return run_accept(args, _registry())


def cmd_tui(args: argparse.Namespace) -> int:
    from posture.tui.app import run_tui

    return run_tui(args.config, db=args.db)


# Commands that turn the garbage collector back on themselves once started (posture.startup): a scan before
# its checks read their evidence, the TUI after its first paint. The others have it from the start.
STARTS_PAUSED = frozenset({"scan", "tui"})

COMMANDS = {
    "scan": cmd_scan, "validate": cmd_validate, "init": cmd_init, "schema": cmd_schema, "checks": cmd_checks,
    "plan": cmd_plan, "history": cmd_history, "diff": cmd_diff, "tui": cmd_tui, "new-check": cmd_new_check,
    "fleet": cmd_fleet, "track": cmd_track, "accept": cmd_accept,
}

if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
