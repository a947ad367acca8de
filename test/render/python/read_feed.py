"""Reads iCalendar feeds with python-icalendar (Debian's python3-icalendar) and prints their events as JSON.

Usage: read_feed.py FILE...  ->  {"FILE": [{uid, start_utc, end_utc, summary, start_vtz, end_vtz}], ...}

python-icalendar 4.0 does NOT read a DTSTART/DTEND through the feed's VTIMEZONE when the TZID is an Olson
name pytz knows: it localizes the wall time with pytz (the system tzdata) and ignores the VTIMEZONE. So
`start_utc`/`end_utc` are what the library returns (TZID resolved by pytz/tzdata), and `start_vtz`/`end_vtz`
re-read the same wall time through the feed's own VTIMEZONE, converted with the library's
`Timezone.to_tz()` (its RRULE expansion of the component). All-day values are `YYYY-MM-DD` dates.
"""
import json
import sys
from datetime import date, datetime, timezone

from icalendar import Calendar


def iso(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("floating date-time %s" % value.isoformat())
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(repr(value))


def via_vtimezone(prop, zones):
    value = prop.dt
    tzid = prop.params.get("TZID")
    if not isinstance(value, datetime) or tzid is None:
        return iso(value)
    if tzid not in zones:
        raise KeyError("TZID %s has no VTIMEZONE" % tzid)
    # to_tz() builds a pytz-style zone, so localize() (is_dst=False) is its way to attach it.
    return iso(zones[tzid].localize(value.replace(tzinfo=None)))


def read(path):
    with open(path, "rb") as handle:
        calendar = Calendar.from_ical(handle.read())
    zones = {str(c["TZID"]): c.to_tz() for c in calendar.walk("VTIMEZONE")}
    events = []
    for event in calendar.walk("VEVENT"):
        events.append(
            {
                "uid": str(event["UID"]),
                "start_utc": iso(event["DTSTART"].dt),
                "end_utc": iso(event["DTEND"].dt),
                "start_vtz": via_vtimezone(event["DTSTART"], zones),
                "end_vtz": via_vtimezone(event["DTEND"], zones),
                "summary": str(event["SUMMARY"]),
            }
        )
    return events


if __name__ == "__main__":
    json.dump({path: read(path) for path in sys.argv[1:]}, sys.stdout, ensure_ascii=False)
