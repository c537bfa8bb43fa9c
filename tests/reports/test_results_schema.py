"""posture/results@1 is documented by posture/data/results.schema.json; every output must validate."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from posture.cli import main
from posture.history import History
from posture.results import dumps, from_dict, to_dict
from posture.testing import minimal_config, write_config
from tests.reports import sample


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("posture.data").joinpath("results.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _assert_valid(validator: jsonschema.Draft202012Validator, document: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize("build", ["incident", "readiness", "drift"])
def test_sample_runs_validate_and_round_trip(validator: jsonschema.Draft202012Validator, build: str) -> None:
    a = {"incident": sample.assessment, "readiness": lambda: sample.assessment(incident=False),
         "drift": lambda: sample.two_runs()[1]}[build]()
    document = json.loads(dumps(a))
    _assert_valid(validator, document)
    assert to_dict(from_dict(document)) == document


def test_the_schema_rejects_what_the_reader_rejects(validator: jsonschema.Draft202012Validator) -> None:
    document = to_dict(sample.assessment())
    document["findings"][0]["severity"] = "urgent"
    assert not validator.is_valid(document)
    document = to_dict(sample.assessment())
    document["plan"]["actions"][0]["priority"] = 5
    assert not validator.is_valid(document)
    document = to_dict(sample.assessment())
    del document["checks"][0]["facts"]
    assert not validator.is_valid(document)


def test_a_real_scan_writes_valid_results_and_records_them(
    validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    config = write_config(tmp_path, minimal_config(incident={"discovered": "2026-11-19", "kind": "virus",
                                                             "compromised_assets": ["front-desk-pc"]}))
    db = tmp_path / "history.sqlite"
    out = tmp_path / "out"
    for _ in range(2):  # the second run carries a drift section
        assert main(["scan", str(config), "--out", str(out), "--db", str(db), "--fail-on", "none", "-q",
                     "--format", "json"]) == 0
        document = json.loads((out / "posture-results.json").read_text("utf-8"))
        _assert_valid(validator, document)
    assert document["drift"] is not None and document["run_id"]
    stored = History(db).get(document["run_id"])
    assert to_dict(stored) == document  # the file and the history hold the same run, id included
