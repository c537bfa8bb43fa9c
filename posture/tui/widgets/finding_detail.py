"""One finding explained: what was seen, why it matters, what to do, the guide step and the sources.

Built from plain text parts (never markup), so evidence such as `[admin]` shows as typed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from posture.catalogue import load_catalogue
from posture.models import Assessment, Finding
from posture.planner import due_text
from posture.tui.plain import plain

# Theme variables, so both the light and the dark theme stay readable.
SEVERITY_STYLE = {"critical": "bold $text-error", "high": "$text-error", "medium": "$text-warning",
                  "low": "$text-primary", "info": "$text-muted"}


def guide_steps(finding: Finding) -> list[str]:
    catalogue = load_catalogue()
    steps: dict[str, None] = {}
    for weakness_id in finding.weaknesses:
        weakness = catalogue.weaknesses.get(weakness_id)
        for step in weakness.guide_steps if weakness else ():
            steps[f"“{step.step_title}” in {step.guide_title}"] = None
    return list(steps)


def detail_text(finding: Finding, assessment: Assessment | None, new: bool) -> Content:
    parts: list[str | tuple[str, str]] = [(finding.title, "bold"), "\n",
                                          (finding.severity.value.upper(), SEVERITY_STYLE[finding.severity.value]),
                                          f" · {finding.status.value} · check {finding.check}"]
    if finding.asset:
        parts.append(f" · asset {finding.asset}")
    if new:
        parts.append((" · NEW since the last run", "bold $text-accent"))
    parts.append((f"\nid {finding.id}", "$text-muted"))
    weaknesses = load_catalogue().weaknesses
    names = [weaknesses[w].title if w in weaknesses else w for w in finding.weaknesses]
    if names:
        parts += _section("Weakness", "; ".join(names))
    if finding.detail:
        parts += _section("Why it matters", finding.detail)
    if finding.remediation:
        parts += _section("What to do", finding.remediation)
    steps = guide_steps(finding)
    if steps:
        parts += _section("Guide step", "\n".join(steps))
    actions = [a for a in (assessment.plan.actions if assessment and assessment.plan else ())
               if finding.id in a.findings]
    if actions:
        parts += _section("In the plan", "\n".join(f"P{a.priority} {a.title} ({due_text(a)})" for a in actions))
    if finding.evidence:
        parts += _section("Evidence", "\n".join(finding.evidence), body_style="italic")
    if finding.references:
        refs = [f"{r.title} <{r.url}>" if r.url else r.title for r in finding.references]
        parts += _section("References", "\n".join(refs))
    return plain(*parts)


def _section(title: str, body: str, body_style: str = "") -> list[str | tuple[str, str]]:
    return [(f"\n\n{title}\n", "bold $text-primary"), (body, body_style)]


class FindingDetail(VerticalScroll):
    """The detail pane: scrolls when the finding is longer than the pane."""

    def compose(self) -> ComposeResult:
        yield Static("Move through the table to see a finding here.", id="detail-body")

    def show(self, finding: Finding | None, assessment: Assessment | None, new: bool) -> None:
        body = self.query_one("#detail-body", Static)
        if finding is None:
            body.update("No finding matches the filters.")
        else:
            body.update(detail_text(finding, assessment, new))
        self.scroll_home(animate=False)
