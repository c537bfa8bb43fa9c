"""`redact_tree`, the one redaction every check result goes through before any report, history row or alert,
against the plain rule it must equal: every string in the tree passed through `redact`. Its fast path (only
what may hold a secret is walked) must never skip a string that rule would change, wherever it sits."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posture import redact
from posture.models import CheckResult, CheckStatus, Finding, Reference, Severity, StaffSection, Status

SECRET = "Tr0ub4dor&3-horse"


@pytest.fixture(autouse=True)
def _one_remembered_secret() -> Iterator[None]:
    redact.forget_all()
    redact.remember(SECRET)
    yield
    redact.forget_all()


def every_string_redacted(obj: Any) -> Any:
    """The rule, walked naively: what redact_tree must return (equal, and of the same types)."""
    if isinstance(obj, str):
        return redact.redact(obj) if type(obj) is str else obj
    if isinstance(obj, tuple):
        return tuple(every_string_redacted(item) for item in obj)
    if isinstance(obj, list):
        return [every_string_redacted(item) for item in obj]
    if isinstance(obj, dict):
        return {every_string_redacted(k): every_string_redacted(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: every_string_redacted(getattr(obj, f.name))
                                           for f in dataclasses.fields(obj) if f.init})
    return obj


def same_types(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return all(map(same_types, a, b))
    if isinstance(a, dict):
        return all(same_types(k, j) and same_types(v, w) for (k, v), (j, w) in zip(a.items(), b.items(), strict=True))
    if dataclasses.is_dataclass(a):
        return all(same_types(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return True


def result(findings: tuple[Finding, ...] = (), **changes: Any) -> CheckResult:
    return dataclasses.replace(CheckResult("backups", "Backups", CheckStatus.OK, findings, facts={}), **changes)


def finding(**changes: Any) -> Finding:
    return dataclasses.replace(Finding(check="backups", key="job-1", status=Status.FAIL, severity=Severity.HIGH,
                                       title="Offsite copy missing", weaknesses=("no-offsite-backup",)), **changes)


PLACES = {
    "finding detail": lambda text: result((finding(detail=text),)),
    "finding title": lambda text: result((finding(title=text),)),
    "an evidence line": lambda text: result((finding(evidence=("restic: ok", text)),)),
    "a reference's address": lambda text: result((finding(references=(Reference("restic docs", text),)),)),
    "an action id": lambda text: result((finding(actions=(text,)),)),
    "the error": lambda text: result(error=text),
    "a fact": lambda text: result(facts={"jobs": [{"name": "nightly", "repository": text}]}),
    "a fact's key": lambda text: result(facts={text: 1}),
    "a fact in a tuple": lambda text: result(facts={"pair": ("a", text)}),
    "the staff table": lambda text: result(staff=StaffSection("Backups", rows=(("job", text),))),
    "the 1,000th finding": lambda text: result(tuple(finding(key=f"job-{n}") for n in range(999))
                                              + (finding(detail=text),)),
}
TEXTS = {
    "the remembered secret": f"restic said: wrong password {SECRET} for the repository",
    "its percent-encoding": "the repository rest:https://u@h/?x=Tr0ub4dor%263-horse",
    "a URL with a password": "rest:https://backup:Swordfish-77@nas.example.com:8000/office",
    "an rclone password": "rclone::sftp,host=nas,user=b,pass=ObScUrEd42:repo",
    "a query-string secret": "azure:container:/path?sig=QmFzZTY0U2ln",
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("text", TEXTS)
def test_a_secret_anywhere_in_a_result_is_masked(place: str, text: str) -> None:
    tree = PLACES[place](TEXTS[text])
    redacted = redact.redact_tree(tree)
    assert redacted == every_string_redacted(tree) and same_types(redacted, tree)
    assert redacted != tree  # something was masked
    shown = repr(redacted)
    assert SECRET not in shown and "Swordfish-77" not in shown and "ObScUrEd42" not in shown
    assert "QmFzZTY0U2ln" not in shown and "Tr0ub4dor%263" not in shown


def test_a_result_with_nothing_to_mask_comes_back_as_the_same_objects() -> None:
    findings = tuple(finding(key=f"host-{n}", detail="port 22 open = risky?", evidence=("x", "y"),
                             references=(Reference("CIS Controls", "https://www.cisecurity.org/"),))
                     for n in range(2_000))
    tree = result(findings, facts={"coverage": {"jobs": 3, "offsite": 1}, "names": ["nightly", "weekly"]})
    redacted = redact.redact_tree(tree)
    assert redacted is tree and redacted.findings[0] is findings[0]


def test_a_secret_split_across_two_strings_changes_nothing() -> None:
    tree = result((finding(evidence=(SECRET[:8], SECRET[8:])),))
    assert redact.redact_tree(tree) == tree


WORDS = st.sampled_from(["restic", "ok", "nas", "=", "@", "a=b", "user@host", "pass=", "sig=abc", "x", "",
                         SECRET, f"{SECRET}!", "rest:http://u:Pw-123456@h/", "10.0.0.1:22", "ünïcode",
                         "tab\there", "line\nbreak", "quote'\"", "back\\slash"])
TEXT = st.lists(WORDS, max_size=4).map(" ".join)
FACTS = st.recursive(st.one_of(TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
                     lambda inner: st.one_of(st.lists(inner, max_size=4),
                                             st.dictionaries(TEXT, inner, max_size=4),
                                             st.tuples(inner, inner)), max_leaves=12)
FINDINGS = st.builds(
    Finding, check=st.just("backups"), key=TEXT, status=st.sampled_from(list(Status)),
    severity=st.sampled_from(list(Severity)), title=TEXT, detail=TEXT, asset=TEXT,
    weaknesses=st.tuples(TEXT), evidence=st.lists(TEXT, max_size=3).map(tuple),
    references=st.lists(st.builds(Reference, TEXT, TEXT), max_size=2).map(tuple),
    actions=st.lists(TEXT, max_size=2).map(tuple))
RESULTS = st.builds(CheckResult, check=st.just("backups"), title=TEXT, status=st.sampled_from(list(CheckStatus)),
                    findings=st.lists(FINDINGS, max_size=5).map(tuple), error=TEXT,
                    facts=st.dictionaries(TEXT, FACTS, max_size=4),
                    staff=st.none() | st.builds(StaffSection, TEXT, rows=st.lists(st.tuples(TEXT, TEXT),
                                                                                   max_size=2).map(tuple)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESULTS)
def test_any_result_is_redacted_exactly_as_string_by_string(tree: CheckResult) -> None:
    redacted = redact.redact_tree(tree)
    assert redacted == every_string_redacted(tree)
    assert same_types(redacted, tree)
