"""Which column holds what: headers matched to fields, by the config's `columns:` or by vocabulary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from checks.training.vocabulary import header_key, vocabulary

IDENTITY = ("email", "name", "first_name", "last_name")
ROSTER_FIELDS = (*IDENTITY, "completed", "course", "status", "phishing", "hire_date", "department")
STAFF_FIELDS = (*IDENTITY, "hire_date", "department")
PHISHING_FIELDS = (*IDENTITY, "phishing", "department")

# What each field is called in messages and in the `columns:` hint.
LABELS = {
    "email": "email", "name": "name", "first_name": "first name", "last_name": "last name",
    "completed": "completion date", "course": "course", "status": "status", "phishing": "phishing result",
    "hire_date": "hire date", "department": "department",
}


@dataclass(frozen=True)
class ColumnMap:
    headers: tuple[str, ...]
    index: dict[str, int]  # field -> 0-based column
    explicit: frozenset[str] = field(default_factory=frozenset)  # fields mapped by `columns:`

    def has_identity(self) -> bool:
        return any(f in self.index for f in IDENTITY)

    def header(self, name: str) -> str:
        return self.headers[self.index[name]]

    def unused(self) -> list[str]:
        used = set(self.index.values())
        return [h for i, h in enumerate(self.headers) if i not in used and h.strip()]


def map_columns(
    headers: Sequence[str], fields: Sequence[str], explicit: Mapping[str, str], *, staff: bool = False,
    phishing: bool = False,
) -> ColumnMap:
    """Match headers to fields: explicit names first, then the best-ranked known spelling still free."""
    keys = [header_key(h) for h in headers]
    taken: set[int] = set()
    index: dict[str, int] = {}
    found_explicit = set()
    for name, wanted in explicit.items():
        if name not in fields:
            continue
        wanted_key = header_key(wanted)
        for i, key in enumerate(keys):
            if key == wanted_key and i not in taken:
                index[name] = i
                taken.add(i)
                found_explicit.add(name)
                break
    vocab = vocabulary()
    for name in fields:
        if name in index:
            continue
        aliases = ((vocab.phishing_headers.get(name, ()) if phishing else ()) + vocab.headers[name]
                   + (vocab.staff_headers.get(name, ()) if staff else ()))
        ranks = {alias: rank for rank, alias in enumerate(aliases)}
        best: tuple[int, int] | None = None
        for i, key in enumerate(keys):
            rank = ranks.get(key)
            if rank is not None and i not in taken and (best is None or rank < best[0]):
                best = (rank, i)
        if best is not None:
            index[name] = best[1]
            taken.add(best[1])
    return ColumnMap(tuple(headers), index, frozenset(found_explicit))


def missing_required(columns: ColumnMap, required: Sequence[str], explicit: Mapping[str, str]) -> str | None:
    """Why these columns cannot be used, or None when they can."""
    if not columns.has_identity():
        named = [f for f in IDENTITY if f in explicit]
        if named:
            return _not_found(named[0], explicit[named[0]], columns)
        return ("no column names the person: expected a header such as Name, Email, or First Name and "
                "Last Name" + _found(columns) + _hint("name", "email"))
    for name in required:
        if name not in columns.index:
            if name in explicit:
                return _not_found(name, explicit[name], columns)
            return f"no {LABELS[name]} column" + _found(columns) + _hint(name)
    return None


def _not_found(name: str, header: str, columns: ColumnMap) -> str:
    return f"no column {header!r}, which checks.training.columns.{name} names" + _found(columns)


def _found(columns: ColumnMap) -> str:
    shown = [h for h in columns.headers if h.strip()][:12]
    # A hostile or broken file may have enormous headers: quote enough to recognise each, keep one line short.
    quoted = [repr(h if len(h) <= 40 else h[:37] + "...") for h in shown]
    return f" (headers found: {', '.join(quoted)})" if shown else " (the header row is empty)"


def _hint(*names: str) -> str:
    pairs = ", ".join(f"{n}: \"<header>\"" for n in names)
    return f"; name it under checks.training.columns, e.g. columns: {{{pairs}}}"
