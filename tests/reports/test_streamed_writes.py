"""Reports are streamed to their files piece by piece; a failure half-way must still write nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from posture.models import Assessment
from posture.results import load_results, to_dict
from reports import html, render_all, write_reports
from tests.reports import sample


def test_the_written_files_are_the_rendered_reports(tmp_path: Path) -> None:
    a = sample.two_runs()[1]
    written = write_reports(a, tmp_path, ["markdown", "html", "json"], "consultant")
    rendered = render_all(a, ["markdown", "html", "json"], "consultant")
    assert {p.name: p.read_text(encoding="utf-8") for p in written} == rendered
    results = json.loads(rendered["posture-results.json"])
    assert results == json.loads(json.dumps(to_dict(a)))  # the one-finding-a-line layout holds the same data
    assert load_results(tmp_path / "posture-results.json").findings == a.findings


def test_a_report_failing_half_way_leaves_the_old_files_and_no_temporary_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = sample.assessment()
    old = write_reports(a, tmp_path, ["markdown", "html"], "consultant")
    before = {p.name: p.read_bytes() for p in old}

    def breaking(assessment: Assessment, audience: str = "consultant") -> Iterator[str]:
        yield "<!DOCTYPE html>\n"  # something is already in the temporary file
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(html, "chunks", breaking)
    with pytest.raises(RuntimeError, match="renderer bug"):
        write_reports(a, tmp_path, ["markdown", "html"], "consultant")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
