"""Untrusted strings (hostnames, banners, CSV cells) made safe inside Markdown: shared by the report
writers and `posture diff`, so the core needs no writer module."""

from __future__ import annotations

import functools
import re

# Escaped wherever they stand: they open emphasis, links, code, raw HTML or strikethrough anywhere in a line.
_SPECIALS = ("\\", "*", "[", "]", "<", "~", "`")  # the backslash first: the escapes add backslashes
# `_` opens emphasis only at a word's edge (CommonMark): snake_case ids stay readable in the raw text.
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_CODE_SPAN = re.compile(r"(`+)([^`]+?)\1")
_LINE_START = re.compile(r"^(\s*)(\d*)([-+=>.)#])")
_LIST_START = re.compile(r"^\s*(\d+[.)]|[-+=>]|#+)(\s|$)")
_ANY_SPECIAL = re.compile(r"[\\*\[\]<~`_&]")  # any character _escape or a code span would act on


def md(text: object) -> str:
    """Inline text: one line, whose Markdown and HTML specials are escaped only where they would act.

    A `code span` written in the text stays one (what is inside is shown literally anyway); a lone
    backtick is escaped. Hostile input can at most make a code span, never a link, HTML or a heading.
    """
    return _md(text if isinstance(text, str) else str(text))


# A plan repeats its strings (each finding's title under its action and again in the findings; the same
# remediation on thousands of findings): escaping each distinct string once keeps 50,000-finding plans cheap.
@functools.lru_cache(maxsize=1 << 16)
def _md(text: str) -> str:
    flat = " ".join(text.split())
    if _ANY_SPECIAL.search(flat) is None:  # most titles and hostnames: nothing to escape inside the line
        return _line_start(flat)
    out, last = [], 0
    for span in _CODE_SPAN.finditer(flat):
        out += [_escape(flat[last:span.start()]), span.group()]
        last = span.end()
    out.append(_escape(flat[last:]))
    return _line_start("".join(out))


def clear_cache() -> None:
    """Forget the escaped strings (benchmarks time a cold render each round)."""
    _md.cache_clear()


def _line_start(flat: str) -> str:
    # Only where it would start a list, quote or heading: escape the punctuation, never a digit.
    if _LIST_START.match(flat):
        return _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), flat, count=1)
    return flat


def _escape(text: str) -> str:
    # str.replace per character (a C scan, nothing copied when absent) is several times faster than a
    # regex substitution with a template on the plan's tens of thousands of strings.
    for special in _SPECIALS:
        if special in text:
            text = text.replace(special, "\\" + special)
    if "_" in text:
        text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    return text


def cell(text: object) -> str:
    """A table cell: inline text, and never an empty cell."""
    return md(text).replace("|", "\\|") or "-"
