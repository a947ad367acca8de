/**
 * Regressions from the adversarial run of issue 6 (snapshot ingest rows), one block per reported defect, each
 * named after what a hostile user saw. HTTP-level halves live in `test/integration/publish-regressions.test.ts`.
 */
import { describe, expect, it } from "vitest";
import type { ErrorDetail } from "../../../src/core/errors.ts";
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
