// The edge copy of the feeds table, inside a real Durable Object and a real (local) R2 bucket: every change to
// `feeds` is queued by the triggers in its own transaction, a drain makes R2 equal to the table (a dead link's
// object a dead marker), a failed R2 write keeps the change queued, and a rolled-back transaction queues nothing.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { putBlob } from "../../../src/core/store/blob-table.ts";
import { deleteFeed, putFeed, type FeedRow } from "../../../src/core/store/feeds-table.ts";
import { ensureSchema } from "../../../src/core/store/schema.ts";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { edgeBacklog, edgeKey, EdgeSync, ensureEdgeOutbox } from "../../../src/worker/edge-sync.ts";

const row = (over: Partial<FeedRow> = {}): FeedRow => ({
  org: "edge",
  feed: "person/pA",
  tokenHash: "a".repeat(64),
  etag: 'W/"one"',
  lastModified: 1_800_000_000,
  lastModifiedShared: false,
  size: 5,
  events: 1,
  inputHash: "i",
  bodyKey: "g/one",
  identityKey: null,
  ...over,
});

/** The bucket, with `put` failing while `failing.on` (a fault injected around the real binding). */
function flaky(failing: { on: boolean }): R2Bucket {
  return new Proxy(env.FEEDS, {
    get(target, name) {
      if (name === "put" && failing.on) return () => Promise.reject(new Error("injected R2 failure"));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("edge sync", () => {
  it("writes, replaces, moves and deletes R2 objects as the feeds table changes; failures stay queued", async () => {
    const stub = env.ORGS.get(env.ORGS.idFromName("edge-sync"));
    await runInDurableObject(stub, async (_object, state) => {
      const sql = durableObjectSql(state.storage);
      ensureSchema(sql);
      ensureEdgeOutbox(sql);
      const failing = { on: true };
      const edge = new EdgeSync(sql, flaky(failing));
      const body = new TextEncoder().encode("gzip1");
      sql.transaction(() => {
        putBlob(sql, "g/one", body);
        putFeed(sql, row());
      });
      expect(edgeBacklog(sql)).toBe(1);
      await expect(edge.drain()).rejects.toThrow("injected R2 failure");
      expect(edgeBacklog(sql)).toBe(1);
      expect(await env.FEEDS.head(edgeKey("a".repeat(64)))).toBeNull();

      failing.on = false;
      expect(await edge.drain()).toBe(0);
      const object = await env.FEEDS.get(edgeKey("a".repeat(64)));
      expect(new Uint8Array(await object!.arrayBuffer())).toEqual(body);
      expect(object!.customMetadata).toEqual({
        org: "edge",
        feed: "person/pA",
        etag: 'W/"one"',
        lastModified: "1800000000",
        lastModifiedShared: "0",
        size: "5",
        events: "1",
      });

      // A rotation: the old hash's object becomes a dead marker (empty, its kind in the metadata), the new one
      // appears, in one drain.
      sql.transaction(() => putFeed(sql, row({ tokenHash: "b".repeat(64) })));
      await edge.drain();
      const marker = await env.FEEDS.head(edgeKey("a".repeat(64)));
      expect(marker?.size).toBe(0);
      expect(marker?.customMetadata).toEqual({ dead: "rotated" });
      expect(await env.FEEDS.head(edgeKey("b".repeat(64)))).not.toBeNull();

      // A rolled-back change queues nothing; a change that does not touch what is served queues nothing either.
      expect(() =>
        sql.transaction(() => {
          deleteFeed(sql, "edge", "person/pA");
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      sql.transaction(() => putFeed(sql, row({ tokenHash: "b".repeat(64), inputHash: "other" })));
      expect(edgeBacklog(sql)).toBe(0);

      // A feed that went: its link's object is a `retired` marker, until the feed returns under the same link.
      sql.transaction(() => deleteFeed(sql, "edge", "person/pA"));
      await edge.drain();
      expect((await env.FEEDS.head(edgeKey("b".repeat(64))))?.customMetadata).toEqual({ dead: "retired" });
      sql.transaction(() => putFeed(sql, row({ tokenHash: "b".repeat(64) })));
      await edge.drain();
      expect((await env.FEEDS.head(edgeKey("b".repeat(64))))?.customMetadata).toMatchObject({
        etag: 'W/"one"',
      });

      // A hash no feed ever had (its row went with no dead link kept): no object at all.
      sql.run("DELETE FROM dead_links WHERE token_hash = ?", "b".repeat(64));
      sql.transaction(() => sql.run("DELETE FROM feeds WHERE token_hash = ?", "b".repeat(64)));
      await edge.drain();
      expect(await env.FEEDS.head(edgeKey("b".repeat(64)))).toBeNull();
    });
  });

  it("queues the dead links known before dead markers once, so each gets its marker", async () => {
    const stub = env.ORGS.get(env.ORGS.idFromName("edge-sync-upgrade"));
    await runInDurableObject(stub, async (_object, state) => {
      const sql = durableObjectSql(state.storage);
      ensureSchema(sql);
      sql.run(
        "INSERT INTO dead_links (token_hash, org, feed, rotated) VALUES (?, 'edge', 'person/pA', 1)",
        "c".repeat(64),
      );
      ensureEdgeOutbox(sql);
      expect(edgeBacklog(sql)).toBe(1);
      await new EdgeSync(sql, env.FEEDS).drain();
      expect((await env.FEEDS.head(edgeKey("c".repeat(64))))?.customMetadata).toEqual({ dead: "rotated" });
      ensureEdgeOutbox(sql);
      expect(edgeBacklog(sql)).toBe(0);
    });
  });
});
