/**
 * Fetch telemetry on the real server: polls answered by the serving threads are written in batches (none per
 * request), and after a restart the person lookup still says who polled, when, with which answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { DATABASE_FILE } from "../../src/node/server.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const APPLE = "iOS/18.1 (22B83) dataaccessd/1.0";
const GOOGLE = "Google-Calendar-Importer";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function rows(dataDir: string, table: string): number {
  const db = new DatabaseSync(join(dataDir, DATABASE_FILE), { readOnly: true, timeout: 5000 });
  try {
    return Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

interface Lookup {
  lastFetch: { client: string; userAgent: string; at: string; status: number; requests: number }[];
}

describe("fetch telemetry", () => {
  it("is written in batches, and the person lookup shows who polled after a restart", async () => {
    h = await startHarness({ env: { SERVE_THREADS: "2" }, telemetryFlushMs: 3_600_000 });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    const path = await h.feedPathOf("acme", "pA");
    const first = await h.feed(path, { "user-agent": APPLE });
    expect(first.status).toBe(200);
    for (let i = 0; i < 20; i++) {
      const again = await h.feed(path, { "user-agent": APPLE, "if-modified-since": first.lastModified! });
      expect(again.status).toBe(304);
    }
    h.now += 60_000;
    expect((await h.feed(path, { "user-agent": GOOGLE })).status).toBe(200);
    await h.settle();
    // Gathered in the main thread, but not one row written yet: no write per request.
    for (const table of ["fetch_last", "fetch_minutes", "fetch_top", "fetch_totals"])
      expect(rows(h.dataDir, table), table).toBe(0);

    const before = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as Lookup;
    expect(rows(h.dataDir, "fetch_last")).toBe(2);
    await h.restart();
    const after = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as Lookup;
    expect(after.lastFetch).toEqual(before.lastFetch);
    expect(after.lastFetch).toEqual([
      { client: "google", userAgent: GOOGLE, at: new Date(h.now).toISOString(), status: 200, requests: 1 },
      {
        client: "apple",
        userAgent: APPLE,
        at: new Date(h.now - 60_000).toISOString(),
        status: 304,
        requests: 21,
      },
    ]);
  });

  it("writes what the serving threads noted last when the server stops", async () => {
    h = await startHarness({ env: { SERVE_THREADS: "2" }, telemetryFlushMs: 3_600_000 });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    const path = await h.feedPathOf("acme", "pB");
    expect((await h.feed(path, { "user-agent": APPLE })).status).toBe(200);
    await h.restart(); // no settle, no read: the stop itself gathers and writes the notes
    const after = (await h.admin("GET", "/admin/orgs/acme/people/pB")).json as Lookup;
    expect(after.lastFetch.map((f) => [f.client, f.status, f.requests])).toEqual([["apple", 200, 1]]);
  });
});
