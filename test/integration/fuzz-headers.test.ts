/**
 * Fuzzing the feed route on the real Node server (its serving threads answer feed paths): generated methods,
 * paths (mutated valid tokens, encodings, traversal, random text) and conditional-request and encoding headers
 * (`If-None-Match` lists and garbage, `If-Modified-Since` dates and garbage, `Accept-Encoding` with q-values)
 * never cause a `5xx`; a `304` only ever confirms the tag of the body being served, and a `200` serves that body
 * (decompressed when gzip) and its validators. More runs with `SHIFTFEED_LONG_TESTS=1`.
 */
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSnapshot, raw, startHarness, type Harness } from "../support/server.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      { arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), weight: 8 },
      fc.constantFrom("\t", '"', ",", "W/", "*", "\u00e9", "\u00ff"),
    ),
    maxLength,
    size: "large",
  });

describe("fuzzed feed requests (§A 1–11, §B 15)", () => {
  let h: Harness;
  let path: string;
  let feed: { etag: string; lastModified: string; text: string };

  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "1", RENDER_THREADS: "0" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    path = await h.feedPathOf("acme", "pA");
    const f = await h.feed(path);
    feed = { etag: f.etag!, lastModified: f.lastModified!, text: f.text };
  });
  afterAll(() => h.close());

  it("never a 5xx; a 304 only for the served tag; a 200 serves the body and its validators", async () => {
    const token = () => path.slice("/feeds/".length, -".ics".length);
    const pathArb = fc.oneof(
      { arbitrary: fc.constant("VALID"), weight: 8 },
      fc
        .tuple(fc.nat(), fc.constantFrom("A", "z", "0", "-", "_", "%2e", "%00", "/", "."))
        .map(([at, c]) => `/feeds/${token().slice(0, at % 30)}${c}${token().slice((at % 30) + 1)}.ics`),
      fc
        .constantFrom(".ICS", "/", "", ".ics.ics", ".ics/", "%2e%2e%2f", "..%2F", ".ics%00")
        .map((s) => `SUFFIX${s}`),
      fc.constantFrom(
        "/feeds/%2e%2e%2fshiftfeed.db",
        "/feeds/..%2F..%2Fsecrets",
        "/feeds/",
        "//feeds/x.ics",
        "/FEEDS/",
      ),
      fc
        .string({
          unit: fc.constantFrom("a", "Z", "9", "%", ".", "/", "-", "_", "~", "?", "=", "&", "+", "!", "é"),
          maxLength: 60,
        })
        .map((s) => `/feeds/${s}`),
    );
    const tag = fc.oneof(
      fc.constant("CURRENT"),
      fc.constant("WEAK-FLIP"),
      fc.constant("*"),
      headerText(20).map((t) => `"${t}"`),
      headerText(30),
    );
    const inm = fc.oneof(
      tag,
      fc
        .array(tag, { maxLength: 8 })
        .chain((tags) => fc.constantFrom(",", " , ", ",\t", ",,").map((sep) => tags.join(sep))),
      fc.nat({ max: 1000 }).map((n) => Array.from({ length: n }, (_, i) => `"x${i}"`).join(", ")),
      headerText(2000),
    );
    const ims = fc.oneof(
      fc.constant("CURRENT"),
      fc.constantFrom(
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "yesterday",
        "Thu, 01 Jan 1970 00:00:00 GMT, Thu, 01 Jan 2037 00:00:00 GMT",
      ),
      headerText(40),
    );
    const acceptEncoding = fc.oneof(
      fc.constantFrom(
        "gzip",
        "br",
        "identity",
        "gzip;q=0",
        "*;q=0",
        "identity;q=0",
        "gzip, deflate, br",
        "x",
      ),
      headerText(40),
    );
    const request = fc.record(
      {
        method: fc.oneof(
          { arbitrary: fc.constant("GET"), weight: 12 },
          { arbitrary: fc.constant("HEAD"), weight: 4 },
          fc.constantFrom("POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        ),
        path: pathArb,
        inm,
        ims,
        acceptEncoding,
      },
      { requiredKeys: ["method", "path"] },
    );

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const target =
          r.path === "VALID"
            ? path
            : r.path.startsWith("SUFFIX")
              ? path.slice(0, -4) + r.path.slice(6)
              : r.path;
        const headers: Record<string, string> = {};
        const weakFlip = feed.etag.startsWith("W/") ? feed.etag.slice(2) : `W/${feed.etag}`;
        if (r.inm !== undefined)
          headers["if-none-match"] = r.inm.replace("CURRENT", feed.etag).replace("WEAK-FLIP", weakFlip);
        if (r.ims !== undefined) headers["if-modified-since"] = r.ims.replace("CURRENT", feed.lastModified);
        if (r.acceptEncoding !== undefined) headers["accept-encoding"] = r.acceptEncoding;
        const reply = await raw(r.method, h.url + target, { headers });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        expect(reply.status, `${r.method} ${target} ${JSON.stringify(headers).slice(0, 300)}`).toBeLessThan(
          500,
        );
        const opaque = feed.etag.replace(/^W\//, "");
        if (reply.status === 304) {
          expect(reply.headers.etag).toBe(feed.etag);
          expect(reply.body.length).toBe(0);
          // Only a condition that names this tag (or `*`), or a date with no If-None-Match, earns a 304.
          const inmHeader = headers["if-none-match"];
          if (inmHeader !== undefined)
            expect(inmHeader.includes(opaque) || inmHeader.includes("*")).toBe(true);
          else expect(headers["if-modified-since"]).toBeDefined();
        }
        const readMethod = r.method === "GET" || r.method === "HEAD";
        if (readMethod && target === path && (r.inm === "CURRENT" || r.inm === "WEAK-FLIP")) {
          expect(reply.status).toBe(304);
        }
        if (reply.status === 200 && target === path) {
          expect(reply.headers.etag).toBe(feed.etag);
          expect(reply.headers["last-modified"]).toBe(feed.lastModified);
          if (r.method === "GET") {
            const gzip = reply.headers["content-encoding"] === "gzip";
            expect((gzip ? gunzipSync(reply.body) : reply.body).toString("utf8")).toBe(feed.text);
          } else expect(reply.body.length).toBe(0);
        }
        if (reply.status >= 400 && r.method !== "HEAD") {
          expect((reply.json as { error?: { code?: unknown } } | undefined)?.error?.code).toBeTypeOf(
            "string",
          );
        }
      }),
      { numRuns: LONG_TESTS ? 5_000 : 300 },
    );
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(304) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
