#!/usr/bin/python3
"""Independent oracle for shiftfeed's event instants.

Computes, from `shiftfeed.snapshot/1` documents alone, the UTC instants (timed events) or dates (all-day
events) a correct feed must carry, with Python's `zoneinfo` (the system tz database) -- no code shared with
shiftfeed's TypeScript, no ICU. shiftfeed's time rules (docs/api.md › Feeds) map exactly onto PEP 495 with `fold=0`:

* a wall time in a spring-forward gap read with fold=0 uses the pre-transition offset, so it "moves forward by
  the gap" (New York 2027-03-14 02:30 -> 07:30Z, i.e. 03:30 EDT);
* an ambiguous wall time read with fold=0 is its first occurrence, i.e. it takes the earlier offset.

`--self-check` asserts both claims and a few hand-written instants, and exits non-zero on any failure.

Usage (Debian's interpreter, which has zoneinfo and the system tzdata):
    /usr/bin/python3 test/conformance/oracle.py --now 2027-01-15T12:00:00Z [--past 14] [--future 300] \
        snapshot.json [snapshot.json ...]
    /usr/bin/python3 test/conformance/oracle.py --self-check

Prints one JSON object on stdout:
    {"tzdata": "2025b", "events": [{"uid", "org", "schedule", "person", "allDay", "start", "end"}, ...]}
sorted by uid; timed `start`/`end` are UTC instants `YYYY-MM-DDTHH:MM:SSZ`, all-day ones are dates
`YYYY-MM-DD` with an exclusive `end`.

Rules (docs/api.md › Feeds, docs/snapshot-format.md): times are `HH:MM` local in the schedule's zone; an assignment's `start`/`end` override
the shift's; a timed shift without `endDate` ends on `date` when end > start, else on the next day; with
`endDate` it ends at `end` on `endDate`; an all-day event runs from `date` to (`endDate` or `date`) + 1 day,
exclusive. Window: an event is in when its first local date <= today + future and its last local date >=
today - past, "today" being the `--now` instant's date in the schedule's zone; the last local date of a timed
event is its end's local date (one day less when it ends exactly at 00:00 after starting on an earlier day), of
an all-day event its inclusive last day.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

FORMAT = "shiftfeed.snapshot/1"


def tzdata_version() -> str:
    """The version line of the system tz database zoneinfo reads (`unknown` when it says none)."""
    import zoneinfo

    for base in zoneinfo.TZPATH:
        for name in ("tzdata.zi", "+VERSION"):
            path = os.path.join(base, name)
            try:
                with open(path, encoding="utf-8") as f:
                    first = f.readline().strip()
            except OSError:
                continue
            return first.removeprefix("# version ").strip()
    return "unknown"


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def wall_to_utc(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """A local wall time read per shiftfeed's rule: PEP 495 fold=0 (gap -> pre-transition offset; overlap -> first)."""
    local = datetime.combine(day, parse_hhmm(hhmm), tzinfo=zone).replace(fold=0)
    return local.astimezone(timezone.utc)


def iso_utc(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def expand(snapshot: dict, now: datetime, past: int, future: int) -> list[dict]:
    if snapshot.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document: format={snapshot.get('format')!r}")
    org = snapshot["organization"]["id"]
    schedule = snapshot["schedule"]["id"]
    zone = ZoneInfo(snapshot["schedule"]["timezone"])
    shifts = {s["id"]: s for s in snapshot["shifts"]}
    today = now.astimezone(zone).date()
    lo, hi = today - timedelta(days=past), today + timedelta(days=future)

    out = []
    for a in snapshot["assignments"]:
        shift = shifts[a["shiftId"]]
        first = date.fromisoformat(a["date"])
        event = {
            "uid": f"{a['id']}@{schedule}.{org}.shiftfeed",
            "org": org,
            "schedule": schedule,
            "person": a["personId"],
        }
        if shift.get("allDay"):
            last = date.fromisoformat(a.get("endDate", a["date"]))
            event.update(allDay=True, start=first.isoformat(), end=(last + timedelta(days=1)).isoformat())
        else:
            start_hhmm = a.get("start", shift.get("start"))
            end_hhmm = a.get("end", shift.get("end"))
            if "endDate" in a:
                end_day = date.fromisoformat(a["endDate"])
            elif parse_hhmm(end_hhmm) > parse_hhmm(start_hhmm):
                end_day = first
            else:
                end_day = first + timedelta(days=1)
            start = wall_to_utc(first, start_hhmm, zone)
            end = wall_to_utc(end_day, end_hhmm, zone)
            first = start.astimezone(zone).date()
            end_local = end.astimezone(zone)
            last = end_local.date()
            if end_local.time() == time(0, 0) and last > first:
                last -= timedelta(days=1)
            event.update(allDay=False, start=iso_utc(start), end=iso_utc(end))
        if first <= hi and last >= lo:
            out.append(event)
    return out


def self_check() -> list[str]:
    """Failures of the PEP 495 claims and hand-written instants (empty when all hold)."""
    failures: list[str] = []

    def expect(label: str, got: str, want: str) -> None:
        if got != want:
            failures.append(f"{label}: got {got}, want {want}")

    ny = ZoneInfo("America/New_York")
    # Claim 1: a gap wall time with fold=0 takes the pre-transition offset (EST, -5) -> 03:30 EDT.
    gap = datetime(2027, 3, 14, 2, 30, tzinfo=ny)
    expect("NY gap fold=0 offset", str(gap.utcoffset()), "-1 day, 19:00:00")
    expect("NY gap 02:30 -> moved forward", iso_utc(gap), "2027-03-14T07:30:00Z")
    expect("NY gap 02:30 -> reads back as", gap.astimezone(timezone.utc).astimezone(ny).strftime("%H:%M %Z"), "03:30 EDT")
    expect("NY gap fold=1 (the other reading)", iso_utc(gap.replace(fold=1)), "2027-03-14T06:30:00Z")
    # Claim 2: an ambiguous wall time with fold=0 is its first occurrence (EDT, the earlier offset).
    amb = datetime(2027, 11, 7, 1, 30, tzinfo=ny)
    expect("NY overlap fold=0", iso_utc(amb), "2027-11-07T05:30:00Z")
    expect("NY overlap fold=1 (second occurrence)", iso_utc(amb.replace(fold=1)), "2027-11-07T06:30:00Z")
    # 24-hour calls across New York's changes: 23 h and 25 h.
    spring_call = wall_to_utc(date(2027, 3, 14), "07:00", ny) - wall_to_utc(date(2027, 3, 13), "07:00", ny)
    fall_call = wall_to_utc(date(2027, 11, 7), "07:00", ny) - wall_to_utc(date(2027, 11, 6), "07:00", ny)
    expect("NY spring 24-hour call", str(spring_call), "23:00:00")
    expect("NY autumn 24-hour call", str(fall_call), "1 day, 1:00:00")

    lh = ZoneInfo("Australia/Lord_Howe")
    # Lord Howe: +10:30 -> +11 at 02:00 on 2027-10-03 (30-minute gap 02:00-02:30): 02:15 -> 02:45 (+11).
    expect("Lord_Howe gap 02:15", iso_utc(wall_to_utc(date(2027, 10, 3), "02:15", lh)), "2027-10-02T15:45:00Z")
    # +11 -> +10:30 at 02:00 on 2027-04-04 (01:30-02:00 twice): 01:45 takes +11.
    expect("Lord_Howe overlap 01:45", iso_utc(wall_to_utc(date(2027, 4, 4), "01:45", lh)), "2027-04-03T14:45:00Z")

    ch = ZoneInfo("Pacific/Chatham")
    # Chatham: +12:45 -> +13:45 at 02:45 on 2027-09-26: 03:00 -> 04:00 (+13:45).
    expect("Chatham gap 03:00", iso_utc(wall_to_utc(date(2027, 9, 26), "03:00", ch)), "2027-09-25T14:15:00Z")
    # +13:45 -> +12:45 at 03:45 on 2027-04-04 (02:45-03:45 twice): 03:00 takes +13:45.
    expect("Chatham overlap 03:00", iso_utc(wall_to_utc(date(2027, 4, 4), "03:00", ch)), "2027-04-03T13:15:00Z")
    expect("Chatham winter noon", iso_utc(wall_to_utc(date(2027, 7, 1), "12:00", ch)), "2027-06-30T23:15:00Z")

    dub = ZoneInfo("Europe/Dublin")
    # Dublin (negative DST in tzdb, +0 winter / +1 summer either way): gap 01:00-02:00 on 2027-03-28.
    expect("Dublin gap 01:30", iso_utc(wall_to_utc(date(2027, 3, 28), "01:30", dub)), "2027-03-28T01:30:00Z")
    # Overlap 01:00-02:00 on 2027-10-31: 01:30 takes IST (+1).
    expect("Dublin overlap 01:30", iso_utc(wall_to_utc(date(2027, 10, 31), "01:30", dub)), "2027-10-31T00:30:00Z")
    expect("Dublin summer noon", iso_utc(wall_to_utc(date(2027, 7, 1), "12:00", dub)), "2027-07-01T11:00:00Z")

    ktm = ZoneInfo("Asia/Kathmandu")
    expect("Kathmandu +05:45", iso_utc(wall_to_utc(date(2027, 4, 4), "07:00", ktm)), "2027-04-04T01:15:00Z")

    # The window rule on a tiny snapshot: a night ending at 00:00 does not touch the next day.
    snap = {
        "format": FORMAT,
        "organization": {"id": "o", "name": "O"},
        "schedule": {"id": "s", "name": "S", "timezone": "America/New_York"},
        "people": [{"id": "p", "name": "P"}],
        "shifts": [{"id": "eve", "name": "Eve", "start": "16:00", "end": "00:00"},
                   {"id": "off", "name": "Off", "allDay": True}],
        "assignments": [
            {"id": "in-edge", "personId": "p", "shiftId": "eve", "date": "2027-01-01"},
            {"id": "out-midnight", "personId": "p", "shiftId": "eve", "date": "2026-12-31"},
            {"id": "in-leave", "personId": "p", "shiftId": "off", "date": "2026-12-25", "endDate": "2027-01-01"},
            {"id": "out-leave", "personId": "p", "shiftId": "off", "date": "2026-12-25", "endDate": "2026-12-31"},
            {"id": "in-future", "personId": "p", "shiftId": "eve", "date": "2027-11-11"},
            {"id": "out-future", "personId": "p", "shiftId": "eve", "date": "2027-11-12"},
        ],
    }
    got = sorted(e["uid"].split("@")[0] for e in expand(snap, datetime(2027, 1, 15, 12, tzinfo=timezone.utc), 14, 300))
    expect("window", ",".join(got), "in-edge,in-future,in-leave")
    return failures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Expected shiftfeed event instants, computed with zoneinfo.")
    parser.add_argument("--now", help="clock, an ISO instant such as 2027-01-15T12:00:00Z")
    parser.add_argument("--past", type=int, default=14, help="days back (default 14)")
    parser.add_argument("--future", type=int, default=300, help="days ahead (default 300)")
    parser.add_argument("--self-check", action="store_true", help="assert the PEP 495 claims and exit")
    parser.add_argument("snapshots", nargs="*", help="snapshot JSON files")
    args = parser.parse_args(argv)

    if args.self_check:
        failures = self_check()
        for f in failures:
            print(f"FAIL {f}", file=sys.stderr)
        print(json.dumps({"selfCheck": "fail" if failures else "ok", "tzdata": tzdata_version(),
                          "failures": failures}))
        return 1 if failures else 0

    if not args.now or not args.snapshots:
        parser.error("--now and at least one snapshot are required (or --self-check)")
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
    if now.tzinfo is None:
        parser.error("--now must carry an offset or Z")
    events: list[dict] = []
    for path in args.snapshots:
        with open(path, encoding="utf-8") as f:
            events.extend(expand(json.load(f), now, args.past, args.future))
    events.sort(key=lambda e: e["uid"])
    print(json.dumps({"tzdata": tzdata_version(), "events": events}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
