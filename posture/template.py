"""`posture new-check NAME`: a third-party check package that passes the conformance kit as generated.

The files are templates in posture/data/new_check/ (`$name`, `$cls`, `$title` filled in); the check in
them is the worked example of docs/writing-a-check.md.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from posture.errors import UsageError

ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
FILES = {  # template → path in the new package
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "check.py.tmpl": "posture_$name/__init__.py",
    "test_check.py.tmpl": "tests/test_$name.py",
}


def new_check(name: str, where: Path) -> list[Path]:
    """Create `where/posture-NAME/`; refuses a bad id or an existing folder. Returns the files written."""
    if not ID.match(name):
        raise UsageError(f"{name!r} is not a check id: lower case letters, digits and underscores, "
                         "starting with a letter (2-40 characters)")
    root = where / f"posture-{name.replace('_', '-')}"
    if root.exists():
        raise UsageError(f"{root} already exists; not overwriting it")
    values = {"name": name, "cls": "".join(part.capitalize() for part in name.split("_")),
              "title": name.replace("_", " ").capitalize()}
    written = []
    for template, target in FILES.items():
        text = resources.files("posture.data").joinpath("new_check").joinpath(template).read_text(encoding="utf-8")
        path = root / Template(target).substitute(values)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(text).substitute(values), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        written.append(path)
    return written
