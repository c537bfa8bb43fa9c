"""The HTML page is rendered straight from the model: it must have the structure the Markdown plan has
(the page used to be made by converting that Markdown with markdown-it), show every untrusted string once
as text (never double-escaped, never as markup) and stream the same bytes it renders."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from posture.models import Reference
from reports import html, markdown
from reports.text import slug
from tests.reports import sample

_VOID = {"br", "input", "meta", "hr", "img"}


class _Tree(HTMLParser):
    """The page as (depth, tag, attributes, text) events, whitespace between tags ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[object, ...]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("open", self.depth, tag, tuple(sorted(attrs))))
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("open", self.depth, tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1
        self.events.append(("close", self.depth, tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text:
            return
        if self.events and self.events[-1][0] == "text":  # an entity splits nothing a reader sees
            self.events[-1] = ("text", self.events[-1][1], f"{self.events[-1][2]} {text}")
        else:
            self.events.append(("text", self.depth, text))


def _events(page: str) -> list[tuple[object, ...]]:
    tree = _Tree()
    tree.feed(page)
    return [e if e[0] != "text" else ("text", e[1], " ".join(str(e[2]).split())) for e in tree.events]


def _via_markdown_it(text: str, title: str) -> str:
    """How the page was made before: the Markdown plan converted by markdown-it, then decorated."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
    tokens = md.parse(text)
    toc: list[tuple[int, str, str]] = []
    used: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            label = "".join(c.content for c in (tokens[i + 1].children or []) if c.type in ("text", "code_inline"))
            anchor = slug(label)
            while anchor in used:
                anchor += "-x"
            used.add(anchor)
            token.attrSet("id", anchor)
            toc.append((int(token.tag[1]), anchor, label))
    body = md.renderer.render(tokens, md.options, {})
    body = re.sub(r"<strong>(CRITICAL|HIGH|MEDIUM|LOW|INFO)</strong>",
                  lambda m: f'<strong class="sev sev-{m.group(1).lower()}">{m.group(1)}</strong>', body)
    body = body.replace("<strong>NEW</strong>", '<strong class="badge-new">NEW</strong>')
    body = re.sub(r'<h3 id="([^"]*)">(Critical|High|Medium|Low|Info) \(',
                  lambda m: f'<h3 id="{m.group(1)}" class="sev-heading sev-border-{m.group(2).lower()}">'
                            f"{m.group(2)} (", body)
    body = re.sub(r"<li>\s*(<p>)?\[ \] ",
                  lambda m: '<li class="task">' + (m.group(1) or "") + '<input type="checkbox" disabled> ', body)
    nav = "\n".join(f'<li class="toc-h{lv}"><a href="#{a}">{html_lib.escape(lb)}</a></li>' for lv, a, lb in toc)
    head = html.render(sample.assessment(), "staff").split("<body>")[0]  # the head is not under test here
    head = re.sub(r"<title>.*?</title>", f"<title>{html_lib.escape(title)}</title>", head)
    nav = f'<nav class="toc"><h2>Contents</h2><ul>\n{nav}\n</ul></nav>'
    return f"{head}<body>\n{nav}\n<main>\n{body}</main>\n</body>\n</html>\n"


def _referenced() -> sample.Assessment:
    """The sample with references (links) on a finding, so the autolink path is compared too."""
    rdp = replace(sample.RDP, references=(Reference("CIS Control 4.4", "https://www.cisecurity.org/controls/v8"),
                                          Reference("No link", "http://example.test/plain")))
    return sample.assessment(rdp, sample.TELNET, sample.OLD_SSH, sample.ACCOUNT, sample.PERSON,
                             sample.BANNER_TITLE, sample.PASSED)


def _no_duty() -> sample.Assessment:
    """An incident where no notification duty applies, with the planner's notes on why."""
    a = sample.assessment()
    assert a.plan is not None
    a.plan = replace(a.plan, notifications=(), notification_notes=("Residents of <b>GA</b>: none recorded",))
    return a


def _reminders_and_breach() -> sample.Assessment:
    """A reminder (a pass that asks for something), a breach look-up fact and a code span in a title."""
    due = replace(sample.PASSED, key="training/due", title="Training for `front desk` lapses on 2026-12-01",
                  remediation="Book the renewal <now>", asset="Front desk")
    a = sample.assessment(sample.RDP, sample.ACCOUNT, due, sample.PASSED, backups_error=False)
    a.checks[1] = replace(a.checks[1], facts={"breach_check": "offline: hash file pwned.txt"})
    return a


def _nothing_assessed() -> sample.Assessment:
    """Every check failed: the plan must say nothing was assessed."""
    from posture.models import CheckStatus

    a = sample.assessment(incident=False)
    a.checks = [replace(c, status=CheckStatus.ERROR, findings=(), error="tool missing") for c in a.checks]
    return a


CASES = {
    "incident-consultant": (lambda: sample.assessment(), "consultant"),
    "incident-staff": (lambda: sample.assessment(), "staff"),
    "drift-consultant": (lambda: sample.two_runs()[1], "consultant"),
    "drift-staff": (lambda: sample.two_runs()[1], "staff"),
    "readiness-consultant": (lambda: sample.assessment(incident=False, backups_error=False), "consultant"),
    "references": (_referenced, "consultant"),
    "no-duty": (_no_duty, "consultant"),
    "reminders-consultant": (_reminders_and_breach, "consultant"),
    "reminders-staff": (_reminders_and_breach, "staff"),
    "nothing-assessed": (_nothing_assessed, "consultant"),
    "nothing-found": (lambda: sample.assessment(sample.PASSED, incident=False, backups_error=False), "consultant"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_page_has_the_structure_the_markdown_plan_has(case: str) -> None:
    make, audience = CASES[case]
    a = make()
    direct = html.render(a, audience)
    before = _via_markdown_it(markdown.render(a, audience), f"Action plan: {a.organization['name']}")
    assert _events(direct) == _events(before)


@pytest.mark.parametrize("audience", ["consultant", "staff"])
def test_the_streamed_page_is_the_rendered_page(audience: str) -> None:
    a = sample.two_runs()[1]
    pieces = list(html.chunks(a, audience))
    assert len(pieces) > 5 and "".join(pieces) == html.render(a, audience)
    assert "".join(markdown.chunks(a, audience)) == markdown.render(a, audience)


def test_code_spans_are_code_and_text_is_escaped_once() -> None:
    page = html.render(sample.assessment(), "consultant")
    assert f"<code>{sample.TELNET.id}</code>" in page and "<code>ports</code>" in page
    assert "`" not in page.split("<main>")[1]  # no Markdown backtick shows as text
    assert "&amp;lt;" not in page and "\\" not in page.split("<main>")[1]  # neither double-escaped nor backslashed
    title = "Shell `rm -rf *` & <b>bold</b> *stars* _under_ [link](x) a lone ` tick"
    odd = replace(sample.OLD_SSH, title=title)
    page = html.render(sample.assessment(odd), "consultant")
    assert ("<h4>Shell <code>rm -rf *</code> &amp; &lt;b&gt;bold&lt;/b&gt; *stars* _under_ [link](x) a lone ` tick"
            "</h4>") in page


def test_a_hostile_reference_url_stays_an_attribute_value() -> None:
    rdp = replace(sample.RDP, references=(Reference("x", 'https://a.test/"onmouseover=alert(1)'),))
    page = html.render(sample.assessment(rdp), "consultant")
    assert '"onmouseover' not in page and 'href="https://a.test/%22onmouseover=alert(1)"' in page
