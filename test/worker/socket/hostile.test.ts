/**
 * What an attacker or a careless operator sends the Worker, over a real socket to workerd: ids and paths with
 * `..`, escapes, NUL, unicode and 10 KB runs, under every method, get a 4xx JSON error — never a 5xx, a stack or a
 * hang; the admin secret counts only in the Authorization header; markup in the names a snapshot carries stays
 * text on the subscribe page; and none of it puts a feed link or the admin secret into the Worker's log output.
 * (Node's counterparts: `test/integration/hostile-requests.test.ts`, `test/integration/security.test.ts`.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot } from "../../support/fixture.ts";
import { raw } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const MARKUP = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;

describe("hostile requests to the Worker", () => {
  let server: WorkerdServer;
  let token: string;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const at = (path: string) => `${server.url}${path}`;

  beforeAll(async () => {
    server = await startWorkerd();
    const snapshot = makeSnapshot({
      organization: { id: "acme", name: `Acme ${MARKUP}` },
      schedule: { id: "icu", name: `ICU ${MARKUP}`, timezone: "America/New_York" },
    });
    snapshot.people[0]!.name = `Ada ${MARKUP}`;
    snapshot.shifts[0]!.name = `Day ${MARKUP}`;
    const published = await raw("PUT", at("/admin/orgs/acme/schedules/icu"), {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(snapshot),
    });
    expect(published.status, published.text).toBe(200);
    const lookup = await raw("GET", at("/admin/orgs/acme/people/pA"), { headers: auth });
    token = new URL((lookup.json as { feed: { url: string } }).feed.url).pathname.slice(7, -4);
  }, 120_000);
  afterAll(() => server?.close());

  it("hostile ids, paths and methods: a 4xx JSON error, never a 5xx or a stack", async () => {
    const ids = [
      "..",
      "%2e%2e",
      "a%2Fb",
      "a%00b",
      "%C3%A9",
      "%E2%80%AE",
      "a".repeat(10_000),
      "%",
      "~",
      "acme~",
    ];
    const paths = ids.flatMap((id) => [
      `/admin/orgs/${id}/schedules/icu`,
      `/admin/orgs/acme/people/${id}/rotate`,
      `/admin/jobs/${id}`,
      `/admin/jobs/~${id}`,
      `/subscribe/${id}`,
      `/feeds/${id}.ics`,
    ]);
    paths.push("//admin/orgs/acme/people/pA", `/feeds/${token}.ics.`, "/feeds/");
    for (const path of paths) {
      for (const method of ["GET", "OPTIONS", "TRACE", "PATCH", "DELETE"]) {
        const reply = await raw(method, at(path), { headers: auth });
        const what = `${method} ${path.slice(0, 60)} → ${reply.status}`;
        expect(reply.status, what).toBeGreaterThanOrEqual(400);
        expect(reply.status, what).toBeLessThan(500);
        expect(reply.text, what).not.toMatch(/\bat .*\.(ts|js):\d|Error:/);
      }
    }
  }, 60_000);

  it("search takes LIKE wildcards and control characters as text", async () => {
    for (const q of ["%", "_", "%\u0000\u001b", "x".repeat(10_000)]) {
      const reply = await raw("GET", at(`/admin/search?q=${encodeURIComponent(q)}`), { headers: auth });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ people: [], schedules: [] });
    }
  });

  it("the admin secret counts in the Authorization header only, as a Bearer credential", async () => {
    for (const [path, headers] of [
      [`/admin/orgs/acme/people/pA?access_token=${ADMIN_TOKEN}`, {}],
      [`/admin/orgs/acme/people/pA?token=${ADMIN_TOKEN}`, {}],
      ["/admin/orgs/acme/people/pA", { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }],
      ["/admin/orgs/acme/people/pA", { authorization: `Bearer ${"é".repeat(40)}` }],
      ["/admin/orgs/acme/people/pA", { authorization: `Bearer ${"a".repeat(60_000)}` }],
      ["/metrics", { "x-admin-token": ADMIN_TOKEN }],
    ] as const) {
      const reply = await raw("GET", at(path), { headers });
      expect(reply.status, path).toBe(401);
      expect(reply.text).not.toContain(ADMIN_TOKEN);
    }
  });

  it("markup in names stays text on the subscribe page", async () => {
    const page = await raw("GET", at(`/subscribe/${token}`));
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<script|<img/i);
    expect(page.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;");
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'/);
  });

  it("leaves no feed link and no admin secret in the Worker's log output", () => {
    const logs = server.harness.getLogs().map((l) => l.message);
    expect(logs.some((l) => l.includes('"event":"request"'))).toBe(true);
    expect(logs.filter((l) => l.includes(token) || l.includes(ADMIN_TOKEN))).toEqual([]);
  });
});
