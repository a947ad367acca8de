/**
 * Regressions from the adversarial run of issue 6 (snapshot ingest rows), one block per reported defect, each
 * named after what a hostile user saw. HTTP-level halves live in `test/integration/publish-regressions.test.ts`.
 */
import { describe, expect, it } from "vitest";
import type { ErrorDetail } from "../../../src/core/errors.ts";
import { ingestSnapshot } from "../../../src/core/snapshot/ingest.ts";
import { validateSnapshot } from "../../../src/core/snapshot/validate.ts";
import { makeSnapshot, type SnapshotInput } from "../../support/server.ts";

/** A valid snapshot of one person, one timed shift and one assignment, for tests that rename things. */
function small(): SnapshotInput {
  return makeSnapshot({
    people: [{ id: "p1", name: "Dr. One" }],
    shifts: [{ id: "day", name: "Day", start: "07:00", end: "19:00" }],
    assignments: [{ id: "a1", personId: "p1", shiftId: "day", date: "2026-11-25" }],
  });
}

function errorsOf(value: unknown): ErrorDetail[] {
  const result = validateSnapshot(value);
  if (result.ok) throw new Error("expected the snapshot to be rejected");
  return result.details;
}

describe("row 8: ids `.` and `..` were published, but no URL can address them", () => {
  it.each([".", ".."])("refuses %j in every id field, saying why", (bad) => {
    const s = small();
    s.organization.id = bad;
    s.schedule.id = bad;
    s.people[0]!.id = bad;
    s.shifts[0]!.id = bad;
    s.assignments[0] = { id: bad, personId: bad, shiftId: bad, date: "2026-11-25" };
    const details = errorsOf(s);
    expect(details.map((d) => d.path)).toEqual([
      "$.organization.id",
      "$.schedule.id",
      "$.people[0].id",
      "$.shifts[0].id",
      "$.assignments[0].id",
      "$.assignments[0].personId",
      "$.assignments[0].shiftId",
    ]);
    for (const d of details) {
      expect(d.message).toMatch(/^`(id|personId|shiftId)` must not be "\." or "\.\.": .*URL/);
    }
  });

  it.each(["...", ".a", "a.", "a..b", "._-"])("still accepts %j, which URL parsers keep", (id) => {
    const s = small();
    s.people[0]!.id = id;
    s.assignments[0]!.personId = id;
    s.shifts[0]!.id = id;
    s.assignments[0]!.shiftId = id;
    expect(validateSnapshot(s).ok).toBe(true);
  });
});

/** `doc` as JSON text with the value at `set`'s placeholder replaced by a raw JSON literal, then parsed. */
function withLiteral(set: (doc: SnapshotInput, placeholder: string) => void, literal: string | undefined) {
  const doc = small();
  const placeholder = "\u0000placeholder\u0000";
  set(doc, placeholder);
  const text = JSON.stringify(doc);
  const quoted = JSON.stringify(placeholder);
  if (literal !== undefined) return JSON.parse(text.replace(quoted, literal)) as unknown;
  // Missing: drop the property (and the comma before it, or after it when it comes first).
  return JSON.parse(
    text.replace(new RegExp(`,?"[A-Za-z]+":${quoted.replace(/\\/g, "\\\\")}`), "").replace("{,", "{"),
  );
}

describe('row 14: `"revision": 1e309` said "got number null"; no `format` said "got undefined undefined"', () => {
  it("says a huge literal is a number too large to represent", () => {
    const value = withLiteral((d, x) => (d.revision = x), "1e309");
    expect(errorsOf(value)).toEqual([
      {
        path: "$.revision",
        message:
          "`revision` must be an integer from 1 to 9007199254740991, got a number too large to represent",
      },
    ]);
  });

  it("says a missing `format` is required", () => {
    expect(errorsOf(withLiteral((d, x) => (d.format = x), undefined))).toEqual([
      { path: "$.format", message: "`format` is required" },
    ]);
  });

  // Every kind of schema rule (literal, enum, regex fast path, refinement, boolean, number, object, array, array
  // element: zod's invalid_value, invalid_format, custom and invalid_type issues) against every kind of JSON input.
  type Set = (d: SnapshotInput, x: string) => void;
  const fields: [path: string, set: Set, accepts: string[]][] = [
    ["$.format", (d, x) => (d.format = x), []],
    ["$.organization.tier", (d, x) => (d.organization.tier = x), ["missing"]],
    ["$.organization", (d, x) => ((d as { organization: unknown }).organization = x), ["object"]],
    ["$.schedule.timezone", (d, x) => (d.schedule.timezone = x), []],
    ["$.revision", (d, x) => (d.revision = x), []],
    ["$.publishedAt", (d, x) => (d.publishedAt = x), []],
    ["$.people", (d, x) => ((d as { people: unknown }).people = x), ["array"]],
    ["$.people[0]", (d, x) => ((d.people as unknown[])[0] = x), ["object", "missing"]],
    ["$.people[0].name", (d, x) => (d.people[0]!.name = x), []],
    ["$.people[0].email", (d, x) => (d.people[0]!.email = x), ["missing"]],
    [
      "$.shifts[0].allDay",
      (d, x) => ((d.shifts[0] as { allDay: unknown }).allDay = x),
      ["missing", "boolean"],
    ],
    ["$.assignments[0].personId", (d, x) => (d.assignments[0]!.personId = x), []],
    ["$.assignments[0].date", (d, x) => (d.assignments[0]!.date = x), []],
    ["$.assignments[0].note", (d, x) => (d.assignments[0]!.note = x), ["missing"]],
  ];
  const inputs: [kind: string, literal: string | undefined, shown: RegExp][] = [
    ["missing", undefined, /^`[A-Za-z]+(\[0\])?` is required$/],
    ["null", "null", /, got null$/],
    ["boolean", "true", /, got boolean true$/],
    ["huge", "1e309", /, got a number too large to represent$/],
    ["huge negative", "-1e309", /, got a negative number too large to represent$/],
    ["large negative", "-1e308", /, got number -1e\+308$/],
    ["negative zero", "-0", /, got number -0$/],
    ["object", '{"a":1}', /, got an object$/],
    ["array", "[1]", /, got an array$/],
  ];
  for (const [path, set, accepts] of fields) {
    it.each(inputs.filter(([kind]) => !accepts.includes(kind)))(
      `words %s at ${path}`,
      (_kind, literal, shown) => {
        const details = errorsOf(withLiteral(set, literal));
        const at = details.filter((d) => d.path === path);
        expect(at, JSON.stringify(details)).toHaveLength(1);
        const message = at[0]!.message;
        expect(message).toMatch(/^`[A-Za-z]+(\[0\])?` /);
        expect(message).toMatch(shown);
        expect(message).not.toMatch(/undefined|NaN|number null|\[object/);
      },
    );
  }
});

describe("row 12: one 30 MiB unknown key made a 62.9 MB 422 body (the key in both path and message)", () => {
  /** Every detail stays short whatever it quotes: the limits the error body's size follows from. */
  function expectShort(details: ErrorDetail[]) {
    for (const d of details) {
      expect(d.path.length, d.path.slice(0, 200)).toBeLessThanOrEqual(128);
      expect(d.message.length, d.message.slice(0, 400)).toBeLessThanOrEqual(320);
    }
  }

  it("cuts a 30 MiB key in the path and the message", () => {
    const key = "k".repeat(30 * 1024 * 1024);
    const details = errorsOf({ ...small(), [key]: 1 });
    expect(details).toEqual([
      {
        path: `$["${"k".repeat(48)}…"]`,
        message: `"${"k".repeat(48)}…" (31457280 characters) is not a property of the snapshot`,
      },
    ]);
  });

  it("cuts every other place input is echoed: values, ids in cross-record rules, odd keys", () => {
    const big = "\u0001".repeat(1 << 20);
    const id = "x".repeat(1 << 20);
    const s = small();
    s.organization.id = id;
    s.schedule.timezone = big;
    s.publishedAt = big;
    s.people = [
      { id, name: big },
      { id, name: "Twin", email: big },
    ];
    s.shifts = [{ id, name: "Leave", allDay: true, location: big }];
    s.assignments = [
      { id, personId: id, shiftId: id, date: big, start: big, note: `${big}\ud800` },
      { id: "a2", personId: "p1", shiftId: id, date: "2026-11-25", endDate: big, [big]: 1 },
    ];
    const result = validateSnapshot(s, { org: "acme", schedule: "icu" });
    if (result.ok) throw new Error("expected a rejection");
    expect(result.details.length).toBeGreaterThan(15);
    expect(result.details.map((d) => d.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^`id` must match the organization in the URL \("acme"\), got "x{48}…" \(1048576/,
        ),
        expect.stringMatching(/^`id` "x{48}…" \(1048576 characters\) duplicates \$\.people\[0\]\.id$/),
        expect.stringMatching(/^`start` cannot override the all-day shift "x{48}…" \(1048576 characters\)$/),
      ]),
    );
    expectShort(result.details);
    expect(JSON.stringify(result.details).length).toBeLessThan(8 * 1024);
  });

  it("keeps the worst case of 1,000 details, each quoting the most it can, under 512 KiB", () => {
    const odd = "\u0001".repeat(1000);
    const s = small();
    s.assignments = Array.from({ length: 2000 }, (_, i) => ({
      id: `a${i}`,
      personId: "p1",
      shiftId: "day",
      date: odd,
      [odd]: odd,
    }));
    const result = validateSnapshot(s);
    if (result.ok) throw new Error("expected a rejection");
    expect(result.details).toHaveLength(1001);
    expectShort(result.details);
    const body = JSON.stringify({
      error: { code: "invalid_snapshot", message: "x", details: result.details },
    });
    expect(body.length).toBeLessThan(512 * 1024);
  });
});

describe('row 13: 5,000 bad dates said "The snapshot has 1001 problems."', () => {
  /** `small()` with `n` assignments dated 2026-02-30. */
  function badDates(n: number): SnapshotInput {
    const s = small();
    s.assignments = Array.from({ length: n }, (_, i) => ({
      id: `a${i}`,
      personId: "p1",
      shiftId: "day",
      date: "2026-02-30",
    }));
    return s;
  }
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it("says 5000, lists the first 1,000 and counts the other 4,000", async () => {
    const result = await ingestSnapshot(bytes(badDates(5000)), { org: "acme", schedule: "icu" });
    if (result.ok) throw new Error("expected a rejection");
    expect(result.error.message).toBe("The snapshot has 5000 problems (the first 1000 are listed).");
    const { details } = result.error;
    expect(details).toHaveLength(1001);
    expect(details.slice(0, 1000).map((d) => d.path)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `$.assignments[${i}].date`),
    );
    expect(details[1000]).toEqual({
      path: "$",
      message: "4000 more problems not listed (at most 1000 are reported)",
    });
  });

  it("lists the first problems of the document, whichever rule found them last", async () => {
    // The URL mismatch is found by the cross-record rules, after zod reported all 5,000 dates.
    const result = await ingestSnapshot(bytes(badDates(5000)), { org: "other", schedule: "icu" });
    if (result.ok) throw new Error("expected a rejection");
    expect(result.error.message).toBe("The snapshot has 5001 problems (the first 1000 are listed).");
    expect(result.error.details.slice(0, 2).map((d) => d.path)).toEqual([
      "$.organization.id",
      "$.assignments[0].date",
    ]);
    expect(result.error.details.at(-2)?.path).toBe("$.assignments[998].date");
    expect(result.error.details.at(-1)?.message).toBe(
      "4001 more problems not listed (at most 1000 are reported)",
    );
  });

  it("says the count without a listing note when every problem is listed", async () => {
    const result = await ingestSnapshot(bytes(badDates(1000)), { org: "acme", schedule: "icu" });
    expect(result.ok || result.error.message).toBe("The snapshot has 1000 problems.");
    expect(result.ok || result.error.details).toHaveLength(1000);
  });
});

describe("row 15: a name of only control characters was accepted (an empty calendar name)", () => {
  const setNames = (s: SnapshotInput, name: string) => {
    s.organization.name = name;
    s.schedule.name = name;
    s.people[0]!.name = name;
    s.shifts[0]!.name = name;
  };

  it.each([
    ["control characters", "\u0001\u0002\u007f"],
    ["a zero-width space", "\u200b"],
    ["bidi controls", "\u202e\u2066\u2069"],
    ["a byte order mark", "\ufeff"],
    ["no-break and ideographic spaces", "\u00a0\u3000\u2028"],
    ["Hangul fillers and a variation selector", "\u3164\u115f\ufe0f"],
    ["a mix of all of these", " \t\u0000\u200d\u202a\ufeff\u00a0"],
  ])("refuses a name of only %s in every name field", (_kind, name) => {
    const s = small();
    setNames(s, name);
    const details = errorsOf(s);
    expect(details.map((d) => d.path)).toEqual([
      "$.organization.name",
      "$.schedule.name",
      "$.people[0].name",
      "$.shifts[0].name",
    ]);
    for (const d of details) {
      expect(d.message).toMatch(
        /^`name` must contain a visible character, got "(\\u[0-9a-f]{4}| |\\[tn])+": only spaces, control or/,
      );
    }
  });

  it.each(["A", "\u200bA\u200b", "\u202eDr. Kim", "👩🏽‍⚕️", "心", "\u3164x"])(
    "accepts %j, which shows something",
    (name) => {
      const s = small();
      setNames(s, name);
      expect(validateSnapshot(s).ok).toBe(true);
    },
  );

  it("says an empty name must not be empty", () => {
    const s = small();
    s.people[0]!.name = "";
    expect(errorsOf(s)).toEqual([{ path: "$.people[0].name", message: "`name` must not be empty" }]);
  });

  it("checks a 10 MB invisible name in bounded time, reporting its length", () => {
    const s = small();
    s.people[0]!.name = "\u200b".repeat(10_000_000);
    expect(errorsOf(s)).toEqual([
      { path: "$.people[0].name", message: "`name` must be at most 200 characters, got 10000000" },
    ]);
  });
});

describe('row 16: with `"revision":2,"revision":1` the last key silently won', () => {
  const target = { org: "acme", schedule: "icu" };
  const ingestText = (text: string) => ingestSnapshot(new TextEncoder().encode(text), target);

  it("refuses a duplicated key with a 422 naming it and its path", async () => {
    const text = JSON.stringify(small()).replace('"revision":1', '"revision":2,"revision":1');
    const result = await ingestText(text);
    if (result.ok) throw new Error("expected a rejection");
    expect(result.error).toEqual({
      code: "invalid_snapshot",
      message: "The snapshot has 1 problem.",
      details: [
        {
          path: "$.revision",
          message:
            "`revision` appears more than once in this object; JSON parsers disagree on which value counts",
        },
      ],
    });
  });

  it("finds duplicates deep in the document, however the key is spelled, alongside other problems", async () => {
    const s = small();
    s.assignments = Array.from({ length: 5 }, (_, i) => ({
      id: `a${i}`,
      personId: "p1",
      shiftId: "day",
      date: "2026-11-25",
    }));
    const text = JSON.stringify(s)
      .replace('"id":"a3",', '"id":"a3","\\u0064ate":"2026-11-26",')
      .replace('"name":"Day"', '"name":"Day","name":""');
    const result = await ingestText(text);
    if (result.ok) throw new Error("expected a rejection");
    expect(result.error.details.map((d) => d.path)).toEqual([
      "$.shifts[0].name",
      "$.shifts[0].name",
      "$.assignments[3].date",
    ]);
  });

  it("reports every duplicate, listing at most 1,000", async () => {
    const extra = Array.from({ length: 3000 }, (_, i) => `"k${i}":1,"k${i}":2`).join(",");
    const result = await ingestText(JSON.stringify(small()).replace(/^\{/, `{${extra},`));
    if (result.ok) throw new Error("expected a rejection");
    // Each key is also unknown: 3,000 duplicates and 3,000 unknown keys.
    expect(result.error.message).toBe("The snapshot has 6000 problems (the first 1000 are listed).");
    expect(result.error.details).toHaveLength(1001);
  });
});

describe("row 11 (part): 32 MiB of nested arrays took seconds to parse", () => {
  it("refuses nesting deeper than 64 levels as invalid JSON before parsing it", async () => {
    const text = "[".repeat(16 << 20) + "]".repeat(16 << 20);
    const started = performance.now();
    const result = await ingestSnapshot(new TextEncoder().encode(text), { org: "acme", schedule: "icu" });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result).toEqual({
      ok: false,
      error: {
        code: "invalid_json",
        message:
          "body nests arrays and objects more than 64 levels deep (at position 64); a snapshot needs 3",
        details: [],
      },
    });
  });
});
