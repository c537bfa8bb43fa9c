"""A print-quality PDF of the HTML plan (WeasyPrint): the same document, with running headers, page
numbers, table headings repeated on every page and no row split across pages.

WeasyPrint fetches nothing: the page is self-contained and the URL fetcher refuses every request, so a
link in a finding can never make the export reach the network.
"""

from __future__ import annotations

from typing import Any

from posture.errors import OutputError
from posture.models import Assessment
from reports import RendererWriter, html

PRINT_CSS = """
@page {
  size: A4; margin: 20mm 16mm 18mm 16mm;
  @top-left { content: string(doc-title); font-size: 8pt; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; }
  @bottom-left { content: string(doc-edition); font-size: 8pt; color: #555; }
}
h1 { string-set: doc-title content(); font-size: 18pt; }
body { font-size: 10pt; }
nav.toc { display: none; }
main { padding: 0; max-width: none; }
h2 { break-before: auto; }
h2, h3, h4 { break-after: avoid; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
tr, li.task, pre { break-inside: avoid; }
pre { white-space: pre-wrap; word-break: break-all; }
a { color: inherit; text-decoration: none; }
"""


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError("posture's PDF export fetches nothing")


def render_bytes(assessment: Assessment, audience: str = "consultant") -> bytes:
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries WeasyPrint needs are missing
        raise OutputError(f"PDF export needs WeasyPrint and its system libraries (make system-tools): {exc}") from None
    page = html.render(assessment, audience)
    edition = "staff edition" if audience == "staff" else "consultant edition"
    css = PRINT_CSS + f'\nbody {{ string-set: doc-edition "{edition}"; }}\n'
    document = HTML(string=page, url_fetcher=_refuse, base_url=None)
    pdf = document.write_pdf(stylesheets=[CSS(string=css)])
    if not isinstance(pdf, bytes):
        raise OutputError("WeasyPrint returned no PDF")
    return pdf


WRITER = RendererWriter("pdf", "posture-plan.pdf", "posture-plan-staff.pdf", render_bytes)
