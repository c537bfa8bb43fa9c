"""The `checks.training` section of the config."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from posture.api import Strict

DELIMITERS = {",": ",", ";": ";", "|": "|", "tab": "\t"}


class Columns(Strict):
    """Explicit header names, for exports whose headers the auto-detection does not know."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    course: str | None = None
    completed: str | None = None
    status: str | None = None
    phishing: str | None = None
    hire_date: str | None = None
    department: str | None = None

    def mapped(self) -> dict[str, str]:
        return {field: header for field, header in self.model_dump().items() if header}


class TrainingOptions(Strict):
    roster: str = Field(min_length=1, description="CSV (or YAML list) of training completions")
    staff: str | None = Field(default=None, description="HR list of current staff (CSV or YAML list)")
    phishing: list[str] = Field(default=[], description="phishing-simulation results: GoPhish results CSV, "
                                "Attack Simulation Training user coverage, or any CSV/XLSX with a clicks column")
    valid_days: int = Field(default=365, ge=1, le=3660, description="a completion counts for this many days")
    new_hire_days: int = Field(default=30, ge=0, le=365, description="days a new hire has to complete training")
    expiring_days: int = Field(default=30, ge=0, le=365, description="forecast window for expiring training")
    columns: Columns = Columns()
    date_format: str | None = Field(default=None, description="strptime format of the dates, e.g. %d/%m/%Y")
    delimiter: Literal[",", ";", "|", "tab"] | None = Field(
        default=None, description="',', ';', '|' or 'tab'; detected when absent")
    courses: list[str] = Field(default=[], description="course names (or * patterns) that count; default all")

    @field_validator("date_format")
    @classmethod
    def _full_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        sample = datetime(2003, 11, 25)
        try:
            back = datetime.strptime(sample.strftime(value), value)
        except ValueError:
            back = None
        if back is None or back.date() != sample.date():
            raise ValueError(f"{value!r} must name day, month and year, e.g. '%d/%m/%Y' or '%m/%d/%Y'")
        return value

    @field_validator("delimiter", mode="before")
    @classmethod
    def _tab_spellings(cls, value: object) -> object:
        # A literal tab in YAML needs double quotes ("\t"); accept it, and its escaped spelling, as "tab".
        return "tab" if value in ("\t", "\\t") else value

    @property
    def delimiter_char(self) -> str | None:
        return DELIMITERS[self.delimiter] if self.delimiter else None

    @field_validator("courses")
    @classmethod
    def _no_blank_course(cls, value: list[str]) -> list[str]:
        if any(not course.strip() for course in value):
            raise ValueError("a course name cannot be empty")
        return [course.strip() for course in value]
