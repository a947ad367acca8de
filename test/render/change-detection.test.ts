// Regression (issue 6, row 5): a name with a control character that the old fingerprint used as a separator.
// r1 lists `Ann\u0002Bob` (shown as "AnnBob") on a colleague's shift; r2 renames that person `Ann` and adds `Bob`
// to the shift. The colleague's feed used to keep its bytes, ETag and SEQUENCE 0 with "With: AnnBob".
import { describe, expect, it } from "vitest";
import { personFeedKey } from "../../src/core/store/keys.ts";
import { makeSnapshot, vevents } from "../support/server.ts";
import { openService, publish, readFeeds } from "../support/service.ts";

const UID = "x1@icu.acme.shiftfeed";

describe("a colleague renamed across a separator character", () => {
  it("shows `With: Ann, Bob` with a new ETag and a higher SEQUENCE", async () => {
    const t = await openService(Date.parse("2026-11-20T12:00:00Z"));
    const people = [{ id: "pX", name: "Dr. Xavier" }];
    await publish(
      t,
      makeSnapshot({
        people: [...people, { id: "pAB", name: "Ann\u0002Bob" }],
        assignments: [
          { id: "x1", personId: "pX", shiftId: "day", date: "2026-11-25" },
          { id: "ab", personId: "pAB", shiftId: "day", date: "2026-11-25" },
        ],
      }),
    );
    const before = (await readFeeds(t, "acme")).get(personFeedKey("pX"))!;
    expect(vevents(before.text).get(UID)).toMatchObject({ SEQUENCE: "0" });
    expect(vevents(before.text).get(UID)?.["DESCRIPTION"]).toContain("With: AnnBob");

    t.clock.now += 3_600_000;
    await publish(
      t,
      makeSnapshot({
        revision: 2,
        people: [...people, { id: "pAB", name: "Ann" }, { id: "pB", name: "Bob" }],
        assignments: [
          { id: "x1", personId: "pX", shiftId: "day", date: "2026-11-25" },
          { id: "ab", personId: "pAB", shiftId: "day", date: "2026-11-25" },
          { id: "b", personId: "pB", shiftId: "day", date: "2026-11-25" },
        ],
      }),
    );
    const after = (await readFeeds(t, "acme")).get(personFeedKey("pX"))!;
    const event = vevents(after.text).get(UID)!;
    expect(event["DESCRIPTION"]).toBe("Schedule: Intensive Care\\nWith: Ann\\, Bob");
    expect(event["SEQUENCE"]).toBe("1");
    expect(after.etag).not.toBe(before.etag);
    expect(after.lastModified).toBeGreaterThan(before.lastModified);
  });
});
