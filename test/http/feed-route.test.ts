/**
 * The feed route over a real socket (@hono/node-server on port 0), driven with node:http so that raw paths
 * (`%2e%2e%2f`) and headers (two If-None-Match lines, no Accept-Encoding at all) reach the server as written.
 * Items refer to docs/test-checklist.md.
 */
import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/digest.ts";
import type { FeedEntry } from "../../src/core/serving/feed-entry.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import type { FeedTokens } from "../../src/core/tokens.ts";
import { createFeedRoutes } from "../../src/http/feed-route.ts";
import type { FeedLogEvent, FeedSource } from "../../src/http/feed-route.ts";
import { gunzip } from "../../src/core/compress.ts";

const CALENDAR = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//shiftfeed//test//EN",
  "METHOD:PUBLISH",
  "X-WR-CALNAME:Ana López – Cardiology",
  "BEGIN:VEVENT",
  "UID:a-881@stmarys.shiftfeed",
  "SUMMARY:Cardiology Call ☎",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");
const IDENTITY = new TextEncoder().encode(CALENDAR.repeat(20));
const GZIP = new Uint8Array(gzipSync(IDENTITY));
const ETAG = 'W/"v42-3q2-7wAbc"';
const LAST_MODIFIED = "Fri, 20 Nov 2026 14:03:00 GMT";
const ENTRY: FeedEntry = {
  kind: "person",
  org: "stmarys",
  id: "p1001",
  bodyKey: "g/stmarys/person/p1001/abcdef",
  identityKey: null,
  etag: ETAG,
  lastModified: 1_795_183_380,
  size: IDENTITY.byteLength,
  events: 20,
};
const APPLE_UA = "iOS/18.1 (22B83) dataaccessd/1.0";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: ServerType;
let port: number;
let tokens: FeedTokens;
let token: string; // live feed
let unknown: string; // well-formed, checksummed, but never published
let random = 0.5;
const calls = { lookup: 0, body: 0 };
const fetches: Array<{ entry: FeedEntry | null; status: number; client: string }> = [];
const logs: FeedLogEvent[] = [];
let fault: "none" | "lookup-throws" | "body-throws" | "body-null" | "body-corrupt" = "none";
const feeds = new Map<string, { entry: FeedEntry; gzip: Uint8Array }>();

const source: FeedSource = {
  async lookup(t) {
    calls.lookup++;
    if (fault === "lookup-throws") throw new Error(`KV get failed for ${t}`);
    return feeds.get(await sha256Hex(t))?.entry ?? null;
  },
  async body(entry, encoding) {
    calls.body++;
    if (fault === "body-throws") throw new Error(`R2 get ${entry.bodyKey}: EIO`);
    if (fault === "body-null") return null;
    let stored: Uint8Array | null = null;
    if (fault === "body-corrupt") stored = new TextEncoder().encode("not gzip");
    else for (const feed of feeds.values()) if (feed.entry.bodyKey === entry.bodyKey) stored = feed.gzip;
    if (stored === null || encoding === "gzip") return stored;
    return gunzip(stored);
  },
  recordFetch(entry, info) {
    fetches.push({ entry, status: info.status, client: info.client });
  },
};

/** One request over a fresh socket, with the path and headers exactly as given and no decompression. */
function send(
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const feedPath = (t: string) => `/feeds/${t}.ics`;
const get = (headers: OutgoingHttpHeaders = {}) => send(feedPath(token), { headers });

/** Headers that must match between two answers; `date` may tick over between requests. */
function stableHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date: _date, ...rest } = headers;
  return rest;
}

function expectNoToken(reply: Reply): void {
  expect(reply.body.toString("latin1")).not.toContain(token);
  expect(reply.body.toString("latin1")).not.toContain(unknown);
  expect(JSON.stringify(reply.headers)).not.toContain(token);
}

function expectFeedHeaders(reply: Reply): void {
  expect(reply.headers["content-type"]).toBe("text/calendar; charset=utf-8");
  expect(reply.headers.etag).toBe(ETAG);
  expect(reply.headers["last-modified"]).toBe(LAST_MODIFIED);
  expect(reply.headers["cache-control"]).toBe("private, no-cache");
  expect(reply.headers.vary).toBe("Accept-Encoding");
  expect(reply.headers["referrer-policy"]).toBe("no-referrer");
  expect(reply.headers["x-robots-tag"]).toBe("noindex");
  expect(reply.headers["x-content-type-options"]).toBe("nosniff");
}

function expect304(reply: Reply, ok: Reply): void {
  expect(reply.status).toBe(304);
  expect(reply.body.length).toBe(0);
  for (const name of ["etag", "last-modified", "cache-control", "vary"]) {
    expect(reply.headers[name], name).toBe(ok.headers[name]);
  }
  expect(reply.headers.date).toBeTruthy();
  expect(reply.headers["content-type"]).toBeUndefined();
  expect(reply.headers["content-length"]).toBeUndefined();
  expect(reply.headers["content-encoding"]).toBeUndefined();
}

beforeAll(async () => {
  tokens = await createFeedTokens(new Uint8Array(32).fill(7));
  token = await tokens.derive({ kind: "person", org: "stmarys", id: "p1001", version: 3 });
  unknown = await tokens.derive({ kind: "person", org: "stmarys", id: "p1001", version: 2 }); // rotated away
  feeds.set(await sha256Hex(token), { entry: ENTRY, gzip: GZIP });

  const app = new Hono();
  app.route("/", createFeedRoutes({ tokens, source, random: () => random, log: (e) => logs.push(e) }));
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      port = info.port;
      resolve();
    });
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  calls.lookup = 0;
  calls.body = 0;
  fault = "none";
  random = 0.5;
  fetches.length = 0;
  logs.length = 0;
});

describe("A. conditional GET and HTTP semantics (happy path)", () => {
  it("1. plain GET → 200 with the feed headers and a CRLF-terminated VCALENDAR", async () => {
    const reply = await get({ "user-agent": "Google-Calendar-Importer" });
    expect(reply.status).toBe(200);
    expectFeedHeaders(reply);
    expect(reply.headers["content-encoding"]).toBeUndefined(); // no Accept-Encoding → identity
    expect(reply.headers["content-length"]).toBe(String(IDENTITY.byteLength));
    expect(new Uint8Array(reply.body)).toEqual(IDENTITY);
    expect(reply.body.toString("utf8")).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
    expect(fetches).toEqual([{ entry: ENTRY, status: 200, client: "google" }]);
  });

  it("1. a query string does not change the answer", async () => {
    expect((await send(`${feedPath(token)}?utm=x`)).status).toBe(200);
  });

  it("2. INM = current tag → 304 with the 200's validators and caching headers, without reading the body", async () => {
    const ok = await get();
    calls.body = 0;
    const reply = await get({ "if-none-match": ETAG });
    expect304(reply, ok);
    expect(calls.body).toBe(0);
  });

  it("3. INM = strong form of the weak tag → 304", async () => {
    const ok = await get();
    expect304(await get({ "if-none-match": ETAG.slice(2) }), ok);
  });

  it("4. INM list with the tag → 304; without → 200 with the full body", async () => {
    const ok = await get();
    expect304(await get({ "if-none-match": `"x1" ,\t${ETAG} , "x2"` }), ok);
    const miss = await get({ "if-none-match": '"x1" ,\tW/"v41-old" , "x2"' });
    expect(miss.status).toBe(200);
    expect(new Uint8Array(miss.body)).toEqual(IDENTITY);
  });

  it("4. two If-None-Match header lines are combined into one list", async () => {
    const ok = await get();
    expect304(await get({ "If-None-Match": ['"x1"', ETAG] }), ok);
    // combined, a malformed first line spoils the whole list
    expect((await get({ "If-None-Match": ["bogus", ETAG] })).status).toBe(200);
  });

  it("5. INM * → 304 on an existing feed, 404 on an unknown token", async () => {
    const ok = await get();
    expect304(await get({ "if-none-match": "*" }), ok);
    expect((await send(feedPath(unknown), { headers: { "if-none-match": "*" } })).status).toBe(404);
  });

  it("6. malformed or oversized If-None-Match → full 200, never 5xx", async () => {
    const values = [
      `"a", *`,
      `${ETAG.slice(3, -1)}`, // unquoted tag
      `${ETAG.slice(0, -1)}`, // unterminated quote
      "",
      `${ETAG}, ${'"padding",'.repeat(820)}"x"`, // > 8 KB
      Array.from({ length: 1000 }, (_, i) => `"t${i}"`).join(","),
      `${ETAG},${Array.from({ length: 1000 }, (_, i) => `"${i}"`).join(",")}`, // > 1,000 members
    ];
    for (const value of values) {
      const started = performance.now();
      const reply = await get({ "if-none-match": value });
      expect(reply.status, value.slice(0, 30)).toBe(200);
      expect(new Uint8Array(reply.body)).toEqual(IDENTITY);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it("7. INM matches + IMS 1970 → 304; INM does not match + IMS far future → 200", async () => {
    const ok = await get();
    expect304(await get({ "if-none-match": ETAG, "if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT" }), ok);
    const reply = await get({
      "if-none-match": '"nope"',
      "if-modified-since": "Fri, 31 Dec 9999 23:59:59 GMT",
    });
    expect(reply.status).toBe(200);
  });

  it("8. IMS only (Apple): not modified since → 304; older, invalid or doubled dates → 200", async () => {
    const ok = await get();
    const apple = (ims: string) =>
      get({ "user-agent": APPLE_UA, accept: "text/calendar", "if-modified-since": ims });
    expect304(await apple(LAST_MODIFIED), ok);
    expect304(await apple("Sat, 21 Nov 2026 00:00:00 GMT"), ok);
    expect((await apple("Fri, 20 Nov 2026 14:02:59 GMT")).status).toBe(200);
    expect((await apple("not a date")).status).toBe(200);
    expect((await apple(`${LAST_MODIFIED}, ${LAST_MODIFIED}`)).status).toBe(200);
    expect(fetches.map((f) => [f.client, f.status]).slice(-5)).toEqual([
      ["apple", 304],
      ["apple", 304],
      ["apple", 200],
      ["apple", 200],
      ["apple", 200],
    ]);
  });

  it("9. HEAD → same status and headers as GET with an empty body, for both encodings; HEAD + INM → 304", async () => {
    for (const headers of [{}, { "accept-encoding": "gzip" }]) {
      const full = await get(headers);
      const head = await send(feedPath(token), { method: "HEAD", headers });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(stableHeaders(head.headers)).toEqual(stableHeaders(full.headers));
      expect(head.headers["content-length"]).toBe(String(full.body.length));
    }
    const ok = await get();
    expect304(await send(feedPath(token), { method: "HEAD", headers: { "if-none-match": ETAG } }), ok);
  });

  it("10. POST/PUT/DELETE/PATCH → 405 with Allow: GET, HEAD, never 304 or 412", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      for (const path of [feedPath(token), feedPath(unknown), "/feeds/nope"]) {
        const reply = await send(path, {
          method,
          headers: {
            "if-none-match": ETAG,
            "if-match": '"nope"',
            "if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT",
          },
        });
        expect(reply.status, `${method} ${path}`).toBe(405);
        expect(reply.headers.allow).toBe("GET, HEAD");
        expect(JSON.parse(reply.body.toString()).error.code).toBe("method_not_allowed");
        expectNoToken(reply);
      }
    }
    expect(calls.lookup).toBe(0);
  });

  it("11. Accept-Encoding gzip / x-gzip / * / br / identity / gzip;q=0 / missing → identical decoded bodies and tags", async () => {
    const variants: Array<[string | undefined, "gzip" | undefined]> = [
      ["gzip, deflate, br", "gzip"],
      ["x-gzip", "gzip"],
      ["*", "gzip"],
      ["br", undefined],
      ["identity", undefined],
      ["gzip;q=0, br", undefined],
      [undefined, undefined],
    ];
    for (const [acceptEncoding, expected] of variants) {
      const headers = acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding };
      const reply = await get(headers);
      expect(reply.status).toBe(200);
      expectFeedHeaders(reply);
      expect(reply.headers["content-encoding"], acceptEncoding).toBe(expected);
      expect(reply.headers["content-length"]).toBe(String(reply.body.length));
      const decoded = expected === "gzip" ? gunzipSync(reply.body) : reply.body;
      expect(Buffer.compare(decoded, Buffer.from(IDENTITY)), acceptEncoding).toBe(0);
      if (expected === "gzip") expect(Buffer.compare(reply.body, Buffer.from(GZIP))).toBe(0); // stored bytes, no recompression
      const notModified = await get({ ...headers, "if-none-match": ETAG });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.vary).toBe("Accept-Encoding");
      expect(notModified.headers.etag).toBe(reply.headers.etag);
    }
  });

  it("11. a real fetch() client decodes the gzip answer to the identity bytes", async () => {
    const res = await fetch(`http://127.0.0.1:${port}${feedPath(token)}`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(IDENTITY);
  });
});

describe("B. capability URLs", () => {
  let malformed404: Reply;
  beforeAll(async () => {
    malformed404 = await send("/feeds/not-a-token.ics");
  });

  it("the generic 404: JSON error body, no-store, nothing about the token", () => {
    expect(malformed404.status).toBe(404);
    expect(JSON.parse(malformed404.body.toString())).toEqual({
      error: { code: "not_found", message: "No calendar feed at this address.", details: [] },
    });
    expect(malformed404.headers["cache-control"]).toBe("no-store");
  });

  it("14. an unknown token in the valid format → the same 404, bytes and headers", async () => {
    const reply = await send(feedPath(unknown));
    expect(calls.lookup).toBe(1);
    expect(reply.status).toBe(404);
    expect(Buffer.compare(reply.body, malformed404.body)).toBe(0);
    expect(stableHeaders(reply.headers)).toEqual(stableHeaders(malformed404.headers));
    expectNoToken(reply);
    expect(fetches).toEqual([{ entry: null, status: 404, client: "other" }]);
  });

  it("15. malformed paths → the same 404 before any storage access", async () => {
    const flip = (t: string, i: number) => t.slice(0, i) + (t[i] === "A" ? "B" : "A") + t.slice(i + 1);
    let badChecksum = flip(token, 5);
    for (let i = 6; (await tokens.isWellFormed(badChecksum)) && i < 24; i++) badChecksum = flip(token, i);
    const paths = [
      feedPath(token.slice(0, 23)), // wrong length
      feedPath(token + "A"),
      feedPath(badChecksum), // right shape, bad checksum
      feedPath(token.slice(0, 23) + "+"), // non-base64url
      feedPath(token.slice(0, 23) + "%41"), // percent-encoded alphabet character: not the canonical form
      "/feeds/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/feeds/%2e%2e%2fdata%2ffeed-secret",
      "/feeds/..%2F..%2Fetc%2Fpasswd",
      "/feeds/..%2F" + token + ".ics",
      "/feeds/%00",
      `/feeds/${token}%00.ics`,
      `/feeds/${token}.ics%00`,
      `/feeds/${token}.ICS`,
      `/feeds/${token}.Ics`,
      `/feeds/${token}.ics/`,
      `/feeds/${token}`,
      `/feeds/${token}.ics.ics`,
      `/feeds/${token}.ical`,
      `/feeds/x/${token}.ics`,
      `/feeds/${token}.ics/x`,
      "/feeds/",
    ];
    for (const path of paths) {
      for (const method of ["GET", "HEAD"]) {
        const reply = await send(path, { method, headers: { "if-none-match": "*" } });
        expect(reply.status, `${method} ${path}`).toBe(404);
        if (method === "GET") {
          expect(Buffer.compare(reply.body, malformed404.body), path).toBe(0);
          expect(stableHeaders(reply.headers), path).toEqual(stableHeaders(malformed404.headers));
        }
      }
    }
    expect(calls).toEqual({ lookup: 0, body: 0 });
  });
});

describe("D. storage faults (item 30)", () => {
  it("lookup throws → 503 + jittered Retry-After + `unavailable`, never 404 or 200", async () => {
    fault = "lookup-throws";
    const reply = await get();
    expect(reply.status).toBe(503);
    expect(Number(reply.headers["retry-after"])).toBe(20); // 5 + floor(0.5 × 31)
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(reply.body.toString()).error.code).toBe("unavailable");
    expectNoToken(reply);
    expect(fetches).toEqual([{ entry: null, status: 503, client: "other" }]);
  });

  it("body throws, vanishes or is corrupt → 503; a 304 still needs no body", async () => {
    for (const f of ["body-throws", "body-null", "body-corrupt"] as const) {
      fault = f;
      const reply = await get(f === "body-corrupt" ? {} : { "accept-encoding": "gzip" });
      expect(reply.status, f).toBe(503);
      expect(reply.headers["retry-after"]).toMatch(/^\d+$/);
      expect(reply.body.toString()).not.toContain("BEGIN:VCALENDAR");
      expectNoToken(reply);
      expect((await get({ "if-none-match": ETAG })).status).toBe(304);
    }
  });

  it("Retry-After spans 5–35 s with the injected randomness", async () => {
    fault = "lookup-throws";
    const seen: number[] = [];
    for (const r of [0, 0.25, 0.999999, 1, -1]) {
      random = r;
      seen.push(Number((await get()).headers["retry-after"]));
    }
    expect(seen).toEqual([5, 12, 35, 35, 5]);
  });

  it("logs a token-hash prefix, never the token", async () => {
    fault = "lookup-throws";
    await get();
    expect(logs).toHaveLength(1);
    expect(logs[0]!.tokenHash).toBe((await sha256Hex(token)).slice(0, 12));
    expect(logs[0]!.error).toBe("Error: KV get failed for [token]"); // the fake source leaks it; the route redacts
    expect(JSON.stringify(logs)).not.toContain(token);
  });

  it("a throwing recordFetch does not fail the request", async () => {
    const app = new Hono();
    const throwing: FeedSource = {
      ...source,
      recordFetch: () => {
        throw new Error("metrics down");
      },
    };
    app.route("/", createFeedRoutes({ tokens, source: throwing }));
    const res = await app.request(feedPath(token));
    expect(res.status).toBe(200);
  });
});
