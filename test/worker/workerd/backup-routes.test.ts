// The Worker's backup and restore routes of one organization, inside workerd: the export a page at a time (each
// page keyed after the last, with the count of changes a backup checks), and the restore — refused into an
// organization that holds anything, every bad field named with a 4xx, nothing served while staged, and after the
// commit every feed and dead link written to R2 by the alarm from the restored rows, the organization registered
// and its partner keys routed.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { secretFingerprint } from "../../../src/core/store/feed-secret-check.ts";
import { SCHEMA_VERSION } from "../../../src/core/store/schema.ts";
import { createFeedTokens } from "../../../src/core/tokens.ts";
import { dropStaleStaging } from "../../../src/worker/org-restore.ts";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { FEED_SECRET, makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, orgObject, publish, setClock, settle } from "./support.ts";

interface Page {
  table: string;
  columns: string[];
  rows: unknown[][];
  next: unknown[] | null;
  changes: number;
}

const fingerprint = () => secretFingerprint(new TextEncoder().encode(FEED_SECRET));
const b64 = (text: string) => ({ base64: btoa(text) });
const details = (json: unknown) =>
  (json as { error: { details: { path: string }[] } }).error.details.map((d) => d.path);
const message = (json: unknown) => (json as { error: { message: string } }).error.message;

const tokens = createFeedTokens(new TextEncoder().encode(FEED_SECRET));
/** The token hash of person `id`'s link at `version` in `org`, under the test FEED_SECRET. */
async function linkHash(org: string, id: string, version: number): Promise<string> {
  const made = await tokens;
  return made.hash(await made.derive({ kind: "person", org, id, version }));
}

/** A small organization's rows as a backup carries them: a schedule, a feed, a rotated link, a partner key. */
const ROWS = async (org: string) => ({
  orgs: [[org, "Fresh Clinic", "standard"]],
  schedules: [
    [org, "icu", 1, "ICU", "UTC", "h", "2026-11-20T12:00:00Z", 1, 1, 1, 0, "state-1", "2026-11-20"],
  ],
  links: [[org, "person/p1", 2]],
  feeds: [
    [org, "person/p1", await linkHash(org, "p1", 2), 'W/"e1"', 1_700_000_000, 0, 5, 1, "in", "body-1", null],
  ],
  blobs: [
    ["state-1", 0, b64("{}")],
    ["body-1", 0, b64("gzip!")],
  ],
  dead_links: [[await linkHash(org, "p1", 1), org, "person/p1", 1]],
  // Key ids and hashes are routed across organizations: each organization's its own.
  partner_keys: [[`pk_${org}`, org.padEnd(64, "c"), org, "Partner", 10, 100, 1_700_000_000, null]],
});

async function begin(org: string, body: Record<string, unknown> = {}) {
  return admin("POST", `/admin/orgs/${org}/restore`, {
    schema: SCHEMA_VERSION,
    feedSecretFingerprint: await fingerprint(),
    feeds: 1,
    ...body,
  });
}

describe("the backup routes of an organization on the Worker", () => {
  it("export every table a page at a time, each keyed after the last, with the changes a backup checks", async () => {
    await setClock("acme", T0);
    expect((await publish(makeSnapshot())).status).toBe(200);
    const summary = await admin("GET", "/admin/orgs/acme/backup");
    expect(summary.status).toBe(200);
    const { tables, changes, schema, feedSecretFingerprint, jobs } = summary.json as {
      tables: Record<string, number>;
      changes: number;
      schema: number;
      feedSecretFingerprint: string;
      jobs: number;
    };
    expect(jobs).toBe(0);
    expect(schema).toBe(SCHEMA_VERSION);
    expect(feedSecretFingerprint).toBe(await fingerprint());
    // `links` holds versions past the first only: none before a rotation.
    expect(tables).toMatchObject({ orgs: 1, schedules: 1, feeds: 3, pieces: 2, links: 0, dead_links: 0 });
    // Blobs come four to a page: the state, two pieces and three feed bodies take two pages.
    const pages: Page[] = [];
    let after: unknown[] | null = null;
    do {
      const query: string = after === null ? "" : `?after=${encodeURIComponent(JSON.stringify(after))}`;
      const reply = await admin("GET", `/admin/orgs/acme/backup/blobs${query}`);
      expect(reply.status, reply.text).toBe(200);
      pages.push(reply.json as Page);
      after = (reply.json as Page).next;
    } while (after !== null);
    expect(pages.map((p) => p.rows.length)).toEqual([4, 2]);
    expect(pages.flatMap((p) => p.rows).length).toBe(tables["blobs"]);
    expect(pages.every((p) => p.changes === changes)).toBe(true);
    expect(pages[0]!.columns).toEqual(["key", "part", "bytes"]);
    // A rotation moves the count: a backup reading across it starts again.
    expect((await admin("POST", "/admin/orgs/acme/people/pA/rotate")).status).toBe(200);
    const moved = (await admin("GET", "/admin/orgs/acme/backup/feeds")).json as Page;
    expect(moved.changes).toBeGreaterThan(changes);
    expect(moved.rows.length).toBe(3);
    const rotated = (await admin("GET", "/admin/orgs/acme/backup")).json as {
      tables: Record<string, number>;
    };
    expect(rotated.tables).toMatchObject({ links: 1, dead_links: 1 });

    const unknown = await admin("GET", "/admin/orgs/acme/backup/secrets");
    expect([unknown.status, details(unknown.json)]).toEqual([400, ["table"]]);
    const badAfter = await admin(
      "GET",
      `/admin/orgs/acme/backup/feeds?after=${encodeURIComponent('["acme"]')}`,
    );
    expect([badAfter.status, details(badAfter.json)]).toEqual([400, ["after"]]);
  });

  it("refuse a restore into an organization that holds anything, naming what it holds", async () => {
    await setClock("held", T0);
    expect(
      (await publish(makeSnapshot({ organization: { id: "held", name: "Held", tier: "standard" } }))).status,
    ).toBe(200);
    const reply = await begin("held");
    expect(reply.status).toBe(409);
    expect(message(reply.json)).toMatch(
      /^Organization held is not empty \(it holds orgs, schedules, pieces, feeds, blobs\)/,
    );
  });

  it("name the field of every bad request with a 4xx", async () => {
    const newer = await begin("bad", { schema: SCHEMA_VERSION + 1 });
    expect([newer.status, details(newer.json)]).toEqual([400, ["$.schema"]]);
    expect(message(newer.json)).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    const otherSecret = await begin("bad", { feedSecretFingerprint: "0".repeat(32) });
    expect([otherSecret.status, details(otherSecret.json)]).toEqual([400, ["$.feedSecretFingerprint"]]);
    expect(message(otherSecret.json)).toContain("FEED_SECRET");

    const begun = await begin("bad");
    expect(begun.status, begun.text).toBe(201);
    const id = (begun.json as { restore: string }).restore;
    const put = (seq: number | string, body: unknown) =>
      admin("PUT", `/admin/orgs/bad/restore/${id}/${seq}`, body);
    const cases: [unknown, number, string[]][] = [
      [{ table: "meta", rows: [] }, 400, ["$.table"]],
      [{ table: "links", rows: {} }, 400, []],
      [{ table: "links", rows: [["bad", "person/p1"]] }, 400, ["$.rows[0]"]],
      [{ table: "links", rows: [["bad", "person/p1", "2"]] }, 400, ["$.rows[0][2]"]],
      [{ table: "blobs", rows: [["k", 0, "text"]] }, 400, ["$.rows[0][2]"]],
      [{ table: "links", rows: [["other", "person/p1", 1]] }, 400, ["$.rows[0][0]"]],
    ];
    for (const [body, status, paths] of cases) {
      const reply = await put(0, body);
      expect([reply.status, details(reply.json)], JSON.stringify(body)).toEqual([status, paths]);
    }
    const gap = await put(3, { table: "links", rows: [] });
    expect([gap.status, message(gap.json)]).toEqual([
      409,
      `Chunk 0 of restore ${id} is expected next, not 3.`,
    ]);
    expect((await put("x", { table: "links", rows: [] })).status).toBe(400);
    expect((await put(0, { table: "links", rows: [["bad", "person/p1", 1]] })).status).toBe(200);
    const short = await admin("POST", `/admin/orgs/bad/restore/${id}/commit`, {
      chunks: 2,
      rows: { links: 1 },
    });
    expect([short.status, details(short.json)]).toEqual([400, ["$.chunks"]]);
    const counts = await admin("POST", `/admin/orgs/bad/restore/${id}/commit`, {
      chunks: 1,
      rows: { links: 2 },
    });
    expect([counts.status, details(counts.json)]).toEqual([400, ["$.rows.links"]]);
    const unknownTable = await admin("POST", `/admin/orgs/bad/restore/${id}/commit`, {
      chunks: 1,
      rows: { x: 1 },
    });
    expect([unknownTable.status, details(unknownTable.json)]).toEqual([400, ["$.rows.x"]]);
    const stale = await admin("PUT", `/admin/orgs/bad/restore/not-this-one/1`, { table: "links", rows: [] });
    expect(stale.status).toBe(409);
  });

  it("serve nothing while staged; after the commit the alarm writes every feed and dead link to R2, registered and routed", async () => {
    const org = "fresh";
    const rows = await ROWS(org);
    const id = ((await begin(org)).json as { restore: string }).restore;
    let seq = 0;
    for (const [table, list] of Object.entries(rows)) {
      const reply = await admin("PUT", `/admin/orgs/${org}/restore/${id}/${seq}`, { table, rows: list });
      expect(reply.status, reply.text).toBe(200);
      seq++;
    }
    // A retried chunk is answered again without staging it twice.
    const again = await admin("PUT", `/admin/orgs/${org}/restore/${id}/0`, {
      table: "orgs",
      rows: rows.orgs,
    });
    expect(again.json).toMatchObject({ staged: false });
    const [live, buried] = [String(rows.feeds[0]![2]), String(rows.dead_links[0]![0])];
    // Staged, not committed: nothing of it is anywhere.
    expect(await env.FEEDS.head(`feeds/${live}`)).toBeNull();
    expect(await env.FEEDS.head(`orgs/${org}`)).toBeNull();
    expect((await admin("GET", `/admin/orgs/${org}/schedules/icu`)).status).toBe(404);
    expect(
      ((await admin("GET", `/admin/orgs/${org}/backup`)).json as { tables: object }).tables,
    ).toMatchObject({
      orgs: 0,
      feeds: 0,
    });

    const declared = Object.fromEntries(Object.entries(rows).map(([t, list]) => [t, list.length]));
    const committed = await admin("POST", `/admin/orgs/${org}/restore/${id}/commit`, {
      chunks: seq,
      rows: { ...declared },
    });
    expect(committed.status, committed.text).toBe(200);
    expect(committed.json).toMatchObject({
      org,
      restored: { feeds: 1, dead_links: 1, partner_keys: 1, blobs: 2 },
      // The feed and the dead link wait for the alarm, which writes them however many they are.
      edge: 2,
    });
    await settle(org);
    const written = (await admin("GET", `/admin/orgs/${org}/backup`)).json as { edge: number };
    expect(written.edge).toBe(0);

    const feed = await env.FEEDS.get(`feeds/${live}`);
    expect(await feed?.text()).toBe("gzip!");
    expect(feed?.customMetadata).toMatchObject({
      org,
      feed: "person/p1",
      etag: 'W/"e1"',
      lastModified: "1700000000",
    });
    const dead = await env.FEEDS.head(`feeds/${buried}`);
    expect(dead?.customMetadata).toMatchObject({ dead: "rotated" });
    expect(await env.FEEDS.head(`orgs/${org}`)).not.toBeNull();
    expect((await env.FEEDS.head(`partner-keys/id/pk_${org}`))?.customMetadata).toEqual({ org });
    expect((await env.FEEDS.head(`partner-keys/hash/${org.padEnd(64, "c")}`))?.customMetadata).toEqual({
      org,
      id: `pk_${org}`,
    });
    expect((await admin("GET", `/admin/orgs/${org}/schedules/icu`)).status).toBe(200);
    // The staging is gone with the commit: it cannot be committed twice.
    const twice = await admin("POST", `/admin/orgs/${org}/restore/${id}/commit`, {
      chunks: seq,
      rows: declared,
    });
    expect(twice.status).toBe(409);
  });

  it("refuse a commit whose stored values are missing, restoring nothing", async () => {
    const org = "damaged";
    const rows = { ...(await ROWS(org)), blobs: [["state-1", 0, b64("{}")]] };
    const id = ((await begin(org)).json as { restore: string }).restore;
    let seq = 0;
    for (const [table, list] of Object.entries(rows)) {
      await admin("PUT", `/admin/orgs/${org}/restore/${id}/${seq++}`, { table, rows: list });
    }
    const declared = Object.fromEntries(Object.entries(rows).map(([t, list]) => [t, list.length]));
    const reply = await admin("POST", `/admin/orgs/${org}/restore/${id}/commit`, {
      chunks: seq,
      rows: declared,
    });
    expect([reply.status, details(reply.json)]).toEqual([400, ["$.rows.blobs"]]);
    expect(message(reply.json)).toMatch(/damaged: 1 stored value/);
    expect(await env.FEEDS.head(`orgs/${org}`)).toBeNull();
    expect((await admin("GET", `/admin/orgs/${org}/schedules/icu`)).status).toBe(404);
  });

  it("refuse a backup whose rows break the schema's rules, restoring nothing", async () => {
    const org = "twice";
    const rows = await ROWS(org);
    const key = rows.partner_keys[0]!;
    // Two partner keys with one hash: the key index refuses it at the commit.
    const all = { ...rows, partner_keys: [key, ["pk_second", ...key.slice(1)]] };
    const id = ((await begin(org)).json as { restore: string }).restore;
    let seq = 0;
    for (const [table, list] of Object.entries(all)) {
      await admin("PUT", `/admin/orgs/${org}/restore/${id}/${seq++}`, { table, rows: list });
    }
    const declared = Object.fromEntries(Object.entries(all).map(([t, list]) => [t, list.length]));
    const reply = await admin("POST", `/admin/orgs/${org}/restore/${id}/commit`, {
      chunks: seq,
      rows: declared,
    });
    expect([reply.status, details(reply.json)]).toEqual([400, ["$.rows.partner_keys"]]);
    expect(await env.FEEDS.head(`orgs/${org}`)).toBeNull();
  });

  it("refuse token hashes and partner keys of another organization, so a restore never takes over its links", async () => {
    const org = "intruder";
    // The victim's live link, and its first link as if rotated: both hashes are keys of its objects at the edge.
    const [theirs, theirOld] = [await linkHash("victim", "p1", 2), await linkHash("victim", "p1", 1)];
    await env.FEEDS.put("partner-keys/id/pk_theirs", new Uint8Array(0), {
      customMetadata: { org: "victim" },
    });
    const rows = await ROWS(org);
    const id = ((await begin(org)).json as { restore: string }).restore;
    const put = (seq: number, table: string, list: unknown[][]) =>
      admin("PUT", `/admin/orgs/${org}/restore/${id}/${seq}`, { table, rows: list });
    expect((await put(0, "links", rows.links)).status).toBe(200);
    const feed = rows.feeds[0]!;
    const foreignFeed = await put(1, "feeds", [feed, [org, "person/p1x", theirs, ...feed.slice(3)]]);
    expect([foreignFeed.status, details(foreignFeed.json)]).toEqual([400, ["$.rows[1][2]"]]);
    expect(message(foreignFeed.json)).toMatch(/not links of intruder under this Worker's FEED_SECRET/);
    const foreignDead = await put(1, "dead_links", [[theirOld, org, "person/p1", 1], rows.dead_links[0]!]);
    expect([foreignDead.status, details(foreignDead.json)]).toEqual([400, ["$.rows[0][0]"]]);
    // The organization's own hashes are staged; a partner key routed to another organization stops the commit.
    expect((await put(1, "feeds", rows.feeds)).status).toBe(200);
    expect((await put(2, "dead_links", rows.dead_links)).status).toBe(200);
    const key = rows.partner_keys[0]!;
    expect((await put(3, "partner_keys", [["pk_theirs", ...key.slice(1)]])).status).toBe(200);
    expect((await put(4, "orgs", rows.orgs)).status).toBe(200);
    const reply = await admin("POST", `/admin/orgs/${org}/restore/${id}/commit`, {
      chunks: 5,
      rows: { links: 1, feeds: 1, dead_links: 1, partner_keys: 1, orgs: 1 },
    });
    expect([reply.status, details(reply.json)]).toEqual([409, ["$.rows.partner_keys"]]);
    expect((await env.FEEDS.head("partner-keys/id/pk_theirs"))?.customMetadata).toEqual({ org: "victim" });
    expect(await env.FEEDS.head(`feeds/${theirs}`)).toBeNull();
    expect(await env.FEEDS.head(`feeds/${theirOld}`)).toBeNull();
    expect(await env.FEEDS.head(`orgs/${org}`)).toBeNull();
  });

  it("refuse dead links it would take too long to check, whatever link version the backup claims", async () => {
    const org = "rotated-often";
    const id = ((await begin(org)).json as { restore: string }).restore;
    const put = (seq: number, table: string, list: unknown[][]) =>
      admin("PUT", `/admin/orgs/${org}/restore/${id}/${seq}`, { table, rows: list });
    expect((await put(0, "links", [[org, "person/p1", Number.MAX_SAFE_INTEGER]])).status).toBe(200);
    const started = Date.now();
    const reply = await put(1, "dead_links", [["f".repeat(64), org, "person/p1", 1]]);
    expect([reply.status, details(reply.json)]).toEqual([400, ["$.rows[0][0]"]]);
    expect(message(reply.json)).toMatch(/link versions/);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 15_000);

  it("commit nothing while partner keys cannot be routed, so the same commit succeeds once R2 is back", async () => {
    const org = "unrouted";
    const failing = { on: false };
    await runInDurableObject(orgObject(org), (object: OrgObject) => {
      // Writes fail while `failing.on`; reads work (the key's entries are read, then written).
      const bucket = new Proxy(env.FEEDS, {
        get(target, name) {
          if (name === "put" && failing.on) return () => Promise.reject(new Error("injected R2 failure"));
          const value = Reflect.get(target, name) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      Object.defineProperty(object, "env", { value: { ...env, FEEDS: bucket } });
    });
    const rows = await ROWS(org);
    const id = ((await begin(org)).json as { restore: string }).restore;
    let seq = 0;
    for (const [table, list] of Object.entries(rows)) {
      await admin("PUT", `/admin/orgs/${org}/restore/${id}/${seq++}`, { table, rows: list });
    }
    const declared = Object.fromEntries(Object.entries(rows).map(([t, list]) => [t, list.length]));
    const commit = () =>
      admin("POST", `/admin/orgs/${org}/restore/${id}/commit`, { chunks: seq, rows: declared });
    failing.on = true;
    const refused = await commit();
    expect([refused.status, refused.headers.get("retry-after")], refused.text).toEqual([503, "5"]);
    expect(message(refused.json)).toMatch(/nothing was restored; commit again/);
    const held = (await admin("GET", `/admin/orgs/${org}/backup`)).json as { tables: Record<string, number> };
    expect(held.tables).toMatchObject({ orgs: 0, feeds: 0, partner_keys: 0 });
    failing.on = false;
    const retried = await commit();
    expect(retried.status, retried.text).toBe(200);
    await settle(org);
    expect(await env.FEEDS.head(`feeds/${String(rows.feeds[0]![2])}`)).not.toBeNull();
    expect((await env.FEEDS.head(`partner-keys/id/pk_${org}`))?.customMetadata).toEqual({ org });
  });

  it("drop a staging left behind a day later, so a stopped restore holds no space", async () => {
    const org = "abandoned";
    const id = ((await begin(org)).json as { restore: string }).restore;
    const sql = (object: OrgObject, state: DurableObjectState) => durableObjectSql(state.storage);
    const dropped = (after: number) =>
      runInDurableObject(orgObject(org), (object: OrgObject, state) =>
        dropStaleStaging(sql(object, state), Date.now() + after),
      );
    expect(await dropped(60_000)).toBe(false);
    expect(await dropped(86_400_000 + 60_000)).toBe(true);
    const late = await admin("PUT", `/admin/orgs/${org}/restore/${id}/0`, { table: "orgs", rows: [] });
    expect(late.status).toBe(409);
    const tables = await runInDurableObject(orgObject(org), (_o: OrgObject, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_schema WHERE name LIKE 'restore_%'").toArray(),
    );
    expect(tables).toEqual([]);
  });
});
