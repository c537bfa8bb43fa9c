"""The machine-readable results, `posture/results@1`."""

from __future__ import annotations

from collections.abc import Iterator

from posture.models import Assessment
from posture.results import dumps, iter_json
from reports import RendererWriter


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return dumps(assessment)


def chunks(assessment: Assessment, audience: str = "consultant") -> Iterator[str]:
    return iter_json(assessment)


# The JSON holds everything (evidence, addresses): it is never part of the staff edition.
WRITER = RendererWriter("json", "posture-results.json", "posture-results.json", render, consultant_only=True,
                        streamer=chunks)
