"""Reads one iCalendar feed with libical (the parser in Evolution) through its GObject bindings and prints its
events as JSON.

Usage: /usr/bin/python3 libical_read.py [FILE | -]   (stdin when FILE is missing or `-`)
  -> [{"uid", "allDay", "start", "end", "summary", "description", "location", "sequence"}, ...]  sorted by uid

`start`/`end` are `YYYY-MM-DDTHH:MM:SSZ` (UTC) for timed events and `YYYY-MM-DD` for all-day ones (`end`
exclusive, as written in the feed).

TZIDs are resolved through the feed's OWN VTIMEZONE components, as Outlook does, never through libical's
built-in zone database:
  * each VTIMEZONE of the feed becomes an `ICalGLib.Timezone` of its own (`Timezone.new()` +
    `set_component(clone)`), keyed by its TZID;
  * DTSTART/DTEND are read from the PROPERTY (`Property.get_dtstart()`), not via `Component.get_dtstart()`:
    the component getter attaches a zone by itself and falls back to `icaltimezone_get_builtin_timezone()` when
    the calendar has no matching VTIMEZONE. The property value carries no zone; this script checks that
    (`get_timezone()` is None) and then attaches the feed's zone explicitly;
  * the wall time is converted with `Time.as_timet_with_zone(feed_zone)`, i.e. with the observances expanded
    from the feed's own VTIMEZONE;
  * `Timezone.get_builtin_timezone*` and `Timezone.get_utc_timezone` are never called; a TZID with no VTIMEZONE
    in the feed is an error, not a silent lookup.
`test/conformance/libical.test.ts` proves it: a feed whose VTIMEZONE is deliberately wrong (offsets shifted)
moves every zoned instant this script reports, and a TZID without a VTIMEZONE fails.
"""
import json
import sys
from datetime import datetime, timezone

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

K = ICalGLib.ComponentKind
P = ICalGLib.PropertyKind


def components(parent, kind):
    out = []
    child = parent.get_first_component(kind)
    while child is not None:
        out.append(child)
        child = parent.get_next_component(kind)
    return out


def feed_zones(calendar):
    zones = {}
    for vtimezone in components(calendar, K.VTIMEZONE_COMPONENT):
        zone = ICalGLib.Timezone.new()
        if not zone.set_component(vtimezone.clone()):
            raise ValueError("libical refused a VTIMEZONE")
        tzid = zone.get_tzid()
        if not tzid:
            raise ValueError("VTIMEZONE without TZID")
        zones[tzid] = zone
    return zones


def tzid_of(prop):
    param = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    return None if param is None else param.get_tzid()


def instant(event, kind, zones):
    prop = event.get_first_property(kind)
    if prop is None:
        raise ValueError("%s missing" % ICalGLib.Property.kind_to_string(kind))
    value = prop.get_dtstart() if kind == P.DTSTART_PROPERTY else prop.get_dtend()
    if value.is_null_time() or not value.is_valid_time():
        raise ValueError("invalid %s" % prop.as_ical_string().strip())
    if value.is_date():
        return True, "%04d-%02d-%02d" % (value.get_year(), value.get_month(), value.get_day())
    tzid = tzid_of(prop)
    if value.is_utc():
        if tzid is not None:
            raise ValueError("UTC value with a TZID: %s" % prop.as_ical_string().strip())
        seconds = value.as_timet()  # a `Z` value: no zone involved
    else:
        if tzid is None:
            raise ValueError("floating date-time %s" % prop.as_ical_string().strip())
        if value.get_timezone() is not None:
            raise AssertionError("libical attached a zone to the property value by itself")
        if tzid not in zones:
            raise KeyError("TZID %s has no VTIMEZONE in the feed" % tzid)
        seconds = value.as_timet_with_zone(zones[tzid])
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return False, stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def text(event, kind):
    prop = event.get_first_property(kind)
    if prop is None:
        return None
    value = prop.get_value()
    return None if value is None else value.get_text()


def read(data):
    calendar = ICalGLib.Component.new_from_string(data)
    if calendar is None or calendar.isa() != K.VCALENDAR_COMPONENT:
        raise ValueError("not a VCALENDAR")
    zones = feed_zones(calendar)
    events = []
    for event in components(calendar, K.VEVENT_COMPONENT):
        all_day, start = instant(event, P.DTSTART_PROPERTY, zones)
        end_all_day, end = instant(event, P.DTEND_PROPERTY, zones)
        if all_day != end_all_day:
            raise ValueError("DTSTART and DTEND of %s differ in type" % event.get_uid())
        seq = event.get_first_property(P.SEQUENCE_PROPERTY)
        events.append(
            {
                "uid": event.get_uid(),
                "allDay": all_day,
                "start": start,
                "end": end,
                "summary": text(event, P.SUMMARY_PROPERTY),
                "description": text(event, P.DESCRIPTION_PROPERTY),
                "location": text(event, P.LOCATION_PROPERTY),
                "sequence": 0 if seq is None else seq.get_sequence(),
            }
        )
    events.sort(key=lambda e: e["uid"])
    return events


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    if path == "-":
        raw = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as handle:
            raw = handle.read()
    sys.stdout.buffer.write(json.dumps(read(raw.decode("utf-8")), ensure_ascii=False).encode("utf-8"))
