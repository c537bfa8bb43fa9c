"""The overview's summary rows: a value wraps under itself, never under its label."""

from __future__ import annotations

from textual.content import Content

from posture.tui.widgets.label_rows import LabelRows


def test_a_long_value_wraps_under_the_value_column() -> None:
    scope = "till (127.0.0.1) [internal], office (192.0.2.0/28) [internal], website (www.example.com) [internet]"
    rows = LabelRows([("Organization", Content("Harbor Bakery")), ("Scope", Content(scope))])
    lines = [line.plain for line in rows.lines(40)]
    assert lines[0] == "Organization  Harbor Bakery"
    assert lines[1].startswith("Scope         till (127.0.0.1)")
    continued = lines[2:]
    assert continued and all(line.startswith(" " * LabelRows.LABEL_WIDTH) and line[14] != " " for line in continued)
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(line[14:].strip() for line in lines[1:]) == scope  # nothing lost to the wrapping
    assert rows.get_content_height(None, None, 40) == len(lines)  # type: ignore[arg-type]


def test_labels_are_bold_and_the_padding_is_not() -> None:
    [line] = LabelRows([("Mode", Content("Readiness review"))]).lines(80)
    bold = {line.plain[span.start:span.end] for span in line.spans if "bold" in str(span.style)}
    assert bold == {"Mode"}
