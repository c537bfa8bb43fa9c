"""The plan screen's two small forms: an action's owner, status, due date and note; a finding's accepted risk.

Both hand what was typed to the session, which checks it with the very functions `posture track` and
`posture accept` use and stores it in the history. A bad value is said in the form and nothing is written.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from posture.action_status import STATUS_WORDS, ActionStatus
from posture.errors import PostureError
from posture.models import Action, Finding
from posture.planner import due_text
from posture.tracking import current_user
from posture.tui.plain import plain
from posture.tui.session import Session
from posture.tui.widgets.footer import Footer


class _Form(ModalScreen[bool]):
    """Enter in a field or ctrl+s saves; escape closes without writing. Dismissed with True once stored."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "close", "Cancel"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def field(self, text: str, widget_id: str) -> Label:
        """A field's label; "›" marks the field that has the keys (a compact field shows little focus)."""
        return Label(f"  {text}", id=f"{widget_id}-label", classes="form-label")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        for label in self.query(".form-label").results(Label):
            current = label.id == f"{event.widget.id}-label"
            label.update(("› " if current else "  ") + str(label.content)[2:])
            label.set_class(current, "-current")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        try:
            said = self.store()
        except PostureError as exc:
            self.query_one(".form-error", Static).update(plain(("Nothing was written: ", "bold $text-error"),
                                                               str(exc)))
            return
        if said:
            self.app.notify(said, timeout=6)
        self.dismiss(bool(said))

    def store(self) -> str:
        """Write what was typed; return what to tell the user ("" when nothing changed)."""
        raise NotImplementedError

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def action_close(self) -> None:
        self.dismiss(False)


class TrackActionScreen(_Form):
    HELP: ClassVar[str] = ("Who owns this action, how far it got, a due date that replaces the computed one "
                           "(leave it empty to keep the computed one) and a note. Only the fields you change are "
                           "written, each on its own, with your login name and the time, as `posture track` "
                           "writes them. Enter or ctrl+s saves; escape closes without writing.")
    AUTO_FOCUS = "#track-owner"

    def __init__(self, session: Session, action: Action) -> None:
        super().__init__(session)
        self.action = action
        self.state = session.action_state(action.id)

    def compose(self) -> ComposeResult:
        state = self.state
        with Vertical(id="track-dialog", classes="form-dialog"):
            yield Static(plain(("Track: ", "bold $text-primary"), self.action.title,
                               (f"  {self.action.id}", "$text-muted")), classes="dialog-title")
            yield self.field("Owner:", "track-owner")
            yield Input(state.owner, placeholder="who does it (e.g. Dana)", id="track-owner", compact=True)
            yield self.field("Status:", "track-status")
            yield Select([(STATUS_WORDS[s], s.value) for s in ActionStatus], value=state.status.value,
                         allow_blank=False, id="track-status", compact=True)
            yield self.field("Due date (YYYY-MM-DD; empty keeps the computed one):", "track-due")
            yield Input(state.due.isoformat() if state.due else "", id="track-due",
                        placeholder=f"computed: {due_text(self.action)}", compact=True)
            yield self.field("Note:", "track-note")
            yield Input(state.note, placeholder="e.g. firewall change booked for Friday", id="track-note", compact=True)
            yield Static(classes="form-error")
        yield Footer()

    def store(self) -> str:
        status = self.query_one("#track-status", Select).value
        changed = self.session.track_action(self.action.id, owner=self.value("track-owner"), status=str(status),
                                            due=self.value("track-due"), note=self.value("track-note"))
        return f"{self.action.id}: {', '.join(changed)} recorded" if changed else ""


class AcceptRiskScreen(_Form):
    HELP: ClassVar[str] = ("Accept this finding's risk: why the business lives with it, who decides, and until "
                           "when (required, at most three years ahead). Until then it is listed under \"Accepted "
                           "risks\" and leaves the problem counts, the actions and the exit code; the day after, "
                           "it counts again. Stored as `posture accept` stores it. Enter or ctrl+s saves; escape "
                           "closes without writing.")
    AUTO_FOCUS = "#accept-reason"

    def __init__(self, session: Session, finding: Finding) -> None:
        super().__init__(session)
        self.finding = finding

    def compose(self) -> ComposeResult:
        with Vertical(id="accept-dialog", classes="form-dialog"):
            yield Static(plain(("Accept the risk: ", "bold $text-primary"), self.finding.title,
                               (f"  {self.finding.id}", "$text-muted")), classes="dialog-title")
            yield self.field("Reason:", "accept-reason")
            yield Input(placeholder="e.g. vendor VPN appliance, replaced in Q1", id="accept-reason", compact=True)
            yield self.field("Accepted by:", "accept-by")
            yield Input(current_user(), id="accept-by", compact=True)
            yield self.field("Until (YYYY-MM-DD, required):", "accept-until")
            yield Input(placeholder="the day the acceptance ends", id="accept-until", compact=True)
            yield Static(classes="form-error")
        yield Footer()

    def store(self) -> str:
        risk = self.session.accept_finding(self.finding.id, reason=self.value("accept-reason"),
                                           until=self.value("accept-until"), by=self.value("accept-by"))
        return f"{self.finding.id}: accepted by {risk.accepted_by} until {risk.until}"
