/**
 * An unclear commit outcome (docs/test-checklist.md §D 27, 32): the storage reports an error on `COMMIT` although the
 * transaction landed — SQLite does this when the checkpoint that follows a WAL commit fails, and a Durable Object
 * can lose the answer to a write that was applied. The service must then act on what is committed, never on what
 * it was told: the serving caches see the new state at once (no `304` for the old tag, no old link answering),
 * the old bodies released by the commit are collected after the grace period without breaking a feed, and a
 * retry converges. Regression: the commit generation was bumped only after a commit that reported success, so
 * serving caches kept the previous revision's validators (and a rotated link) until some later commit.
 */
import { describe, expect, it } from "vitest";
import { collectGarbage } from "../../src/core/store/blob-table.ts";
import type { SqlPort } from "../../src/core/store/sql-port.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { ADMIN_TOKEN, T0, feedPath, makeSnapshot, raw, serveApp } from "../support/server.ts";
import { createStack } from "../support/stack.ts";

/** A port whose next transaction, once armed, lands and then reports a failure. */
function landsThenFails(inner: SqlPort) {
  const state = { armed: false, landed: 0 };
  const sql: SqlPort = {
    all: (q, ...p) => inner.all(q, ...p),
    run: (q, ...p) => inner.run(q, ...p),
    transaction(work) {
      const result = inner.transaction(work);
      if (state.armed) {
        state.armed = false;
        state.landed++;
        throw Object.assign(new Error("disk I/O error (checkpoint after commit)"), { errcode: 10 });
      }
      return result;
    },
  };
  return { sql, state };
}

async function setup() {
  const base = openNodeSqlite({ path: ":memory:" });
  const { sql, state } = landsThenFails(base);
  const stack = await createStack({ now: T0, sql });
  const served = await serveApp(stack.app);
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const admin = (method: string, path: string, body?: unknown) =>
    raw(method, served.url + path, {
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const linkOf = async (person: string) =>
    feedPath(
      ((await admin("GET", `/admin/orgs/acme/people/${person}`)).json as { feed: { url: string } }).feed.url,
    );
  const get = (path: string, h: Record<string, string> = {}) => raw("GET", served.url + path, { headers: h });
  return { base, stack, state, served, admin, linkOf, get };
}

const rev2 = makeSnapshot({
  revision: 2,
  assignments: makeSnapshot().assignments.map((a) => (a.id === "a1" ? { ...a, note: "moved to ward 7" } : a)),
});

describe("an unclear commit outcome", () => {
  it("a publish that landed though its commit reported an error is what every request sees, before and after GC", async () => {
    const t = await setup();
    try {
      expect((await t.admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot())).status).toBe(200);
      const path = await t.linkOf("pA");
      const old = await t.get(path);
      expect((await t.get(path, { "if-none-match": old.headers.etag! })).status).toBe(304); // validators cached

      t.stack.clock.now = T0 + 60_000;
      t.state.armed = true;
      const failed = await t.admin("PUT", "/admin/orgs/acme/schedules/icu", rev2);
      expect(t.state.landed).toBe(1);
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect((await t.admin("GET", "/admin/orgs/acme/schedules/icu")).json).toMatchObject({ revision: 2 });

      // The committed revision, at once: the old tag no longer matches, the body is the new one.
      const fresh = await t.get(path, { "if-none-match": old.headers.etag! });
      expect(fresh.status).toBe(200);
      expect(fresh.text).toContain("moved to ward 7");
      expect(fresh.headers.etag).not.toBe(old.headers.etag);

      // After the grace period the released blobs go; every feed still serves its committed body.
      t.stack.clock.now = T0 + 60 * 60_000;
      expect(collectGarbage(t.base, Math.floor(t.stack.clock.now / 1000) - 600)).toBeGreaterThan(0);
      for (const person of ["pA", "pB"]) {
        const reply = await t.get(await t.linkOf(person));
        expect(reply.status, person).toBe(200);
      }
      expect((await t.get(path)).text).toBe(fresh.text);

      // The retry is a replay: nothing changes, nothing breaks.
      const retried = await t.admin("PUT", "/admin/orgs/acme/schedules/icu", rev2);
      expect(retried.json).toMatchObject({ revision: 2, unchanged: true });
      expect((await t.get(path)).text).toBe(fresh.text);
    } finally {
      await t.served.close();
    }
  });

  it("a rotation that landed though its commit reported an error kills the old link at once", async () => {
    const t = await setup();
    try {
      expect((await t.admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot())).status).toBe(200);
      const old = await t.linkOf("pA");
      expect((await t.get(old)).status).toBe(200); // cached as live
      t.state.armed = true;
      const failed = await t.admin("POST", "/admin/orgs/acme/people/pA/rotate");
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(t.state.landed).toBe(1);
      expect((await t.get(old)).status).toBe(404);
      const now = await t.linkOf("pA");
      expect(now).not.toBe(old);
      expect((await t.get(now)).status).toBe(200);
    } finally {
      await t.served.close();
    }
  });
});
