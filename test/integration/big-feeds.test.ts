/**
 * Big feeds stay cheap: a feed whose identity body reaches `bigFeedBytes` also stores that body, split into parts,
 * and a client that asks for no compression (Google) gets it streamed part by part — no decompression per
 * request, never held whole — with the right `Content-Length` and the same bytes as the gzip body holds.
 */
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobParts } from "../../src/core/store/blob-table.ts";
import { MAX_VALUE_BYTES } from "../../src/core/store/sql-port.ts";
import { T0, feedPath, makeSnapshot, raw, serveApp, ADMIN_TOKEN } from "../support/server.ts";
import { createStack, type Stack } from "../support/stack.ts";

describe("big feeds", () => {
  let stack: Stack;
  let served: Awaited<ReturnType<typeof serveApp>>;
  beforeAll(async () => {
    stack = await createStack({ now: T0, settings: { bigFeedBytes: 65_536 } });
    served = await serveApp(stack.app);
    // One schedule of 300 people on a month of shifts: a schedule feed of several MiB, person feeds of a few KiB.
    const people = Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, name: `Dr. Person Number ${i}` }));
    const assignments = people.flatMap((p, i) =>
      Array.from({ length: 30 }, (_, d) => ({
        id: `a${i}-${d}`,
        personId: p.id,
        shiftId: d % 2 ? "day" : "night",
        date: `2026-12-${String(d + 1).padStart(2, "0")}`,
        note: `Rota line ${i}, day ${d}`,
      })),
    );
    const snapshot = makeSnapshot({ people, assignments });
    await stack.service.publish(new TextEncoder().encode(JSON.stringify(snapshot)), {
      org: "acme",
      schedule: "icu",
    });
  });
  afterAll(() => served.close());

  it("store their identity body in parts and stream it with its length; gzip and identity are the same bytes", async () => {
    const row = stack.service.feed("acme", "schedule/icu")!;
    expect(row.size).toBeGreaterThan(MAX_VALUE_BYTES * 2);
    expect(row.identityKey).not.toBeNull();
    expect(blobParts(stack.sql, row.identityKey!)).toBe(Math.ceil(row.size / MAX_VALUE_BYTES));
    const view = await raw("GET", `${served.url}/admin/orgs/acme/schedules/icu`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const path = feedPath((view.json as { feed: { url: string } }).feed.url);
    const identity = await raw("GET", served.url + path);
    expect(identity.status).toBe(200);
    expect(identity.headers["content-encoding"]).toBeUndefined();
    expect(Number(identity.headers["content-length"])).toBe(row.size);
    expect(identity.body.length).toBe(row.size);
    const gzip = await raw("GET", served.url + path, { headers: { "accept-encoding": "gzip" } });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
    const head = await raw("HEAD", served.url + path);
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBe(row.size);
    expect(head.body.length).toBe(0);
  });

  it("smaller feeds keep only their gzip body", () => {
    for (const key of stack.service.feedKeys("acme")) {
      const row = stack.service.feed("acme", key)!;
      expect(row.identityKey === null, key).toBe(row.size < 65_536);
    }
    expect(stack.service.feed("acme", "person/p1")!.identityKey).toBeNull();
  });
});
