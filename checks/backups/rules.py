"""The readiness rules every backup job is judged by (shared/FACTS.md, "Backups").

offsite      a copy on a remote backend or network share, or declared so   → else no-offsite-backup
freshness    newest backup within rpo_hours (CIS 11.2: at least weekly)    → else irregular-backups
encryption   restic always; borg repokey/keyfile; declared/folder as stated
integrity    `restic check` / `borg check` errors (when verify is on)      → high
retention    history reaching back at least 30 days (dwell time)          → else unreviewed-backups
restore test a tested restore within a year (CIS 11.5)                     → else unreviewed-backups
size trend   a folder's newest file not far smaller than the usual ones    → else unreviewed-backups
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import datetime, timedelta

from checks.backups.evidence import JobEvidence, Snapshot
from checks.backups.figures import Figures
from checks.backups.wording import age, finding, plural, size, when
from posture.api import Finding, Severity


def judge_readiness(ev: JobEvidence, now: datetime, figures: Figures, hardware_failure: bool = False) -> list[Finding]:
    findings = [offsite(ev), freshness(ev, now, figures, hardware_failure)]
    gap = long_gaps(ev, now, figures, hardware_failure)
    if gap is not None:
        findings.append(gap)
    findings.append(encryption(ev))
    if ev.integrity is not None:
        findings.append(integrity(ev))
    # Several machines in one repository: each host's history and sizes are its own.
    per_host = [(host, replace(ev, snapshots=snaps)) for host, snaps in ev.hosts().items()]
    if len(per_host) < 2:
        per_host = [("", ev)]
    findings += [retention(one, now, figures, host=host) for host, one in per_host]
    findings.append(restore_test(ev, now, figures))
    findings += [t for host, one in per_host if (t := size_trend(one, figures, host=host)) is not None]
    return findings


def offsite(ev: JobEvidence) -> Finding:
    lines = [f"Offsite: {'yes' if ev.offsite.offsite else 'no'}, {ev.offsite.reason}", _immutable_line(ev)]
    if ev.offsite.offsite:
        return finding(ev, "offsite", ok=True, severity=Severity.INFO, title=f"{ev.name} keeps a copy off site",
                       weaknesses=("no-offsite-backup",), evidence=lines, refs=("cis-11",))
    return finding(
        ev, "offsite", ok=False, severity=Severity.HIGH,
        title=f"No offsite copy of {ev.name}",
        detail="Every copy shown sits on the premises or on the same machine. Fire, theft or ransomware that "
               "reaches the network would take the backups with the originals, and the rebuild the breach "
               "guides describe needs a copy from somewhere else.",
        weaknesses=("no-offsite-backup",), evidence=lines,
        remediation="Add an encrypted copy away from the premises (a cloud bucket, a remote repository, or a "
                    "rotated drive kept elsewhere), ideally one the office network cannot delete (3-2-1-1-0). "
                    "If such a copy already exists, record it with `offsite: true` on this job.",
        refs=("cis-11", "cisa-stopransomware", "guide-breach-now"),
    )


def _immutable_line(ev: JobEvidence) -> str:
    if ev.immutable:
        return "Offline or immutable copy: yes (as stated in the config), the extra 1 of 3-2-1-1-0"
    if ev.immutable is False:
        return "Offline or immutable copy: no (as stated in the config); 3-2-1-1-0 adds one ransomware cannot reach"
    return "Offline or immutable copy: not recorded; 3-2-1-1-0 adds one ransomware cannot reach"


def freshness(ev: JobEvidence, now: datetime, figures: Figures, hardware_failure: bool = False) -> Finding:
    weaknesses = ("irregular-backups",) + (("hardware-failure",) if hardware_failure else ())
    rpo = ev.rpo_hours
    remediation = (f"Find out why the job stopped or fails, fix it, and have failures alert someone. Run it at least "
                   f"every {rpo:g} hours, and never less often than weekly.")
    refs = ("cis-11", "guide-after-loss")
    if not ev.snapshots:
        what = "successful run" if ev.declared else ev.noun
        return finding(
            ev, "freshness", ok=False, severity=Severity.HIGH,
            title=f"No {what} of {ev.name} is on record",
            detail="There is nothing to restore from: the job has either never run or never finished.",
            weaknesses=weaknesses, evidence=ev.notes, remediation=remediation, refs=refs,
        )
    hosts = ev.hosts()
    newest = {host: snaps[-1] for host, snaps in hosts.items()}
    stalest_host, stalest = min(newest.items(), key=lambda item: item[1].time)
    if ev.declared:
        lines = [f"Last successful run: {when(stalest.time)}"]
    else:
        of_host = f" of host {stalest_host}" if len(hosts) == 1 and stalest_host else ""
        lines = [f"{plural(len(ev.snapshots), ev.noun)}{of_host}; newest " + "; ".join(
            f"{_host_label(h, hosts)}{s.id} at {when(s.time)}" for h, s in newest.items())]
    lines += _gap_lines(ev, now, figures) + ev.notes
    span = now - stalest.time
    who = f" (host {stalest_host})" if len(hosts) > 1 else ""
    future = {host: snap for host, snap in newest.items() if snap.time > now}
    if future:
        ahead = max(snap.time for snap in future.values()) - now
        named = f" (host {', '.join(future)})" if len(hosts) > 1 else ""
        return finding(
            ev, "freshness", ok=False, severity=Severity.MEDIUM,
            title=f"Newest backup of {ev.name} is dated {age(ahead)} in the future{named}",
            detail=f"A {ev.noun} stamped later than now cannot be judged fresh or stale: the clock of this machine "
                   "or of the backed-up machine is wrong, so the schedule, retention and any restore-point choice "
                   "that rests on these times are in doubt.",
            weaknesses=weaknesses, evidence=lines, refs=refs,
            remediation="Set both clocks right (NTP) and take a fresh backup; then check the job again.",
        )
    if span <= timedelta(hours=rpo):
        return finding(ev, "freshness", ok=True, severity=Severity.INFO,
                       title=f"Newest backup of {ev.name} is {age(span)} old{who}",
                       weaknesses=weaknesses, evidence=lines, refs=refs)
    weekly = span > timedelta(hours=figures.weekly_hours)
    return finding(
        ev, "freshness", ok=False, severity=Severity.HIGH if weekly else Severity.MEDIUM,
        title=f"Newest backup of {ev.name} is {age(span)} old{who}",
        detail=f"The newest {ev.noun} is from {when(stalest.time)}, yet the job should produce one at least every "
               f"{rpo:g} hours. Everything changed since then would be lost in a restore."
               + (" That is also past the weekly minimum the CIS Controls set." if weekly else ""),
        weaknesses=weaknesses, evidence=lines, remediation=remediation, refs=refs,
    )


def _host_label(host: str, hosts: dict[str, list[Snapshot]]) -> str:
    """Name the host only when the repository holds more than one."""
    return f"host {host}: " if host and len(hosts) > 1 else ""


def _gap_lines(ev: JobEvidence, now: datetime, figures: Figures, show: int = 5) -> list[str]:
    """Intervals longer than the RPO in the recent window; pruning thins older history by design."""
    if ev.declared:
        return []
    start = now - timedelta(days=figures.gap_window_days)
    limit = timedelta(hours=ev.rpo_hours)
    gaps: list[tuple[timedelta, str, Snapshot, Snapshot]] = []
    hosts = ev.hosts()
    for host, snaps in hosts.items():
        for before, after in zip(snaps, snaps[1:], strict=False):
            if after.time > start and after.time - before.time > limit:
                gaps.append((after.time - before.time, host, before, after))
    if not gaps:
        return [f"No gaps longer than {ev.rpo_hours:g} hours between {ev.noun}s in the last "
                f"{figures.gap_window_days} days"]
    widest = sorted(sorted(gaps, key=lambda g: g[0], reverse=True)[:show], key=lambda g: g[2].time)
    lines = [f"{plural(len(gaps), 'gap')} longer than {ev.rpo_hours:g} hours in the last {figures.gap_window_days} "
             "days (a forget/prune policy thins older history on purpose)"
             + (f"; the {len(widest)} widest:" if len(widest) < len(gaps) else ":")]
    for span, host, before, after in widest:
        lines.append(f"  {_host_label(host, hosts)}{age(span)} with no {ev.noun}: {when(before.time)} to "
                     f"{when(after.time)}")
    return lines


def long_gaps(ev: JobEvidence, now: datetime, figures: Figures, hardware_failure: bool = False) -> Finding | None:
    """A stretch of more than a week with no backup in the recent window: the job stopped for a while.

    Shorter gaps are only listed in the freshness evidence, since `forget --keep-weekly` leaves week-long
    ones on purpose; a longer one cannot come from pruning, and CIS 11.2 asks for at least weekly backups.
    """
    if ev.declared:
        return None
    start = now - timedelta(days=figures.gap_window_days)
    limit = timedelta(hours=max(ev.rpo_hours, figures.weekly_hours))
    hosts = ev.hosts()
    gaps = [(after.time - before.time, host, before, after) for host, snaps in hosts.items()
            for before, after in zip(snaps, snaps[1:], strict=False)
            if after.time > start and after.time - before.time > limit]
    if not gaps:
        return None
    gaps.sort(key=lambda g: g[2].time)
    widest = max(gaps, key=lambda g: g[0])
    several = len(hosts) > 1
    whose = sorted({host for _, host, _, _ in gaps if host})
    who = f" (host {', '.join(whose)})" if several and whose else ""
    lines = [f"{plural(len(gaps), 'gap')} longer than {age(limit)} in the last {figures.gap_window_days} days:"]
    lines += [f"  {_host_label(host, hosts)}{age(span)} with no {ev.noun}: {when(before.time)} to {when(after.time)}"
              for span, host, before, after in gaps[:10]]
    return finding(
        ev, "gaps", ok=False, severity=Severity.HIGH,
        title=f"{ev.name} went {age(widest[0])} without a backup in the last {figures.gap_window_days} days{who}",
        detail=f"From {when(widest[2].time)} to {when(widest[3].time)} no {ev.noun} was taken, though the job should "
               f"run every {ev.rpo_hours:g} hours; the CIS Controls ask for at least weekly backups. Whatever broke "
               "the job then may break it again unnoticed.",
        weaknesses=("irregular-backups",) + (("hardware-failure",) if hardware_failure else ()),
        evidence=lines, refs=("cis-11", "guide-after-loss"),
        remediation="Find out why the job stopped in that period (a full disk, a changed password, a machine that "
                    "was off), and have every failed run alert someone.",
    )


def encryption(ev: JobEvidence) -> Finding:
    lines = [f"Encryption: {ev.encryption}"]
    refs = ("cis-11", "cisa-stopransomware")
    if ev.encrypted:
        return finding(ev, "encryption", ok=True, severity=Severity.INFO, title=f"Backups of {ev.name} are encrypted",
                       weaknesses=("faulty-security",), evidence=lines, refs=refs)
    remediation = ("Encrypt the backups (restic always does; borg with repokey or keyfile mode; most NAS and "
                   "cloud backup tools have a setting) and keep the key somewhere safe away from the office.")
    if ev.encrypted is None:
        return finding(
            ev, "encryption", ok=False, severity=Severity.LOW, title=f"Encryption of {ev.name} is not recorded",
            detail="Nothing shows whether these backups are encrypted. An unencrypted copy that is lost or stolen "
                   "exposes every file in it.",
            weaknesses=("faulty-security",), evidence=lines, refs=refs, actions=("add-offsite-backup",),
            remediation=remediation + " Then record `encrypted: true` on this job.",
        )
    return finding(
        ev, "encryption", ok=False, severity=Severity.HIGH if ev.offsite.offsite else Severity.MEDIUM,
        title=f"Backups of {ev.name} are not encrypted",
        detail="Anyone who gets hold of the backup media or the storage account can read every file in it, "
               "customer records included." + (" This copy leaves the premises." if ev.offsite.offsite else ""),
        weaknesses=("faulty-security",), evidence=lines, refs=refs, actions=("add-offsite-backup",),
        remediation=remediation,
    )


def integrity(ev: JobEvidence) -> Finding:
    assert ev.integrity is not None
    tool = f"{ev.kind} check"
    if ev.integrity.ok:
        return finding(ev, "integrity", ok=True, severity=Severity.INFO, title=f"`{tool}` found no errors in {ev.name}",
                       weaknesses=("unreviewed-backups",), evidence=[f"`{tool}` completed without errors"],
                       refs=("cisa-stopransomware",))
    return finding(
        ev, "integrity", ok=False, severity=Severity.HIGH, title=f"`{tool}` found errors in {ev.name}",
        detail="The repository is damaged: some backups may not restore at all, and nobody would know until "
               "the day they are needed.",
        weaknesses=("unreviewed-backups",),
        evidence=[f"`{tool}` reported:", *(f"  {p}" for p in ev.integrity.problems)],
        remediation="Find the cause (a failing disk, interrupted uploads), copy the repository before any repair, "
                    "repair it with the tool's own repair command, take a fresh backup and check again.",
        refs=("cisa-stopransomware", "cis-11"), actions=("test-restores",),
    )


# The retention command of each tool, so a borg job is never told to run restic.
PRUNE_EXAMPLE = {
    "restic": "restic forget --keep-daily 14 --keep-weekly 8 --keep-monthly 12",
    "borg": "borg prune --keep-daily 14 --keep-weekly 8 --keep-monthly 12",
}


def retention(ev: JobEvidence, now: datetime, figures: Figures, host: str = "") -> Finding:
    """How far back the history reaches; with `host`, the history of that machine only."""
    need = figures.min_retention_days
    aspect, of = ("retention", ev.name) if not host else (f"retention/{host}", f"{ev.name} for host {host}")
    refs = ("mandiant-mtrends-2026", "guide-after-loss")
    example = PRUNE_EXAMPLE.get(ev.kind, "")
    remediation = (f"Keep at least {need} days of history, better several months of weekly and monthly copies"
                   + (f" (e.g. {example})." if example else "."))
    detail = (f"Intruders go unnoticed for a median of 14 days and, in espionage cases, about four months. "
              f"History shorter than {need} days may hold no copy from before the attacker arrived.")
    depth: timedelta | None
    if ev.declared:
        depth = timedelta(days=ev.retention_days) if ev.retention_days is not None else None
        lines = [f"Declared retention: {ev.retention_days} days" if depth is not None else "Retention not declared"]
    elif ev.snapshots:
        hosts = ev.hosts()
        oldest = {host: snaps[0] for host, snaps in hosts.items()}
        depth = max(timedelta(0), min(now - s.time for s in oldest.values()))
        lines = [f"Oldest {ev.noun}: " + "; ".join(f"{_host_label(h, hosts)}{s.id} at {when(s.time)}"
                                                  for h, s in oldest.items())]
    else:
        depth = timedelta(0)
        lines = [f"No {ev.noun}s at all"]
    if depth is None:
        return finding(ev, aspect, ok=False, severity=Severity.LOW,
                       title=f"How far back {of} reaches is not recorded",
                       detail=detail, weaknesses=("unreviewed-backups",), evidence=lines, refs=refs,
                       remediation=remediation + " Record it as `retention_days` on this job.")
    if depth >= timedelta(days=need):
        return finding(ev, aspect, ok=True, severity=Severity.INFO,
                       title=f"History of {of} reaches back {age(depth)}",
                       weaknesses=("unreviewed-backups",), evidence=lines, refs=refs)
    return finding(ev, aspect, ok=False, severity=Severity.MEDIUM,
                   title=f"History of {of} reaches back only {age(depth)}",
                   detail=detail, weaknesses=("unreviewed-backups",), evidence=lines, refs=refs,
                   remediation=remediation)


def restore_test(ev: JobEvidence, now: datetime, figures: Figures) -> Finding:
    refs = ("cis-11.5", "cisa-stopransomware")
    remediation = ("Restore a sample of files (and once a year a whole machine) to a spare location, check they "
                   "open, and record the date as `last_restore_test` on this job. CIS asks for a test every quarter.")
    tested = ev.last_restore_test
    if tested is None:
        return finding(
            ev, "restore-test", ok=False, severity=Severity.MEDIUM, title=f"No restore test recorded for {ev.name}",
            detail="A backup that was never restored is a hope, not a plan: a missing folder, a lost key or a "
                   "damaged copy shows up only on the day it is needed.",
            weaknesses=("unreviewed-backups",), evidence=["last_restore_test is not set"], refs=refs,
            remediation=remediation,
        )
    days = (now.date() - tested).days
    lines = [f"Last restore test: {tested.isoformat()} ({days} days ago, as recorded in the config)"]
    if days > figures.restore_test_max_days:
        return finding(
            ev, "restore-test", ok=False, severity=Severity.MEDIUM,
            title=f"Last restore test of {ev.name} was {days} days ago",
            detail="More than a year has passed: systems, folders and keys have changed since the restore was "
                   "proven to work.",
            weaknesses=("unreviewed-backups",), evidence=lines, refs=refs, remediation=remediation,
        )
    if days > figures.restore_test_recommended_days:
        lines.append(f"CIS Controls 11.5 asks for a test every quarter ({figures.restore_test_recommended_days} days)")
    return finding(ev, "restore-test", ok=True, severity=Severity.INFO,
                   title=f"A restore of {ev.name} was tested on {tested.isoformat()}",
                   weaknesses=("unreviewed-backups",), evidence=lines, refs=refs)


def size_trend(ev: JobEvidence, figures: Figures, host: str = "") -> Finding | None:
    """A newest backup far smaller than the usual ones is often a partial or failed one (per host, if given)."""
    aspect, of = ("size-trend", ev.name) if not host else (f"size-trend/{host}", f"{ev.name} for host {host}")
    sized = [s for s in ev.snapshots if s.size is not None]
    if len(sized) < 3:
        return None
    newest, previous = sized[-1], sized[-1 - figures.compare_last:-1]
    usual = statistics.median(s.size or 0 for s in previous)
    lines = [f"Newest {ev.noun} {newest.id}: {size(newest.size or 0)}; median of the {len(previous)} before it: "
             f"{size(int(usual))}",
             "Sizes, oldest to newest: " + ", ".join(size(s.size or 0) for s in previous + [newest])]
    if usual == 0 or (newest.size or 0) >= figures.shrink_ratio * usual:
        return finding(ev, aspect, ok=True, severity=Severity.INFO,
                       title=f"Newest backup of {of} is in line with the usual size",
                       weaknesses=("unreviewed-backups",), evidence=lines, refs=("cis-11.5",))
    return finding(
        ev, aspect, ok=False, severity=Severity.MEDIUM,
        title=f"Newest backup of {of} is much smaller than usual",
        detail=f"At {size(newest.size or 0)} it is under {figures.shrink_ratio:.0%} of the usual {size(int(usual))}: "
               "a backup that stopped part-way, or a folder that is no longer included, looks like this.",
        weaknesses=("unreviewed-backups",), evidence=lines, refs=("cis-11.5",), actions=("test-restores",),
        remediation="Open the newest backup and check it holds everything it should; look at the backup log for "
                    "errors; then test a restore.",
    )
