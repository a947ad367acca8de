// A schedule's events expanded a slice of people at a time, its schedule feed's events held compactly
// (`eventSlice`, `src/core/publish/schedule-window.ts`; Workers set it), give every feed and piece exactly what
// expanding them all at once gives (Node): the same bytes (ETag), sizes, event counts and input hashes — over the
// render fixtures (time-zone changes, hostile text, revisions) and a schedule whose ids are prefixes of each
// other, whose events start together, all day, in UTC (a fall-back overlap) and outside the window.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RefreshScope } from "../../../src/core/publish/refresh-scope.ts";
import { compareWithTail, MIN_BLOCK_BYTES } from "../../../src/core/publish/schedule-window.ts";
import { webCodec } from "../../../src/core/compress.ts";
import { readBlob } from "../../../src/core/store/blob-table.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { createStack, type Stack } from "../../support/stack.ts";

const RENDER = ["dst-new-york", "dst-southern--lord-howe", "hostile-text", "revisions--surgery.r1"];
const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/render/${name}.json`, import.meta.url));

/** Ids that are prefixes of each other, so UID order is not the ids' order cut short. */
const tricky = makeSnapshot({
  people: [
    { id: "p", name: "Dr. P" },
    { id: "p.1", name: "Dr. P One" },
    { id: "p-1", name: "Dr. P Dash" },
    { id: "p1", name: "Dr. P1" },
  ],
  assignments: [
    { id: "a1", personId: "p", shiftId: "day", date: "2026-11-25" },
    { id: "a1.", personId: "p.1", shiftId: "day", date: "2026-11-25" },
    { id: "a1-", personId: "p-1", shiftId: "day", date: "2026-11-25" },
    { id: "a10", personId: "p1", shiftId: "day", date: "2026-11-25" },
    { id: "a", personId: "p1", shiftId: "vac", date: "2026-11-25" },
    // 01:00–02:00 occurs twice in New York that night: written in UTC.
    { id: "a1_", personId: "p", shiftId: "night", date: "2027-11-07", start: "01:00", end: "01:30" },
    { id: "b", personId: "p.1", shiftId: "night", date: "2026-11-26" },
    { id: "old", personId: "p-1", shiftId: "day", date: "2025-01-02" },
    { id: "far", personId: "p", shiftId: "day", date: "2029-01-02" },
  ],
});

/** Every feed's and piece's row after the publishes, after a roll a month later, after a forced regeneration. */
async function published(settings: { eventSlice?: number }) {
  const stack = await createStack({
    now: T0,
    settings: { ...settings, futureDays: 400, streamFeedBytes: 256, bigFeedBytes: Number.POSITIVE_INFINITY },
  });
  const targets = [] as { org: string; schedule: string }[];
  for (const bytes of [...RENDER.map(fixture), Buffer.from(JSON.stringify(tricky))]) {
    const { organization, schedule } = JSON.parse(bytes.toString()) as Record<string, { id: string }>;
    const target = { org: organization!.id, schedule: schedule!.id };
    await stack.service.publish(new Uint8Array(bytes), target);
    targets.push(target);
  }
  const stages = [rows(stack)];
  // Whole schedules refreshed, not published: the window moved, then every feed rendered again.
  stack.clock.now += 30 * 86_400_000;
  // …and a forced unit's closing step, which renders the schedule feed alone (no person's events expanded).
  for (const scope of [
    RefreshScope.whole(false),
    RefreshScope.whole(true),
    RefreshScope.closing(RefreshScope.whole(true)),
  ]) {
    for (const { org, schedule } of targets) await stack.service.refresh(org, schedule, scope);
    stages.push(rows(stack));
  }
  return stages;
}

const rows = (stack: Stack) => ({
  feeds: stack.sql.all(
    "SELECT org, feed, etag, size, events, input_hash, last_modified FROM feeds ORDER BY org, feed",
  ),
  pieces: stack.sql.all("SELECT org, person, schedule, input_hash, events FROM pieces ORDER BY 1, 2, 3"),
});

describe("a schedule's events a slice at a time", () => {
  it("give every feed and piece the bytes and hashes of all events at once", async () => {
    const whole = await published({});
    expect(whole[0]!.feeds.length).toBeGreaterThan(20);
    for (const slice of [1, 2, 250]) expect(await published({ eventSlice: slice })).toEqual(whole);
  });

  it("count no block shorter than the lower bound that lets a big feed be made once", async () => {
    const stack = await createStack({ now: T0 });
    const bytes = new TextEncoder().encode(
      JSON.stringify(
        makeSnapshot({
          organization: { id: "o", name: "O", tier: "standard" },
          schedule: { id: "s", name: "S", timezone: "UTC" },
          people: [{ id: "p", name: "P" }],
          shifts: [
            { id: "d", name: "D", allDay: true },
            { id: "t", name: "T", start: "01:00", end: "01:00" },
          ],
          assignments: [
            { id: "a", personId: "p", shiftId: "d", date: "2026-11-25" },
            { id: "b", personId: "p", shiftId: "t", date: "2026-11-25" },
          ],
        }),
      ),
    );
    await stack.service.publish(bytes, { org: "o", schedule: "s" });
    const feed = stack.sql.all("SELECT body_key FROM feeds WHERE feed LIKE 'schedule/%'")[0]!;
    const body = new TextDecoder().decode(
      await webCodec.gunzip(readBlob(stack.sql, String(feed["body_key"]))!),
    );
    const blocks = body.split("BEGIN:VEVENT").slice(1);
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(block.length).toBeGreaterThan(MIN_BLOCK_BYTES + 10);
  });

  it("compare ids as their UIDs compare", () => {
    const ids = ["a1", "a1.", "a1-", "a10", "a", "a1_", "b", "A", "a1@", "a1@x"];
    for (const tail of ["@icu.acme.shiftfeed", "@icu.acme.shiftfeed|", ""]) {
      const sorted = [...ids].sort((x, y) => compareWithTail(x, y, tail));
      expect(sorted).toEqual(
        ids
          .map((id) => id + tail)
          .sort()
          .map((uid) => uid.slice(0, uid.length - tail.length)),
      );
    }
  });
});
