"""The training check end to end: config section → files → findings and facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.training import TrainingCheck
from checks.training.parse import RowErrors
from posture.catalogue import load_catalogue
from posture.errors import ConfigError, InputError
from posture.models import Finding, Severity, Status
from posture.registry import Registry
from posture.testing import config_from_dict, context_for, minimal_config, run_check

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
TODAY = NOW.date()
SAMPLES = Path(__file__).resolve().parents[3] / "sample_configs"


@pytest.fixture(scope="module")
def training_only() -> Registry:
    """Only this check, so these tests do not depend on the others being installed."""
    registry = Registry()
    registry.add(TrainingCheck, load_catalogue().weaknesses)
    return registry


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def run(tmp_path: Path, registry: Registry, section: dict[str, Any], customer_data: list[str] | None = None,
        now: datetime = NOW) -> tuple[list[Finding], dict[str, Any]]:
    data = minimal_config(checks={"training": section})
    if customer_data:
        data["organization"]["customer_data"] = customer_data
    config = config_from_dict(tmp_path, data, registry)
    ctx = context_for(config, "training", now=now)
    findings = run_check(TrainingCheck, ctx)
    return findings, ctx.facts


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return name


def by_prefix(findings: list[Finding], prefix: str) -> dict[str, Finding]:
    return {f.asset: f for f in findings if f.key.startswith(prefix + "/")}


# --- the "must show" ------------------------------------------------------------------------

CURRENT = ["Ann Lee", "Bo Chen", "Cara Diaz", "Dan Evans", "Eve Fox", "Finn Gray"]
OVERDUE = ["Gus Hale", "Ivy Jones", "Kai Long", "Lia Moss"]
NEVER = ["Max Nash", "Noa Owen"]


def twelve_staff(tmp_path: Path) -> dict[str, Any]:
    def email(name: str) -> str:
        return name.lower().replace(" ", ".") + "@example.com"

    staff = "Name,Email,Department\n" + "".join(
        f"{n},{email(n)},{'Front desk' if i % 2 else 'Clinic'}\n" for i, n in enumerate(CURRENT + OVERDUE + NEVER))
    roster = ["Name,Email,Course,Completion Date"]
    roster += [f"{n},{email(n)},Security Awareness,{ago(30 + 40 * i)}" for i, n in enumerate(CURRENT)]
    roster += [f"{n},{email(n)},Security Awareness,{ago(366 + 100 * i)}" for i, n in enumerate(OVERDUE)]
    return {"roster": write(tmp_path, "roster.csv", "\n".join(roster) + "\n"),
            "staff": write(tmp_path, "staff.csv", staff)}


def test_must_show_four_overdue_two_never_trained_coverage_half(tmp_path: Path, training_only: Registry) -> None:
    findings, facts = run(tmp_path, training_only, twelve_staff(tmp_path))
    assert set(by_prefix(findings, "overdue")) == set(OVERDUE)
    assert set(by_prefix(findings, "never")) == set(NEVER)
    assert not by_prefix(findings, "new-hire") and not by_prefix(findings, "departed")
    assert facts["coverage"] == {"fraction": 0.5, "percent": 50, "current": 6, "counted": 12,
                                 "not_counted_onboarding": 0}
    coverage = next(f for f in findings if f.key == "coverage")
    assert coverage.status is Status.FAIL and "50%" in coverage.title
    failing = [f for f in findings if f.status is Status.FAIL]
    assert len(failing) == 1 + 4 + 2
    assert all(f.weaknesses == ("employee-ignorance",) for f in failing)
    assert all(f.remediation and f.references and f.detail and f.evidence and f.asset for f in failing)


def test_must_show_titles_dates_and_department_counts(tmp_path: Path, training_only: Registry) -> None:
    findings, facts = run(tmp_path, training_only, twelve_staff(tmp_path))
    gus = by_prefix(findings, "overdue")["Gus Hale"]
    lapsed = (TODAY - timedelta(days=366) + timedelta(days=365)).isoformat()
    assert gus.title == f"Gus Hale: security training overdue since {lapsed}"
    assert gus.key == "overdue/gus.hale@example.com"
    assert "department: Front desk" in gus.evidence or "department: Clinic" in gus.evidence
    assert facts["overdue"]["count"] == 4 and sum(facts["overdue"]["by_department"].values()) == 4
    assert facts["never_trained"]["by_department"] == {"Clinic": 1, "Front desk": 1}
    assert sum(d["staff"] for d in facts["departments"].values()) == 12


def test_keys_and_ids_are_stable_across_runs(tmp_path: Path, training_only: Registry) -> None:
    section = twelve_staff(tmp_path)
    first, _ = run(tmp_path, training_only, section)
    second, _ = run(tmp_path, training_only, section, now=NOW + timedelta(days=3))
    assert {f.id for f in first if f.status is Status.FAIL} == {f.id for f in second if f.status is Status.FAIL}


# --- rules ------------------------------------------------------------------------------------------

def test_coverage_severity_bands_and_full_coverage_passes(tmp_path: Path, training_only: Registry) -> None:
    def coverage_with(trained: int, total: int) -> Finding:
        rows = [f"P{i},{ago(10) if i < trained else ''}" for i in range(total)]
        section = {"roster": write(tmp_path, "r.csv", "Name,Completed\n" + "\n".join(rows) + "\n")}
        findings, _ = run(tmp_path, training_only, section)
        return next(f for f in findings if f.key == "coverage")

    assert coverage_with(4, 10).severity is Severity.HIGH
    assert coverage_with(5, 10).severity is Severity.MEDIUM
    assert coverage_with(8, 10).severity is Severity.LOW
    full = coverage_with(10, 10)
    assert (full.status, full.severity) == (Status.PASS, Severity.INFO)
    nearly = coverage_with(299, 300)
    assert "99%" in nearly.title and nearly.status is Status.FAIL


def test_new_hires_inside_and_past_the_window(tmp_path: Path, training_only: Registry) -> None:
    staff = write(tmp_path, "staff.csv", "Name,Hire Date\nOld Hand,2015-01-05\nNew Late,"
                  f"{ago(45)}\nNew Fresh,{ago(10)}\nFuture Start,{(TODAY + timedelta(days=7)).isoformat()}\n")
    roster = write(tmp_path, "roster.csv", f"Name,Completed\nOld Hand,{ago(20)}\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster, "staff": staff})
    late = by_prefix(findings, "new-hire")
    assert set(late) == {"New Late"}
    due = (TODAY - timedelta(days=45) + timedelta(days=30)).isoformat()
    assert f"was due: {due} (30 days after hire)" in late["New Late"].evidence
    assert not by_prefix(findings, "never")
    onboarding = next(f for f in findings if f.key == "onboarding")
    assert onboarding.status is Status.PASS and "2 new hires" in onboarding.title
    assert facts["coverage"]["counted"] == 2 and facts["coverage"]["not_counted_onboarding"] == 2


def test_long_serving_untrained_is_never_trained_not_new_hire(tmp_path: Path, training_only: Registry) -> None:
    staff = write(tmp_path, "staff.csv", f"Name,Start Date\nLong Timer,{ago(800)}\n")
    roster = write(tmp_path, "roster.csv", f"Name,Completed\nSomeone Else,{ago(5)}\n")
    findings, _ = run(tmp_path, training_only, {"roster": roster, "staff": staff, "new_hire_days": 14})
    assert set(by_prefix(findings, "never")) == {"Long Timer"}
    assert set(by_prefix(findings, "departed")) == {"Someone Else"}


def test_expiring_forecast_is_one_passing_line(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", f"Name,Completed\nSoon,{ago(350)}\nLater,{ago(100)}\nEdge,{ago(365)}\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster})
    expiring = next(f for f in findings if f.key == "expiring-soon")
    assert expiring.status is Status.PASS and expiring.severity is Severity.INFO
    assert expiring.evidence == (f"Edge: expires {TODAY.isoformat()}",
                                 f"Soon: expires {(TODAY + timedelta(days=15)).isoformat()}")
    assert facts["expiring_soon"]["count"] == 2 and facts["coverage"]["percent"] == 100


def test_valid_days_setting(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", f"Name,Completed\nA,{ago(200)}\nB,{ago(100)}\n")
    findings, _ = run(tmp_path, training_only, {"roster": roster, "valid_days": 180})
    assert set(by_prefix(findings, "overdue")) == {"A"}


def test_duplicates_keep_the_latest_completion_and_status_rows_do_not_count(
    tmp_path: Path, training_only: Registry
) -> None:
    roster = write(tmp_path, "roster.csv", "Name,Email,Status,Completed\n"
                   f"Ann,ann@x.example,Completed,{ago(500)}\n"
                   f"Ann,ANN@x.example,Completed,{ago(20)}\n"
                   f"Ann,ann@x.example,Completed,{ago(400)}\n"
                   f"Bob,bob@x.example,In Progress,{ago(3)}\n"
                   f"Bob,bob@x.example,Not Started,\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster})
    assert set(by_prefix(findings, "never")) == {"Bob"}
    assert not by_prefix(findings, "overdue")
    assert "assigned but not completed: status 'In Progress'" in by_prefix(findings, "never")["Bob"].evidence
    assert facts["roster"] == {"file": "roster.csv", "rows": 5, "people": 2}


def test_courses_filter_counts_only_security_courses(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", "Name,Course,Completed\n"
                   f"Ann,Forklift Safety,{ago(10)}\nAnn,Security Awareness 2025,{ago(400)}\n"
                   f"Bob,Phishing Basics,{ago(10)}\n")
    courses = ["security awareness*", "Phishing Basics"]
    findings, _ = run(tmp_path, training_only, {"roster": roster, "courses": courses})
    assert set(by_prefix(findings, "overdue")) == {"Ann"}
    assert "last completed" in " ".join(by_prefix(findings, "overdue")["Ann"].evidence)


def test_courses_that_match_nothing_are_a_located_config_error(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", f"Name,Course,Completed\nAnn,Security Awareness,{ago(10)}\n")
    with pytest.raises(InputError) as err:
        run(tmp_path, training_only, {"roster": roster, "courses": ["Securty Awarenes"]})
    assert err.value.key == "checks.training.courses" and err.value.line is not None
    assert "'Security Awareness'" in err.value.message


def test_repeat_clickers_are_named(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", "Email,Completed,Phishing Result\n"
                   f"a@x.example,{ago(10)},Clicked\na@x.example,{ago(10)},Clicked\n"
                   f"b@x.example,{ago(10)},Reported\nc@x.example,{ago(10)},clicked\n"
                   f"d@x.example,{ago(10)},3\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster})
    clickers = by_prefix(findings, "phishing")
    assert set(clickers) == {"a@x.example", "d@x.example"}
    assert clickers["d@x.example"].title == "d@x.example: clicked 3 simulated phishing emails"
    assert clickers["a@x.example"].weaknesses == ("employee-ignorance",)
    assert facts["phishing"] == {"clicked_once": 1, "repeat_clickers": 2, "repeat_clickers_by_department":
                                 {"No department": 2}}


def test_possibly_departed_maps_to_account_hygiene(tmp_path: Path, training_only: Registry) -> None:
    staff = write(tmp_path, "staff.csv", "Email\nann@x.example\n")
    roster = write(tmp_path, "roster.csv", f"Email,Completed\nANN@x.example,{ago(3)}\ngone@x.example,{ago(90)}\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster, "staff": staff})
    departed = by_prefix(findings, "departed")["gone@x.example"]
    assert departed.weaknesses == ("weak-passwords",) and departed.status is Status.FAIL
    assert any("5.3" in r.title for r in departed.references)
    assert "disable" in departed.remediation
    assert facts["possibly_departed"] == 1 and facts["coverage"]["percent"] == 100


def test_names_match_across_spelling_and_order(tmp_path: Path, training_only: Registry) -> None:
    staff = write(tmp_path, "staff.csv", "Last Name,First Name\nNúñez,José\nO'Brien,Megan\n")
    roster = write(tmp_path, "roster.csv", f"Employee,Completed\n\"nunez,  jose\",{ago(5)}\nMEGAN O BRIEN,{ago(5)}\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster, "staff": staff})
    assert facts["coverage"]["percent"] == 100 and not by_prefix(findings, "departed")


def test_references_follow_the_data_the_business_holds(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", f"Name,Completed\nA,{ago(400)}\n")
    plain, _ = run(tmp_path, training_only, {"roster": roster})
    dental, _ = run(tmp_path, training_only, {"roster": roster}, customer_data=["health_records", "payment_cards"])
    titles = {r.title for r in plain[0].references}
    assert any("14.1" in t for t in titles) and not any("PCI" in t or "HIPAA" in t for t in titles)
    titles = {r.title for r in dental[0].references}
    assert any("PCI" in t for t in titles) and any("HIPAA" in t for t in titles)


def test_yaml_roster_and_staff(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.yaml", yaml.safe_dump([
        {"name": "Ann Lee", "completed": date(2026, 5, 1)},
        {"name": "Bo Chen", "completed": date(2024, 5, 1), "department": "Shop"},
    ]))
    staff = write(tmp_path, "staff.yml", "staff:\n  - {name: Ann Lee}\n  - {name: Bo Chen}\n  - {name: Cy Dunn}\n")
    findings, facts = run(tmp_path, training_only, {"roster": roster, "staff": staff})
    assert set(by_prefix(findings, "overdue")) == {"Bo Chen"}
    assert set(by_prefix(findings, "never")) == {"Cy Dunn"}
    assert facts["coverage"]["current"] == 1


def test_date_in_the_future_is_a_row_error(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", f"Name,Completed\nA,{(TODAY + timedelta(days=30)).isoformat()}\n")
    with pytest.raises(InputError) as err:
        run(tmp_path, training_only, {"roster": roster})
    assert (err.value.line, err.value.column, err.value.key) == (2, 2, "Completed")
    assert "in the future" in err.value.message


def test_bad_rows_in_both_files_are_reported_together(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", "Name,Completed\nA,yesterday\nB,2026-13-01\nC,2026-01-01\n")
    staff = write(tmp_path, "staff.csv", "Name,Email\nA,not-an-email\n")
    with pytest.raises(RowErrors) as err:
        run(tmp_path, training_only, {"roster": roster, "staff": staff})
    lines = err.value.lines()
    assert len(lines) == 3
    assert lines[0].startswith(str(tmp_path / "roster.csv") + ":2:2: Completed: 'yesterday' is not a date")
    assert any(line.startswith(str(tmp_path / "staff.csv") + ":2:2: Email:") for line in lines)


def test_explicit_columns_and_a_mapped_header_that_does_not_exist(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.csv", f"Who,Finished,Team\nA,{ago(400)},Ops\nB,{ago(4)},Ops\n")
    findings, facts = run(tmp_path, training_only, {
        "roster": roster, "columns": {"name": "who", "completed": "FINISHED", "department": "Team"}})
    assert set(by_prefix(findings, "overdue")) == {"A"} and facts["overdue"]["by_department"] == {"Ops": 1}
    with pytest.raises(InputError) as err:  # a required column: the file cannot be read without it
        run(tmp_path, training_only, {"roster": roster, "columns": {"name": "who", "completed": "Finnished"}})
    assert (err.value.path, err.value.line) == (str(tmp_path / "roster.csv"), 1)
    assert "no column 'Finnished', which checks.training.columns.completed names" in err.value.message
    with pytest.raises(InputError) as err:  # an optional one: located at the config key
        columns = {"name": "who", "completed": "Finished", "department": "Teem"}
        run(tmp_path, training_only, {"roster": roster, "columns": columns})
    assert err.value.key == "checks.training.columns.department" and "'Teem'" in err.value.message


def test_options_are_validated_with_located_errors(tmp_path: Path, training_only: Registry) -> None:
    bad = {"roster": "r.csv", "valid_days": 0, "date_format": "%Y", "delimiter": ":", "colums": {}}
    with pytest.raises(ConfigError) as err:
        config_from_dict(tmp_path, minimal_config(checks={"training": bad}), training_only)
    keys = {p.key for p in err.value.problems}
    assert keys == {"checks.training.valid_days", "checks.training.date_format", "checks.training.delimiter",
                    "checks.training.colums"}
    assert any("did you mean 'columns'" in p.message for p in err.value.problems)


def test_tab_delimiter_spellings(tmp_path: Path, training_only: Registry) -> None:
    roster = write(tmp_path, "roster.tsv", f"Name\tCompleted\nA, B\t{ago(5)}\n")
    for spelling in ("tab", "\t", "\\t"):
        findings, facts = run(tmp_path, training_only, {"roster": roster, "delimiter": spelling})
        assert facts["coverage"]["current"] == 1


def test_describe_evidence_names_both_files(tmp_path: Path, training_only: Registry) -> None:
    config = config_from_dict(tmp_path, minimal_config(checks={"training": {"roster": "r.csv", "staff": "s.csv"}}),
                              training_only)
    lines = TrainingCheck().describe_evidence(config.options("training"), config)
    assert lines == [f"training roster: {tmp_path / 'r.csv'}", f"staff list: {tmp_path / 's.csv'}"]


# --- the bundled samples ----------------------------------------------------------------------------

def sample(tmp_path: Path, registry: Registry, name: str) -> tuple[list[Finding], dict[str, Any]]:
    """The sample's own training section and evidence, judged on 2026-11-22."""
    source = SAMPLES / name / "posture.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    section = dict(data["checks"]["training"])
    for key in ("roster", "staff"):
        if key in section:
            section[key] = str(source.parent / section[key])
    return run(tmp_path, registry, section, customer_data=data["organization"]["customer_data"])


def test_sample_lone_star_dental(tmp_path: Path, training_only: Registry) -> None:
    findings, facts = sample(tmp_path, training_only, "lone-star-dental")
    assert set(by_prefix(findings, "overdue")) == {"Kevin Tran", "Hannah Brooks", "Carlos Mendez"}
    assert set(by_prefix(findings, "never")) == {"Marcus Johnson", "Tasha Williams"}
    assert set(by_prefix(findings, "new-hire")) == {"Grace Kim"}
    assert set(by_prefix(findings, "departed")) == {"Ashley Cooper"}
    assert facts["coverage"]["percent"] == 40 and facts["onboarding"]["count"] == 1
    assert facts["expiring_soon"]["count"] == 2


def test_sample_ledger_knowbe4_export(tmp_path: Path, training_only: Registry) -> None:
    findings, facts = sample(tmp_path, training_only, "ledger-accounting")
    assert set(by_prefix(findings, "overdue")) == {"Ravi Patel", "Tom Becker", "Greg Holloway"}
    assert set(by_prefix(findings, "never")) == {"Owen Reed"}
    assert set(by_prefix(findings, "new-hire")) == {"Nina Castillo"}
    assert set(by_prefix(findings, "phishing")) == {"Ravi Patel", "Tom Becker"}
    assert set(by_prefix(findings, "departed")) == {"Derek Lowe"}
    assert facts["coverage"]["current"] == 4 and facts["coverage"]["counted"] == 9


def test_sample_corner_shop_messy_export(tmp_path: Path, training_only: Registry) -> None:
    findings, facts = sample(tmp_path, training_only, "corner-shop")
    assert set(by_prefix(findings, "overdue")) == {"Ana Souza", "Ben Carter"}
    assert set(by_prefix(findings, "never")) == {"Dev Malhotra"}
    assert facts["staff_source"] == "training roster" and facts["coverage"]["percent"] == 50
