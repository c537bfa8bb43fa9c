"""A single self-contained, printable HTML page rendered from the Markdown plan.

markdown-it-py with raw HTML disabled: anything HTML-like in the plan (a `<script>` banner) shows as
text. A Content-Security-Policy that allows no script at all backs that up. Headings get ids for the
table of contents; severity words and the NEW marks get colour classes; the print stylesheet drops the
contents panel and keeps items whole, so "print to PDF" in a browser gives a clean document.
"""

from __future__ import annotations

import html
import re
from importlib import resources

from markdown_it import MarkdownIt

from posture.models import Assessment
from reports import RendererWriter, markdown
from reports.text import slug

_SEVERITY = re.compile(r"<strong>(CRITICAL|HIGH|MEDIUM|LOW|INFO)</strong>")
_TASK = re.compile(r"<li>\s*(<p>)?\[ \] ")
_NEW = re.compile(r"<strong>NEW</strong>")
_SEVERITY_HEADING = re.compile(r'<h3 id="([^"]*)">(Critical|High|Medium|Low|Info) \(')
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return markdown_to_html(markdown.render(assessment, audience), _title(assessment))


def markdown_to_html(text: str, title: str) -> str:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
    tokens = md.parse(text)
    toc: list[tuple[int, str, str]] = []
    used: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            inline = tokens[i + 1]
            label = "".join(c.content for c in (inline.children or []) if c.type in ("text", "code_inline"))
            anchor = slug(label)
            while anchor in used:
                anchor += "-x"
            used.add(anchor)
            token.attrSet("id", anchor)
            toc.append((int(token.tag[1]), anchor, label))
    body = md.renderer.render(tokens, md.options, {})
    body = _SEVERITY.sub(lambda m: f'<strong class="sev sev-{m.group(1).lower()}">{m.group(1)}</strong>', body)
    body = _NEW.sub('<strong class="badge-new">NEW</strong>', body)
    body = _SEVERITY_HEADING.sub(
        lambda m: f'<h3 id="{m.group(1)}" class="sev-heading sev-border-{m.group(2).lower()}">{m.group(2)} (', body)
    body = _TASK.sub(lambda m: "<li class=\"task\">" + (m.group(1) or "") + '<input type="checkbox" disabled> ', body)
    nav = "\n".join(
        f'<li class="toc-h{level}"><a href="#{anchor}">{html.escape(label)}</a></li>' for level, anchor, label in toc
    )
    css = resources.files("reports").joinpath("plan.css").read_text(encoding="utf-8")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"color-scheme\" content=\"light\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
        f"<nav class=\"toc\"><h2>Contents</h2><ul>\n{nav}\n</ul></nav>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _title(a: Assessment) -> str:
    return f"Action plan: {a.organization.get('name', '')}"


WRITER = RendererWriter("html", "posture-plan.html", "posture-plan-staff.html", render)
