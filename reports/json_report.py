"""The machine-readable results, `posture/results@1`."""

from __future__ import annotations

from collections.abc import Iterator

from posture.models import Assessment
from posture.results import dumps, iter_json


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return dumps(assessment)


def chunks(assessment: Assessment, audience: str = "consultant") -> Iterator[str]:
    return iter_json(assessment)
