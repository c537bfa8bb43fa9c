"""`posture fleet`: one roll-up of every client in a history, worst first, as Markdown and HTML. No scan runs.

Per client: the last complete run (a `--only` run is not a full picture; a client with only partial runs
shows its newest one, marked), its age against the client's schedule (`scan_every_days` in its config,
default 7), problems by severity, new since the run before, check errors, and its problems over time
(a small inline SVG chart in the HTML). Everything comes from the history's summary columns: the results
JSON is never read, so 200 clients with a year of weekly runs each take two narrow queries.

Worst first: most critical problems, then high, then clients overdue for a scan, then medium, low,
new problems and age.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from posture.errors import ExitCode
from posture.mdtext import cell, md
from posture.store import DEFAULT_SCHEDULE_DAYS, RunSummary, Store, open_store

TRACKING_TABLE = "tracking"  # added by the migration that brings per-finding tracking; until then, not shown
NO_TRACKING = ("Overdue actions and accepted risks about to expire: this history holds no action tracking, "
               "so none are shown.")


@dataclass(frozen=True)
class ClientStatus:
    client: str
    organization: str
    last: RunSummary  # newest complete run, or the newest run when none is complete
    runs: int
    age_days: float
    schedule_days: int
    series: tuple[tuple[str, int], ...]  # (finished, problems) of the complete runs, oldest first

    @property
    def overdue(self) -> bool:
        return self.age_days > self.schedule_days

    @property
    def partial_only(self) -> bool:
        return not self.last.complete

    def worst_first(self) -> tuple[int, ...]:
        last = self.last
        return (-last.critical, -last.high, -int(self.overdue), -last.medium, -last.low, -(last.new or 0),
                -int(self.age_days * 24))


@dataclass(frozen=True)
class Fleet:
    source: str  # the store's label (password masked)
    generated: datetime
    clients: tuple[ClientStatus, ...]
    tracking: bool


def roll_up(store: Store, now: datetime | None = None) -> Fleet:
    now = now or datetime.now(UTC)
    newest, runs = store.fleet_rows()
    by_client: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
    for client, finished, problems, complete in runs:  # oldest first
        by_client[client].append((finished, problems, complete))
    clients = [_status(last, by_client[last.client], now) for last in newest]
    clients.sort(key=lambda c: (c.worst_first(), c.client.lower()))
    return Fleet(store.label, now, tuple(clients), store.has_table(TRACKING_TABLE))


def _status(last: RunSummary, runs: list[tuple[str, int, bool]], now: datetime) -> ClientStatus:
    finished = datetime.fromisoformat(last.finished)
    if finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    complete = [(when, problems) for when, problems, full in runs if full]
    return ClientStatus(
        client=last.client, organization=last.organization, last=last, runs=len(runs),
        age_days=max(0.0, (now - finished).total_seconds() / 86400),
        schedule_days=last.schedule_days or DEFAULT_SCHEDULE_DAYS,
        series=tuple(complete or [(when, problems) for when, problems, _ in runs]),
    )


def run_fleet(args: argparse.Namespace) -> int:
    from posture.safeio import write_all_atomically

    fleet = roll_up(open_store(args.db))
    if not fleet.clients:
        print(f"posture: no recorded runs in {fleet.source}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(render_markdown(fleet))
        return ExitCode.OK
    out: Path = args.out
    written = write_all_atomically({out / "posture-fleet.md": render_markdown(fleet),
                                    out / "posture-fleet.html": render_html(fleet)})
    for path in written:
        print(path)
    return ExitCode.OK


# --- Markdown ---------------------------------------------------------------------------------------------------

HEADER = ("Client", "Last run (UTC)", "Age", "Schedule", "Critical", "High", "Medium", "Low", "New", "Errors", "Runs")


def _row(c: ClientStatus) -> tuple[str, ...]:
    last = c.last
    name = c.client if c.client == c.organization else f"{c.client} ({c.organization})"
    return (
        name, last.finished[:16].replace("T", " ") + (" (partial)" if c.partial_only else ""),
        age(c.age_days) + (" OVERDUE" if c.overdue else ""), f"{c.schedule_days} d", str(last.critical),
        str(last.high), str(last.medium), str(last.low), "first run" if last.new is None else str(last.new),
        str(last.errors), str(c.runs),
    )


def age(days: float) -> str:
    return f"{days * 24:.0f} h" if days < 1 else f"{days:.0f} d"


def _summary(fleet: Fleet) -> str:
    if not fleet.clients:
        return "No client has a recorded run in this history: nothing has been checked, so nothing is known."
    overdue = sum(c.overdue for c in fleet.clients)
    totals = {s: sum(getattr(c.last, s) for c in fleet.clients) for s in ("critical", "high", "medium", "low")}
    errors = sum(1 for c in fleet.clients if c.last.errors)
    return (f"{len(fleet.clients)} client(s); {overdue} not scanned within their schedule; "
            + ", ".join(f"{n} {s}" for s, n in totals.items()) + " problem(s) in their last runs"
            + (f"; {errors} with checks that could not complete" if errors else "") + ".")


def render_markdown(fleet: Fleet) -> str:
    out = [f"# Fleet: {len(fleet.clients)} client(s)", "",
           f"Generated {fleet.generated:%Y-%m-%d %H:%M} UTC from the history at `{md(fleet.source)}`; worst first "
           "(critical, then high problems, then clients overdue for a scan, then medium and low).", "",
           _summary(fleet), ""]
    if fleet.clients:
        out += ["| # | " + " | ".join(HEADER) + " |", "|---" * (len(HEADER) + 1) + "|"]
        for n, c in enumerate(fleet.clients, 1):
            row = _row(c)
            out.append(f"| {n} | " + " | ".join(cell(v) for v in row) + " |")
        out += ["", "Problems over time (oldest to newest complete run):", ""]
        out += [f"- {md(c.client)}: " + " → ".join(str(n) for _, n in c.series[-12:])
                + (f" (last 12 of {len(c.series)})" if len(c.series) > 12 else "") for c in fleet.clients]
        out.append("")
    if not fleet.tracking:
        out += [NO_TRACKING, ""]
    return "\n".join(out).rstrip() + "\n"


# --- HTML -------------------------------------------------------------------------------------------------------

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
:root { --ink: #1d232a; --muted: #5b6570; --rule: #d8dde3; --critical: #a4161a; --high: #d9480f;
        --medium: #b08900; --low: #2b7a0b; --accent: #1f5f99; }
body { margin: 1.5rem 2rem; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
p.meta { color: var(--muted); margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--rule); padding: .3rem .45rem; text-align: left; vertical-align: middle; }
th { background: #f0f3f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.critical.hot { color: #fff; background: var(--critical); } td.high.hot { color: #fff; background: var(--high); }
td.medium.hot { color: var(--medium); font-weight: 600; } td.low.hot { color: var(--low); font-weight: 600; }
.overdue { color: #fff; background: var(--critical); border-radius: 3px; padding: 0 .3rem; font-size: 12px; }
svg.chart { display: block; }
@media print { body { margin: 0; } td, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def chart(c: ClientStatus, width: int = 160, height: int = 36) -> str:
    """Problems per complete run, oldest to newest, as a tiny line chart (scaled to this client's worst)."""
    values = [n for _, n in c.series]
    top = max(values) or 1
    step = (width - 8) / max(len(values) - 1, 1)
    points = [(4 + i * step, height - 4 - (height - 8) * v / top) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    first, last = c.series[0][0][:10], c.series[-1][0][:10]
    label = (f"{c.client}: problems over {len(values)} run(s) from {first} to {last}, "
             f"now {values[-1]}, highest {max(values)}")
    x, y = points[-1]
    return (f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{html.escape(label)}</title>'
            f'<line x1="4" y1="{height - 4}" x2="{width - 4}" y2="{height - 4}" stroke="#d8dde3"/>'
            f'<polyline fill="none" stroke="#1f5f99" stroke-width="1.5" points="{path}"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#a4161a"/></svg>')


def render_html(fleet: Fleet) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in ("#", *HEADER, "Problems over time"))
    rows = []
    for n, c in enumerate(fleet.clients, 1):
        values = _row(c)
        cells = [f'<td class="n">{n}</td>', f"<td>{e(values[0])}</td>", f"<td>{e(values[1])}</td>",
                 f"<td>{e(age(c.age_days))}" + (' <span class="overdue">OVERDUE</span>' if c.overdue else "")
                 + "</td>", f'<td class="n">{e(values[3])}</td>']
        for severity, value in zip(("critical", "high", "medium", "low"), values[4:8], strict=True):
            cells.append(f'<td class="n {severity}{" hot" if value != "0" else ""}">{e(value)}</td>')
        cells += [f'<td class="n">{e(v)}</td>' for v in values[8:]]
        cells.append(f"<td>{chart(c)}</td>")
        rows.append(f'<tr data-client="{e(c.client)}">' + "".join(cells) + "</tr>")
    table = (f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n"
             if rows else "")
    tracking = "" if fleet.tracking else f"<p>{e(NO_TRACKING)}</p>\n"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Fleet: {len(fleet.clients)} client(s)</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>Fleet: {len(fleet.clients)} client(s)</h1>\n"
        f"<p class=\"meta\">Generated {fleet.generated:%Y-%m-%d %H:%M} UTC from the history at "
        f"<code>{e(fleet.source)}</code>; worst first.</p>\n<p>{e(_summary(fleet))}</p>\n{table}{tracking}"
        "</body>\n</html>\n"
    )
