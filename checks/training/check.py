"""The Check: parse both files in prepare (so a broken file stops the run before anything runs),
judge against the run's date in run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checks.training.options import TrainingOptions
from checks.training.staff import TrainingFacts, staff_section
from posture.api import Check, CheckContext, CheckMeta, Config, Finding, InputError

# Validating a config (and the TUI's overview) needs only the options: the roster reader, the people
# and the rules are imported when the check is prepared or run.
if TYPE_CHECKING:
    from checks.training.parse import Parsed

KEY = ("checks", "training")


def run_date(now: datetime) -> date:
    """The run's calendar date in UTC."""
    return now.astimezone(UTC).date() if now.tzinfo else now.date()


class TrainingCheck(Check[TrainingOptions]):
    meta = CheckMeta(
        id="training",
        title="Security awareness training",
        description="Reads training completions (and the staff list) and names who is overdue, never trained, "
                    "a new hire past the window, a repeat phishing clicker, or on the roster but no longer staff.",
        weaknesses=("employee-ignorance", "weak-passwords"),
        needs=frozenset({"files"}),
        timeout_s=120,
    )
    Options = TrainingOptions
    Facts = TrainingFacts

    def __init__(self) -> None:
        self._roster: Parsed | None = None
        self._staff: Parsed | None = None
        self._phishing: list[Parsed] = []

    def describe_evidence(self, options: TrainingOptions, config: Config) -> list[str]:
        assert isinstance(options, TrainingOptions)
        lines = [f"training roster: {config.resolve(options.roster)}"]
        if options.staff:
            lines.append(f"staff list: {config.resolve(options.staff)}")
        lines += [f"phishing results: {config.resolve(p)}" for p in options.phishing]
        return lines

    def prepare(self, ctx: CheckContext[TrainingOptions]) -> None:
        from checks.training.table import gc_paused

        opts = ctx.options
        with gc_paused():
            self._parse(ctx, opts)
        assert self._roster is not None
        self._check_columns(ctx, opts, self._roster, self._staff)
        self._check_courses(ctx, opts, self._roster)

    def _parse(self, ctx: CheckContext, opts: TrainingOptions) -> None:
        """Both files, every bad row of both reported at once."""
        from checks.training.parse import RowErrors, parse_phishing, parse_roster, parse_staff

        explicit = opts.columns.mapped()
        problems: list[InputError] = []
        try:
            self._roster = parse_roster(ctx.resolve(opts.roster), explicit=explicit, date_format=opts.date_format,
                                        delimiter=opts.delimiter_char, today=run_date(ctx.now))
        except RowErrors as exc:
            problems += exc.problems
        if opts.staff:
            try:
                self._staff = parse_staff(ctx.resolve(opts.staff), explicit=explicit, date_format=opts.date_format,
                                          delimiter=opts.delimiter_char)
            except RowErrors as exc:
                problems += exc.problems
        self._phishing = []
        for path in opts.phishing:
            try:
                self._phishing.append(parse_phishing(ctx.resolve(path), explicit=explicit,
                                                     date_format=opts.date_format, delimiter=opts.delimiter_char))
            except RowErrors as exc:
                problems += exc.problems
        if problems:
            raise RowErrors(problems)

    @staticmethod
    def _check_columns(ctx: CheckContext, opts: TrainingOptions, roster: Parsed, staff: Parsed | None) -> None:
        """A header named in `columns:` must exist somewhere: a typo must not fall back silently."""
        for field, header in opts.columns.mapped().items():
            used = field in roster.columns.explicit or (staff is not None and field in staff.columns.explicit)
            if not used:
                files = Path(opts.roster).name + (f" or {Path(opts.staff).name}" if opts.staff else "")
                headers = ", ".join(repr(h) for h in roster.columns.headers if h.strip())
                raise ctx.config.locate((*KEY, "columns", field),
                                        f"no column {header!r} in {files} (roster headers: {headers})")

    @staticmethod
    def _check_courses(ctx: CheckContext, opts: TrainingOptions, roster: Parsed) -> None:
        """`courses:` that match no completed row are a typo, not "nobody is trained"."""
        if not opts.courses:
            return
        from checks.training.people import CourseFilter

        if "course" not in roster.columns.index:
            raise ctx.config.locate((*KEY, "courses"), f"{Path(opts.roster).name} has no course column to filter "
                                    "on; remove courses or name the column under columns.course")
        counts = CourseFilter(opts.courses)
        done = {course for course, day in zip(roster.data.course, roster.data.completed, strict=True) if day}
        if any(map(counts, done)):
            return
        found = sorted(set(filter(None, roster.data.course)))
        shown = ", ".join(repr(c) for c in found[:8]) + (" ..." if len(found) > 8 else "")
        raise ctx.config.locate((*KEY, "courses"), f"no completed course in {Path(opts.roster).name} matches "
                                f"these names (courses found: {shown or 'none'})")

    def run(self, ctx: CheckContext[TrainingOptions]) -> Iterable[Finding]:
        from checks.training.findings import Sources, build
        from checks.training.people import CourseFilter, add_phishing, match, roster_people, staff_people
        from checks.training.rules import judge
        from checks.training.table import gc_paused

        opts = ctx.options
        if self._roster is None:
            self.prepare(ctx)
        assert self._roster is not None
        with gc_paused():  # people, standings and findings: tens of thousands of objects, none cyclic
            learners = roster_people(self._roster.data, CourseFilter(opts.courses))
            for parsed in self._phishing:
                learners = add_phishing(learners, parsed.rows(), parsed.path.name)
            staff = staff_people(self._staff.rows()) if self._staff is not None else None
            judgement = judge(match(learners, staff), run_date(ctx.now), valid_days=opts.valid_days,
                              new_hire_days=opts.new_hire_days, expiring_days=opts.expiring_days)
            sources = Sources(
                check_id=self.meta.id,
                roster=self._roster.path.name,
                staff=self._staff.path.name if self._staff is not None else None,
                has_phishing=self._roster.has_phishing or bool(self._phishing),
                customer_data=list(ctx.config.organization.customer_data),
            )
            findings, facts = build(judgement, sources)
        facts["roster"] = {"file": sources.roster, "rows": self._roster.count, "people": len(learners)}
        ctx.facts.update(facts)
        ctx.staff = staff_section(facts)
        return findings
