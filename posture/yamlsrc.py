"""Load YAML into plain Python values while remembering where each key stood.

Errors later in validation name `FILE:LINE:COL`; this module keeps a map from each key path
(("scope", "targets", 0, "address")) to the 1-based line and column of that key in the file.
Anchors and aliases are refused: no config needs them, and they are how YAML bombs multiply.

Scalars resolve as YAML 1.2's core schema, the way people read what they type: only `true`/`false`
are booleans, so `personal_data_exposed: yes` and an `on:` key stay the strings they look like
(PyYAML alone follows YAML 1.1, where yes/no/on/off/y/n are booleans and 06:17 is the number 377).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from posture.errors import InputError
from posture.evidence import read_limited

MAX_YAML_BYTES = 2 * 1024 * 1024

KeyPath = tuple[str | int, ...]


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and no base-60 numbers."""


# The same on libyaml when PyYAML has it: the pure-Python parser needs ~60 CPU-seconds for a 2 MB file of
# a million list items, libyaml a few (bench/bench_config_size.py). Both give the same nodes and marks, and
# the resolvers (which decide what is a boolean or a number) are the same Python ones.
_CoreCLoader: Any = type("CoreCLoader", (yaml.CSafeLoader,), {}) if hasattr(yaml, "CSafeLoader") else None


# PyYAML's own int and float patterns less their YAML 1.1 base-60 branch, which turns 06:17 into 377.
_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""")
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _core_resolvers() -> None:
    replaced = {f"tag:yaml.org,2002:{kind}": regexp for kind, regexp in (("int", _INT), ("float", _FLOAT))}
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        table[first] = [(tag, replaced.get(tag, regexp)) for tag, regexp in resolvers
                        if tag != "tag:yaml.org,2002:bool"]
    for loader in (CoreLoader, _CoreCLoader):
        if loader is not None:
            loader.yaml_implicit_resolvers = {first: list(entries) for first, entries in table.items()}
            loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


_core_resolvers()
_Loader: Any = _CoreCLoader or CoreLoader


@dataclass
class Located:
    """A loaded document and the location of every key in it."""

    path: Path
    data: Any
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, key_path: KeyPath) -> tuple[int | None, int | None]:
        """The location of the deepest known key on `key_path`."""
        for n in range(len(key_path), -1, -1):
            mark = self.marks.get(tuple(key_path[:n]))
            if mark:
                return mark
        return None, None

    def error(self, key_path: KeyPath, message: str) -> InputError:
        line, column = self.where(key_path)
        return InputError(message, path=self.path, line=line, column=column, key=dotted(key_path))


def dotted(key_path: KeyPath) -> str:
    out = ""
    for part in key_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_text_limited(path: Path, limit: int = MAX_YAML_BYTES) -> str:
    """Read a UTF-8 text file, refusing huge or binary files with a located message."""
    raw = read_limited(path, limit)  # only regular files: a pipe would block the run, /dev/zero never ends
    if b"\0" in raw:
        raise InputError("file contains NUL bytes; is it a text file?", path=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("invalid UTF-8", path=path, line=line) from None


def load_yaml(path: Path, text: str | None = None) -> Located:
    if text is None:
        text = read_text_limited(path)
    try:
        # The reader refuses control characters as soon as it is built, before any mark exists.
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _unreadable(exc, text, path) from None
    try:
        node = loader.get_single_node()
        located = Located(path=path, data=None)
        located.data = _build(node, (), located, loader, set()) if node is not None else None
        return located
    except yaml.reader.ReaderError as exc:  # libyaml reads as it parses
        raise _unreadable(exc, text, path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit, said the way the pure-Python path says it
            raise InputError("YAML nested too deeply", path=path) from None
        raise InputError(
            f"invalid YAML: {problem}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", path=path) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", path=path) from None
    finally:
        loader.dispose()


def _unreadable(exc: yaml.reader.ReaderError, text: str, path: Path) -> InputError:
    before = text[: exc.position]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else 0
    return InputError(f"character U+{code:04X} is not allowed in YAML; is this a text file?",
                      path=path, line=line, column=column)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: yaml.Node, key_path: KeyPath, located: Located, loader: CoreLoader, seen: set[int]) -> Any:
    # The composer returns the very same node object for an alias: seeing it twice means an alias.
    if id(node) in seen:
        line, column = _mark(node)
        raise InputError(
            "YAML anchors and aliases are not supported", path=located.path, line=line, column=column
        )
    seen.add(id(node))
    located.marks.setdefault(key_path, _mark(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, column = _mark(key_node)
                raise InputError("YAML merge keys (<<) are not supported", path=located.path, line=line,
                                 column=column)
            key = _construct(key_node, key_path, located, loader)
            if not isinstance(key, Hashable) or isinstance(key, (list, dict)):
                line, column = _mark(key_node)
                raise InputError("a key must be a plain value", path=located.path, line=line, column=column)
            key = str(key) if not isinstance(key, (str, int)) else key
            child = (*key_path, key)
            if key in out:
                line, column = _mark(key_node)
                raise InputError("duplicate key", path=located.path, line=line, column=column,
                                 key=dotted(child))
            located.marks[child] = _mark(key_node)
            out[key] = _build(value_node, child, located, loader, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*key_path, index)
            located.marks[child] = _mark(item)
            items.append(_build(item, child, located, loader, seen))
        return items
    return _construct(node, key_path, located, loader)


_KINDS = {"timestamp": "a date", "int": "a whole number", "float": "a number", "bool": "true or false"}


def _construct(node: yaml.Node, key_path: KeyPath, located: Located, loader: CoreLoader) -> Any:
    # PyYAML builds a date, number or boolean straight from text that only looks like one, or is tagged
    # as one: 2026-02-30, `!!int ten`, `!!bool maybe`, an empty `!!float` end in Python errors, not YAMLErrors.
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, ArithmeticError, AttributeError, LookupError, TypeError) as exc:
        line, column = _mark(node)
        shown = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else node.tag
        kind = node.tag.rsplit(":", 1)[-1]
        why = f": {exc}" if type(exc) is ValueError else ""
        raise InputError(f"{shown!r} is not {_KINDS.get(kind, kind)}{why}", path=located.path, line=line,
                         column=column, key=dotted(key_path) or None) from None
    refusal = _refused(value)
    if refusal:
        line, column = _mark(node)
        raise InputError(refusal, path=located.path, line=line, column=column, key=dotted(key_path) or None)
    return value


# Written as an escape in a double-quoted string ("x\0"): a NUL ends a path early or crashes the system
# call, and no setting needs one. (Other control characters are refused in paths, by Config.resolve;
# elsewhere they are printed escaped.)
_CONTROL = re.compile("\x00")


def _refused(value: Any) -> str | None:
    if isinstance(value, (bytes, bytearray)):
        return "binary values (!!binary) are not accepted; write the setting as text"
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found:
            code = ord(found.group())
            what = "a NUL byte" if code == 0 else f"the control character U+{code:04X}"
            return f"contains {what}; settings are plain text"
    return None
