"""Fuzz the two documents the core reads: the config (what `posture validate` does with it) and the
results JSON (what `posture plan` does with it: load, then render every format).

Seeds are the real sample configs, with their evidence beside them, and real results documents.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import strategies as st

from posture.cli import main
from posture.config import load_config
from posture.registry import Registry, default_registry
from posture.results import load_results, to_dict
from posture.runner import Runner
from reports import render_all
from tests.hardening.fuzzing import fuzz, json_mutation, mutated, mutated_or_random
from tests.reports import sample

SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"
YAML_TEXT = st.text(alphabet=st.sampled_from(list("ab:{}[]-,&*!|>'\"#\n 1.\t%@`?~\\\0é")), max_size=120)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of sample_configs, so fuzzed configs sit beside real evidence and nothing in the tree changes."""
    copy = tmp_path_factory.mktemp("samples") / "sample_configs"
    shutil.copytree(SAMPLES, copy, ignore=shutil.ignore_patterns("reports"))
    return copy


@pytest.fixture(scope="module")
def registry() -> Registry:
    return default_registry()


def validate(path: Path, registry: Registry) -> None:
    """What `posture validate` does: load, parse every check's evidence, describe it."""
    config = load_config(path, registry)
    Runner(config, registry).prepare()
    for check_id in config.enabled_checks:
        options = config.options(check_id)
        assert options is not None
        registry.require(check_id)().describe_evidence(options, config)


def seeds(samples: Path) -> list[Path]:
    return [samples / "demo.yaml", *sorted(samples.glob("*/posture.yaml"))]


@pytest.mark.parametrize("seed", ["demo.yaml", "corner-shop", "ledger-accounting", "lone-star-dental"])
def test_fuzz_config_bytes(samples: Path, registry: Registry, seed: str) -> None:
    original = samples / seed if seed.endswith(".yaml") else samples / seed / "posture.yaml"
    target = original.with_name("fuzzed.yaml")

    def body(data: bytes) -> None:
        target.write_bytes(data)
        validate(target, registry)

    fuzz("config YAML (damaged sample)", mutated_or_random(original.read_bytes()), body, share=4)


def test_fuzz_config_text(samples: Path, registry: Registry) -> None:
    target = samples / "fuzzed-text.yaml"

    def body(text: str) -> None:
        target.write_text(text, encoding="utf-8", errors="surrogatepass")
        validate(target, registry)

    fuzz("config YAML (YAML-ish text)", YAML_TEXT, body)


@pytest.mark.parametrize("seed", ["demo.yaml", "corner-shop", "ledger-accounting", "lone-star-dental"])
def test_fuzz_config_structure(samples: Path, registry: Registry, seed: str) -> None:
    """Well-formed YAML with wrong values in real places: types, ranges, unknown keys, paths."""
    original = samples / seed if seed.endswith(".yaml") else samples / seed / "posture.yaml"
    target = original.with_name("fuzzed-structure.yaml")
    document = yaml.safe_load(original.read_text(encoding="utf-8"))

    def body(doc: Any) -> None:
        target.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        validate(target, registry)

    fuzz("config YAML (wrong values)", json_mutation(json.loads(json.dumps(document, default=str))), body,
         share=4)


@pytest.fixture(scope="module")
def results_docs(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """A real results document (the demo, offline checks only) and a hand-built one with drift and notifications."""
    out = tmp_path_factory.mktemp("results")
    code = main(["scan", str(samples / "demo.yaml"), "--only", "password_policy,backups,training,readiness",
                 "--out", str(out), "--format", "json", "--no-history", "-q"])
    assert code in (0, 1, 3)
    real = json.loads((out / "posture-results.json").read_text(encoding="utf-8"))
    previous, current = sample.two_runs()
    return [real, to_dict(current)]


def plan_from(path: Path) -> None:
    """What `posture plan` does, short of writing the files: load, then render every format."""
    assessment = load_results(path)
    for audience in ("consultant", "staff"):
        render_all(assessment, ["markdown", "html", "json"], audience)


@pytest.mark.parametrize("which", [0, 1])
def test_fuzz_results_json_bytes(results_docs: list[dict[str, Any]], tmp_path: Path, which: int) -> None:
    target = tmp_path / "posture-results.json"
    base = json.dumps(results_docs[which], indent=2).encode()

    def body(data: bytes) -> None:
        target.write_bytes(data)
        plan_from(target)

    fuzz("results JSON (damaged)", st.one_of(mutated(base), st.binary(max_size=300)), body, share=2)


@pytest.mark.parametrize("which", [0, 1])
def test_fuzz_results_json_structure(results_docs: list[dict[str, Any]], tmp_path: Path, which: int) -> None:
    target = tmp_path / "posture-results.json"

    def body(doc: Any) -> None:
        target.write_text(json.dumps(doc), encoding="utf-8")
        plan_from(target)

    fuzz("results JSON (wrong values)", json_mutation(results_docs[which]), body, share=2)
