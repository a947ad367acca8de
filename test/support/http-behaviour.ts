/**
 * The HTTP behaviour of the service as a client sees it, over a real socket, as one suite that every runtime
 * passes: the Node server (`test/http/behaviour-node.test.ts`) and the Worker in workerd
 * (`test/worker/socket/behaviour.test.ts`). Conditional GET, HEAD, 404/405, the publish errors
 * (400/401/409/413/415/422), the pages and search, rotation, and partner keys and ranges, with the same status
 * codes, header sets and error bodies on both.
 * Items refer to docs/test-checklist.md.
 */
import type { IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { ADMIN_TOKEN, FEED_SECRET, makeSnapshot } from "./fixture.ts";
import { raw, type RawOptions, type Reply } from "./server.ts";

/** Largest snapshot body every target is started with, so that 413 is reached the same way. */
export const BEHAVIOUR_MAX_SNAPSHOT_BYTES = 256 * 1024;

/** A running service to test. */
export interface HttpTarget {
  url: string;
  close(): Promise<void>;
}

/** The headers of a feed `200` (besides `Date`, `Content-Length`, `Content-Encoding` and the request id). */
const FEED_200 = [
  "cache-control",
  "content-type",
  "etag",
  "last-modified",
  "referrer-policy",
  "vary",
  "x-content-type-options",
  "x-robots-tag",
];
/** The headers of a feed `304`. */
const FEED_304 = FEED_200.filter((h) => h !== "content-type");
const IGNORED = new Set([
  "date",
  "content-length",
  "content-encoding",
  "x-request-id",
  "connection",
  "keep-alive",
]);

const names = (headers: IncomingHttpHeaders) =>
  Object.keys(headers)
    .filter((h) => !IGNORED.has(h) && !h.startsWith("cf-") && h !== "transfer-encoding")
    .sort();

export function describeHttpBehaviour(name: string, start: () => Promise<HttpTarget>): void {
  describe(`HTTP behaviour: ${name}`, () => {
    let target: HttpTarget;
    let feed: string;
    let body: Buffer;
    let etag: string;
    let lastModified: string;
    const send = (method: string, path: string, options: RawOptions = {}) =>
      raw(method, target.url + path, options);
    const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      send(method, path, {
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body !== undefined && typeof body !== "string" && { "content-type": "application/json" }),
          ...headers,
        },
        ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
    const lookup = async (person: string) => {
      const reply = await admin("GET", `/admin/orgs/acme/people/${person}`);
      expect(reply.status, reply.text).toBe(200);
      return new URL((reply.json as { feed: { url: string } }).feed.url).pathname;
    };
    const errorCode = (reply: Reply) => (reply.json as { error: { code: string } }).error.code;

    beforeAll(async () => {
      target = await start();
      const published = await admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot());
      expect(published.status, published.text).toBe(200);
      feed = await lookup("pA");
      const first = await send("GET", feed);
      body = first.body;
      etag = String(first.headers.etag);
      lastModified = String(first.headers["last-modified"]);
    }, 60_000);
    afterAll(() => target?.close());

    it("a plain GET: 200 with the feed's headers and a CRLF calendar (§A 1)", async () => {
      const reply = await send("GET", feed);
      expect(reply.status).toBe(200);
      expect(names(reply.headers)).toEqual(FEED_200);
      expect(reply.headers["content-type"]).toBe("text/calendar; charset=utf-8");
      expect(reply.headers["cache-control"]).toBe("private, no-cache");
      expect(reply.headers.vary).toBe("Accept-Encoding");
      expect(reply.headers["referrer-policy"]).toBe("no-referrer");
      expect(reply.headers["x-robots-tag"]).toBe("noindex");
      expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{22}"$/);
      expect(reply.text).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
      expect(Number(reply.headers["content-length"])).toBe(reply.body.length);
    });

    it.each([
      ["the current tag", () => etag],
      ["its strong form", () => etag.slice(2)],
      ["a list holding it", () => `"x1" ,\t${etag} , "x2"`],
      ["*", () => "*"],
    ])("If-None-Match with %s: 304 with the validators and no body (§A 2–5)", async (_what, value) => {
      const reply = await send("GET", feed, { headers: { "if-none-match": value() } });
      expect(reply.status).toBe(304);
      expect(reply.body.length).toBe(0);
      expect(names(reply.headers)).toEqual(FEED_304);
      expect(reply.headers.etag).toBe(etag);
    });

    it.each(['"nope"', '"a", *', "W/", '"unterminated'])(
      "If-None-Match %j: the full 200 (§A 4, 6)",
      async (value) => {
        const reply = await send("GET", feed, { headers: { "if-none-match": value } });
        expect(reply.status).toBe(200);
        expect(reply.body.equals(body)).toBe(true);
      },
    );

    it("If-Modified-Since alone: 304 when not modified, 200 when invalid (§A 8)", async () => {
      expect((await send("GET", feed, { headers: { "if-modified-since": lastModified } })).status).toBe(304);
      expect((await send("GET", feed, { headers: { "if-modified-since": "yesterday" } })).status).toBe(200);
    });

    it("HEAD: the same status and headers as GET, no body; with a matching tag, 304 (§A 9)", async () => {
      const head = await send("HEAD", feed);
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(names(head.headers)).toEqual(FEED_200);
      expect(Number(head.headers["content-length"])).toBe(body.length);
      expect((await send("HEAD", feed, { headers: { "if-none-match": etag } })).status).toBe(304);
    });

    it.each(["POST", "PUT", "DELETE", "PATCH"])("%s on a feed: 405 with Allow (§A 10)", async (method) => {
      const reply = await send(method, feed);
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe("GET, HEAD");
      expect(errorCode(reply)).toBe("method_not_allowed");
    });

    it("an unknown token of the valid form and a malformed one: the same 404 (§B 14, 15)", async () => {
      const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
      const unknown = await tokens.derive({ kind: "person", org: "acme", id: "nobody", version: 1 });
      const a = await send("GET", `/feeds/${unknown}.ics`);
      const b = await send("GET", "/feeds/not-a-token.ics");
      const c = await send("GET", `/feeds/${unknown.slice(0, -1)}A.ics`);
      for (const reply of [a, b, c]) {
        expect(reply.status).toBe(404);
        expect(reply.text).toBe(a.text);
        expect(errorCode(reply)).toBe("not_found");
      }
    });

    it("admin calls without the bearer secret: 401 with WWW-Authenticate (§B 18)", async () => {
      const reply = await send("GET", "/admin/orgs/acme/people/pA");
      expect(reply.status).toBe(401);
      expect(reply.headers["www-authenticate"]).toMatch(/^Bearer/);
      const wrong = await send("GET", "/admin/orgs/acme/people/pA", {
        headers: { authorization: `Bearer ${"x".repeat(ADMIN_TOKEN.length)}` },
      });
      expect(wrong.status).toBe(401);
    });

    it("publish errors: 400, 413, 415, 422 and 409, and the feed keeps serving (§C 20–22)", async () => {
      const put = (payload: unknown, headers: Record<string, string> = {}) =>
        admin("PUT", "/admin/orgs/acme/schedules/icu", payload, headers);
      const cases: [Reply, number, string][] = [
        [await put("{not json", { "content-type": "application/json" }), 400, "invalid_json"],
        [
          await put(JSON.stringify({ pad: "x".repeat(BEHAVIOUR_MAX_SNAPSHOT_BYTES) }), {
            "content-type": "application/json",
          }),
          413,
          "payload_too_large",
        ],
        [
          await put(JSON.stringify(makeSnapshot()), { "content-type": "text/plain" }),
          415,
          "unsupported_media_type",
        ],
        [
          await put(
            makeSnapshot({ revision: 2, schedule: { id: "icu", name: "ICU", timezone: "Mars/Olympus" } }),
          ),
          422,
          "invalid_snapshot",
        ],
        [
          await put(makeSnapshot({ revision: 1, publishedAt: "2026-11-20T11:30:00Z" })),
          409,
          "stale_revision",
        ],
      ];
      for (const [reply, status, code] of cases) {
        expect(reply.status, reply.text).toBe(status);
        expect(errorCode(reply)).toBe(code);
      }
      expect((cases[3]![0].json as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe(
        "$.schedule.timezone",
      );
      expect((cases[4]![0].json as { error: { currentRevision: number } }).error.currentRevision).toBe(1);
      const after = await send("GET", feed);
      expect(after.status).toBe(200);
      expect(after.body.equals(body)).toBe(true);
    });

    it("the pages: the admin page, its scripts, the OpenAPI document, the subscribe page, and search", async () => {
      const PAGE = [
        "cache-control",
        "content-security-policy",
        "content-type",
        "cross-origin-opener-policy",
        "referrer-policy",
        "x-content-type-options",
        "x-frame-options",
        "x-robots-tag",
      ];
      const shell = await send("GET", "/admin");
      expect(shell.status).toBe(200);
      expect(names(shell.headers)).toEqual(PAGE);
      for (const path of ["/admin/app.js", "/static/shiftfeed.css", "/admin/openapi.json"]) {
        const reply = await send("GET", path);
        expect(reply.status, path).toBe(200);
      }
      const subscribe = feed.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "");
      const page = await send("GET", subscribe);
      expect(page.status, page.text).toBe(200);
      expect(names(page.headers)).toEqual(PAGE);
      expect(page.text).toContain("<h1><bdi>Dr. Ada Able</bdi></h1>");
      const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
      const unknown = await tokens.derive({ kind: "person", org: "acme", id: "nobody", version: 1 });
      const gone = await send("GET", `/subscribe/${unknown}`);
      expect(gone.status).toBe(404);
      expect(gone.text).toContain("This link does not work");
      expect((await send("GET", "/admin/search?q=ada")).status).toBe(401);
      expect((await admin("GET", "/admin/search?q=ADA")).json).toEqual({
        people: [{ org: "acme", person: "pA", name: "Dr. Ada Able", schedules: ["icu"] }],
        schedules: [],
      });
    });

    it("rotation: the old link 404s on the very next request, the new one serves the same body (§B 16)", async () => {
      const rotated = await admin("POST", "/admin/orgs/acme/people/pB/rotate");
      expect(rotated.status, rotated.text).toBe(200);
      const fresh = new URL((rotated.json as { feed: { url: string } }).feed.url).pathname;
      const old = await lookup("pA");
      const before = await send("GET", old);
      const again = await admin("POST", "/admin/orgs/acme/people/pA/rotate");
      expect(again.status).toBe(200);
      expect((await send("GET", old)).status).toBe(404);
      const renewed = await send("GET", await lookup("pA"));
      expect(renewed.status).toBe(200);
      expect(renewed.body.equals(before.body)).toBe(true);
      expect((await send("GET", fresh)).status).toBe(200);
    });

    it("partner keys and ranges: iCalendar and JSON, 304 and HEAD, refusals, the key's quota, revocation on the very next request", async () => {
      const created = await admin("POST", "/admin/partners", { org: "acme", name: "Roster sync" });
      expect(created.status, created.text).toBe(201);
      const key = created.json as { id: string; key: string; org: string; revokedAt: string | null };
      expect(created.headers.location).toBe(`/admin/partners/${key.id}`);
      expect(key).toMatchObject({ org: "acme", burst: 500, perHour: 3600, revokedAt: null });
      expect((await admin("POST", "/admin/partners", { org: "nowhere", name: "x" })).status).toBe(404);
      const listed = await admin("GET", "/admin/partners?org=acme");
      expect((listed.json as { partners: { id: string }[] }).partners.map((p) => p.id)).toEqual([key.id]);
      expect(listed.text).not.toContain(key.key);

      const range = (file: string, bearer: string, headers: Record<string, string> = {}, method = "GET") =>
        send(method, `/partner/orgs/acme/schedules/${file}?from=2026-11-24&to=2026-12-02`, {
          headers: { authorization: `Bearer ${bearer}`, ...headers },
        });
      const RANGE_200 = [
        "cache-control",
        "content-location",
        "content-type",
        "etag",
        "last-modified",
        "x-range",
      ];
      const ics = await range("icu.ics", key.key);
      expect(ics.status, ics.text).toBe(200);
      expect(names(ics.headers)).toEqual(RANGE_200);
      expect(ics.headers["content-type"]).toBe("text/calendar; charset=utf-8");
      expect(ics.headers["content-location"]).toBe(
        "/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-12-31",
      );
      expect(ics.headers["x-range"]).toBe("2026-11-01/2026-12-31");
      expect(Number(ics.headers["content-length"])).toBe(ics.body.length);
      expect(ics.text).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
      expect(ics.text.match(/BEGIN:VEVENT/g)).toHaveLength(3);
      const json = await range("icu.json", key.key);
      expect(json.status).toBe(200);
      expect(json.headers["content-type"]).toBe("application/json; charset=utf-8");
      const events = (json.json as { events: { uid: string; person: { id: string }; start: string }[] })
        .events;
      expect(events.map((e) => [e.person.id, e.start])).toEqual([
        ["pA", "2026-11-25T12:00:00.000Z"],
        ["pB", "2026-11-27T00:00:00.000Z"],
        ["pA", "2026-12-24"],
      ]);
      const etag = String(ics.headers.etag);
      const notModified = await range("icu.ics", key.key, { "if-none-match": etag });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
      expect(names(notModified.headers)).toEqual(RANGE_200.filter((h) => h !== "content-type"));
      const head = await range("icu.ics", key.key, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers["content-length"]).toBe(ics.headers["content-length"]);

      // Refusals: another organization or schedule 404; a malformed, unknown or missing key 401 with the challenge.
      const other = await send("GET", "/partner/orgs/other/schedules/icu.ics?from=2026-11-01&to=2026-11-02", {
        headers: { authorization: `Bearer ${key.key}` },
      });
      expect(other.status).toBe(404);
      expect(errorCode(other)).toBe("not_found");
      expect((await range("nope.ics", key.key)).status).toBe(404);
      const unauthorized = [
        await range("icu.ics", "not-a-key"),
        await range("icu.ics", `sfp_${"A".repeat(32)}`),
        await send("GET", "/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-11-02"),
      ];
      for (const reply of unauthorized) {
        expect(reply.status).toBe(401);
        expect(reply.headers["www-authenticate"]).toBe('Bearer realm="shiftfeed-partner"');
        expect(reply.text).toBe(unauthorized[0]!.text);
      }
      expect((await range("icu.ics", key.key, {}, "POST")).status).toBe(404);

      // A key's own quota: past its burst, 429 with Retry-After; the other key is not affected.
      const tiny = (
        await admin("POST", "/admin/partners", { org: "acme", name: "Tiny", burst: 2, perHour: 60 })
      ).json as { key: string };
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await range("icu.json", tiny.key));
      expect(seen.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(errorCode(seen[2]!)).toBe("rate_limited");
      expect(Number(seen[2]!.headers["retry-after"])).toBeGreaterThanOrEqual(30);
      expect((await range("icu.json", key.key)).status).toBe(200);

      // Revocation: refused on the very next request.
      const revoked = await admin("DELETE", `/admin/partners/${key.id}`);
      expect(revoked.status).toBe(200);
      expect((revoked.json as { revokedAt: string | null }).revokedAt).not.toBeNull();
      expect((await range("icu.ics", key.key)).status).toBe(401);
      expect((await range("icu.ics", key.key, { "if-none-match": etag })).status).toBe(401);
      expect((await admin("DELETE", "/admin/partners/pk_unknown")).status).toBe(404);
    });
  });
}
