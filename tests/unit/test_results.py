from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posture.errors import InputError
from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode, Reference, Severity, Status
from posture.planner import build_plan
from posture.results import dumps, from_dict, load_results, to_dict

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def sample() -> Assessment:
    finding = Finding(check="ports", key="127.0.0.21/tcp/23", status=Status.FAIL, severity=Severity.CRITICAL,
                      title="Telnet open", detail="plain text", asset="reception-pc (127.0.0.21)",
                      weaknesses=("exposed-entry-point",), evidence=("23/tcp open telnet",), remediation="close it",
                      references=(Reference("CIS 4.6", "https://example.org"),), actions=())
    a = Assessment(
        config_path="c.yaml", config_id="abc", organization={"name": "Co", "residents": {"TX": 300},
                                                              "customer_data": ["ssn"]},
        mode=Mode.INCIDENT, incident={"discovered": "2026-11-20", "kind": "virus", "personal_data_exposed": "yes"},
        scope={"authorization": "signed", "targets": []}, started=NOW, finished=NOW,
        checks=[CheckResult("ports", "Open ports", CheckStatus.OK, (finding,), duration_s=1.5, facts={"n": 1}),
                CheckResult("training", "Training", CheckStatus.ERROR, error="no roster")],
        tool_version="0.1.0", run_id="r1",
    )
    a.plan = build_plan(a)
    return a


def test_results_round_trip_exactly() -> None:
    original = sample()
    again = from_dict(json.loads(json.dumps(to_dict(original))))
    assert to_dict(again) == to_dict(original)
    assert again.plan == original.plan and again.findings == original.findings


def test_long_lists_hold_one_item_per_line_and_the_rest_is_indented_json() -> None:
    a = sample()
    hosts = [{"address": f"127.0.0.{n}", "ports": [{"port": 22, "state": "open"}]} for n in range(1, 4)]
    a.checks = [replace(a.checks[0], facts={"n": 1, "inventory": hosts}),
                replace(a.checks[1], facts={"inventory": "not a list: a plugin's facts may hold anything",
                                            "more": {"inventory": [1]}})]
    text = dumps(a)
    assert json.loads(text) == json.loads(json.dumps(to_dict(a)))
    lines = text.splitlines()
    for host in hosts:  # each host of the ports inventory on its own line, as the C encoder writes it
        assert f"          {json.dumps(host, ensure_ascii=False)}," in lines or \
            f"          {json.dumps(host, ensure_ascii=False)}" in lines
    assert '        "inventory": "not a list: a plugin\'s facts may hold anything",' in lines
    for finding in a.findings:
        assert any(line.strip().rstrip(",") == json.dumps(to_dict(a)["findings"][0], ensure_ascii=False)
                   for line in lines), finding.key
    # Away from those lists the layout is json's own indent=2.
    expected = json.dumps(to_dict(a)["organization"], indent=2, ensure_ascii=False).replace("\n", "\n  ")
    assert f'  "organization": {expected},' in text


@pytest.mark.parametrize(("mutate", "key"), [
    (lambda d: d.update(schema="other@1"), "schema"),
    (lambda d: d["findings"][0].update(severity="apocalyptic"), "findings[0].severity"),
    (lambda d: d["checks"][0].pop("title"), "checks[0].title"),
    (lambda d: d["plan"]["actions"][0].update(priority=9), "plan.actions[0].priority"),
    (lambda d: d.update(started="yesterday"), "started"),
])
def test_malformed_results_name_the_key(mutate, key: str) -> None:  # type: ignore[no-untyped-def]
    data = to_dict(sample())
    mutate(data)
    with pytest.raises(InputError) as caught:
        from_dict(data, "r.json")
    assert caught.value.key == key


def test_invalid_json_is_located(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"schema":\n  nope}')
    with pytest.raises(InputError, match=r"r.json:2:3: not valid JSON"):
        load_results(path)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=3), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_damage_to_a_results_document_gives_our_own_error(data: st.DataObject) -> None:
    doc = to_dict(sample())
    path = data.draw(st.sampled_from([("schema",), ("findings", 0, "title"), ("checks", 0), ("plan", "actions", 0),
                                      ("plan",), ("drift",), ("organization",), ("findings", 0, "references")]))
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = data.draw(JSON_VALUES)
    try:
        from_dict(doc)
    except InputError:
        pass
