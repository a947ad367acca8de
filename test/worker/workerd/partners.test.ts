// Partner keys and ranges on Workers, through the Worker's real fetch handler inside workerd: keys kept by their
// organization's Durable Object and found through the R2 index (a revocation is one R2 `head` however many
// organizations there are; an unknown key reaches no object), ranges answered by the object with Node's route
// (validators, 304, HEAD, each key's quota counted in the object), refused the very next request after a
// revocation, a scan of keys refused by the address's miss budget while a key that exists is served, a revoked key
// counted as a miss, and R2 failing under the index answered 503 (never as an unknown key).
// The same requests against Node and the Worker over sockets: test/support/http-behaviour.ts.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/core/digest.ts";
import { DEFAULT_LIMITS } from "../../../src/core/limits/settings.ts";
import { createWorkerFetch } from "../../../src/worker/worker-app.ts";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { ADMIN_TOKEN, makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, orgObject, publish, setClock, watchedBucket } from "./support.ts";

interface Created {
  id: string;
  key: string;
  org: string;
  revokedAt: string | null;
}

const MISSES = DEFAULT_LIMITS.misses.burst;

async function createKey(org: string, extra: Record<string, number> = {}): Promise<Created> {
  const reply = await admin("POST", "/admin/partners", { org, name: `${org} sync`, ...extra });
  expect(reply.status, reply.text).toBe(201);
  return reply.json as Created;
}

const range = (
  org: string,
  key: string,
  file = "icu.ics",
  headers: Record<string, string> = {},
  method = "GET",
) =>
  call(method, `/partner/orgs/${org}/schedules/${file}?from=2026-11-24&to=2026-12-26`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
  });

async function publishOrg(org: string) {
  await setClock(org, T0);
  const reply = await publish(
    makeSnapshot({ organization: { id: org, name: `${org} Health`, tier: "standard" } }),
  );
  expect(reply.status, reply.text).toBe(200);
}

/**
 * The Worker (an isolate of its own) with its R2 bucket's calls recorded, and failing while `failing.on` (the
 * objects' own calls are neither: they have their own env).
 */
function countingWorker(failing = { on: false }) {
  const calls: string[] = [];
  const bucket = watchedBucket((method, args) => calls.push(`${method} ${String(args[0])}`), failing);
  const fetch = createWorkerFetch({ ...env, FEEDS: bucket });
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(new Request(`https://feeds.example.org${path}`, { method, headers }));
  return { calls, send };
}

describe("partner keys on Workers", () => {
  it("are kept by their organization's object and indexed in R2 by id and by hash; unknown organizations and bad bodies are refused", async () => {
    await publishOrg("pk-one");
    const key = await createKey("pk-one", { burst: 40 });
    expect(key).toMatchObject({ org: "pk-one", revokedAt: null });
    expect(key.key).toMatch(/^sfp_[A-Za-z0-9_-]{32}$/);
    const stored = await runInDurableObject(orgObject("pk-one"), (object: OrgObject) => object.partnerKeys());
    expect(stored.map((k) => k.id)).toEqual([key.id]);
    expect((await env.FEEDS.head(`partner-keys/id/${key.id}`))?.customMetadata).toEqual({ org: "pk-one" });
    const byHash = await env.FEEDS.list({ prefix: "partner-keys/hash/" });
    expect(byHash.objects.length).toBeGreaterThan(0);
    expect(JSON.stringify(byHash.objects)).not.toContain(key.key);
    const nowhere = await admin("POST", "/admin/partners", { org: "pk-nowhere", name: "x" });
    expect(nowhere.status).toBe(404);
    expect((nowhere.json as { error: { message: string } }).error.message).toBe(
      "no organization `pk-nowhere`",
    );
    expect((await env.FEEDS.list({ prefix: "partner-keys/" })).objects.length).toBe(2); // none for pk-nowhere
    expect((await admin("POST", "/admin/partners", { org: "pk-one", name: "x", extra: 1 })).status).toBe(400);
    expect((await call("POST", "/admin/partners", { body: "{}" })).status).toBe(401);
  });

  it("are listed per organization or across all of them, oldest first, never with the key", async () => {
    await publishOrg("pk-two");
    await setClock("pk-two", T0 + 60_000);
    const later = await createKey("pk-two");
    const one = await admin("GET", "/admin/partners?org=pk-one");
    expect((one.json as { partners: Created[] }).partners.map((p) => p.org)).toEqual(["pk-one"]);
    const all = await admin("GET", "/admin/partners");
    expect(all.status).toBe(200);
    const listed = (all.json as { partners: Created[] }).partners;
    expect(listed.map((p) => p.org)).toEqual(["pk-one", "pk-two"]);
    expect(listed[1]!.id).toBe(later.id);
    expect(all.text).not.toContain("sfp_");
    expect((await admin("GET", "/admin/partners?org=not%20an%20id")).json).toEqual({ partners: [] });
  });

  it("a revocation asks one R2 object, not every organization, and refuses the key on the very next request", async () => {
    await publishOrg("pk-three");
    const key = await createKey("pk-three");
    const worker = countingWorker();
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const path = `/partner/orgs/pk-three/schedules/icu.ics?from=2026-11-01&to=2026-11-30`;
    expect((await worker.send("GET", path, { authorization: `Bearer ${key.key}` })).status).toBe(200);
    worker.calls.length = 0;
    const revoked = await worker.send("DELETE", `/admin/partners/${key.id}`, auth);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as Created).revokedAt).not.toBeNull();
    expect(worker.calls).toEqual([`head partner-keys/id/${key.id}`]);
    // This isolate has seen the key: the object refuses it.
    const next = await worker.send("GET", path, { authorization: `Bearer ${key.key}` });
    expect(next.status).toBe(401);
    expect(next.headers.get("www-authenticate")).toMatch(/^Bearer/);
    // Its hash entry is gone: another isolate refuses it at the edge, as an unknown key.
    expect(await env.FEEDS.head(`partner-keys/hash/${await sha256Hex(key.key)}`)).toBeNull();
    expect((await range("pk-three", key.key)).status).toBe(401);
    expect((await env.FEEDS.head(`partner-keys/id/${key.id}`))?.customMetadata).toEqual({ org: "pk-three" });
    // A second revocation shows the same key; an unknown id is a 404 with no object asked.
    expect((await admin("DELETE", `/admin/partners/${key.id}`)).status).toBe(200);
    worker.calls.length = 0;
    expect((await worker.send("DELETE", "/admin/partners/pk_unknown", auth)).status).toBe(404);
    expect(worker.calls).toEqual(["head partner-keys/id/pk_unknown"]);
  });
});

describe("partner ranges on Workers", () => {
  it("as iCalendar and JSON with Node's headers, 304 and HEAD; another organization 404, no or a wrong key 401", async () => {
    const key = await createKey("pk-one");
    const ics = await range("pk-one", key.key);
    expect(ics.status, ics.text).toBe(200);
    expect(ics.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(ics.headers.get("content-location")).toBe(
      "/partner/orgs/pk-one/schedules/icu.ics?from=2026-11-01&to=2026-12-31",
    );
    expect(ics.headers.get("x-range")).toBe("2026-11-01/2026-12-31");
    expect(ics.headers.get("cache-control")).toBe("private, no-cache");
    expect(ics.headers.get("etag")).toMatch(/^W\/"[A-Za-z0-9_-]{22}"$/);
    expect(ics.headers.get("last-modified")).toBe(new Date(T0).toUTCString());
    expect(ics.text.match(/BEGIN:VEVENT/g)).toHaveLength(3);
    expect(Number(ics.headers.get("content-length"))).toBe(ics.bytes.length);
    const json = await range("pk-one", key.key, "icu.json");
    expect(json.status).toBe(200);
    expect(json.json).toMatchObject({ org: "pk-one", schedule: "icu", revision: 1, from: "2026-11-01" });
    expect((json.json as { events: unknown[] }).events).toHaveLength(3);
    const etag = ics.headers.get("etag")!;
    const again = await range("pk-one", key.key, "icu.ics", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect(again.headers.get("etag")).toBe(etag);
    const head = await range("pk-one", key.key, "icu.ics", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.bytes.length).toBe(0);
    expect(head.headers.get("content-length")).toBe(ics.headers.get("content-length"));
    expect((await range("pk-two", key.key)).status).toBe(404);
    expect((await range("pk-one", key.key, "nope.ics")).status).toBe(404);
    expect((await range("pk-one", key.key, "icu.txt")).status).toBe(404);
    expect((await range("pk-one", `sfp_${"A".repeat(32)}`)).status).toBe(401);
    expect((await range("pk-one", "not-a-key")).status).toBe(401);
    expect(
      (await call("GET", "/partner/orgs/pk-one/schedules/icu.ics?from=2026-11-01&to=2026-11-02")).status,
    ).toBe(401);
    const bad = await call("GET", "/partner/orgs/pk-one/schedules/icu.ics?from=2026-11-31&to=2026-11-02", {
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(bad.status).toBe(400);
  });

  it("each key has its own quota, counted in the organization's object: past its burst, 429 with Retry-After", async () => {
    const small = await createKey("pk-one", { burst: 2, perHour: 60 });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await range("pk-one", small.key));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 429, 429]);
    const retryAfter = Number(seen[2]!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(60); // one a minute: the object's clock stands still
    expect(retryAfter).toBeLessThanOrEqual(90);
    expect((seen[2]!.json as { error: { code: string } }).error.code).toBe("rate_limited");
    // Another key of the organization is not affected; the quota refills by the object's clock.
    expect((await range("pk-one", (await createKey("pk-one")).key)).status).toBe(200);
    await setClock("pk-one", T0 + 61_000);
    expect((await range("pk-one", small.key)).status).toBe(200);
    await setClock("pk-one", T0);
  });

  it("a scan of keys from one address is refused by its miss budget, while the address's own key is served", async () => {
    const key = await createKey("pk-two");
    const scanner = { "cf-connecting-ip": "203.0.113.55" };
    const guess = () =>
      `sfp_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")}`;
    const seen: number[] = [];
    let refused = null;
    for (let i = 0; i < 2 * MISSES + 1 && refused === null; i++) {
      const reply = await range("pk-two", i % 2 === 0 ? guess() : "malformed", "icu.ics", scanner);
      if (reply.status === 429) refused = reply;
      else seen.push(reply.status);
    }
    expect(refused, "the scan was never refused").not.toBeNull();
    expect(seen.every((s) => s === 401)).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(MISSES);
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(60);
    expect((await range("pk-two", key.key, "icu.ics", scanner)).status).toBe(200);
    // A key asking for another organization is a miss too (refused now); another address is not held.
    expect((await range("pk-one", key.key, "icu.ics", scanner)).status).toBe(429);
    expect((await range("pk-one", key.key, "icu.ics", { "cf-connecting-ip": "203.0.113.56" })).status).toBe(
      404,
    );
  });

  it("a revoked key an isolate has seen is refused by the object and counted as a miss there", async () => {
    await publishOrg("pk-four");
    const key = await createKey("pk-four");
    const worker = countingWorker();
    const from = { authorization: `Bearer ${key.key}`, "cf-connecting-ip": "203.0.113.77" };
    const path = "/partner/orgs/pk-four/schedules/icu.json?from=2026-11-01&to=2026-11-30";
    expect((await worker.send("GET", path, from)).status).toBe(200);
    expect((await admin("DELETE", `/admin/partners/${key.id}`)).status).toBe(200);
    const seen: number[] = [];
    for (let i = 0; i < 2 * MISSES + 1 && !seen.includes(429); i++) {
      const reply = await worker.send("GET", path, from);
      await reply.arrayBuffer();
      seen.push(reply.status);
    }
    expect(seen.at(-1), "the revoked key was never counted").toBe(429);
    expect(seen.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(seen.length).toBeGreaterThan(MISSES);
  });

  it("R2 failing under the index: 503 with Retry-After, never an unknown key's 401 or 404", async () => {
    const key = await createKey("pk-one");
    const failing = { on: true };
    const worker = countingWorker(failing);
    const ask = () =>
      worker.send("GET", "/partner/orgs/pk-one/schedules/icu.ics?from=2026-11-01&to=2026-11-30", {
        authorization: `Bearer ${key.key}`,
      });
    const refused = await ask();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("10");
    const revoke = await worker.send("DELETE", `/admin/partners/${key.id}`, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(revoke.status).toBe(503);
    failing.on = false;
    expect((await ask()).status).toBe(200);
  });
});
