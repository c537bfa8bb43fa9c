"""Fuzzing every parser of outside input: one harness, one tally, a short run by default.

The default test run tries a few dozen inputs per parser, the same ones every time (derandomized, so
CI never flakes). `POSTURE_FUZZ_LONG=1` raises that to 10,000 per parser (or `POSTURE_FUZZ_EXAMPLES`),
freshly random, and the session ends with a table of inputs tried per parser (see conftest.py).
The contract each parser is held to: it accepts the input, or it raises one of
posture's own errors, whose every line names the file (and where known the line) and fits on one line.
Anything else escapes to hypothesis, which shrinks it to the smallest input that breaks the parser.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning

from posture.errors import PostureError

LONG = os.environ.get("POSTURE_FUZZ_LONG", "") == "1"
LONG_EXAMPLES = int(os.environ.get("POSTURE_FUZZ_EXAMPLES", "10000"))
SHORT_EXAMPLES = 40
MAX_LINE = 1_000  # a located error quotes a little of the input, never a whole 10 MB line

T = TypeVar("T")


@dataclass
class Tally:
    inputs: int = 0
    accepted: int = 0
    refused: int = 0  # with one of posture's own errors, located
    unexpected: int = 0


TALLIES: dict[str, Tally] = {}


def examples(short: int = SHORT_EXAMPLES, share: int = 1) -> int:
    return -(-LONG_EXAMPLES // share) if LONG else short


def fuzz(name: str, strategy: st.SearchStrategy[T], body: Callable[[T], Any], *, short: int = SHORT_EXAMPLES,
         share: int = 1) -> Tally:
    """Feed `body` generated inputs; it returns normally (accepted) or raises a PostureError (refused).

    `share`: how many tests (seeds) feed the same parser's tally; together they try LONG_EXAMPLES in a
    long run, and each fails unless it really tried its share.
    """
    tally = TALLIES.setdefault(name, Tally())
    target = examples(short, share)

    # The short run is the same inputs every time (CI never flakes); the long run explores afresh.
    chosen = settings(max_examples=target, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True,
                      derandomize=not LONG)
    if not LONG:
        chosen = settings(chosen, database=None)

    @chosen
    @given(strategy)
    def one(value: T) -> None:
        tally.inputs += 1
        try:
            body(value)
        except PostureError as exc:
            try:
                assert_located(exc)
            except AssertionError:
                tally.unexpected += 1  # our own error, but not one located line: a broken contract too
                raise
            tally.refused += 1
        except BaseException:
            tally.unexpected += 1
            raise
        else:
            tally.accepted += 1

    before = tally.inputs
    with warnings.catch_warnings():
        # A failing real results document is large: hypothesis warns that printing it is expensive.
        warnings.simplefilter("ignore", HypothesisWarning)
        one()
    if LONG:
        assert tally.inputs - before >= target, f"{name}: only {tally.inputs - before} inputs were generated"
    return tally


_LOCATED = re.compile(r"^(?P<path>[^:\n]+?)(?::\d+(?::\d+)?)?: .")


def assert_located(exc: PostureError) -> None:
    """Every line names a file first (FILE: or FILE:LINE: or FILE:LINE:COL:) and is one bounded line."""
    lines = exc.lines()
    assert lines, f"{type(exc).__name__} with no message"
    for line in lines:
        assert "\n" not in line and "\r" not in line, f"a multi-line error: {line[:200]!r}"
        assert len(line) <= MAX_LINE, f"an error line of {len(line):,} characters"
        assert _LOCATED.match(line), f"an error that names no file: {line[:200]!r}"


# Byte-level mutations of a real file: what a damaged or hand-edited export looks like. Tokens are the
# troublemakers of the formats we read (YAML, XML, JSON, CSV, key=value), plus encoding damage.
TOKENS = [
    b"\x00", b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", b"\t", b" ",
    b":", b": ", b"- ", b"#", b"&a ", b"*a", b"<<: ", b"!!python/object:os.system", b"? ", b"%YAML 1.1\n", b"---\n",
    b"...", b"~", b"{", b"}", b"[", b"]", b",", b";", b"|", b"=", b'"', b"'", b"\\", b"null", b"true", b"-1", b"0",
    b"1e999", b"NaN", b"99999999999999999999999", b"2026-13-45", b"02/30/2026", b"9999-12-31T99:99:99Z",
    b": 2026-02-30\n", b": !!int ten\n", b": !!float x\n", b": !!binary ?\n", b": !!timestamp 2026-99-01\n",
    b": !!bool maybe\n", b": !!timestamp x\n", b"!!set ", b"!!str ", b"!!null ", b"!!float\n", b"!!int\n",
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b"&e;", b"<![CDATA[", b"<", b">", b"</", b"/>",
    b"\xe2\x80\xa8", b"\xf0\x9f\x94\x91", "é".encode(), b"A" * 300, b"\n" * 50,
]

KINDS = ("insert", "replace", "delete", "duplicate", "truncate")
PAYLOADS = st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=16))
EDITS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 1 << 20), st.integers(1, 64), PAYLOADS),
                 min_size=1, max_size=5)


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """`base` with one to five random edits: inserts, replacements, deletions, a repeated span, a cut."""
    return EDITS.map(lambda edits: apply_edits(base, edits))


def apply_edits(data: bytes, edits: list[tuple[str, int, int, bytes]]) -> bytes:
    for kind, where, span, payload in edits:
        at = where % (len(data) + 1)
        if kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "replace":
            data = data[:at] + payload + data[at + span:]
        elif kind == "delete":
            data = data[:at] + data[at + span:]
        elif kind == "duplicate":
            data = data[:at] + data[at:at + span * 4] * 3 + data[at:]
        else:
            data = data[:at]
    return data


def mutated_or_random(base: bytes, max_size: int = 600) -> st.SearchStrategy[bytes]:
    """Mostly damaged copies of a real file, sometimes bytes out of nowhere."""
    return st.one_of(mutated(base), mutated(base), mutated(base), st.binary(max_size=max_size))


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(1 << 70), max_value=1 << 70),
                         st.floats(allow_nan=False), st.text(max_size=12))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)


def json_mutation(document: Any) -> st.SearchStrategy[Any]:
    """A deep copy of a JSON document with one to three places replaced, removed or added."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        import copy

        doc = copy.deepcopy(document)
        for _ in range(draw(st.integers(1, 3))):
            doc = _mutate_at(draw, doc)
        return doc

    return build()


def _mutate_at(draw: st.DrawFn, node: Any) -> Any:
    children = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
    if children and draw(st.integers(0, 3)) > 0:
        key = draw(st.sampled_from(children))
        node[key] = _mutate_at(draw, node[key])
        return node
    action = draw(st.sampled_from(["replace", "remove", "add"] if children else ["replace"]))
    if action == "replace":
        return draw(JSON_VALUES)
    if action == "remove":
        key = draw(st.sampled_from(children))
        del node[key]
        return node
    if isinstance(node, dict):
        node[draw(st.text(max_size=8))] = draw(JSON_VALUES)
    else:
        node.insert(draw(st.integers(0, len(node))), draw(JSON_VALUES))
    return node
