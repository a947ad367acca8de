// ingestSnapshot: publish body bytes → a typed snapshot and its hash, or a ServiceError-shaped refusal.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/core/digest.ts";
import { ingestSnapshot } from "../../../src/core/snapshot/ingest.ts";
import { validateSnapshot } from "../../../src/core/snapshot/validate.ts";
import { makeSnapshot } from "../../support/server.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const target = { org: "acme", schedule: "icu" };

describe("ingestSnapshot", () => {
  it("returns the validated snapshot and the SHA-256 of its canonical JSON", async () => {
    const result = await ingestSnapshot(utf8(JSON.stringify(makeSnapshot())), target);
    const expected = validateSnapshot(makeSnapshot());
    if (!result.ok || !expected.ok) throw new Error("expected a valid snapshot");
    expect(result.snapshot).toEqual(expected.snapshot);
    expect(result.hash).toBe(await sha256Hex(JSON.stringify(expected.snapshot)));
  });

  it("hashes the validated value, not the bytes: whitespace and key order do not matter", async () => {
    const snapshot = makeSnapshot();
    const a = await ingestSnapshot(utf8(JSON.stringify(snapshot)), target);
    const reordered = Object.fromEntries(Object.entries(snapshot).reverse());
    const b = await ingestSnapshot(utf8(JSON.stringify(reordered, null, 2)), target);
    expect(a.ok && b.ok && a.hash === b.hash).toBe(true);
  });

  it("refuses bytes that are not JSON as invalid_json, with no details", async () => {
    expect(await ingestSnapshot(utf8('{"a":'), target)).toEqual({
      ok: false,
      error: {
        code: "invalid_json",
        message: "body is not valid JSON: Unexpected end of JSON input",
        details: [],
      },
    });
  });

  it("refuses a snapshot that breaks the rules as invalid_snapshot, with every problem", async () => {
    const result = await ingestSnapshot(utf8(JSON.stringify(makeSnapshot({ revision: 0 }))), {
      org: "other",
      schedule: "icu",
    });
    expect(result).toEqual({
      ok: false,
      error: {
        code: "invalid_snapshot",
        message: "The snapshot has 2 problems.",
        details: [
          { path: "$.organization.id", message: expect.stringContaining('in the URL ("other")') as string },
          { path: "$.revision", message: expect.stringContaining("must be an integer") as string },
        ],
      },
    });
  });

  it("checked a record at a time, gives what validating the whole value gives: the same snapshot, every problem", async () => {
    const base = makeSnapshot();
    // Records whose keys are out of the schema's order, and problems in the first, a middle and the last record
    // of each list, beside relations broken by valid records and a problem at the top.
    const shuffled = (r: object) => Object.fromEntries(Object.entries(r).reverse());
    const valid = {
      ...base,
      people: base.people.map(shuffled),
      shifts: base.shifts.map(shuffled),
      assignments: base.assignments.map(shuffled),
    };
    const broken = [
      valid,
      { ...valid, people: [{ id: "pA", name: "" }, ...valid.people] },
      {
        ...valid,
        shifts: [...valid.shifts, { id: "x", name: "X", start: "25:00", end: "07:00", colour: 1 }],
      },
      {
        ...valid,
        assignments: [
          ...valid.assignments,
          { id: "a9", personId: "nobody", shiftId: "day", date: "2026-11-30" },
        ],
      },
      {
        ...valid,
        assignments: [...valid.assignments, { id: "a1", personId: "pA", shiftId: "day", date: "2026-02-30" }],
      },
      { ...valid, publishedAt: "yesterday", extra: true },
    ];
    for (const value of broken) {
      const result = await ingestSnapshot(utf8(JSON.stringify(value)), target);
      const whole = validateSnapshot(JSON.parse(JSON.stringify(value)), target);
      if (whole.ok) {
        expect(result.ok && result.snapshot).toEqual(whole.snapshot);
        expect(result.ok && result.hash).toBe(await sha256Hex(JSON.stringify(whole.snapshot)));
      } else {
        expect(result.ok ? [] : result.error.details).toEqual(whole.details);
        expect(whole.details.length).toBeGreaterThan(0);
      }
    }
  });
});
