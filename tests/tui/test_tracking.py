"""Tracking from the plan screen, by keys: an action's owner and status, a finding's accepted risk.

What the forms store is read back from the history with the store's own reader, the one `posture track`
and the next scan use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posture.action_status import ActionStatus
from posture.history import History
from posture.store.tracking import load_tracking
from posture.tui.app import PostureApp
from posture.tui.screens.plan import PlanScreen
from posture.tui.screens.tracking import AcceptRiskScreen, TrackActionScreen
from posture.tui.session import Session
from tests.tui.conftest import drive, run_to_end, shown, wait_until
from tests.tui.fakes import FROZEN_NOW, fake_registry, frozen_assessment, screen_text, write_fake_config

FOUR_PORTS = {"hosts": ["127.0.0.1"], "ports": [23, 3389]}


async def open_plan(pilot: Any) -> PlanScreen:
    app = pilot.app
    await pilot.press("r")
    await run_to_end(pilot)
    await pilot.press("enter", "p")
    await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen) and bool(app.screen.text), "the plan")
    return app.screen


def notices(app: Any) -> str:
    """The notifications raised so far (a toast wraps its text, so the screen would split the words)."""
    return "\n".join(n.message for n in app._notifications)


def highlighted(plan: PlanScreen) -> str:
    option = plan.query_one("#plan-actions").highlighted_option
    return option.id if option is not None else ""


def test_owner_status_and_an_accepted_risk_are_stored_and_shown(app_for: Any, tmp_path: Path,
                                                                history: History) -> None:
    config = write_fake_config(tmp_path, fake_ports=FOUR_PORTS)
    app = app_for(config)
    accepted: dict[str, str] = {}

    async def scenario(pilot: Any) -> None:
        plan = await open_plan(pilot)
        first = app.session.assessment.plan.actions[0]
        assert highlighted(plan) == f"action:{first.id}"
        assert "Progress: 0 of" in await shown(pilot)
        assert "o Track" in screen_text(app) and "x Accept" in screen_text(app)
        await pilot.press("question_mark")
        keys = dict(app.screen.keys)
        assert keys["o"] == "Track" and keys["x"] == "Accept"
        assert "x accepts the highlighted finding's risk" in app.screen.about
        await pilot.press("escape")

        await pilot.press("o")
        assert isinstance(app.screen, TrackActionScreen)
        await pilot.press(*"Dana", "tab", "enter", "down", "enter")  # owner; open the status list, one down
        await pilot.press("tab", "tab", *"firewall change booked", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen), "the form to close")
        await wait_until(pilot, lambda: bool(plan.text), "the plan to be laid out again")
        text = await shown(pilot)
        assert f"P{first.priority} {first.title}  · in progress · Dana" in text
        assert "1 in progress" in text
        assert f"`{first.id}` (" in plan.text and "owner: Dana; in progress)" in plan.text
        assert "*Tracking note:* firewall change booked" in plan.text

        # The telnet finding behind the first action: accept its risk.
        await pilot.press("down")
        finding_id = highlighted(plan).rsplit(":", 1)[1]
        await pilot.press("x")
        assert isinstance(app.screen, AcceptRiskScreen)
        await pilot.press(*"vendor appliance, replaced in Q1", "tab", *"Ana Ruiz", "tab",
                          *"2027-01-31", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen), "the form to close")
        await wait_until(pilot, lambda: bool(plan.text), "the plan to be laid out again")
        assert "1 accepted risk" in await shown(pilot)
        assert "Accepted risks" in plan.text and "vendor appliance, replaced in Q1" in plan.text
        assert finding_id not in [o.id.rsplit(":", 1)[-1] for o in plan.query_one("#plan-actions")._options
                                  if o.id and o.id.startswith("finding:")]
        accepted["id"] = finding_id

    drive(app, scenario, size=(120, 40))
    config_id = app.session.config.identity
    tracking = load_tracking(history, config_id)
    first = app.session.assessment.plan.actions[0].id
    state = tracking.actions[first]
    assert (state.owner, state.status, state.note) == ("Dana", ActionStatus.IN_PROGRESS, "firewall change booked")
    assert state.changed_by  # the login name, as `posture track` records it
    risk = tracking.risks[accepted["id"]]
    assert (risk.reason, risk.accepted_by, risk.until.isoformat()) == (
        "vendor appliance, replaced in Q1", "Ana Ruiz", "2027-01-31")
    assert risk.title.startswith("Telnet open on")


def test_a_bad_or_past_expiry_is_said_in_the_form_and_nothing_is_written(app_for: Any, tmp_path: Path,
                                                                        history: History) -> None:
    app = app_for(write_fake_config(tmp_path, fake_ports=FOUR_PORTS))

    async def scenario(pilot: Any) -> None:
        await open_plan(pilot)
        await pilot.press("down", "x")
        assert isinstance(app.screen, AcceptRiskScreen)
        await pilot.press(*"why not", "tab", "tab", *"2027-02-30", "enter")
        assert isinstance(app.screen, AcceptRiskScreen)  # still open
        assert "Nothing was written: Until: '2027-02-30' is not a date (YYYY-MM-DD)" in await shown(pilot)
        until = app.screen.query_one("#accept-until")
        until.value = ""
        await pilot.press(*"2026-11-01", "enter")  # before the (pinned) today
        assert "Until 2026-11-01 is in the past" in await shown(pilot)
        until.value = ""
        await pilot.press(*"2027-01-31")
        app.screen.query_one("#accept-reason").value = "  "
        await pilot.press("enter")
        assert "Reason: say why the business accepts this risk" in await shown(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, PlanScreen)

        await pilot.press("up", "o", "tab", "tab", *"next friday", "enter")  # the due date
        assert isinstance(app.screen, TrackActionScreen)
        assert "Due date: 'next friday' is not a date (YYYY-MM-DD)" in await shown(pilot)
        await pilot.press("escape")

    drive(app, scenario, size=(120, 40))
    tracking = load_tracking(history, app.session.config.identity)
    assert tracking.actions == {} and tracking.risks == {}


def test_without_a_history_the_plan_says_so(tmp_path: Path) -> None:
    registry = fake_registry()
    config = write_fake_config(tmp_path, fake_ports=FOUR_PORTS)
    session = Session(registry=registry, history=None, now=FROZEN_NOW)
    app = PostureApp(session, config, tmp_path)

    async def scenario(pilot: Any) -> None:
        app.show_results(frozen_assessment(config, registry))
        await pilot.pause()
        app.show_plan()
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan")
        text = await shown(pilot)
        assert "Owners and accepted risks cannot be recorded: the history is off" in text
        await pilot.press("o")
        assert isinstance(app.screen, PlanScreen)  # no form: nowhere to keep it
        assert "Nothing can be recorded: the history is off" in notices(app)

    drive(app, scenario, size=(120, 40))


def test_the_staff_edition_hides_the_list_and_tracks_nothing(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path, fake_ports=FOUR_PORTS))

    async def scenario(pilot: Any) -> None:
        plan = await open_plan(pilot)
        await pilot.press("a")
        assert not plan.query_one("#plan-actions").display
        await pilot.press("o")
        assert isinstance(app.screen, PlanScreen)
        assert "set in the consultant edition" in notices(app)

    drive(app, scenario, size=(120, 40))
