/**
 * Capability URLs and admin auth over real sockets (docs/test-checklist.md §B 16–18): rotation kills the old link on the
 * very next request and survives a restart; the admin API refuses every malformed or wrong credential and fails
 * closed with no secret; no raw token ever reaches a log line, an error body, /metrics or the data dir.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStack } from "../support/stack.ts";
import {
  ADMIN_TOKEN,
  FEED_SECRET,
  T0,
  makeSnapshot,
  raw,
  readAllText,
  serveApp,
  startHarness,
  type Harness,
} from "../support/server.ts";

const TOKEN_IN_PATH = /\/feeds\/([A-Za-z0-9_-]{24})\.ics/;

describe("rotation (docs/test-checklist.md §B 16)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterEach(() => h.close());

  it("the old URL 404s on the very next request, the new one serves the same body", async () => {
    const oldPath = await h.feedPathOf("acme", "pA");
    const pathB = await h.feedPathOf("acme", "pB");
    const before = await h.feed(oldPath);
    const b = await h.feed(pathB);
    expect(before.status).toBe(200);

    const rotated = await h.admin("POST", "/admin/orgs/acme/people/pA/rotate");
    expect(rotated.status, rotated.text).toBe(200);
    const newPath = new URL((rotated.json as { feed: { url: string } }).feed.url).pathname;
    expect(newPath).not.toBe(oldPath);
    expect(await h.feedPathOf("acme", "pA")).toBe(newPath);

    const dead = await h.feed(oldPath);
    expect(dead.status).toBe(404);
    expect(dead.text).toBe((await h.feed("/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics")).text);
    const fresh = await h.feed(newPath);
    expect(fresh.status).toBe(200);
    expect(fresh.body.equals(before.body)).toBe(true);
    expect([fresh.etag, fresh.lastModified]).toEqual([before.etag, before.lastModified]);
    const after = await h.feed(pathB);
    expect([after.status, after.etag, after.lastModified, after.body.equals(b.body)]).toEqual([
      200,
      b.etag,
      b.lastModified,
      true,
    ]);

    await h.restart();
    expect((await h.feed(oldPath)).status).toBe(404);
    const survived = await h.feed(newPath);
    expect(survived.status).toBe(200);
    expect(survived.body.equals(before.body)).toBe(true);
    expect(await h.feedPathOf("acme", "pA")).toBe(newPath);
  });

  it("a second rotation kills the first rotated link too, and the schedule feed rotates alike", async () => {
    const v1 = await h.feedPathOf("acme", "pA");
    await h.admin("POST", "/admin/orgs/acme/people/pA/rotate");
    const v2 = await h.feedPathOf("acme", "pA");
    await h.admin("POST", "/admin/orgs/acme/people/pA/rotate");
    const v3 = await h.feedPathOf("acme", "pA");
    expect(new Set([v1, v2, v3]).size).toBe(3);
    expect((await h.feed(v1)).status).toBe(404);
    expect((await h.feed(v2)).status).toBe(404);
    expect((await h.feed(v3)).status).toBe(200);

    const schedule = async () =>
      new URL(
        ((await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json as { feed: { url: string } }).feed.url,
      ).pathname;
    const s1 = await schedule();
    expect((await h.admin("POST", "/admin/orgs/acme/schedules/icu/rotate")).status).toBe(200);
    const s2 = await schedule();
    expect(s2).not.toBe(s1);
    expect((await h.feed(s1)).status).toBe(404);
    expect((await h.feed(s2)).status).toBe(200);
  });

  it("rotating an unknown person is a 404", async () => {
    const reply = await h.admin("POST", "/admin/orgs/acme/people/nobody/rotate");
    expect(reply.status).toBe(404);
    expect((reply.json as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("admin auth (docs/test-checklist.md §B 18)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const call = (headers: Record<string, string | string[]>, path = "/admin/orgs/acme/people/pA") =>
    raw("GET", h.url + path, { headers });

  function expect401(reply: Awaited<ReturnType<typeof call>>) {
    expect(reply.status, reply.text).toBe(401);
    expect(reply.headers["www-authenticate"]).toMatch(/^Bearer\b/);
    expect((reply.json as { error: { code: string } }).error.code).toBe("unauthorized");
    expect(reply.text).not.toContain(ADMIN_TOKEN);
  }

  it("no Authorization → 401 with WWW-Authenticate: Bearer", async () => {
    expect401(await call({}));
    expect401(await call({}, "/metrics"));
    expect401(await raw("PUT", `${h.url}/admin/orgs/acme/schedules/icu`, { body: "{}" }));
  });

  it("wrong secrets of the same and of a different length → 401", async () => {
    const sameLength = ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith("f") ? "e" : "f");
    expect(sameLength.length).toBe(ADMIN_TOKEN.length);
    expect401(await call({ authorization: `Bearer ${sameLength}` }));
    expect401(await call({ authorization: `Bearer ${ADMIN_TOKEN}x` }));
    expect401(await call({ authorization: "Bearer x" }));
    expect401(await call({ authorization: `Bearer ${ADMIN_TOKEN.slice(0, 10)}` }));
  });

  it("Bearer without a value, Basic, and the bare secret → 401", async () => {
    expect401(await call({ authorization: "Bearer" }));
    expect401(await call({ authorization: "Bearer " }));
    expect401(
      await call({ authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}` }),
    );
    expect401(await call({ authorization: ADMIN_TOKEN }));
  });

  it("the scheme in any case passes, as RFC 9110 §11.1 has it; the secret's case counts", async () => {
    for (const scheme of ["bearer", "BEARER", "bEaReR"]) {
      expect((await call({ authorization: `${scheme} ${ADMIN_TOKEN}` })).status, scheme).toBe(404);
    }
    expect401(await call({ authorization: `Bearer ${ADMIN_TOKEN.toUpperCase()}` }));
  });

  it("two Authorization headers → 400 or 401, whichever comes first", async () => {
    for (const pair of [
      [`Bearer ${ADMIN_TOKEN}`, "Bearer wrong"],
      ["Bearer wrong", `Bearer ${ADMIN_TOKEN}`],
    ]) {
      const reply = await call({ authorization: pair });
      expect([400, 401], `${pair.join(" | ")} → ${reply.status}`).toContain(reply.status);
    }
  });

  it("the right secret passes; /healthz needs none; /metrics is Prometheus text", async () => {
    expect((await call({ authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(404); // authorized, no such person
    const health = await raw("GET", `${h.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ ok: true });
    const metrics = await call({ authorization: `Bearer ${ADMIN_TOKEN}` }, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toMatch(/^# HELP shiftfeed_\w+ /m);
    expect(metrics.text).toMatch(/^# TYPE shiftfeed_\w+ (counter|gauge)$/m);
    expect(metrics.text).toMatch(/^shiftfeed_http_requests_total\{[^}]*\} \d+$/m);
  });
});

describe("no admin secret: fail closed (docs/test-checklist.md §B 18)", () => {
  let served: Awaited<ReturnType<typeof serveApp>>;
  beforeAll(async () => {
    const { app } = await createStack({ now: T0, adminToken: null });
    served = await serveApp(app);
  });
  afterAll(() => served.close());

  it.each([
    ["PUT", "/admin/orgs/acme/schedules/icu"],
    ["DELETE", "/admin/orgs/acme/schedules/icu"],
    ["GET", "/admin/orgs/acme/schedules/icu"],
    ["POST", "/admin/orgs/acme/schedules/icu/rotate"],
    ["GET", "/admin/orgs/acme/people/pA"],
    ["POST", "/admin/orgs/acme/people/pA/rotate"],
    ["POST", "/admin/regenerate"],
    ["GET", "/admin/jobs/some-job"],
    ["GET", "/admin/anything"],
    ["GET", "/metrics"],
  ])("%s %s → 503 with or without a bearer", async (method, path) => {
    for (const headers of [{}, { authorization: `Bearer ${ADMIN_TOKEN}` }, { authorization: "Bearer " }]) {
      const reply = await raw(method, served.url + path, {
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(makeSnapshot()),
      });
      expect(reply.status, `${method} ${path}`).toBe(503);
      expect((reply.json as { error: { code: string } }).error.code).toBe("admin_disabled");
    }
  });

  it("/healthz still answers 200", async () => {
    expect((await raw("GET", `${served.url}/healthz`)).status).toBe(200);
  });
});

describe("token hygiene (docs/test-checklist.md §B 17)", () => {
  it("no raw token in logs, error bodies, /metrics or anywhere in the data dir", async () => {
    const h = await startHarness();
    try {
      const seen = new Set<string>();
      const note = (path: string) => seen.add(TOKEN_IN_PATH.exec(path)![1]!);
      expect((await h.publish(makeSnapshot())).status).toBe(200);
      const schedule = (await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json as {
        feed: { url: string };
      };
      note(schedule.feed.url);
      for (const p of ["pA", "pB"]) {
        const path = await h.feedPathOf("acme", p);
        note(path);
        expect((await h.feed(path)).status).toBe(200);
        expect((await h.feed(path, { "if-none-match": "*" })).status).toBe(304);
      }
      // Misses: unknown, malformed and method-refused feed requests.
      const guesses = ["/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics", "/feeds/short.ics", "/feeds/..%2Fsecrets.ics"];
      for (const g of guesses) expect((await h.feed(g)).status).toBe(404);
      const oldA = await h.feedPathOf("acme", "pA");
      const posted = await raw("POST", h.url + oldA);
      expect(posted.status).toBe(405);
      h.bodies.push(posted.text);
      // Rotation, then the dead link, then the new one.
      await h.admin("POST", "/admin/orgs/acme/people/pA/rotate");
      const newA = await h.feedPathOf("acme", "pA");
      note(newA);
      expect((await h.feed(oldA)).status).toBe(404);
      expect((await h.feed(newA)).status).toBe(200);
      h.now += 60_000;
      expect((await h.publish(makeSnapshot({ revision: 2, assignments: [] }))).status).toBe(200);
      // Admin errors of every kind.
      await h.admin("GET", "/admin/orgs/acme/people/nobody");
      await h.admin("PUT", "/admin/orgs/acme/schedules/icu", "{", { "content-type": "application/json" });
      await h.publish(makeSnapshot({ revision: 1 }));
      await h.admin("GET", "/admin/jobs/nope");
      const metrics = await h.admin("GET", "/metrics");
      expect(metrics.status).toBe(200);
      await h.restart();
      expect((await h.feed(newA)).status).toBe(200);

      expect(seen.size).toBe(4);
      await h.settle();
      expect(h.logs.length).toBeGreaterThan(0);
      const files = await readAllText(h.dataDir);
      expect(files.size).toBeGreaterThan(0);
      for (const token of seen) {
        for (const line of h.logs) expect(line).not.toContain(token);
        for (const body of h.bodies.filter((b) => !b.startsWith("{") || b.includes('"error"'))) {
          expect(body).not.toContain(token);
        }
        expect(metrics.text).not.toContain(token);
        for (const [file, text] of files) expect(text, file).not.toContain(token);
      }
      for (const line of h.logs) expect(line).not.toContain(ADMIN_TOKEN);
      for (const [, text] of files) expect(text).not.toContain(FEED_SECRET);
    } finally {
      await h.close();
    }
  });
});
