// Work over many organizations (docs/cloudflare.md › The daily roll): the cron's roll asks their Durable Objects
// eight at a time, never more, every one of them, and one organization's failure stops none of the others; a
// regeneration without `org` and its progress ask them eight at a time too.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { ORG_PARALLEL } from "../../../src/worker/in-parallel.ts";
import { listOrgs, registerOrg } from "../../../src/worker/org-registry.ts";
import { ROLL_PARALLEL, rollEverywhere } from "../../../src/worker/roll-everywhere.ts";
import { regenerateEverywhere, wideJob } from "../../../src/worker/wide-jobs.ts";
import { createWorkerFetch } from "../../../src/worker/worker-app.ts";
import { ADMIN_TOKEN, makeSnapshot, T0 } from "../../support/fixture.ts";
import { orgObject, publish, setClock } from "./support.ts";

/** What the roll asked: calls in flight at once (most), and the organizations asked. */
interface Seen {
  running: number;
  most: number;
  asked: string[];
}

/**
 * The real Durable Object binding, every call on its stubs counted and held 20 ms longer (standing in for a slow
 * organization) around the real call.
 */
function counted(seen: Seen): typeof env.ORGS {
  const names = new Map<string, string>();
  return new Proxy(env.ORGS, {
    get(target, name) {
      if (name === "idFromName")
        return (org: string) => {
          const id = target.idFromName(org);
          names.set(id.toString(), org);
          return id;
        };
      if (name === "get")
        return (id: DurableObjectId) => {
          const stub = target.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
          return new Proxy(stub, {
            get:
              (_stub, method: string) =>
              async (...args: unknown[]) => {
                seen.running++;
                seen.most = Math.max(seen.most, seen.running);
                seen.asked.push(names.get(id.toString())!);
                try {
                  await scheduler.wait(20);
                  return await stub[method]!(...args);
                } finally {
                  seen.running--;
                }
              },
          });
        };
      const value = Reflect.get(target, name) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("the cron's roll", () => {
  it("a regeneration over every organization, and its progress, ask them eight at a time", async () => {
    // (First in this file: every organization registered here holds a schedule.)
    for (let i = 0; i < 10; i++) {
      const org = `wide-${i}`;
      await setClock(org, T0);
      expect((await publish(makeSnapshot({ organization: { id: org, name: "Wide Hospital" } }))).status).toBe(
        200,
      );
    }
    const orgs = await listOrgs(env.FEEDS);
    expect(orgs.length).toBeGreaterThan(ORG_PARALLEL);
    const seen: Seen = { running: 0, most: 0, asked: [] };
    const counting = { ...env, ORGS: counted(seen) };
    const job = await regenerateEverywhere(counting, {});
    expect(seen.asked.sort()).toEqual(orgs);
    expect(seen.most).toBe(ORG_PARALLEL);
    seen.asked = [];
    seen.most = 0;
    expect((await wideJob(counting, job.id))?.id).toBe(job.id);
    expect(seen.asked.sort()).toEqual(orgs);
    expect(seen.most).toBe(ORG_PARALLEL);
  });

  it("asks every organization, eight at a time, past one that fails", async () => {
    const orgs = Array.from({ length: 20 }, (_, i) => `fan-${String(i).padStart(2, "0")}`);
    for (const org of orgs) await registerOrg(env.FEEDS, org);
    // One organization's object cannot build (no feed secret): its roll fails.
    await runInDurableObject(orgObject("fan-03"), (object: OrgObject) => {
      Object.defineProperty(object, "env", { value: { ...env, FEED_SECRET: undefined } });
    });
    const seen: Seen = { running: 0, most: 0, asked: [] };
    const summary = await rollEverywhere({ ...env, ORGS: counted(seen) });
    expect(summary.failed).toEqual(["fan-03"]);
    expect(summary.orgs).toBe(seen.asked.length);
    expect(seen.asked.filter((org) => org.startsWith("fan-")).sort()).toEqual(orgs);
    expect(ROLL_PARALLEL).toBe(8);
    expect(seen.most).toBe(ROLL_PARALLEL);
  });

  it("the admin calls over every organization answer 503 with Retry-After while R2 cannot list them", async () => {
    const failing = new Proxy(env.FEEDS, {
      get: (target, name) =>
        name === "list"
          ? () => Promise.reject(new Error("injected R2 failure"))
          : (Reflect.get(target, name) as unknown),
    });
    const fetch = createWorkerFetch({ ...env, FEEDS: failing });
    for (const [method, path, body] of [
      ["GET", "/admin/search?q=ada"],
      ["GET", "/admin/traffic"],
      ["GET", "/metrics"],
      ["POST", "/admin/regenerate", "{}"],
    ] as const) {
      const reply = await fetch(
        new Request(`https://feeds.example.org${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          ...(body !== undefined && { body }),
        }),
      );
      expect(reply.status, path).toBe(503);
      expect(Number(reply.headers.get("retry-after")), path).toBeGreaterThan(0);
      expect(await reply.text(), path).not.toContain("injected");
    }
  });

  it("a registry it cannot list is a logged roll_failed, not only a failed invocation", async () => {
    // With invocation logs off (wrangler.toml), an exception the Worker does not log itself leaves no trace.
    const errors = vi.spyOn(console, "error");
    const failing = new Proxy(env.FEEDS, {
      get: (target, name) =>
        name === "list"
          ? () => Promise.reject(new Error("injected R2 failure"))
          : (Reflect.get(target, name) as unknown),
    });
    await expect(rollEverywhere({ ...env, FEEDS: failing })).rejects.toThrow(/organizations cannot be read/);
    const lines = errors.mock.calls.map((c) => String(c[0]));
    expect(lines.filter((l) => l.includes('"event":"roll_failed"'))).toHaveLength(1);
    // R2's own words are in the registry's line.
    expect(lines.find((l) => l.includes('"event":"registry_unavailable"'))).toContain("injected R2 failure");
    errors.mockRestore();
  });
});
