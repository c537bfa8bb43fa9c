"""`posture track` and `posture accept`: who owns each action, how far it got, which risks are accepted.

    posture track CONFIG                                     the actions of the last run with their state
    posture track CONFIG ACTION_ID --owner Dana --status in_progress [--due DATE] [--note TEXT]
    posture track CONFIG --from posture-plan.md              ticks and owners written in a plan file
    posture accept CONFIG FINDING_ID --reason TEXT --until DATE [--by NAME]

The state lives in the history database beside the runs (posture.store.tracking), keyed by the config's
identity, so the next scan's plan shows it whichever machine or front end set it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posture.action_status import STATUS_WORDS, ActionStatus
from posture.errors import ExitCode, InputError, UsageError, printable

# posture.tracking is imported by the commands that use it: every `posture` command builds this parser.
if TYPE_CHECKING:
    from posture.tracking import Tracking

DB_HELP = "SQLite file or postgresql:// DSN (default: $POSTURE_DB or per-user file)"


def add_parsers(sub: Any) -> None:
    track = sub.add_parser("track", help="set or list each action's owner, status, due date and note")
    track.add_argument("config", type=Path)
    track.add_argument("action", nargs="?", metavar="ACTION_ID", help="an action id as the plan prints it")
    track.add_argument("--owner", help="who owns the action")
    track.add_argument("--status", choices=[s.value for s in ActionStatus])
    track.add_argument("--due", help="a date (YYYY-MM-DD) that replaces the computed due date; 'none' clears it")
    track.add_argument("--note", help="a short note kept with the action")
    track.add_argument("--from", dest="plan_file", type=Path, metavar="PLAN_MD",
                       help="read ticked boxes and owners back from a plan file posture wrote")
    track.add_argument("--by", help="who makes the change (default: the login name)")
    track.add_argument("--db", help=DB_HELP)

    accept = sub.add_parser("accept", help="accept a finding's risk, with a reason, until a date")
    accept.add_argument("config", type=Path)
    accept.add_argument("finding", metavar="FINDING_ID", help="a finding id as the plan prints it")
    accept.add_argument("--reason", required=True, help="why the business lives with it")
    accept.add_argument("--until", required=True, help="the date (YYYY-MM-DD) the acceptance ends")
    accept.add_argument("--by", help="who accepts it (default: the login name)")
    accept.add_argument("--db", help=DB_HELP)


def cmd_track(args: argparse.Namespace, registry: Any) -> int:
    import difflib

    from posture.catalogue import load_catalogue
    from posture.config import load_config
    from posture.store import open_store
    from posture.store.tracking import load_tracking, update_action
    from posture.tracking import MAX_NAME, clean_text, current_user

    config = load_config(args.config, registry)
    store = open_store(args.db)
    by = clean_text("--by", args.by or current_user(), MAX_NAME)
    now = datetime.now(UTC)
    changes = _changes(args)
    if args.plan_file is not None:
        if args.action or changes:
            raise UsageError("--from reads a plan file; give no ACTION_ID, --owner, --status, --due or --note with it")
        return _from_plan(args.plan_file, config.identity, store, by, now)
    if args.action is None:
        if changes:
            raise UsageError("name the ACTION_ID to change (posture track CONFIG lists them)")
        return _list(store, config.identity, args.config)
    actions = load_catalogue().actions
    if args.action not in actions:
        close = difflib.get_close_matches(args.action, list(actions), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; `posture track CONFIG` lists the plan's actions"
        raise UsageError(f"no action {printable(args.action)!r}{hint}")
    if not changes:
        raise UsageError("nothing to change: give --owner, --status, --due or --note")
    update_action(store, config.identity, args.action, changes, by, now)
    state = load_tracking(store, config.identity).actions[args.action]
    print(f"{args.action}: {_describe(state.owner, state.status, state.due, state.note)}")
    return ExitCode.OK


def cmd_accept(args: argparse.Namespace, registry: Any) -> int:
    from posture.config import load_config
    from posture.store import open_store
    from posture.store.tracking import accept_risk
    from posture.tracking import new_acceptance

    config = load_config(args.config, registry)
    # Checked before the history is opened: a typo in the date or the id costs no database round trip.
    risk = new_acceptance(args.finding, "", args.reason, args.until, args.by or "", date.today())
    store = open_store(args.db)
    latest = store.latest(config.identity, complete=False)
    if latest is None:
        raise UsageError(f"no recorded run of {args.config}: scan it first, so the finding id can be checked")
    found = latest.finding(args.finding)
    if found is None:
        raise UsageError(f"the last run of {args.config} ({latest.run_id}) has no finding {args.finding}")
    risk = replace(risk, title=found.title)
    accept_risk(store, config.identity, risk, datetime.now(UTC))
    print(f"{args.finding}: accepted by {risk.accepted_by} until {risk.until} ({found.title})")
    return ExitCode.OK


def _changes(args: argparse.Namespace) -> dict[str, str | None]:
    from posture.tracking import action_changes

    return action_changes(args.owner, args.status, args.due, args.note)


def _from_plan(path: Path, config_id: str, store: Any, by: str, now: datetime) -> int:
    from posture.catalogue import load_catalogue
    from posture.planmarks import read_marked_plan
    from posture.store.tracking import load_tracking, update_action
    from posture.tracking import MAX_NAME, clean_text

    marked = read_marked_plan(path)
    if marked.config_id != config_id:
        raise InputError(f"this plan was written for another config ({marked.config_id}), not this one "
                         f"({config_id}); nothing was read", path=path)
    known = load_catalogue().actions
    current = load_tracking(store, config_id).actions
    changed = 0
    for mark in marked.marks:
        if mark.action not in known:
            print(f"posture: warning: {path}:{mark.line}: no action {mark.action!r}; left alone", file=sys.stderr)
            continue
        state = current.get(mark.action)
        changes: dict[str, str | None] = {}
        if mark.done and (state is None or state.status is not ActionStatus.DONE):
            changes["status"] = ActionStatus.DONE.value
        owner = clean_text("owner", mark.owner, MAX_NAME)
        if owner and (state is None or state.owner != owner):
            changes["owner"] = owner
        if changes:
            update_action(store, config_id, mark.action, changes, by, now)
            changed += 1
            print(f"{mark.action}: " + "; ".join(f"{k} → {v}" for k, v in changes.items()))
    if not changed:
        print(f"no changes: {path} agrees with the recorded state")
    return ExitCode.OK


def _list(store: Any, config_id: str, config_path: Path) -> int:
    from posture.store.tracking import load_tracking
    from posture.tracking import judge

    tracking: Tracking = load_tracking(store, config_id)
    latest = store.latest(config_id, complete=False)
    today = date.today()
    if latest is None or latest.plan is None:
        print(f"no recorded run of {config_path}: scan it to list its actions", file=sys.stderr)
        for state in tracking.actions.values():
            print(f"{state.action}: {_describe(state.owner, state.status, state.due, state.note)}")
        return ExitCode.OK
    failing = [f.id for f in latest.findings if f.status.value == "fail"]
    view = judge(tracking, latest.plan.actions, failing, today, latest.started)
    print(f"{'action':<30} {'P':<2} {'due':<10} {'status':<22} {'owner':<16} title")
    for action in latest.plan.actions:
        tracked = view.actions[action.id]
        status = STATUS_WORDS[tracked.status] + (f" ({tracked.flag})" if tracked.flag else "")
        due = tracked.due.isoformat() if tracked.due else "-"
        print(f"{action.id:<30} P{action.priority} {due:<10} {status:<22} {tracked.state.owner or '-':<16} "
              f"{action.title}")
    for risk in view.accepted:
        print(f"accepted: {risk.finding} until {risk.until} by {risk.accepted_by}: {risk.reason}")
    print(f"progress: {view.progress.line()} (as of the last run, {latest.run_id})")
    return ExitCode.OK


def _describe(owner: str, status: ActionStatus, due: date | None, note: str) -> str:
    parts = [STATUS_WORDS[status], f"owner {owner}" if owner else "no owner"]
    if due:
        parts.append(f"due {due}")
    if note:
        parts.append(f"note: {note}")
    return " · ".join(parts)
