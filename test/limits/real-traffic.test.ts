/**
 * Protection that fits real calendar traffic, over real sockets: shared fetchers and NATs poll dead links next to
 * live ones, a department link sits on a hundred phones, proxies write client addresses with ports or as mapped
 * IPv6, the subscribe page lives under the feed's token, and a refused phone must still show as polling. Each
 * client is a distinct loopback source address (or a trusted proxy header); the harness clock stands still unless
 * a test moves it, so bucket counts are exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { agentFrom, get, pool, sample, statuses } from "../support/clients.ts";
import { FEED_SECRET, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const APPLE = { "user-agent": "iOS/18.1 (22B83) dataaccessd/1.0" };
const GOOGLE = { "user-agent": "Google-Calendar-Importer" };

/** A refusal counter of `/metrics`. */
async function refusals(h: Harness, limit: string): Promise<number> {
  return sample((await h.admin("GET", "/metrics")).text, "shiftfeed_refused_total", `limit="${limit}"`);
}

/** Storage reads by the serving threads so far (lookups and bodies). */
async function reads(h: Harness): Promise<number> {
  await h.settle();
  const text = (await h.admin("GET", "/metrics")).text;
  return (
    sample(text, "shiftfeed_feed_store_reads_total", 'kind="lookup"') +
    sample(text, "shiftfeed_feed_store_reads_total", 'kind="body"')
  );
}

/** 24 random base64url characters: a random guess, which fails the checksum but 1 time in 65,536. */
function randomToken(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return Array.from({ length: 24 }, () => alphabet[Math.floor(Math.random() * 64)]).join("");
}

/** Ten people, so there are links to rotate and to retire. */
const TEN = makeSnapshot({
  people: Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, name: `Person ${i}` })),
  assignments: Array.from({ length: 10 }, (_, i) => ({
    id: `a${i}`,
    personId: `p${i}`,
    shiftId: "day",
    date: "2026-11-25",
  })),
});

describe("dead links are not misses; misses refuse only misses", () => {
  let h: Harness;
  let rotated: string[];
  let retired: string[];
  let live: string;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2", LIMIT_MISS_BURST: "20" } });
    expect((await h.publish(TEN)).status).toBe(200);
    // p0–p4: rotated three times each (15 dead links); p5–p9 retired by the next revision (5 dead links).
    rotated = [];
    for (let i = 0; i < 5; i++) {
      for (let n = 0; n < 3; n++) {
        rotated.push(await h.feedPathOf("acme", `p${i}`));
        expect((await h.admin("POST", `/admin/orgs/acme/people/p${i}/rotate`)).status).toBe(200);
      }
    }
    retired = [];
    for (let i = 5; i < 10; i++) retired.push(await h.feedPathOf("acme", `p${i}`));
    const keep = TEN.people.slice(0, 5);
    const next = makeSnapshot({
      revision: 2,
      people: keep,
      assignments: TEN.assignments.filter((a) => keep.some((p) => p.id === a.personId)),
    });
    expect((await h.publish(next)).status).toBe(200);
    live = await h.feedPathOf("acme", "p0");
  });
  afterAll(() => h.close());

  it("an address polling 300 dead links (rotated and retired: the plain 404) keeps every live feed, and nothing is counted as a miss", async () => {
    const before = await refusals(h, "misses");
    const dead = [...rotated, ...retired];
    const agent = agentFrom("127.0.71.1", 8);
    const answers = await pool(300, 8, (i) =>
      get(h.url + dead[i % dead.length]!, { agent, headers: GOOGLE }),
    );
    // Far past the miss budget of 20: no dead link is a miss.
    expect(statuses(answers)).toEqual({ 404: 300 });
    // The same answer as any unknown token: nothing tells that a link once existed.
    const unknown = await get(`${h.url}/feeds/${randomToken()}.ics`, { from: "127.0.71.2" });
    expect(answers[0]!.body.equals(unknown.body)).toBe(true);
    for (let i = 0; i < 5; i++)
      expect((await get(h.url + live, { agent, headers: GOOGLE })).status).toBe(200);
    agent.destroy();
    expect((await refusals(h, "misses")) - before).toBe(0);
  });

  it("never-issued tokens count as misses and are refused once the budget is spent, yet the same address's valid feed is served", async () => {
    h.now += 3_600_000;
    const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
    // Well-formed (they pass the checksum) but never issued: the scan's best case.
    const never = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        tokens.derive({ kind: "person", org: "acme", id: `x${i}`, version: 1 }),
      ),
    );
    const from = "127.0.72.1";
    const scan = [];
    for (const t of never) scan.push((await get(`${h.url}/feeds/${t}.ics`, { from })).status);
    expect(scan).toEqual([...Array<number>(20).fill(404), ...Array<number>(10).fill(429)]);
    // The miss budget is spent: the live link is still served, and a dead one is not refused (both uncounted).
    expect((await get(h.url + live, { from })).status).toBe(200);
    expect((await get(h.url + rotated[0]!, { from })).status).toBe(404);
    expect((await get(h.url + retired[0]!, { from })).status).toBe(404);
    // Random guesses (checksum fails) are refused without any storage read.
    const before = await reads(h);
    const guesses = await pool(200, 8, () => get(`${h.url}/feeds/${randomToken()}.ics`, { from }));
    expect(statuses(guesses)).toEqual({ 429: 200 });
    expect((await reads(h)) - before).toBe(0);
    expect((await get(h.url + live, { from })).status).toBe(200);
  });
});

describe("a link shared by many phones never meets its budget; one client hammering it still does", () => {
  let h: Harness;
  let schedule: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2", CLIENT_IP_HEADER: "X-Forwarded-For" },
    });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    const s = (await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json as { feed: { url: string } };
    schedule = new URL(s.feed.url).pathname;
  });
  afterAll(() => h.close());

  it("100 phones, each its own address, polling the department link every 5 minutes for an hour: no 429", async () => {
    const first = await get(h.url + schedule, { headers: { "x-forwarded-for": "198.51.100.1" } });
    const inm = { "if-none-match": String(first.headers.etag) };
    const seen: { status: number }[] = [];
    for (let round = 0; round < 12; round++) {
      h.now += 300_000;
      const phones = await pool(100, 16, (i) =>
        get(h.url + schedule, { headers: { ...APPLE, ...inm, "x-forwarded-for": `198.51.100.${1 + i}` } }),
      );
      seen.push(...phones);
    }
    expect(statuses(seen)).toEqual({ 304: 1200 });
  });

  it("100 phones behind one hospital NAT polling it every 5 minutes (each wave all at once): no 429", async () => {
    h.now += 3_600_000;
    const nat = { ...APPLE, "x-forwarded-for": "203.0.113.200" };
    const seen: { status: number }[] = [];
    for (let round = 0; round < 12; round++) {
      h.now += 300_000;
      seen.push(...(await pool(100, 16, () => get(h.url + schedule, { headers: nat }))));
    }
    expect(statuses(seen)).toEqual({ 200: 1200 });
  });

  it("one client hammering the link gets its burst of 200, then 429, while the phones are still served", async () => {
    h.now += 3_600_000;
    const hammer = { "x-forwarded-for": "192.0.2.66" };
    const answers = await pool(400, 16, () => get(h.url + schedule, { headers: hammer }));
    expect(statuses(answers)).toEqual({ 200: 200, 429: 200 });
    const phone = await get(h.url + schedule, { headers: { ...APPLE, "x-forwarded-for": "198.51.100.7" } });
    expect(phone.status).toBe(200);
  });
});

describe("client addresses as proxies write them (CLIENT_IP_HEADER=X-Forwarded-For, 5 misses an address)", () => {
  let h: Harness;
  const unknown = "/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics";
  beforeAll(async () => {
    h = await startHarness({
      env: { CLIENT_LIMITS: "on", CLIENT_IP_HEADER: "X-Forwarded-For", LIMIT_MISS_BURST: "5" },
    });
  });
  afterAll(() => h.close());

  const misses = async (values: string[]) => {
    const seen = [];
    for (const v of values)
      seen.push((await get(h.url + unknown, { headers: { "x-forwarded-for": v } })).status);
    return seen;
  };
  const spent = [404, 404, 404, 404, 404, 429, 429];

  it("a port is stripped: every port of one address shares its budget", async () => {
    expect(await misses(Array.from({ length: 7 }, (_, i) => `203.0.113.7:${51_000 + i}`))).toEqual(spent);
    expect(await misses(["203.0.113.7"])).toEqual([429]);
  });

  it("IPv4-mapped IPv6 in any spelling is the IPv4 address", async () => {
    const spellings = [
      "::ffff:198.51.100.9",
      "::ffff:c633:6409",
      "0:0:0:0:0:ffff:c633:6409",
      "[::ffff:198.51.100.9]:443",
      "::FFFF:C633:6409",
      "198.51.100.9",
      "198.51.100.9:80",
    ];
    expect(await misses(spellings)).toEqual(spent);
    // Another IPv4 address written the same way is another client.
    expect(await misses(["::ffff:198.51.100.10"])).toEqual([404]);
  });

  it("bracketed IPv6 with a port is parsed, and grouped by /64", async () => {
    const values = [
      "[2001:db8:0:1::1]:443",
      "2001:db8:0:1::2",
      "[2001:db8:0:1:ffff::3]:8080",
      "2001:db8:0:1::4%eth0",
    ];
    expect(await misses([...values, ...values.slice(0, 3)])).toEqual(spent);
    expect(await misses(["[2001:db8:0:2::1]:443"])).toEqual([404]); // another /64
  });

  it("garbage counts against the proxy's own address (never a bucket per value), and is counted in /healthz and /metrics", async () => {
    const garbage = [
      "not-an-ip",
      "unknown",
      "999.1.1.1",
      "1.2.3.4.5",
      "[::1",
      "::ffff:1.2.3",
      "x".repeat(200),
    ];
    expect(await misses(garbage)).toEqual(spent);
    // The proxy's own budget is that peer's (127.0.0.1, the test's socket): an absent header counts there too.
    expect((await get(h.url + unknown)).status).toBe(429);
    const health = (await get(`${h.url}/healthz`)).body.toString();
    expect(JSON.parse(health).limits.unusableAddresses).toBe(7);
    const metrics = (await h.admin("GET", "/metrics")).text;
    expect(sample(metrics, "shiftfeed_client_address_unusable_total")).toBe(7);
  });
});

describe("the subscribe page is under the budgets of its feed, and counted in the traffic view", () => {
  let h: Harness;
  let page: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { CLIENT_LIMITS: "on", LIMIT_TOKEN_BURST: "10", LIMIT_MISS_BURST: "10" },
      telemetryFlushMs: 100,
    });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    page = (await h.feedPathOf("acme", "pA")).replace(/^\/feeds\/(.*)\.ics$/, "/subscribe/$1");
  });
  afterAll(() => h.close());

  it("one address requesting one page: its burst, then 429 with Retry-After; another address is served", async () => {
    const agent = agentFrom("127.0.74.1", 4);
    const answers = await pool(40, 4, () => get(h.url + page, { agent }));
    agent.destroy();
    expect(statuses(answers)).toEqual({ 200: 10, 429: 30 });
    expect(Number(answers.find((a) => a.status === 429)!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await get(h.url + page, { from: "127.0.74.2" })).status).toBe(200);
  });

  it("a scan of random tokens on /subscribe/ spends the miss budget and is then refused; a rotated page is not", async () => {
    const scan = await pool(30, 4, () => get(`${h.url}/subscribe/${randomToken()}`, { from: "127.0.74.3" }));
    expect(statuses(scan)).toEqual({ 404: 10, 429: 20 });
    const old = page;
    expect((await h.admin("POST", "/admin/orgs/acme/people/pA/rotate")).status).toBe(200);
    // From the scanner's address, whose miss budget is spent: a dead link is no miss.
    expect((await get(h.url + old, { from: "127.0.74.3" })).status).toBe(404);
  });

  it("page requests show in the traffic view", async () => {
    await h.settle();
    const traffic = (await h.admin("GET", "/admin/traffic")).json as {
      windows: {
        minutes: number;
        requests: number;
        tooManyRequests: number;
        byStatus: Record<string, number>;
      }[];
    };
    // 40 + 1 + 30 + 1 page requests: 11 answered 200, 10 + 1 404, 30 + 20 refused.
    const hour = traffic.windows.find((w) => w.minutes === 60)!;
    expect(hour.requests).toBe(72);
    expect(hour.byStatus).toEqual({ "200": 11, "404": 11, "429": 50 });
  });
});

describe("refused polls are recorded with their feed", () => {
  it("three Apple polls refused with 429: the person lookup's lastFetch shows the refusals, not the earlier 200", async () => {
    const h = await startHarness({
      env: { CLIENT_LIMITS: "on", LIMIT_TOKEN_BURST: "1", LIMIT_TOKEN_PER_HOUR: "1" },
      telemetryFlushMs: 100,
    });
    try {
      expect((await h.publish(makeSnapshot())).status).toBe(200);
      const path = await h.feedPathOf("acme", "pA");
      expect((await get(h.url + path, { headers: APPLE })).status).toBe(200);
      h.now += 60_000;
      for (let i = 0; i < 3; i++) expect((await get(h.url + path, { headers: APPLE })).status).toBe(429);
      await h.settle();
      const person = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as {
        lastFetch: { client: string; status: number; at: string; requests: number }[];
      };
      const apple = person.lastFetch.find((f) => f.client === "apple")!;
      expect(apple.status).toBe(429);
      expect(apple.requests).toBe(4);
      expect(Date.parse(apple.at)).toBe(h.now);
    } finally {
      await h.close();
    }
  });
});

describe("shared fetchers are recognised by their address ranges, never by their user agent", () => {
  it("an address in SHARED_FETCHER_RANGES polls 1,500 live and dead links at once without a refusal; the same user agent from another address is held to the ordinary budget", async () => {
    const h = await startHarness({
      env: {
        CLIENT_LIMITS: "on",
        SERVE_THREADS: "2",
        LIMIT_ADDRESS_BURST: "100",
        LIMIT_MISS_BURST: "10",
        SHARED_FETCHER_RANGES: "127.0.75.0/24",
      },
    });
    try {
      expect((await h.publish(TEN)).status).toBe(200);
      const links: string[] = [];
      for (let i = 0; i < 10; i++) {
        links.push(await h.feedPathOf("acme", `p${i}`));
        expect((await h.admin("POST", `/admin/orgs/acme/people/p${i}/rotate`)).status).toBe(200);
        links.push(await h.feedPathOf("acme", `p${i}`));
      }
      const google = agentFrom("127.0.75.9", 16);
      const fetched = await pool(1500, 16, (i) =>
        get(h.url + links[i % links.length]!, { agent: google, headers: GOOGLE }),
      );
      google.destroy();
      expect(statuses(fetched)).toEqual({ 200: 750, 404: 750 });
      // The ordinary budget of 100 requests an address holds for a client that only claims to be Google.
      const claimer = agentFrom("127.0.76.9", 16);
      const claimed = await pool(150, 16, (i) =>
        get(h.url + links[i % links.length]!, { agent: claimer, headers: GOOGLE }),
      );
      claimer.destroy();
      // Sixteen at a time over two threads: which 50 of the 150 come last is not fixed, how many is.
      const seen = statuses(claimed);
      expect(seen[429]).toBe(50);
      expect((seen[200] ?? 0) + (seen[404] ?? 0)).toBe(100);
    } finally {
      await h.close();
    }
  });
});

describe("a database from before dead links were kept", () => {
  it("at start, links rotated before the upgrade are derived again and become dead links, not misses", async () => {
    const h = await startHarness({ env: { CLIENT_LIMITS: "on", LIMIT_MISS_BURST: "2" } });
    try {
      expect((await h.publish(TEN)).status).toBe(200);
      const old: string[] = [];
      for (let n = 0; n < 3; n++) {
        old.push(await h.feedPathOf("acme", "p1"));
        expect((await h.admin("POST", "/admin/orgs/acme/people/p1/rotate")).status).toBe(200);
      }
      // What a database written before schema version 4 holds: link versions, no dead link hashes.
      h.tamper("DELETE FROM dead_links; DELETE FROM meta WHERE key = 'dead_links_derived'");
      await h.restart();
      expect(h.logs.some((l) => l.includes('"dead_links_derived"') && l.includes('"count":3'))).toBe(true);
      const seen = [];
      for (let i = 0; i < 9; i++) seen.push((await get(h.url + old[i % 3]!, { from: "127.0.77.1" })).status);
      expect(seen).toEqual(Array<number>(9).fill(404)); // far past the miss budget of 2: none is a miss
      expect((await get(h.url + (await h.feedPathOf("acme", "p1")), { from: "127.0.77.1" })).status).toBe(
        200,
      );
    } finally {
      await h.close();
    }
  });
});
