/**
 * Publish storms (docs/test-checklist.md item 40, and item 29's out-of-order delivery): 50 revisions of one schedule pushed
 * at once in shuffled order over real sockets. Publishes of one schedule run one at a time, the newest waiting
 * revision first; those it overtakes are answered `409` without running; the feed never goes back to an older
 * revision while a client polls it. A publish already below the live revision when it arrives is stale, not
 * overtaken: a plain `409` without `superseded`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "../support/clients.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

/** Revision `n`: person A's shift note names it, so a feed's body tells which revision it shows. */
const revision = (n: number) =>
  makeSnapshot({
    revision: n,
    assignments: [
      { id: "a1", personId: "pA", shiftId: "day", date: "2026-11-25", note: `rev ${n}` },
      { id: "a2", personId: "pB", shiftId: "night", date: "2026-11-26" },
    ],
  });

describe("item 40: 50 pushes of one schedule at once", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "off" } });
    expect((await h.publish(revision(1))).status).toBe(200);
  });
  afterAll(() => h.close());

  it("serialized, newest first, overtaken ones answered 409 without running, and the feed never flaps", async () => {
    const path = await h.feedPathOf("acme", "pA");
    const order = Array.from({ length: 49 }, (_, i) => i + 2);
    for (let i = order.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1); // a fixed shuffle
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const seen: number[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const body = (await get(h.url + path)).body.toString();
        seen.push(Number(/rev (\d+)/.exec(body)?.[1]));
      }
    })();
    const before = h.logs.length;
    const answers = await Promise.all(order.map((n) => h.publish(revision(n))));
    done = true;
    await poller;

    for (const a of answers) expect([200, 409]).toContain(a.status);
    for (const a of answers.filter((x) => x.status === 409)) {
      const error = (a.json as { error: { code: string; currentRevision: number; message: string } }).error;
      expect(error.code).toBe("stale_revision");
      expect(error.currentRevision).toBeGreaterThan(0);
      // `superseded` only with the words that say so, and the other way round.
      expect("superseded" in error).toBe(error.message.endsWith("(overtaken while it waited)"));
    }
    const schedule = await h.admin("GET", "/admin/orgs/acme/schedules/icu");
    expect((schedule.json as { revision: number }).revision).toBe(50);
    expect((await get(h.url + path)).body.toString()).toContain("rev 50");
    // Only the publishes that ran wrote anything: far fewer units than pushes.
    const ran = h.logs.slice(before).filter((l) => JSON.parse(l).event === "publish").length;
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThan(25);
    expect(answers.filter((a) => a.status === 200).length).toBe(ran);
    // Every 409 was answered without running a unit: overtaken while it waited (`superseded`), or stale already
    // when it arrived (after a newer one had committed).
    const events = h.logs.slice(before).map((l) => (JSON.parse(l) as { event: string }).event);
    const superseded = answers.filter(
      (a) => a.status === 409 && "superseded" in (a.json as { error: object }).error,
    );
    expect(events.filter((e) => e === "publish_overtaken").length).toBe(superseded.length);
    expect(events.filter((e) => e === "publish_stale").length).toBe(
      answers.filter((a) => a.status === 409).length - superseded.length,
    );
    // Never back to an older revision.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it("an old revision sent while nothing else runs is plainly stale: 409 without `superseded`, not run", async () => {
    const before = h.logs.length;
    const answer = await h.publish(revision(1));
    expect(answer.status).toBe(409);
    const { error } = answer.json as { error: Record<string, unknown> };
    expect(error).toMatchObject({
      code: "stale_revision",
      message: "`revision` 1 is not above the current revision 50",
      currentRevision: 50,
    });
    expect(error).not.toHaveProperty("superseded");
    const events = () => h.logs.slice(before).map((l) => (JSON.parse(l) as { event: string }).event);
    await expect.poll(events).toContain("publish_stale");
    expect(events()).not.toContain("publish_overtaken");
    expect(events()).not.toContain("publish");
  });
});
