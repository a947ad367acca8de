/**
 * Publishing through the real Node server over real sockets: the happy path (docs/api.md › Admin API), and every
 * rejected publish of docs/test-checklist.md §C (items 20–22) proving "nothing lost": the last good revision keeps
 * serving byte for byte with the same validators, and not one file under DATA_DIR/store appears or changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  makeSnapshot,
  raw,
  startHarness,
  ADMIN_TOKEN,
  PUBLIC_URL,
  type Harness,
  type Reply,
  type SnapshotInput,
} from "../support/server.ts";

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { path: string; message: string }[];
    currentRevision?: number;
  };
}

/** Asserts the JSON error shape (docs/api.md) and returns it. */
function expectError(reply: Reply, status: number, code: string): ErrorBody["error"] {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  const body = reply.json as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.error.details)).toBe(true);
  expect(reply.text).not.toContain(ADMIN_TOKEN);
  expect(reply.text).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  return body.error;
}

describe("publish happy path (docs/api.md › Admin API)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it("answers counts, and the person and schedule lookups give working links", async () => {
    const published = await h.publish(makeSnapshot());
    expect(published.status, published.text).toBe(200);
    expect(published.json).toEqual({ revision: 1, peopleAffected: 2, feedsUpdated: 3 });

    const person = await h.admin("GET", "/admin/orgs/acme/people/pA");
    expect(person.status).toBe(200);
    const view = person.json as {
      org: string;
      person: string;
      name: string;
      feed: {
        url: string;
        webcalUrl: string;
        googleUrl: string;
        etag: string;
        lastModified: string;
        events: number;
      };
      lastFetch: unknown[];
    };
    expect(view).toMatchObject({ org: "acme", person: "pA", name: "Dr. Ada Able" });
    const token = /^https:\/\/feeds\.example\.org\/feeds\/([A-Za-z0-9_-]{24})\.ics$/.exec(view.feed.url)?.[1];
    expect(token, view.feed.url).toBeDefined();
    expect(view.feed.url.length).toBeLessThan(256);
    expect(view.feed.webcalUrl).toBe(`webcal://feeds.example.org/feeds/${token}.ics`);
    expect(view.feed.googleUrl).toBe(
      `https://calendar.google.com/calendar/r?cid=${encodeURIComponent(view.feed.webcalUrl)}`,
    );
    expect(view.feed.etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(view.feed.lastModified).toBe(new Date(h.now - (h.now % 1000)).toUTCString());
    expect(view.feed.events).toBe(2);

    const feed = await h.feed(view.feed.url);
    expect(feed.status).toBe(200);
    expect(feed.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(feed.etag).toBe(view.feed.etag);
    expect(feed.lastModified).toBe(view.feed.lastModified);
    expect(feed.text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(feed.text.match(/BEGIN:VEVENT/g)).toHaveLength(2);

    // The fetch just made shows up as the person's last fetch.
    const again = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as typeof view;
    expect(again.lastFetch.length).toBeGreaterThan(0);

    const schedule = await h.admin("GET", "/admin/orgs/acme/schedules/icu");
    expect(schedule.status).toBe(200);
    const sv = schedule.json as {
      org: string;
      schedule: string;
      name: string;
      revision: number;
      people: number;
      feed: { url: string; etag: string };
    };
    expect(sv).toMatchObject({
      org: "acme",
      schedule: "icu",
      name: "Intensive Care",
      revision: 1,
      people: 2,
    });
    expect(sv.feed.url.startsWith(`${PUBLIC_URL}/feeds/`)).toBe(true);
    const scheduleFeed = await h.feed(sv.feed.url);
    expect(scheduleFeed.status).toBe(200);
    expect(scheduleFeed.etag).toBe(sv.feed.etag);
    expect(scheduleFeed.text.match(/BEGIN:VEVENT/g)).toHaveLength(3);
    expect(scheduleFeed.text).not.toBe(feed.text);
  });
});

describe("bad publishes change nothing (docs/test-checklist.md §C 20–22)", () => {
  let h: Harness;
  const path = "/admin/orgs/acme/schedules/icu";
  /** Revision 2 is live when each test starts. */
  const live = makeSnapshot({ revision: 2 });

  /** Everything a client or the disk could see: both people's and the schedule's feeds, and the store files. */
  async function probe() {
    const feeds = [];
    for (const p of ["pA", "pB"]) {
      const f = await h.feed(await h.feedPathOf("acme", p));
      feeds.push({
        status: f.status,
        etag: f.etag,
        lastModified: f.lastModified,
        bytes: f.body.toString("base64"),
      });
    }
    const schedule = (await h.admin("GET", path)).json as { revision: number; feed: { url: string } };
    const sf = await h.feed(schedule.feed.url);
    feeds.push({
      revision: schedule.revision,
      etag: sf.etag,
      lastModified: sf.lastModified,
      bytes: sf.body.toString("base64"),
    });
    return { feeds, store: await h.storeListing() };
  }

  /** Runs `attempt`, then asserts the probe is exactly as before. */
  async function unchanged(attempt: () => Promise<void>): Promise<void> {
    const before = await probe();
    h.now += 60_000; // a changed Last-Modified could not hide behind an unmoved clock
    await attempt();
    expect(await probe()).toEqual(before);
  }

  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    h.now += 60_000;
    expect((await h.publish(live)).status).toBe(200);
  });
  afterAll(() => h.close());

  const json = { "content-type": "application/json" };

  it("body that is not JSON → 400 invalid_json", async () => {
    await unchanged(async () => {
      expectError(await h.admin("PUT", path, "this is not json", json), 400, "invalid_json");
      expectError(await h.admin("PUT", path, "", json), 400, "invalid_json");
      expectError(
        await h.admin("PUT", path, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), json),
        400,
        "invalid_json",
      );
    });
  });

  it("truncated JSON → 400 invalid_json", async () => {
    const text = JSON.stringify(makeSnapshot({ revision: 3 }));
    await unchanged(async () => {
      expectError(await h.admin("PUT", path, text.slice(0, text.length - 7), json), 400, "invalid_json");
    });
  });

  it("wrong Content-Type (text/plain, none, other charset) → 415", async () => {
    const text = JSON.stringify(makeSnapshot({ revision: 3 }));
    await unchanged(async () => {
      expectError(
        await h.admin("PUT", path, text, { "content-type": "text/plain" }),
        415,
        "unsupported_media_type",
      );
      expectError(await h.admin("PUT", path, text, {}), 415, "unsupported_media_type");
      expectError(
        await h.admin("PUT", path, text, { "content-type": "application/json; charset=iso-8859-1" }),
        415,
        "unsupported_media_type",
      );
      expectError(
        await h.admin("PUT", path, text, { "content-type": "application/xml" }),
        415,
        "unsupported_media_type",
      );
    });
  });

  it("several semantic errors → 422 listing every JSON path at once", async () => {
    const bad = makeSnapshot({
      revision: 3,
      schedule: { id: "icu", name: "Intensive Care", timezone: "Mars/Olympus" },
      people: [
        { id: "pA", name: "Dr. Ada Able" },
        { id: "pA", name: "Dr. Ada Again" },
      ],
      assignments: [
        { id: "a1", personId: "nobody", shiftId: "day", date: "2026-11-25" },
        { id: "a2", personId: "pA", shiftId: "nothing", date: "2026-11-26" },
        { id: "a2", personId: "pA", shiftId: "day", date: "2026-13-40" },
      ],
    });
    await unchanged(async () => {
      const error = expectError(await h.publish(bad), 422, "invalid_snapshot");
      const paths = error.details.map((d) => d.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          "$.schedule.timezone",
          "$.people[1].id",
          "$.assignments[0].personId",
          "$.assignments[1].shiftId",
          "$.assignments[2].id",
          "$.assignments[2].date",
        ]),
      );
      for (const d of error.details) expect(d.message.length).toBeGreaterThan(0);
    });
  });

  it("URL org or schedule not matching the body → 422 naming the field", async () => {
    const snapshot = JSON.stringify(makeSnapshot({ revision: 3 }));
    await unchanged(async () => {
      const org = expectError(
        await h.admin("PUT", "/admin/orgs/other/schedules/icu", snapshot, json),
        422,
        "invalid_snapshot",
      );
      expect(org.details.map((d) => d.path)).toContain("$.organization.id");
      const sched = expectError(
        await h.admin("PUT", "/admin/orgs/acme/schedules/ward", snapshot, json),
        422,
        "invalid_snapshot",
      );
      expect(sched.details.map((d) => d.path)).toContain("$.schedule.id");
    });
  });

  it("stale revision with different content → 409 with currentRevision", async () => {
    const changed = (revision: number): SnapshotInput =>
      makeSnapshot({
        revision,
        assignments: [{ id: "a9", personId: "pA", shiftId: "day", date: "2026-11-30" }],
      });
    await unchanged(async () => {
      for (const revision of [1, 2]) {
        const error = expectError(await h.publish(changed(revision)), 409, "stale_revision");
        expect(error.currentRevision).toBe(2);
      }
    });
  });

  it("identical replay of the current revision → 200 no-op, feeds and store untouched", async () => {
    await unchanged(async () => {
      const reply = await h.publish(live);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json).toMatchObject({ revision: 2, unchanged: true, feedsUpdated: 0, peopleAffected: 0 });
    });
  });

  it.each([
    ["missing", undefined],
    ["negative", -1],
    ["non-integer", 2.5],
    ["2^53", 2 ** 53],
    ["a string", "3"],
  ])("revision %s → 422 at $.revision", async (_name, revision) => {
    const snapshot = makeSnapshot({ revision });
    if (revision === undefined) delete snapshot.revision;
    await unchanged(async () => {
      const error = expectError(await h.publish(snapshot), 422, "invalid_snapshot");
      expect(error.details.map((d) => d.path)).toContain("$.revision");
    });
  });

  it("UTF-8 BOM before the JSON is accepted (decision: 200, one BOM is tolerated)", async () => {
    const before = await h.feed(await h.feedPathOf("acme", "pA"));
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(makeSnapshot({ revision: 50, assignments: [] }))),
    ]);
    const reply = await h.admin("PUT", path, bom, json);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({ revision: 50 });
    const after = await h.feed(await h.feedPathOf("acme", "pA"));
    expect(after.etag).not.toBe(before.etag);
    expect(after.text).not.toContain("BEGIN:VEVENT");
    // Two BOMs are not JSON.
    const twice = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bom]);
    expectError(await h.admin("PUT", path, twice, json), 400, "invalid_json");
  });
});

describe("size cap (docs/test-checklist.md §C 20)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_SNAPSHOT_BYTES: "2048" } });
    const first = await h.publish(makeSnapshot());
    expect(first.status, first.text).toBe(200);
  });
  afterAll(() => h.close());

  /** A valid snapshot padded with whitespace to `bytes` bytes. */
  const padded = (bytes: number) => {
    const text = JSON.stringify(makeSnapshot({ revision: 2 }));
    return text + " ".repeat(bytes - text.length);
  };

  async function probe() {
    const f = await h.feed(await h.feedPathOf("acme", "pA"));
    return {
      etag: f.etag,
      lastModified: f.lastModified,
      bytes: f.body.toString("base64"),
      store: await h.storeListing(),
    };
  }

  it("a body over the limit with Content-Length → 413, nothing written", async () => {
    const before = await probe();
    const reply = await h.admin("PUT", "/admin/orgs/acme/schedules/icu", padded(5000), {
      "content-type": "application/json",
    });
    expectError(reply, 413, "payload_too_large");
    expect(await probe()).toEqual(before);
  });

  it("a chunked body without Content-Length over the limit → 413, nothing written", async () => {
    const before = await probe();
    const body = padded(6000);
    const chunks = [body.slice(0, 1500), body.slice(1500, 3000), body.slice(3000)];
    const reply = await raw("PUT", `${h.url}/admin/orgs/acme/schedules/icu`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      chunks,
    });
    expectError(reply, 413, "payload_too_large");
    expect(await probe()).toEqual(before);
  });

  it("a body at the limit is accepted", async () => {
    const reply = await h.admin("PUT", "/admin/orgs/acme/schedules/icu", padded(2048), {
      "content-type": "application/json",
    });
    expect(reply.status, reply.text).toBe(200);
  });
});
