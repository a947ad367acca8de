// A Durable Object whose data another `FEED_SECRET` made (the secret changed between deploys): every admin call
// is refused with 503 naming FEED_SECRET and a log line, nothing is changed, and the right secret serves again. A
// new organization records the fingerprint of the secret it was made with.
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { secretFingerprint } from "../../../src/core/store/feed-secret-check.ts";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { registerOrg } from "../../../src/worker/org-registry.ts";
import { createWorkerFetch } from "../../../src/worker/worker-app.ts";
import { FEED_SECRET, makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, feedPathOf, orgObject, publish, setClock } from "./support.ts";

/** Runs SQL inside an organization's Durable Object storage. */
const inStorage = <T>(org: string, work: (sql: SqlStorage) => T): Promise<T> =>
  runInDurableObject(orgObject(org), (_object: OrgObject, state) => work(state.storage.sql));

const fingerprintOf = (org: string) =>
  inStorage(org, (sql) =>
    sql
      .exec("SELECT value FROM meta WHERE key = 'feed_secret_fingerprint'")
      .toArray()
      .map((r) => r["value"]),
  );

describe("a Durable Object whose data another FEED_SECRET made", () => {
  afterEach(() => vi.restoreAllMocks());

  it("refuses every admin call with 503 naming FEED_SECRET and a log line, until the secret matches", async () => {
    const org = "rekeyed";
    await setClock(org, T0);
    // The data of an earlier secret: its fingerprint, recorded before this one's first use.
    const other = await secretFingerprint(
      new TextEncoder().encode("an-earlier-feed-secret-0123456789abcdef"),
    );
    await inStorage(org, (sql) => {
      sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      sql.exec("INSERT INTO meta (key, value) VALUES ('feed_secret_fingerprint', ?)", other);
    });
    const errors = vi.spyOn(console, "error");

    const snapshot = makeSnapshot({ organization: { id: org, name: "Rekeyed" } });
    for (const reply of [await publish(snapshot), await admin("GET", `/admin/orgs/${org}/people/pA`)]) {
      expect(reply.status).toBe(503);
      expect((reply.json as { error: { message: string } }).error.message).toMatch(
        /^`FEED_SECRET` is not the secret this organization's links were made with/,
      );
      expect(reply.text).not.toContain(FEED_SECRET);
    }
    expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/"event":"feed_secret_mismatch"/);
    expect(await fingerprintOf(org)).toEqual([other]); // nothing written

    // The calls that ask every organization's object (over RPC) say the same, not an internal error.
    await registerOrg(env.FEEDS, org);
    for (const [method, path, body] of [
      ["GET", "/admin/search?q=ada"],
      ["GET", "/admin/traffic"],
      ["GET", "/metrics"],
      ["POST", "/admin/regenerate", {}],
      ["GET", `/admin/jobs/${org}~${crypto.randomUUID()}`],
    ] as const) {
      const reply = await admin(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(503);
      expect((reply.json as { error: { message: string } }).error.message, path).toMatch(/`FEED_SECRET`/);
    }

    // The data's secret back (here: its fingerprint forgotten, as before fingerprints): it serves again.
    await inStorage(org, (sql) => sql.exec("DELETE FROM meta WHERE key = 'feed_secret_fingerprint'"));
    expect((await publish(snapshot)).status).toBe(200);
    expect((await admin("GET", `/admin/orgs/${org}/people/pA`)).status).toBe(200);
  });

  it("a new organization records the fingerprint of the secret it was made with", async () => {
    const org = "fresh";
    await setClock(org, T0);
    expect((await publish(makeSnapshot({ organization: { id: org, name: "Fresh" } }))).status).toBe(200);
    expect(await fingerprintOf(org)).toEqual([
      await secretFingerprint(new TextEncoder().encode(env.FEED_SECRET!)),
    ]);
  });
});

describe("the edge under another FEED_SECRET than its links were made with", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers their feeds and subscribe pages 503 naming FEED_SECRET with one log line, never a silent 404", async () => {
    const org = "edge-rekeyed";
    await setClock(org, T0);
    expect((await publish(makeSnapshot({ organization: { id: org, name: "Edge" } }))).status).toBe(200);
    const feed = await feedPathOf(org, "pA");
    const page = feed.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "");
    const errors = vi.spyOn(console, "error");
    // The next deploy, with another valid secret.
    const rekeyed = createWorkerFetch({ ...env, FEED_SECRET: "a-later-feed-secret-0123456789abcdef0123" });
    for (const [method, path] of [
      ["GET", feed],
      ["HEAD", feed],
      ["GET", page],
      ["GET", feed],
    ] as const) {
      const reply = await rekeyed(new Request(`https://feeds.example.org${path}`, { method }));
      expect(reply.status, `${method} ${path}`).toBe(503);
      expect(Number(reply.headers.get("retry-after")), `${method} ${path}`).toBeGreaterThan(0);
      const body = await reply.text();
      if (method === "GET") expect(body).toMatch(/FEED_SECRET/);
      expect(body).not.toContain(FEED_SECRET);
    }
    const lines = errors.mock.calls.map((c) => String(c[0]));
    expect(lines.filter((l) => l.includes('"event":"feed_secret_mismatch"'))).toHaveLength(1);
    expect(lines.join("\n")).not.toContain(feed.slice("/feeds/".length, -".ics".length));

    // Under the secret the links were made with, the feed serves and a guess is the plain 404.
    const right = createWorkerFetch(env);
    expect((await right(new Request(`https://feeds.example.org${feed}`))).status).toBe(200);
    const guess = `/feeds/${"A".repeat(24)}.ics`;
    expect((await right(new Request(`https://feeds.example.org${guess}`))).status).toBe(404);
  });
});
