"""Making untrusted strings (hostnames, banners, CSV cells) safe inside Markdown."""

from __future__ import annotations

import functools
import re

# Escaped wherever they stand: they open emphasis, links, code, raw HTML or strikethrough anywhere in a line.
_SPECIAL = re.compile(r"([\\*\[\]<~])")
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
    flat = " ".join(str(text).split())
    if _ANY_SPECIAL.search(flat) is None:  # most titles and hostnames: nothing to escape inside the line
        return _line_start(flat)
    out, last = [], 0
    for span in _CODE_SPAN.finditer(flat):
        out += [_escape(flat[last:span.start()]), span.group()]
        last = span.end()
    out.append(_escape(flat[last:]))
    return _line_start("".join(out))


def _line_start(flat: str) -> str:
    # Only where it would start a list, quote or heading: escape the punctuation, never a digit.
    if _LIST_START.match(flat):
        return _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), flat, count=1)
    return flat


def _escape(text: str) -> str:
    text = _SPECIAL.sub(r"\\\1", text).replace("`", "\\`")
    return _ENTITY.sub(r"\\&", _EDGE_UNDERSCORE.sub(r"\\_", text))


def cell(text: object) -> str:
    """A table cell: inline text, and never an empty cell."""
    return md(text).replace("|", "\\|") or "-"


def code_block(lines: list[str] | tuple[str, ...], info: str = "text") -> str:
    """A fenced block longer than any backtick run inside, so no content can close it early."""
    body = "\n".join(line.replace("\r", "") for line in lines)
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


# What the staff edition must never show, whatever text it came in: addresses (v4, v6, with a port or
# prefix length) and "port N" / "N/tcp" / "tcp/N" mentions.
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?::\d{1,5})?(?![\w.])")
_IPV6 = re.compile(
    r"(?<![\w:.])\[?(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){2})[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%\w+)?\]?"
    r"(?:/\d{1,3})?(?::\d{1,5})?(?![\w:])"
)
_PORT = r"\d{1,5}(?:/(?:tcp|udp))?"
_PORTS = re.compile(
    rf"\b(?:\d{{1,5}}/(?:tcp|udp)|(?:tcp|udp)/\d{{1,5}}|ports?\s+{_PORT}(?:(?:\s*,\s*|\s+and\s+|\s+or\s+){_PORT})*)\b",
    re.I,
)


@functools.lru_cache(maxsize=8)
def _sensitive_pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all of a render's sensitive strings (a staff edition scrubs thousands of lines)."""
    ordered = sorted({v for v in values if v}, key=len, reverse=True)  # longest first wins at a position
    if not ordered:
        return None
    # Whole words only: an asset named "pos" must not eat "position".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in ordered) + r")(?!\w)")


def scrub(text: str, sensitive: list[str], placeholder: str = "the affected devices") -> str:
    """Replace the given sensitive strings (longest first) and anything shaped like an address or port."""
    pattern = _sensitive_pattern(tuple(sensitive))
    if pattern is not None:
        text = pattern.sub(lambda _: placeholder, text)
    text = _IPV4.sub("[address withheld]", text)
    text = _IPV6.sub("[address withheld]", text)
    return _PORTS.sub("[port withheld]", text)
