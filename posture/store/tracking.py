"""Tracking state kept in the history database (migration 3): read all of a config's, change one field at a time.

Each change is one write transaction that touches only the fields given (an upsert per field), so two
people setting the owner and the status of the same action at once both keep their change; every change
also lands in `tracking_log` with who and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from posture.action_status import ActionStatus
from posture.store.base import Store
from posture.tracking import AcceptedRisk, ActionState, Tracking

ACTION_FIELDS = ("owner", "status", "due", "note")


def load_tracking(store: Store, config_id: str) -> Tracking:
    with store._session() as ex:
        actions = ex.rows("SELECT action, owner, status, due, note, changed_by, changed_at, done_on FROM action_state "
                          "WHERE config_id=?", (config_id,))
        risks = ex.rows("SELECT finding, reason, accepted_by, until, accepted_on, title FROM accepted_risk "
                        "WHERE config_id=?", (config_id,))
    return Tracking(
        actions={row[0]: ActionState(
            action=row[0], owner=row[1], status=ActionStatus(row[2]), due=_date(row[3]), note=row[4],
            changed_by=row[5], changed_at=datetime.fromisoformat(row[6]), done_on=_date(row[7]))
            for row in actions},
        risks={row[0]: AcceptedRisk(finding=row[0], reason=row[1], accepted_by=row[2], until=date.fromisoformat(row[3]),
                                    accepted_on=date.fromisoformat(row[4]), title=row[5]) for row in risks},
    )


def update_action(store: Store, config_id: str, action: str, changes: Mapping[str, str | None], by: str,
                  now: datetime) -> None:
    """Set the given fields of one action (owner, status, due as ISO date or None, note)."""
    unknown = set(changes) - set(ACTION_FIELDS)
    if unknown:
        raise ValueError(f"not tracking fields: {sorted(unknown)}")
    stamp = now.isoformat()
    with store._session(write=True) as ex:
        ex.run("INSERT INTO action_state (config_id, action, changed_by, changed_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (config_id, action) DO UPDATE SET changed_by=excluded.changed_by, "
               "changed_at=excluded.changed_at", (config_id, action, by, stamp))
        for field, value in changes.items():
            # `field` is one of ACTION_FIELDS (checked above): never text from outside.
            ex.run(f"UPDATE action_state SET {field}=? WHERE config_id=? AND action=?",
                   (value if field == "due" else value or "", config_id, action))
            ex.run("INSERT INTO tracking_log (config_id, subject, field, value, changed_by, changed_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (config_id, f"action:{action}", field, value or "", by, stamp))
        if "status" in changes:
            done_on = now.date().isoformat() if changes["status"] == ActionStatus.DONE.value else None
            ex.run("UPDATE action_state SET done_on=? WHERE config_id=? AND action=?", (done_on, config_id, action))


def accept_risk(store: Store, config_id: str, risk: AcceptedRisk, now: datetime) -> None:
    with store._session(write=True) as ex:
        ex.run("INSERT INTO accepted_risk (config_id, finding, reason, accepted_by, until, accepted_on, title) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (config_id, finding) DO UPDATE SET reason=excluded.reason, "
               "accepted_by=excluded.accepted_by, until=excluded.until, accepted_on=excluded.accepted_on, "
               "title=excluded.title",
               (config_id, risk.finding, risk.reason, risk.accepted_by, risk.until.isoformat(),
                risk.accepted_on.isoformat(), risk.title))
        ex.run("INSERT INTO tracking_log (config_id, subject, field, value, changed_by, changed_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", (config_id, f"finding:{risk.finding}", "accepted_until",
                                             risk.until.isoformat(), risk.accepted_by, now.isoformat()))


def expiring_by_client(store: Store, today: date, within_days: int) -> dict[str, int]:
    """Per client: accepted risks still in force that end within `within_days` (the fleet view's warning)."""
    last = (today + timedelta(days=within_days)).isoformat()
    with store._session() as ex:
        rows = ex.rows("SELECT r.client, count(*) FROM accepted_risk a JOIN "
                       "(SELECT DISTINCT client, config_id FROM runs) r ON a.config_id = r.config_id "
                       "WHERE a.until >= ? AND a.until <= ? GROUP BY r.client", (today.isoformat(), last))
    return {str(client): int(count) for client, count in rows}


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
