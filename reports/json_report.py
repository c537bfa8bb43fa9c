"""The machine-readable results, `posture/results@1`."""

from __future__ import annotations

from posture.models import Assessment
from posture.results import dumps
from reports import RendererWriter


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return dumps(assessment)


# The JSON holds everything (evidence, addresses): it is never part of the staff edition.
WRITER = RendererWriter("json", "posture-results.json", "posture-results.json", render, consultant_only=True)
