"""The HTML plan: one self-contained page, every untrusted string shown as text, a working table of
contents, severity colours, and a print stylesheet."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from reports import html
from tests.reports import sample


class _Page(HTMLParser):
    """Collects the tags, ids, links and classes of the page as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.classes: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name == "href" and value:
                self.links.append(value)
            if name == "class" and value:
                self.classes.update(value.split())


@pytest.fixture(scope="module")
def page() -> tuple[str, _Page]:
    text = html.render(sample.assessment(), "consultant")
    parsed = _Page()
    parsed.feed(text)
    return text, parsed


def test_a_hostile_banner_is_shown_as_text(page: tuple[str, _Page]) -> None:
    text, parsed = page
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert not any(link.lower().startswith("javascript:") for link in parsed.links)
    assert "&lt;script&gt;alert('pwned')&lt;/script&gt;" in text  # visible, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_the_page_is_self_contained_and_allows_no_script(page: tuple[str, _Page]) -> None:
    text, parsed = page
    assert "link" not in parsed.tags and not any(name == "src" for name, _ in parsed.attrs)
    assert "default-src 'none'" in text and "<style>" in text
    external = [link for link in parsed.links if not link.startswith("#")]
    assert all(link.startswith("https://") for link in external)


def test_the_table_of_contents_links_to_real_headings(page: tuple[str, _Page]) -> None:
    text, parsed = page
    toc = re.search(r'<nav class="toc">(.*?)</nav>', text, re.S)
    assert toc is not None
    targets = re.findall(r'href="#([^"]+)"', toc.group(1))
    for heading in ("summary", "actions", "notification-deadlines", "findings", "checks-run"):
        assert heading in targets
    assert set(targets) <= parsed.ids


def test_severities_and_tasks_are_styled(page: tuple[str, _Page]) -> None:
    text, parsed = page
    assert {"sev", "sev-critical", "sev-high", "sev-medium", "sev-low"} <= parsed.classes
    assert "sev-heading" in parsed.classes and "task" in parsed.classes
    assert '<input type="checkbox" disabled>' in text
    assert "@media print" in text and "@page" in text


def test_new_findings_get_the_new_badge() -> None:
    _, second = sample.two_runs()
    text = html.render(second, "consultant")
    assert '<strong class="badge-new">NEW</strong>' in text
    assert 'id="changes-since-the-last-run-2026-11-13"' in text


def test_the_staff_page_escapes_too() -> None:
    parsed = _Page()
    parsed.feed(html.render(sample.assessment(), "staff"))
    assert "script" not in parsed.tags and "training" in parsed.ids
