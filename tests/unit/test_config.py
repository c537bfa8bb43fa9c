from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posture.config import config_json_schema, load_config
from posture.errors import ConfigError, InputError
from posture.testing import minimal_config, write_config
from posture.yamlsrc import load_yaml
from tests.fakes import fake_registry

REGISTRY = fake_registry()


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(path, REGISTRY)
    return caught.value.lines()


def test_every_problem_is_reported_at_once_with_file_line_column_and_key(tmp_path: Path) -> None:
    lines = problems(tmp_path, """\
version: 1
organization:
  name: Lone Star Dental
  residnts: {TX: 1200}
incident:
  discovered: someday
scope:
  targets:
    - {address: "127.0.0.21; rm -rf /", expected_ports: [70000]}
checks:
  fnds: {}
  finds: {count: many}
""")
    path = tmp_path / "c.yaml"
    assert lines == [
        f"{path}:4:3: organization.residnts: unknown key (did you mean 'residents'?)",
        f"{path}:6:3: incident.discovered: expected a date (2026-11-20), got 'someday'",
        f"{path}:9:8: scope.targets[0].address: must be an IP address, CIDR range or hostname",
        f"{path}:9:41: scope.targets[0].expected_ports: 70000 is not a port number (1-65535)",
        f"{path}:11:3: checks.fnds: no check named 'fnds' is installed (did you mean 'finds'?)",
        f"{path}:12:11: checks.finds.count: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_missing_required_keys_and_wrong_version(tmp_path: Path) -> None:
    assert problems(tmp_path, "version: 1\norganization: {}\n") == [
        f"{tmp_path / 'c.yaml'}:2:1: organization.name: required key is missing"]
    assert "unsupported config version 7" in problems(tmp_path, "version: 7\n")[0]
    assert problems(tmp_path, "[]\n")[0].endswith("the config must be a mapping of keys (version, organization, ...)")


@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1, 2\n", "invalid YAML"),
    ("a: 1\na: 2\n", ":2:1: a: duplicate key"),
    ("a: &x [1]\nb: *x\n", "anchors and aliases are not supported"),
    ("a: {<<: {b: 1}}\n", "merge keys"),
])
def test_yaml_problems_are_located(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(tmp_path, text)[0]


def test_binary_huge_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"version: 1\x00\n")
    with pytest.raises(InputError, match="NUL bytes"):
        load_yaml(path)
    path.write_bytes(b"version: 1\nname: caf\xe9\n")
    with pytest.raises(InputError, match=r":2: invalid UTF-8"):
        load_yaml(path)
    path.write_bytes(b"#" * (3 * 1024 * 1024))
    with pytest.raises(InputError, match="the limit is"):
        load_yaml(path)


def test_a_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    assert "anchors and aliases" in problems(tmp_path, "\n".join(lines) + "\n")[0]


def test_paths_resolve_against_the_config_folder_and_identity_is_stable(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, minimal_config(checks={"finds": {}})), REGISTRY)
    assert config.resolve("evidence/x.csv") == tmp_path / "evidence/x.csv"
    assert config.resolve("/abs/x") == Path("/abs/x")
    again = load_config(tmp_path / "posture.yaml", REGISTRY)
    assert config.identity == again.identity
    assert config.enabled_checks == ["finds", "readiness"]
    assert config.options("finds").count == 1  # type: ignore[union-attr]


def test_a_check_section_set_to_false_disables_it(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, minimal_config(checks={"finds": False, "readiness": False})),
                         REGISTRY)
    assert config.enabled_checks == []


def test_json_schema_describes_every_check_section() -> None:
    schema = config_json_schema(REGISTRY)
    assert schema["properties"]["checks"]["additionalProperties"] is False
    assert set(schema["properties"]["checks"]["properties"]) == set(REGISTRY.ids())
    assert "organization" in schema["required"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:{}[]-,&*!|>'\"#\n 1.\t%@`?")), max_size=80))
def test_any_text_gives_a_config_or_our_own_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path, REGISTRY)
    except ConfigError as exc:
        assert all(line.startswith(str(path)) for line in exc.lines())
    except InputError as exc:
        assert str(exc).startswith(str(path))


def test_every_sample_config_validates_against_the_printed_json_schema() -> None:
    import jsonschema
    import yaml

    from posture.registry import default_registry

    schema = config_json_schema(default_registry())
    jsonschema.Draft202012Validator.check_schema(schema)
    samples = Path(__file__).resolve().parents[2] / "sample_configs"
    for path in [samples / "demo.yaml", *samples.glob("*/posture.yaml")]:
        data = yaml.safe_load(path.read_text())
        data = json_safe(data)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
        assert errors == [], f"{path}: {[e.message for e in errors]}"


def json_safe(value: object) -> object:
    """YAML dates as the ISO strings a JSON document would carry."""
    import datetime

    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value
