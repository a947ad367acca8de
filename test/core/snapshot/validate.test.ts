// validateSnapshot: the rules of docs/snapshot-format.md, each failing case located by JSON path
// (docs/test-checklist.md items 21, 22, 25).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../../src/core/snapshot/types.ts";
import { SNAPSHOT_LIMITS, validateSnapshot } from "../../../src/core/snapshot/validate.ts";
import { dateProblem } from "../../../src/core/snapshot/field-checks.ts";
import type { ErrorDetail } from "../../../src/core/errors.ts";

/** The example snapshot of docs/snapshot-format.md › Example, as JSON text would parse. */
const EXAMPLE = {
  format: "shiftfeed.snapshot/1",
  organization: { id: "stmarys", name: "St. Mary's Health", tier: "enterprise" },
  schedule: { id: "cardiology", name: "Cardiology", timezone: "America/New_York" },
  revision: 42,
  publishedAt: "2026-11-20T14:03:00Z",
  people: [{ id: "p1001", name: "Ana López, MD", email: "ana@example.org", phone: "+1 555 0100" }],
  shifts: [
    { id: "call", name: "Cardiology Call", start: "07:00", end: "07:00", location: "Main Campus" },
    { id: "vac", name: "Vacation", allDay: true },
  ],
  assignments: [
    { id: "a-881", personId: "p1001", shiftId: "call", date: "2026-11-27" },
    { id: "a-882", personId: "p1001", shiftId: "vac", date: "2026-12-24", endDate: "2026-12-26" },
    {
      id: "a-883",
      personId: "p1001",
      shiftId: "call",
      date: "2026-11-28",
      start: "19:00",
      end: "23:00",
      note: "Covering for Dr. Kim",
    },
  ],
};

type Doc = Record<string, unknown> & {
  organization: Record<string, unknown>;
  schedule: Record<string, unknown>;
  people: Record<string, unknown>[];
  shifts: Record<string, unknown>[];
  assignments: Record<string, unknown>[];
};

/** A fresh, freely mutable copy of the example. */
function example(): Doc {
  return structuredClone(EXAMPLE) as Doc;
}

/** The example after `change`. */
function changed(change: (doc: Doc) => void): Doc {
  const doc = example();
  change(doc);
  return doc;
}

function item(list: Record<string, unknown>[], i: number): Record<string, unknown> {
  const found = list[i];
  if (found === undefined) throw new Error(`no element ${i}`);
  return found;
}

function errorsOf(value: unknown, expected?: { org: string; schedule: string }): ErrorDetail[] {
  const result = validateSnapshot(value, expected);
  if (result.ok) throw new Error("expected the snapshot to be rejected");
  return result.details;
}

/** Asserts exactly one problem, at `path`, whose message names `field` in backticks. */
function expectOnly(value: unknown, path: string, field: string): string {
  const details = errorsOf(value);
  expect(details.map((d) => d.path)).toEqual([path]);
  const message = details[0]?.message ?? "";
  expect(message).toContain(`\`${field}\``);
  return message;
}

describe("a valid snapshot", () => {
  it("docs/snapshot-format.md shows this example, and it is valid", () => {
    const doc = readFileSync(new URL("../../../docs/snapshot-format.md", import.meta.url), "utf8");
    const block = /## Example\n\n```json\n([\s\S]*?)\n```/.exec(doc);
    expect(block, "a json block under ## Example").not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual(EXAMPLE);
    expect(validateSnapshot(JSON.parse(block![1]!)).ok).toBe(true);
  });

  it("yields the exact typed value of the documented example", () => {
    const expected: Snapshot = {
      format: "shiftfeed.snapshot/1",
      organization: { id: "stmarys", name: "St. Mary's Health", tier: "enterprise" },
      schedule: { id: "cardiology", name: "Cardiology", timezone: "America/New_York" },
      revision: 42,
      publishedAt: "2026-11-20T14:03:00Z",
      people: [{ id: "p1001", name: "Ana López, MD", email: "ana@example.org", phone: "+1 555 0100" }],
      shifts: [
        {
          id: "call",
          name: "Cardiology Call",
          allDay: false,
          start: "07:00",
          end: "07:00",
          location: "Main Campus",
        },
        { id: "vac", name: "Vacation", allDay: true },
      ],
      assignments: [
        { id: "a-881", personId: "p1001", shiftId: "call", date: "2026-11-27" },
        { id: "a-882", personId: "p1001", shiftId: "vac", date: "2026-12-24", endDate: "2026-12-26" },
        {
          id: "a-883",
          personId: "p1001",
          shiftId: "call",
          date: "2026-11-28",
          start: "19:00",
          end: "23:00",
          note: "Covering for Dr. Kim",
        },
      ],
    };
    const result = validateSnapshot(example(), { org: "stmarys", schedule: "cardiology" });
    expect(result).toStrictEqual({ ok: true, snapshot: expected });
  });

  it("applies defaults: tier `standard`, `allDay: false`; omits absent optional fields", () => {
    const result = validateSnapshot(
      changed((d) => {
        delete d.organization["tier"];
        d.people = [{ id: "p1", name: "Bo" }];
        d.shifts = [{ id: "day", name: "Day", start: "07:00", end: "19:00", allDay: false }];
        d.assignments = [{ id: "a", personId: "p1", shiftId: "day", date: "2026-01-01" }];
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.snapshot.organization.tier).toBe("standard");
    expect(result.snapshot.people).toStrictEqual([{ id: "p1", name: "Bo" }]);
    expect(result.snapshot.shifts).toStrictEqual([
      { id: "day", name: "Day", allDay: false, start: "07:00", end: "19:00" },
    ]);
    expect(result.snapshot.assignments[0]).toStrictEqual({
      id: "a",
      personId: "p1",
      shiftId: "day",
      date: "2026-01-01",
    });
  });

  it("keeps the input order of arrays", () => {
    const ids = ["z", "a", "m", "b"];
    const result = validateSnapshot(
      changed((d) => {
        d.assignments = ids.map((id) => ({ id, personId: "p1001", shiftId: "call", date: "2026-01-01" }));
      }),
    );
    expect(result.ok && result.snapshot.assignments.map((a) => a.id)).toEqual(ids);
  });

  it("accepts empty people, shifts and assignments", () => {
    expect(
      validateSnapshot(changed((d) => Object.assign(d, { people: [], shifts: [], assignments: [] }))).ok,
    ).toBe(true);
  });
});

describe("document rules", () => {
  it.each([["shiftfeed.snapshot/2"], ["Shiftfeed.snapshot/1"], [""], [1]])(
    "rejects `format` %j",
    (format) => {
      const message = expectOnly(
        changed((d) => (d["format"] = format)),
        "$.format",
        "format",
      );
      expect(message).toContain('"shiftfeed.snapshot/1"');
    },
  );

  it("requires every top-level field, one error each", () => {
    expect(errorsOf({ format: "shiftfeed.snapshot/1" })).toEqual([
      { path: "$.organization", message: "`organization` is required" },
      { path: "$.schedule", message: "`schedule` is required" },
      { path: "$.revision", message: "`revision` is required" },
      { path: "$.publishedAt", message: "`publishedAt` is required" },
      { path: "$.people", message: "`people` is required" },
      { path: "$.shifts", message: "`shifts` is required" },
      { path: "$.assignments", message: "`assignments` is required" },
    ]);
  });

  it("reports unknown properties anywhere, at their own path, with a hint for typos", () => {
    const doc = changed((d) => {
      d["extra"] = 1;
      d.organization["tire"] = "standard";
      item(d.people, 0)["mail"] = "x";
      item(d.shifts, 1)["allday"] = true;
      item(d.assignments, 1)["endDat"] = "2026-12-31";
    });
    expect(errorsOf(doc)).toEqual([
      {
        path: "$.organization.tire",
        message: "`tire` is not a property of `organization` (did you mean `tier`?)",
      },
      { path: "$.people[0].mail", message: "`mail` is not a property of a person (did you mean `email`?)" },
      {
        path: "$.shifts[1].allday",
        message: "`allday` is not a property of a shift (did you mean `allDay`?)",
      },
      {
        path: "$.assignments[1].endDat",
        message: "`endDat` is not a property of an assignment (did you mean `endDate`?)",
      },
      { path: "$.extra", message: "`extra` is not a property of the snapshot" },
    ]);
  });

  it("reports a `__proto__` property like any other unknown key", () => {
    const doc = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const details = errorsOf({ ...example(), ...doc });
    expect(details).toEqual([
      { path: "$.__proto__", message: "`__proto__` is not a property of the snapshot" },
    ]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("quotes odd property names in paths", () => {
    expect(errorsOf(changed((d) => (d["a b"] = 1)))[0]?.path).toBe('$["a b"]');
  });

  it.each([
    ["missing", undefined, "is required"],
    ["negative", -1, "must be an integer"],
    ["zero", 0, "must be an integer"],
    ["fractional", 1.5, "must be an integer"],
    ["string", "3", "must be a number"],
    ["2^53", 2 ** 53, "must be an integer from 1 to 9007199254740991"],
    ["null", null, "must be a number"],
  ])("rejects a %s `revision`", (_name, revision, problem) => {
    const message = expectOnly(
      changed((d) => (d["revision"] = revision)),
      "$.revision",
      "revision",
    );
    expect(message).toContain(problem);
  });

  it("accepts revision Number.MAX_SAFE_INTEGER", () => {
    expect(validateSnapshot(changed((d) => (d["revision"] = Number.MAX_SAFE_INTEGER))).ok).toBe(true);
  });

  it.each(["2026-11-20T14:03:00Z", "2026-11-20T14:03:00.123+01:00", "2024-02-29T23:59:59-05:30"])(
    "accepts `publishedAt` %s",
    (publishedAt) => {
      expect(validateSnapshot(changed((d) => (d["publishedAt"] = publishedAt))).ok).toBe(true);
    },
  );

  it.each([
    "2026-11-20T14:03:00",
    "2026-11-20 14:03:00Z",
    "2026-11-20",
    "2026-02-30T10:00:00Z",
    "2026-11-20T24:00:00Z",
    "2026-11-20T14:03Z",
    "2026-11-20T14:03:00+0100",
    "Fri, 20 Nov 2026 14:03:00 GMT",
    "",
  ])("rejects `publishedAt` %j", (publishedAt) => {
    const message = expectOnly(
      changed((d) => (d["publishedAt"] = publishedAt)),
      "$.publishedAt",
      "publishedAt",
    );
    expect(message).toContain("RFC 3339");
  });
});

describe("organization and schedule", () => {
  it("accepts both tiers and rejects others", () => {
    expect(validateSnapshot(changed((d) => (d.organization["tier"] = "standard"))).ok).toBe(true);
    const message = expectOnly(
      changed((d) => (d.organization["tier"] = "gold")),
      "$.organization.tier",
      "tier",
    );
    expect(message).toBe('`tier` must be one of "enterprise", "standard", got "gold"');
  });

  it.each(["Mars/Olympus", "EST5EDT", "EST", "Etc/GMT+5", "", "america/new_york"])(
    "rejects the time zone %j, suggesting a canonical name",
    (timezone) => {
      const message = expectOnly(
        changed((d) => (d.schedule["timezone"] = timezone)),
        "$.schedule.timezone",
        "timezone",
      );
      expect(message).toContain("America/New_York");
    },
  );

  it.each(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/Argentina/Buenos_Aires"])(
    "accepts the time zone %s",
    (timezone) => {
      expect(validateSnapshot(changed((d) => (d.schedule["timezone"] = timezone))).ok).toBe(true);
    },
  );

  it("requires the ids to match the URL", () => {
    const details = errorsOf(example(), { org: "other", schedule: "icu" });
    expect(details.map((d) => d.path)).toEqual(["$.organization.id", "$.schedule.id"]);
    expect(details[0]?.message).toBe('`id` must match the organization in the URL ("other"), got "stmarys"');
  });
});

describe("ids and text", () => {
  it.each(["", "a".repeat(65), "has space", "ümlaut", "a/b", "a:b"])("rejects the id %j", (id) => {
    const message = expectOnly(
      changed((d) => (d.organization["id"] = id)),
      "$.organization.id",
      "id",
    );
    expect(message).toContain("A-Z a-z 0-9 . _ -");
  });

  it("accepts an id of 64 characters from the whole alphabet", () => {
    const id = "AZaz09._-".padEnd(64, "x");
    expect(
      validateSnapshot(
        changed((d) => (d.schedule["id"] = id)),
        { org: "stmarys", schedule: id },
      ).ok,
    ).toBe(true);
  });

  it("checks ids of people, shifts and assignments, and references to them", () => {
    const doc = changed((d) => {
      item(d.people, 0)["id"] = "p 1";
      item(d.shifts, 0)["id"] = "";
      item(d.assignments, 0)["id"] = "x".repeat(65);
      item(d.assignments, 1)["personId"] = "no/such";
    });
    expect(errorsOf(doc).map((d) => d.path)).toEqual([
      "$.people[0].id",
      "$.shifts[0].id",
      "$.assignments[0].id",
      // The renamed person and shift no longer exist, so references to them fail too.
      "$.assignments[0].personId",
      "$.assignments[0].shiftId",
      "$.assignments[1].personId",
      "$.assignments[2].personId",
      "$.assignments[2].shiftId",
    ]);
  });

  it.each([
    ["empty", ""],
    ["blank", " \t\n "],
    ["too long", "x".repeat(201)],
  ])("rejects a %s name", (_name, name) => {
    const doc = changed((d) => {
      d.organization["name"] = name;
      d.schedule["name"] = name;
      item(d.people, 0)["name"] = name;
      item(d.shifts, 0)["name"] = name;
    });
    const details = errorsOf(doc);
    expect(details.map((d) => d.path)).toEqual([
      "$.organization.name",
      "$.schedule.name",
      "$.people[0].name",
      "$.shifts[0].name",
    ]);
    for (const d of details) expect(d.message).toContain("`name`");
  });

  it("counts characters, not UTF-16 units: 200 emoji make a valid name", () => {
    expect(validateSnapshot(changed((d) => (item(d.people, 0)["name"] = "😀".repeat(200)))).ok).toBe(true);
  });

  it("limits email, phone and location to 320 characters and notes to 16,384", () => {
    const ok = changed((d) => {
      item(d.people, 0)["email"] = "e".repeat(320);
      item(d.shifts, 0)["location"] = "l".repeat(320);
      item(d.assignments, 0)["note"] = "n".repeat(16_384);
    });
    expect(validateSnapshot(ok).ok).toBe(true);
    const doc = changed((d) => {
      item(d.people, 0)["email"] = "e".repeat(321);
      item(d.people, 0)["phone"] = "5".repeat(321);
      item(d.shifts, 0)["location"] = "l".repeat(321);
      item(d.assignments, 0)["note"] = "n".repeat(16_385);
    });
    expect(errorsOf(doc)).toEqual([
      { path: "$.people[0].email", message: "`email` must be at most 320 characters, got 321" },
      { path: "$.people[0].phone", message: "`phone` must be at most 320 characters, got 321" },
      { path: "$.shifts[0].location", message: "`location` must be at most 320 characters, got 321" },
      { path: "$.assignments[0].note", message: "`note` must be at most 16384 characters, got 16385" },
    ]);
  });

  it("rejects wrong types and null for optional fields", () => {
    const doc = changed((d) => {
      item(d.people, 0)["email"] = null;
      item(d.shifts, 1)["allDay"] = "yes";
      item(d.assignments, 0)["note"] = 7;
    });
    expect(errorsOf(doc)).toEqual([
      { path: "$.people[0].email", message: "`email` must be a string, got null" },
      { path: "$.shifts[1].allDay", message: '`allDay` must be a boolean, got "yes"' },
      { path: "$.assignments[0].note", message: "`note` must be a string, got number 7" },
    ]);
  });

  it("rejects lone UTF-16 surrogates", () => {
    const doc = changed((d) => {
      item(d.people, 0)["name"] = "Ana \ud800";
      item(d.assignments, 0)["note"] = "\udc00 tail";
    });
    const details = errorsOf(doc);
    expect(details.map((d) => d.path)).toEqual(["$.people[0].name", "$.assignments[0].note"]);
    expect(details[0]?.message).toContain("unpaired UTF-16 surrogate");
  });

  it("rejects array elements that are not objects", () => {
    expect(errorsOf(changed((d) => ((d.people as unknown[])[0] = "p1001")))).toContainEqual({
      path: "$.people[0]",
      message: '`people[0]` must be an object, got "p1001"',
    });
  });
});

describe("dates and times", () => {
  it.each([
    ["2026-02-30", "calendar date"],
    ["2025-02-29", "calendar date"],
    ["2026-13-01", "calendar date"],
    ["2026-1-01", "calendar date"],
    ["26-01-01", "calendar date"],
    ["2026-01-01T00:00", "calendar date"],
    ["1999-12-31", "between 2000-01-01 and 2099-12-31"],
    ["2100-01-01", "between 2000-01-01 and 2099-12-31"],
  ])("rejects `date` %s", (date, problem) => {
    const message = expectOnly(
      changed((d) => (item(d.assignments, 0)["date"] = date)),
      "$.assignments[0].date",
      "date",
    );
    expect(message).toContain(problem);
    expect(message).toContain(JSON.stringify(date));
  });

  it("gives the exact message for an impossible date", () => {
    expect(errorsOf(changed((d) => (item(d.assignments, 0)["date"] = "2026-02-30")))).toEqual([
      {
        path: "$.assignments[0].date",
        message: '`date` must be a calendar date YYYY-MM-DD, got "2026-02-30"',
      },
    ]);
  });

  it.each(["2000-01-01", "2099-12-31", "2024-02-29", "2000-02-29"])("accepts `date` %s", (date) => {
    expect(validateSnapshot(changed((d) => (item(d.assignments, 0)["date"] = date))).ok).toBe(true);
  });

  it("accepts exactly the 36,525 days from 2000-01-01 to 2099-12-31 (the fast date regex matches the calendar)", () => {
    const accepted: string[] = [];
    for (let y = 1999; y <= 2100; y++) {
      for (let m = 1; m <= 12; m++) {
        for (let d = 1; d <= 31; d++) {
          const date = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
          if (dateProblem(date) === undefined) accepted.push(date);
        }
      }
    }
    const expected = Array.from({ length: 36_525 }, (_, i) =>
      new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10),
    );
    expect(accepted).toEqual(expected);
  });

  it.each(["24:00", "7:00", "07:0", "07:60", "0700", "07:00:00", ""])("rejects the time %j", (time) => {
    const doc = changed((d) => {
      item(d.shifts, 0)["start"] = time;
      item(d.assignments, 2)["end"] = time;
    });
    const details = errorsOf(doc);
    expect(details.map((d) => d.path)).toEqual(["$.shifts[0].start", "$.assignments[2].end"]);
    expect(details[0]?.message).toContain("`start` must be a time HH:MM");
  });

  it("accepts 00:00 and 23:59", () => {
    const doc = changed((d) => Object.assign(item(d.shifts, 0), { start: "00:00", end: "23:59" }));
    expect(validateSnapshot(doc).ok).toBe(true);
  });
});

describe("shifts", () => {
  it("accepts an overnight shift and a 07:00–07:00 24-hour call", () => {
    const doc = changed((d) => d.shifts.push({ id: "night", name: "Night", start: "19:00", end: "07:00" }));
    expect(validateSnapshot(doc).ok).toBe(true);
  });

  it("forbids `start`/`end` on an all-day shift", () => {
    const doc = changed((d) => Object.assign(item(d.shifts, 1), { start: "08:00", end: "17:00" }));
    expect(errorsOf(doc)).toEqual([
      { path: "$.shifts[1].start", message: "`start` is not allowed on an all-day shift (`allDay: true`)" },
      { path: "$.shifts[1].end", message: "`end` is not allowed on an all-day shift (`allDay: true`)" },
    ]);
  });

  it("requires `start` and `end` on a timed shift, with or without `allDay: false`", () => {
    const doc = changed((d) => {
      delete item(d.shifts, 0)["end"];
      d.shifts.push({ id: "x", name: "X", allDay: false });
    });
    expect(errorsOf(doc)).toEqual([
      { path: "$.shifts[0].end", message: "`end` is required unless the shift is all-day (`allDay: true`)" },
      {
        path: "$.shifts[2].start",
        message: "`start` is required unless the shift is all-day (`allDay: true`)",
      },
      { path: "$.shifts[2].end", message: "`end` is required unless the shift is all-day (`allDay: true`)" },
    ]);
  });
});

describe("assignments", () => {
  it("must name a person and a shift of this snapshot", () => {
    const doc = changed((d) => {
      item(d.assignments, 0)["personId"] = "p9999";
      item(d.assignments, 2)["shiftId"] = "nope";
    });
    expect(errorsOf(doc)).toEqual([
      { path: "$.assignments[0].personId", message: '`personId` "p9999" names no entry of `people`' },
      { path: "$.assignments[2].shiftId", message: '`shiftId` "nope" names no entry of `shifts`' },
    ]);
  });

  it("requires `endDate` ≥ `date`", () => {
    const message = expectOnly(
      changed((d) => (item(d.assignments, 1)["endDate"] = "2026-12-23")),
      "$.assignments[1].endDate",
      "endDate",
    );
    expect(message).toBe('`endDate` must be on or after `date` (2026-12-24), got "2026-12-23"');
  });

  it("allows all-day spans up to 366 days, inclusive", () => {
    const ok = changed((d) =>
      Object.assign(item(d.assignments, 1), { date: "2028-01-01", endDate: "2028-12-31" }),
    );
    expect(validateSnapshot(ok).ok).toBe(true);
    const long = changed((d) =>
      Object.assign(item(d.assignments, 1), { date: "2028-01-01", endDate: "2029-01-01" }),
    );
    expect(expectOnly(long, "$.assignments[1].endDate", "endDate")).toContain("367 days");
  });

  it("forbids time overrides on an all-day shift", () => {
    const doc = changed((d) => Object.assign(item(d.assignments, 1), { start: "08:00", end: "12:00" }));
    expect(errorsOf(doc)).toEqual([
      { path: "$.assignments[1].start", message: '`start` cannot override the all-day shift "vac"' },
      { path: "$.assignments[1].end", message: '`end` cannot override the all-day shift "vac"' },
    ]);
  });

  it("allows overriding either time of a timed shift", () => {
    const doc = changed((d) => {
      d.assignments.push({ id: "s", personId: "p1001", shiftId: "call", date: "2026-01-01", start: "08:00" });
      d.assignments.push({ id: "e", personId: "p1001", shiftId: "call", date: "2026-01-01", end: "06:00" });
    });
    expect(validateSnapshot(doc).ok).toBe(true);
  });

  it.each([
    ["a same-day shift", "2026-01-01", "08:00", "17:00"],
    ["a shift ending the next day", "2026-01-02", "19:00", "07:00"],
    ["a 36-hour shift", "2026-01-02", "07:00", "19:00"],
    ["exactly 7 days", "2026-01-08", "07:00", "07:00"],
    ["a minute across midnight", "2026-01-02", "23:59", "00:00"],
  ])("accepts a timed assignment with `endDate`: %s", (_name, endDate, start, end) => {
    const doc = changed((d) =>
      Object.assign(item(d.assignments, 0), { date: "2026-01-01", endDate, start, end }),
    );
    expect(validateSnapshot(doc).ok).toBe(true);
  });

  it.each([
    ["zero-length", "2026-01-01", "07:00", "07:00", "zero-length or negative"],
    ["negative", "2026-01-01", "19:00", "07:00", "zero-length or negative"],
    ["7 days and a minute", "2026-01-08", "07:00", "07:01", "at most 7 days"],
    ["a 10-year shift", "2036-01-01", "07:00", "19:00", "at most 7 days"],
  ])("rejects a timed assignment with `endDate`: %s", (_name, endDate, start, end, problem) => {
    const doc = changed((d) =>
      Object.assign(item(d.assignments, 0), { date: "2026-01-01", endDate, start, end }),
    );
    expect(expectOnly(doc, "$.assignments[0].endDate", "endDate")).toContain(problem);
  });

  it("uses the shift's times when the assignment does not override them", () => {
    // `call` is 07:00–07:00: with endDate == date that is zero-length, with the next day it is 24 h.
    const zero = changed((d) => (item(d.assignments, 0)["endDate"] = "2026-11-27"));
    expect(expectOnly(zero, "$.assignments[0].endDate", "endDate")).toContain("zero-length or negative");
    expect(validateSnapshot(changed((d) => (item(d.assignments, 0)["endDate"] = "2026-11-28"))).ok).toBe(
      true,
    );
  });
});

describe("duplicates", () => {
  it("reports each later duplicate at its path, naming the first index", () => {
    const doc = changed((d) => {
      d.people.push({ id: "p2", name: "B" }, { id: "p1001", name: "Again" });
      d.shifts.push({ id: "vac", name: "Vacation 2", allDay: true, start: "08:00" });
      d.assignments.push({ id: "a-881", personId: "p1001", shiftId: "call", date: "2026-11-29" });
      d.assignments.push({ id: "a-881", personId: "p1001", shiftId: "call", date: "2026-11-30" });
    });
    expect(errorsOf(doc)).toEqual([
      { path: "$.people[2].id", message: '`id` "p1001" duplicates $.people[0].id' },
      { path: "$.shifts[2].id", message: '`id` "vac" duplicates $.shifts[1].id' },
      { path: "$.shifts[2].start", message: "`start` is not allowed on an all-day shift (`allDay: true`)" },
      { path: "$.assignments[3].id", message: '`id` "a-881" duplicates $.assignments[0].id' },
      { path: "$.assignments[4].id", message: '`id` "a-881" duplicates $.assignments[0].id' },
    ]);
  });

  it("allows the same id in different arrays", () => {
    const doc = changed((d) => {
      item(d.people, 0)["id"] = "x";
      item(d.shifts, 0)["id"] = "x";
      d.assignments = [{ id: "x", personId: "x", shiftId: "x", date: "2026-01-01" }];
    });
    expect(validateSnapshot(doc).ok).toBe(true);
  });
});

describe("every problem at once", () => {
  it("reports ten different problems in one result, in document order", () => {
    const doc = changed((d) => {
      d["format"] = "shiftfeed.snapshot/0";
      d.organization["tier"] = "gold";
      d.schedule["timezone"] = "Mars/Olympus";
      d["revision"] = 0;
      item(d.people, 0)["name"] = "";
      d.people.push({ id: "p1001", name: "Twin" });
      item(d.shifts, 1)["start"] = "09:00";
      item(d.assignments, 0)["date"] = "2026-02-30";
      item(d.assignments, 0)["endDat"] = "2026-03-01";
      item(d.assignments, 1)["personId"] = "ghost";
      item(d.assignments, 2)["endDate"] = "2036-11-28";
    });
    expect(errorsOf(doc).map((d) => d.path)).toEqual([
      "$.format",
      "$.organization.tier",
      "$.schedule.timezone",
      "$.revision",
      "$.people[0].name",
      "$.people[1].id",
      "$.shifts[1].start",
      "$.assignments[0].date",
      "$.assignments[0].endDat",
      "$.assignments[1].personId",
      "$.assignments[2].endDate",
    ]);
  });

  it("still checks references and durations of records that have other problems", () => {
    const doc = changed((d) =>
      Object.assign(item(d.assignments, 2), {
        note: 5,
        personId: "ghost",
        endDate: "2026-11-28",
        end: "19:00",
      }),
    );
    expect(errorsOf(doc).map((d) => d.path)).toEqual([
      "$.assignments[2].personId",
      "$.assignments[2].endDate",
      "$.assignments[2].note",
    ]);
  });
});

describe("size limits", () => {
  it("exports its limits", () => {
    expect(SNAPSHOT_LIMITS).toMatchObject({ maxPeople: 100_000, maxShifts: 1_000, maxAssignments: 500_000 });
  });

  it.each([
    ["people", SNAPSHOT_LIMITS.maxPeople],
    ["shifts", SNAPSHOT_LIMITS.maxShifts],
    ["assignments", SNAPSHOT_LIMITS.maxAssignments],
  ] as const)(
    "refuses more than the limit of %s with one error, without checking each element",
    (key, max) => {
      // Elements are all invalid: had they been validated, there would be one error per element.
      const doc = changed((d) => ((d as Record<string, unknown>)[key] = new Array<unknown>(max + 1).fill(7)));
      const details = errorsOf(doc);
      expect(details).toEqual([
        { path: `$.${key}`, message: `\`${key}\` must have at most ${max} entries, got ${max + 1}` },
      ]);
    },
  );

  it("caps the list of problems and says how many more there are", () => {
    const n = SNAPSHOT_LIMITS.maxDetails + 5;
    const doc = changed((d) => {
      d.assignments = Array.from({ length: n }, (_, i) => ({
        id: `a${i}`,
        personId: "ghost",
        shiftId: "call",
        date: "2026-01-01",
      }));
    });
    const details = errorsOf(doc);
    expect(details).toHaveLength(SNAPSHOT_LIMITS.maxDetails + 1);
    expect(details.at(-1)).toEqual({
      path: "$",
      message: "5 more problems not listed (at most 1000 are reported)",
    });
  });
});

describe("hostile text passes unchanged (the renderer escapes it)", () => {
  const hostile = [
    "Smith, Jane; MD \\ on-call",
    "line one\r\nline two\nline three\r",
    "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT\r\nBEGIN:VEVENT",
    "👩🏽‍⚕️ Dr. 🏥 — 心臓内科 当直",
    "עברית مرحبا RTL \u202e override",
    "quotes \" and ' and tabs\t",
  ];

  it.each(hostile)("keeps %j in names, locations and notes", (text) => {
    const doc = changed((d) => {
      d.organization["name"] = text;
      item(d.people, 0)["name"] = text;
      item(d.people, 0)["phone"] = text;
      item(d.shifts, 0)["name"] = text;
      item(d.shifts, 0)["location"] = text;
      item(d.assignments, 2)["note"] = text;
    });
    const result = validateSnapshot(doc);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { organization, people, shifts, assignments } = result.snapshot;
    expect([
      organization.name,
      people[0]?.name,
      people[0]?.phone,
      shifts[0]?.name,
      shifts[0]?.location,
    ]).toEqual(Array(5).fill(text));
    expect(assignments[2]?.note).toBe(text);
  });

  it("accepts a 10 KB note of mixed scripts", () => {
    const note = "Ünïcødé, 中文; \\ 😀\r\n".repeat(600);
    const result = validateSnapshot(changed((d) => (item(d.assignments, 0)["note"] = note)));
    expect(result.ok && result.snapshot.assignments[0]?.note).toBe(note);
  });
});
