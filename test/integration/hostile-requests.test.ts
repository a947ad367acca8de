/**
 * Requests an attacker or a careless client sends, over real sockets: odd spellings of a feed path (none may put
 * a token into a log line), headers over Node's size limit (a JSON `431`, not a reset), and ids that name
 * `Object.prototype` members (`constructor`, `__proto__`, …: ordinary ids, never object properties).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSnapshot, raw, startHarness, type Harness } from "../support/server.ts";

const TOKEN = /\/feeds\/([A-Za-z0-9_-]{24})\.ics/;

describe("feed tokens never reach a log line (issue: //feeds/<token>.ics and /FEEDS/<token>.ics were logged)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  it("whatever the path's spelling, route, status or authentication", async () => {
    const token = TOKEN.exec(await h.feedPathOf("acme", "pA"))![1]!;
    const paths = [
      `//feeds/${token}.ics`,
      `/FEEDS/${token}.ics`,
      `/Feeds/${token}.ICS`,
      `/feeds/${token}.ics/`,
      `/feeds/${token}`,
      `/feeds/${token}.ics.ics`,
      `/feeds//${token}.ics`,
      `/./feeds/${token}.ics`,
      `/%66eeds/${token}.ics`,
      `/x/${token}.ics`,
      `/${token}`,
      `/healthz/${token}`,
      `/feeds/${token}.ics?download=${token}`,
      `/admin/orgs/acme/people/${token}`,
      `/admin/${token}/rotate`,
      `/metrics/${token}`,
    ];
    const before = h.logs.length;
    for (const path of paths) {
      for (const headers of [{}, { authorization: "Bearer wrong-wrong-wrong-wrong-wrong" }]) {
        const reply = await raw("GET", h.url + path, { headers });
        expect(reply.status, path).toBeLessThan(500);
        expect(reply.text).not.toContain(token);
      }
      const posted = await h.admin("POST", path, {});
      expect(posted.status, path).toBeLessThan(500);
    }
    // A careless operator's paste: a token where an id goes, named back in the error (to the caller, not the log).
    for (const scope of [{ person: token }, { schedule: token }]) {
      const reply = await h.admin("POST", "/admin/regenerate", { org: "acme", ...scope });
      expect(reply.status, JSON.stringify(scope)).toBe(404);
    }
    await h.settle();
    const lines = h.logs.slice(before);
    expect(lines.length).toBeGreaterThan(paths.length); // the requests were logged …
    for (const line of lines) expect(line).not.toContain(token); // … without the token
    expect(lines.some((l) => l.includes("[redacted]"))).toBe(true);
  });
});

describe("oversized request headers (issue: If-None-Match with 10,000 tags reset the connection)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  const tags = (n: number) =>
    Array.from({ length: n }, (_, i) => `"tag-${String(i).padStart(4, "0")}"`).join(", ");

  it("a list of 10,000 tags (over 16 KiB of headers) gets the JSON error 431", async () => {
    const path = await h.feedPathOf("acme", "pA");
    const value = tags(10_000);
    expect(value.length).toBeGreaterThan(89_000);
    const reply = await raw("GET", h.url + path, { headers: { "if-none-match": value } });
    expect(reply.status).toBe(431);
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
    expect((reply.json as { error: { code: string; message: string } }).error.message).toMatch(/16 KiB/);
    // The server carries on.
    expect((await h.feed(path)).status).toBe(200);
  });

  it("a list over the evaluation limit but under Node's (1,001 tags, 12 KiB) gets the full 200", async () => {
    const path = await h.feedPathOf("acme", "pA");
    const full = await h.feed(path);
    const value = `${tags(1000)}, ${full.etag}`;
    expect(value.length).toBeLessThan(16_000);
    const reply = await h.feed(path, { "if-none-match": value });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(full.text);
  });
});

const PROTOTYPE_NAMES = [
  "constructor",
  "__proto__",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
];

describe("ids named like Object.prototype members (issue: `constructor` broke lookups and publishes)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it("a schedule that does not exist is a 404, whatever its name", async () => {
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    for (const name of PROTOTYPE_NAMES) {
      const reply = await h.admin("GET", `/admin/orgs/acme/schedules/${name}`);
      expect(reply.status, name).toBe(404);
      expect((await h.admin("GET", `/admin/orgs/acme/people/${name}`)).status, name).toBe(404);
      expect((await h.admin("GET", `/admin/orgs/${name}/people/pA`)).status, name).toBe(404);
      expect((await h.admin("POST", `/admin/orgs/acme/people/${name}/rotate`)).status, name).toBe(404);
      expect((await h.admin("DELETE", `/admin/orgs/acme/schedules/${name}`)).status, name).toBe(404);
      expect((await h.admin("POST", "/admin/regenerate", { org: name })).status, name).toBe(404);
    }
  });

  it("as organization, schedule and person ids: publish, look up, rotate, retire and restart all work", async () => {
    for (const name of PROTOTYPE_NAMES) {
      const snapshot = makeSnapshot({
        organization: { id: name, name: `Org ${name}` },
        schedule: { id: name, name: `Schedule ${name}`, timezone: "Europe/London" },
        people: [
          { id: name, name: `Dr. ${name}` },
          { id: "pB", name: "Dr. Bo Baker" },
        ],
        assignments: [
          { id: "a1", personId: name, shiftId: "day", date: "2026-11-25" },
          { id: "a2", personId: "pB", shiftId: "day", date: "2026-11-25" },
        ],
      });
      const published = await h.publish(snapshot);
      expect(published.status, `${name}: ${published.text}`).toBe(200);
      expect(published.json).toEqual({ revision: 1, peopleAffected: 2, feedsUpdated: 3 });
      const schedule = await h.admin("GET", `/admin/orgs/${name}/schedules/${name}`);
      expect(schedule.status).toBe(200);
      expect(schedule.json).toMatchObject({
        org: name,
        schedule: name,
        name: `Schedule ${name}`,
        revision: 1,
      });
      const person = await h.admin("GET", `/admin/orgs/${name}/people/${name}`);
      expect(person.json).toMatchObject({ person: name, name: `Dr. ${name}`, schedules: [name] });
      const feed = await h.feed(await h.feedPathOf(name, name));
      expect(feed.status).toBe(200);
      expect(feed.text).toContain(`With: Dr. Bo Baker`);
      expect((await h.admin("POST", `/admin/orgs/${name}/people/${name}/rotate`)).status).toBe(200);
      expect((await h.feed(await h.feedPathOf(name, name))).text).toBe(feed.text);
      h.now += 1000;
      expect(
        (await h.publish({ ...snapshot, revision: 2, assignments: snapshot.assignments.slice(1) })).json,
      ).toEqual({ revision: 2, peopleAffected: 2, feedsUpdated: 3 });
    }
    await h.restart();
    for (const name of PROTOTYPE_NAMES) {
      expect((await h.admin("GET", `/admin/orgs/${name}/schedules/${name}`)).json).toMatchObject({
        revision: 2,
      });
      const retired = await h.admin("DELETE", `/admin/orgs/${name}/schedules/${name}`);
      // Both people were listed only here: both feeds went (the issue: retiring answered `peopleAffected: 0`).
      expect(retired.json).toEqual({ revision: 2, peopleAffected: 2, feedsUpdated: 3 });
      expect((await h.admin("GET", `/admin/orgs/${name}/schedules/${name}`)).status).toBe(404);
    }
  });
});
