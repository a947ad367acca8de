/**
 * `Last-Modified` against `Date` and against rapid changes, over real sockets (RFC 9110 §8.8.2.1, §13.1.3):
 * never later than the answer's `Date`, and every change visible to a client that polls with
 * `If-Modified-Since` only (Apple), even when several changes land within one second.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseHttpDate } from "../../src/http/conditional.ts";
import { makeSnapshot, startHarness, type FeedReply, type Harness } from "../support/server.ts";

/** Revision `n` of the small snapshot: A's day shift carries note `n`. */
const revision = (n: number) => {
  const base = makeSnapshot();
  return makeSnapshot({
    revision: n,
    assignments: base.assignments.map((a) => (a.id === "a1" ? { ...a, note: `change ${n}` } : a)),
  });
};

function expectNotAfterDate(reply: FeedReply): void {
  const lastModified = parseHttpDate(reply.lastModified ?? "");
  const date = parseHttpDate(String(reply.headers.date));
  expect(lastModified).not.toBeNull();
  expect(date).not.toBeNull();
  expect(lastModified!).toBeLessThanOrEqual(date!);
}

describe("Last-Modified under rapid publishes (issue: 18 s later than Date after 20 publishes in 0.4 s)", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("never later than Date, and an Apple-style poller sees every one of 20 changes within a second", async () => {
    h = await startHarness();
    expect((await h.publish(revision(1))).status).toBe(200);
    const path = await h.feedPathOf("acme", "pA");
    let seen = await h.feed(path);
    expectNotAfterDate(seen);
    for (let n = 2; n <= 21; n++) {
      h.now += 20; // 20 ms apart: all within one second
      expect((await h.publish(revision(n))).status).toBe(200);
      const polled = await h.feed(path, { "if-modified-since": seen.lastModified! });
      expect(polled.status, `change ${n}`).toBe(200);
      expect(polled.text).toContain(`change ${n}`);
      expectNotAfterDate(polled);
      seen = polled;
    }
    // Once the shared second is over, the last version is sent as the next second: a client holding the
    // shared one gets it once more, and then 304s again (no feed stays on full downloads).
    h.now += 2_000;
    const settled = await h.feed(path, { "if-modified-since": seen.lastModified! });
    expect(settled.status).toBe(200);
    expect(parseHttpDate(settled.lastModified!)).toBe(parseHttpDate(seen.lastModified!)! + 1);
    expectNotAfterDate(settled);
    expect((await h.feed(path, { "if-modified-since": settled.lastModified! })).status).toBe(304);
    seen = settled;
    // A change exactly in that next second cannot be told apart by the second alone: it is shared again.
    h.now = (parseHttpDate(settled.lastModified!)! + 1) * 1000 - 1000 + 10;
    expect((await h.publish(revision(30))).status).toBe(200);
    const same = await h.feed(path, { "if-modified-since": settled.lastModified! });
    expect(same.status).toBe(200);
    expect(same.text).toContain("change 30");
    expectNotAfterDate(same);
    seen = same;
    // A later change in a new second moves Last-Modified forward; unchanged bytes then answer 304 again.
    h.now += 5_000;
    expect((await h.publish(revision(31))).status).toBe(200);
    const moved = await h.feed(path, { "if-modified-since": seen.lastModified! });
    expect(moved.status).toBe(200);
    expect(parseHttpDate(moved.lastModified!)!).toBeGreaterThan(parseHttpDate(seen.lastModified!)!);
    expectNotAfterDate(moved);
    h.now += 60_000;
    expect((await h.feed(path, { "if-modified-since": moved.lastModified! })).status).toBe(304);
  });

  it("Last-Modified equals the second of the change, and the 304 carries the same validators and Date", async () => {
    h = await startHarness();
    h.now += 999; // a change late in its second
    expect((await h.publish(revision(1))).status).toBe(200);
    const path = await h.feedPathOf("acme", "pA");
    const full = await h.feed(path);
    expect(parseHttpDate(full.lastModified!)).toBe(Math.floor(h.now / 1000));
    const again = await h.feed(path, { "if-modified-since": full.lastModified! });
    expect(again.status).toBe(304);
    for (const header of ["etag", "last-modified", "date", "cache-control", "vary"]) {
      expect(again.headers[header], header).toBe(full.headers[header]);
    }
  });
});
