// R2's rate per key under an organization's Durable Object (docs/cloudflare.md › Keeping R2 equal to the
// authority): the bucket here refuses a write to a key written less than a second before, as R2 does, and can
// refuse a few writes outright. Back-to-back publishes touching one person (in two schedules) both answer 200, with
// no write refused; a passing failure is tried again while the call waits; a change made while its key's write
// waits is taken by that same write.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { putBlob } from "../../../src/core/store/blob-table.ts";
import { putFeed, type FeedRow } from "../../../src/core/store/feeds-table.ts";
import { ensureSchema } from "../../../src/core/store/schema.ts";
import { edgeBacklog, edgeKey, EdgeSync, ensureEdgeOutbox } from "../../../src/worker/edge-sync.ts";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { call, feedPathOf, orgObject, publish, setClock } from "./support.ts";

/** What the paced bucket saw: writes taken, writes refused by the rate, writes refused by `failNext`. */
interface Writes {
  taken: string[];
  limited: string[];
  failNext: number;
}

/**
 * The real binding with R2's limit of one write a second to one key (a faster one is refused as R2 refuses it),
 * and the next `failNext` writes refused outright (a fault injected around the real binding).
 */
function paced(writes: Writes): R2Bucket {
  const last = new Map<string, number>();
  return new Proxy(env.FEEDS, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (name !== "put" && name !== "delete")
        return typeof value === "function" ? value.bind(target) : value;
      return (key: string, ...rest: unknown[]) => {
        const now = Date.now();
        if (writes.failNext > 0) {
          writes.failNext--;
          return Promise.reject(new Error("injected R2 failure"));
        }
        if (now - (last.get(key) ?? -Infinity) < 1_000) {
          writes.limited.push(key);
          return Promise.reject(
            new Error(`${String(name)}: Reduce your concurrent request rate for the same object. (10058)`),
          );
        }
        last.set(key, now);
        writes.taken.push(key);
        return (value as (...a: unknown[]) => Promise<unknown>).call(target, key, ...rest);
      };
    },
  });
}

async function pacedOrg(org: string): Promise<Writes> {
  const writes: Writes = { taken: [], limited: [], failNext: 0 };
  await runInDurableObject(orgObject(org), (object: OrgObject) => {
    Object.defineProperty(object, "env", { value: { ...env, FEEDS: paced(writes) } });
  });
  await setClock(org, T0);
  return writes;
}

describe("R2's rate per key", () => {
  it("two publishes in a row touching one person both answer 200, no write refused", async () => {
    const org = "paced";
    const writes = await pacedOrg(org);
    const organization = { id: org, name: "Paced Hospital" };
    const icu = makeSnapshot({ organization });
    const er = makeSnapshot({
      organization,
      schedule: { id: "er", name: "Emergency", timezone: "America/New_York" },
      people: [{ id: "pA", name: "Dr. Ada Able" }],
      assignments: [{ id: "e1", personId: "pA", shiftId: "night", date: "2026-11-27" }],
    });
    const first = await publish(icu);
    expect(first.status, first.text).toBe(200);
    const second = await publish(er); // rewrites pA's feed within the second
    expect(second.status, second.text).toBe(200);
    expect(writes.limited).toEqual([]);
    const feed = await call("GET", await feedPathOf(org, "pA"));
    expect(feed.status).toBe(200);
    expect(feed.text).toContain("ICU Night"); // the er schedule's night shift: the second publish is served
    expect(feed.text).toContain("ICU Day");
  });

  it("a refused write is tried again while the call waits: the publish answers 200", async () => {
    const org = "retried";
    const writes = await pacedOrg(org);
    writes.failNext = 2;
    const reply = await publish(makeSnapshot({ organization: { id: org, name: "Retried Hospital" } }));
    expect(reply.status, reply.text).toBe(200);
    expect(writes.failNext).toBe(0);
    expect((await call("GET", await feedPathOf(org, "pA"))).status).toBe(200);
  });

  it("a change made while its key's write waits is written by that same write", async () => {
    const stub = env.ORGS.get(env.ORGS.idFromName("edge-coalesce"));
    await runInDurableObject(stub, async (_object, state) => {
      const sql = durableObjectSql(state.storage);
      ensureSchema(sql);
      ensureEdgeOutbox(sql);
      const writes: Writes = { taken: [], limited: [], failNext: 0 };
      const edge = new EdgeSync(sql, paced(writes));
      const hash = "c".repeat(64);
      const version = (n: number) => {
        sql.transaction(() => {
          putBlob(sql, `g/${n}`, new TextEncoder().encode(`v${n}`));
          putFeed(sql, row(hash, n));
        });
      };
      version(1);
      await edge.drain();
      version(2);
      const draining = edge.drain(); // waits out the key's second…
      await scheduler.wait(100);
      version(3); // …and meanwhile the feed changes again
      expect(await draining).toBe(0);
      expect(edgeBacklog(sql)).toBe(0);
      expect(writes.taken).toEqual([edgeKey(hash), edgeKey(hash)]); // one write for v2 and v3 together
      expect(writes.limited).toEqual([]);
      const object = await env.FEEDS.get(edgeKey(hash));
      expect(await object!.text()).toBe("v3");
    });
  });
});

function row(tokenHash: string, n: number): FeedRow {
  return {
    org: "edge-coalesce",
    feed: "person/pA",
    tokenHash,
    etag: `W/"${n}"`,
    lastModified: 1_800_000_000 + n,
    lastModifiedShared: false,
    size: 2,
    events: 1,
    inputHash: `i${n}`,
    bodyKey: `g/${n}`,
    identityKey: null,
  };
}
