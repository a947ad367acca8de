// The body limit and the count limits agree: a snapshot at the count limits — 100,000 people, 1,000 shifts,
// 500,000 assignments, with ordinary ids — fits under the default body limit and is accepted whole.
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_SNAPSHOT_BYTES } from "../../../src/core/config.ts";
import { ingestSnapshot } from "../../../src/core/snapshot/ingest.ts";
import { SNAPSHOT_LIMITS } from "../../../src/core/snapshot/limits.ts";

function atTheLimits(): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  const people = Array.from({ length: SNAPSHOT_LIMITS.maxPeople }, (_, i) => ({
    id: `p${pad(i, 6)}`,
    name: `Dr. Person ${pad(i, 6)}`,
  }));
  const shifts = Array.from({ length: SNAPSHOT_LIMITS.maxShifts }, (_, i) => ({
    id: `s${pad(i, 3)}`,
    name: `Shift ${i}`,
    start: "07:00",
    end: "19:00",
  }));
  const assignments = Array.from({ length: SNAPSHOT_LIMITS.maxAssignments }, (_, i) => ({
    id: `a${pad(i, 6)}`,
    personId: `p${pad(i % SNAPSHOT_LIMITS.maxPeople, 6)}`,
    shiftId: `s${pad(i % SNAPSHOT_LIMITS.maxShifts, 3)}`,
    date: `2027-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}`,
  }));
  return JSON.stringify({
    format: "shiftfeed.snapshot/1",
    organization: { id: "big", name: "Big Health" },
    schedule: { id: "all", name: "Everyone", timezone: "America/New_York" },
    revision: 1,
    publishedAt: "2026-11-20T12:00:00Z",
    people,
    shifts,
    assignments,
  });
}

describe("the body limit and the count limits", () => {
  it("a snapshot at every count limit fits under the default body limit and is accepted", async () => {
    const bytes = new TextEncoder().encode(atTheLimits());
    expect(bytes.length).toBeLessThan(DEFAULT_MAX_SNAPSHOT_BYTES);
    const result = await ingestSnapshot(bytes, { org: "big", schedule: "all" });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.snapshot.assignments.length).toBe(SNAPSHOT_LIMITS.maxAssignments);
  }, 60_000);
});
