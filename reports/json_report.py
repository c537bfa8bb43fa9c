"""The machine-readable results, `posture/results@1`."""

from __future__ import annotations

from posture.models import Assessment
from posture.results import dumps


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return dumps(assessment)
