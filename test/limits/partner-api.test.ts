/**
 * Partner access over real sockets: keys created, listed and revoked through the admin API (stored hashed, shown
 * once), schedule ranges as iCalendar and JSON snapped to whole months with validators known without rendering,
 * each key's own quota — and the incident's partner burst (docs/test-checklist.md item 34): 400 requests at once for
 * distinct valid feed tokens, repeated every 15 minutes, answered from validators and cached bodies, and a
 * 15-minute range sync of many schedules that is nearly all `304`s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentFrom, get, pool, sample, statuses, type Answer } from "../support/clients.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

interface CreatedKey {
  id: string;
  key: string;
  org: string;
  burst: number;
  perHour: number;
  revokedAt: string | null;
}

/** Serving-thread counters of `/metrics` after gathering them. */
async function counters(h: Harness) {
  await h.settle();
  const text = (await h.admin("GET", "/metrics")).text;
  return {
    reads:
      sample(text, "shiftfeed_feed_store_reads_total", 'kind="lookup"') +
      sample(text, "shiftfeed_feed_store_reads_total", 'kind="body"'),
    renders: sample(text, "shiftfeed_partner_renders_total"),
  };
}

const p99 = (answers: Answer[]) => {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  return ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))]!;
};

describe("partner API", () => {
  let h: Harness;
  let key: CreatedKey;
  const range = (file: string, query: string, headers: Record<string, string> = {}) =>
    get(`${h.url}/partner/orgs/acme/schedules/${file}?${query}`, {
      headers: { authorization: `Bearer ${key.key}`, ...headers },
    });
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    // Another organization with a schedule of the same id: a key of acme must not read it.
    const other = makeSnapshot({ organization: { id: "other", name: "Other Health", tier: "standard" } });
    expect((await h.publish(other)).status).toBe(200);
    const created = await h.admin("POST", "/admin/partners", { org: "acme", name: "Roster sync", burst: 30 });
    expect(created.status).toBe(201);
    key = created.json as CreatedKey;
  });
  afterAll(() => h.close());

  it("a key is shown once, stored as its SHA-256 only, listed without it; unknown organizations and bad bodies are refused", async () => {
    expect(key.key).toMatch(/^sfp_[A-Za-z0-9_-]{32}$/);
    expect(key).toMatchObject({ org: "acme", burst: 30, perHour: 3600, revokedAt: null });
    const listed = await h.admin("GET", "/admin/partners?org=acme");
    expect(listed.text).not.toContain(key.key);
    expect((listed.json as { partners: { id: string }[] }).partners.map((p) => p.id)).toEqual([key.id]);
    const store = JSON.stringify(await h.storeListing());
    expect(store).not.toContain(key.key);
    expect((await h.admin("POST", "/admin/partners", { org: "nowhere", name: "x" })).status).toBe(404);
    expect((await h.admin("POST", "/admin/partners", { org: "acme", name: "x", extra: 1 })).status).toBe(400);
    expect((await h.admin("DELETE", "/admin/partners/pk_unknown")).status).toBe(404);
  });

  it("a range as iCalendar: snapped to whole months, validators known before rendering, then 304", async () => {
    const first = await range("icu.ics", "from=2026-11-24&to=2026-11-26");
    expect(first.status).toBe(200);
    expect(first.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(first.headers["content-location"]).toBe(
      "/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-11-30",
    );
    const text = first.body.toString();
    expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(2); // a1 and a2 in November; a3 is in December
    // Any days of the same month share the representation, and its validators.
    const sameMonth = await range("icu.ics", "from=2026-11-02&to=2026-11-03");
    expect(sameMonth.headers.etag).toBe(first.headers.etag);
    expect(sameMonth.body.equals(first.body)).toBe(true);
    // HEAD: the same status and headers, no body.
    const head = await get(`${h.url}/partner/orgs/acme/schedules/icu.ics?from=2026-11-24&to=2026-11-26`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(first.headers.etag);
    expect(head.headers["content-length"]).toBe(first.headers["content-length"]);
    expect(head.body.byteLength).toBe(0);
    const before = await counters(h);
    for (let i = 0; i < 6; i++) {
      const again = await range("icu.ics", "from=2026-11-24&to=2026-11-26", {
        "if-none-match": String(first.headers.etag),
      });
      expect(again.status).toBe(304);
      expect(again.body.byteLength).toBe(0);
    }
    expect((await counters(h)).renders).toBe(before.renders); // a 304 renders nothing
  });

  it("a range as JSON; a new revision changes the validators", async () => {
    const json = await range("icu.json", "from=2026-12-01&to=2026-12-31");
    expect(json.status).toBe(200);
    const body = JSON.parse(json.body.toString());
    expect(body).toMatchObject({
      org: "acme",
      schedule: "icu",
      revision: 1,
      from: "2026-12-01",
      to: "2026-12-31",
    });
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ person: { id: "pA" }, allDay: true, start: "2026-12-24" });
    expect((await h.publish(makeSnapshot({ revision: 2, publishedAt: "2026-11-20T11:30:00Z" }))).status).toBe(
      200,
    );
    const after = await range("icu.json", "from=2026-12-01&to=2026-12-31", {
      "if-none-match": String(json.headers.etag),
    });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(json.headers.etag);
    expect(JSON.parse(after.body.toString()).revision).toBe(2);
  });

  it("refusals: no key or a wrong one 401, another organization or schedule 404, a bad range 400", async () => {
    const none = await get(`${h.url}/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-11-02`);
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    const wrong = await get(`${h.url}/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-11-02`, {
      headers: { authorization: `Bearer sfp_${"A".repeat(32)}` },
    });
    expect(wrong.status).toBe(401);
    const other = await get(`${h.url}/partner/orgs/other/schedules/icu.ics?from=2026-11-01&to=2026-11-02`, {
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(other.status).toBe(404);
    expect((await range("nope.ics", "from=2026-11-01&to=2026-11-02")).status).toBe(404);
    const bad = await range("icu.ics", "from=2026-11-31&to=2026-11-02");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).error.details[0].path).toBe("from");
    expect((await range("icu.ics", "from=2026-01-01&to=2027-06-01")).status).toBe(400); // over 366 days
  });

  it("each key has its own quota: past its burst, 429 with Retry-After, before any range is read", async () => {
    h.now += 3_600_000; // the key's bucket is full again
    const small = (
      await h.admin("POST", "/admin/partners", { org: "acme", name: "Tiny", burst: 3, perHour: 60 })
    ).json as CreatedKey;
    const ask = () =>
      get(`${h.url}/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-11-02`, {
        headers: { authorization: `Bearer ${small.key}` },
      });
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await ask());
    expect(seen.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(Number(seen[3]!.headers["retry-after"])).toBeGreaterThanOrEqual(60); // one token a minute
    expect(JSON.parse(seen[3]!.body.toString()).error.code).toBe("rate_limited");
    // The other key is not affected.
    expect((await range("icu.ics", "from=2026-11-01&to=2026-11-02")).status).toBe(200);
  });

  it("a revoked key stops working on the very next request, on every thread", async () => {
    const revoked = await h.admin("DELETE", `/admin/partners/${key.id}`);
    expect(revoked.status).toBe(200);
    expect((revoked.json as CreatedKey).revokedAt).not.toBeNull();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => range("icu.ics", "from=2026-11-01&to=2026-11-02")),
    );
    expect(statuses(answers)).toEqual({ 401: 6 });
  });
});

describe("item 34: a partner burst of 400 requests for distinct valid tokens, every 15 minutes", () => {
  let h: Harness;
  const paths: string[] = [];
  const PEOPLE = 400;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2" } });
    const people = Array.from({ length: PEOPLE }, (_, i) => ({ id: `p${i}`, name: `Person ${i}` }));
    const assignments = people.map((p, i) => ({
      id: `a${i}`,
      personId: p.id,
      shiftId: "day",
      date: `2026-12-${String(1 + (i % 28)).padStart(2, "0")}`,
    }));
    expect((await h.publish(makeSnapshot({ people, assignments }))).status).toBe(200);
    for (let i = 0; i < PEOPLE; i++) paths.push(await h.feedPathOf("acme", `p${i}`));
  }, 120_000);
  afterAll(() => h.close());

  it("each round answered without rendering and with at most one storage read a request; unchanged data → all 304", async () => {
    const partner = agentFrom("127.0.34.1", 32);
    const burst = (headers: (i: number) => Record<string, string>) =>
      pool(PEOPLE, 32, (i) =>
        get(h.url + paths[i]!, { agent: partner, headers: { "accept-encoding": "gzip", ...headers(i) } }),
      );
    const start = await counters(h);
    const first = await burst(() => ({}));
    expect(statuses(first)).toEqual({ 200: PEOPLE });
    const afterFirst = await counters(h);
    // A cold 200 is a lookup and a body read: the first burst reads each feed once (per serving thread at most).
    expect(afterFirst.reads - start.reads).toBeLessThanOrEqual(2 * 2 * PEOPLE);
    const etags = first.map((a) => String(a.headers.etag));
    for (let round = 1; round <= 3; round++) {
      h.now += 15 * 60_000; // the next sync
      const before = await counters(h);
      const answers = await burst((i) => ({ "if-none-match": etags[i]! }));
      expect(statuses(answers)).toEqual({ 304: PEOPLE });
      const after = await counters(h);
      expect(after.reads - before.reads).toBeLessThanOrEqual(PEOPLE); // ≤ 1 storage read a request
      expect(after.renders).toBe(before.renders);
      expect(p99(answers)).toBeLessThan(1000); // loose: tests share the machine; docs/benchmarks/loadtest.md measures it
    }
    partner.destroy();
    // Nothing was written by serving: the commit generation did not move, so no feed changed.
    expect((await h.admin("GET", "/admin/orgs/acme/people/p0")).status).toBe(200);
  });

  it("a range sync of 40 schedules × 3 days every 15 minutes: one render per schedule and month, then 304s", async () => {
    const schedules = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const s of schedules) {
      const snapshot = makeSnapshot({ schedule: { id: s, name: `Ward ${s}`, timezone: "America/New_York" } });
      expect((await h.publish(snapshot)).status).toBe(200);
    }
    const created = (await h.admin("POST", "/admin/partners", { org: "acme", name: "Amion-like sync" }))
      .json as CreatedKey;
    const agent = agentFrom("127.0.34.2", 8);
    // Eight schedules at a time; each schedule's three days one after another, with the tag last seen.
    const sync = async (etags: Map<string, string>) =>
      (
        await pool(schedules.length, 8, async (i) => {
          const s = schedules[i]!;
          const answers: Answer[] = [];
          for (const day of ["2026-11-24", "2026-11-25", "2026-11-26"]) {
            const inm = etags.get(s);
            const a = await get(`${h.url}/partner/orgs/acme/schedules/${s}.ics?from=${day}&to=${day}`, {
              agent,
              headers: { authorization: `Bearer ${created.key}`, ...(inm && { "if-none-match": inm }) },
            });
            if (a.headers.etag) etags.set(s, String(a.headers.etag));
            answers.push(a);
          }
          return answers;
        })
      ).flat();
    const etags = new Map<string, string>();
    const before = await counters(h);
    const first = await sync(etags);
    // The 2nd and 3rd day of a schedule share the first day's month: 304.
    expect(statuses(first)).toEqual({ 200: schedules.length, 304: 2 * schedules.length });
    const rendered = (await counters(h)).renders - before.renders;
    expect(rendered).toBeLessThanOrEqual(2 * schedules.length); // once per schedule and month (per thread at most)
    h.now += 15 * 60_000;
    const second = await sync(etags);
    expect(statuses(second)).toEqual({ 304: schedules.length * 3 });
    expect((await counters(h)).renders - before.renders).toBe(rendered);
    agent.destroy();
  }, 120_000);
});
