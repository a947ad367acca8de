// Bytes on the wire from workerd over a real socket (docs/test-checklist.md §A 11): stored gzip goes out as it is, once;
// the coding follows the client's own Accept-Encoding (the platform rewrites the header the Worker sees); Google,
// which sends none, gets a calendar; Content-Length is right for each coding and for HEAD.
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot } from "../../support/fixture.ts";
import { raw } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const GOOGLE = "Google-Calendar-Importer";

describe("feed bytes on the wire from workerd", () => {
  let server: WorkerdServer;
  let url: string;
  let identity: Buffer;

  beforeAll(async () => {
    server = await startWorkerd();
    const snapshot = makeSnapshot();
    const put = await raw("PUT", `${server.url}/admin/orgs/acme/schedules/icu`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(snapshot),
    });
    expect(put.status, put.text).toBe(200);
    const lookup = await raw("GET", `${server.url}/admin/orgs/acme/people/pA`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    url = server.url + new URL((lookup.json as { feed: { url: string } }).feed.url).pathname;
    const google = await raw("GET", url, { headers: { "user-agent": GOOGLE } });
    identity = google.body;
  }, 60_000);
  afterAll(() => server?.close());

  it("Google (no Accept-Encoding) gets the calendar itself, with its exact length", async () => {
    const reply = await raw("GET", url, { headers: { "user-agent": GOOGLE } });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBeUndefined();
    expect(reply.text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(reply.text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(Number(reply.headers["content-length"])).toBe(reply.body.length);
    expect(reply.headers.vary).toBe("Accept-Encoding");
  });

  it("a gzip client gets the stored gzip once, with the compressed length", async () => {
    const reply = await raw("GET", url, { headers: { "accept-encoding": "gzip, deflate, br" } });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-encoding"]).toBe("gzip");
    expect(Number(reply.headers["content-length"])).toBe(reply.body.length);
    // Compressed once: one gunzip gives the calendar (twice-compressed bytes would give gzip again).
    expect(gunzipSync(reply.body).equals(identity)).toBe(true);
  });

  it.each(["identity", "br", "gzip;q=0", "", "zstd, br;q=0.9"])(
    "Accept-Encoding %j gets identity bytes",
    async (acceptEncoding) => {
      const reply = await raw("GET", url, { headers: { "accept-encoding": acceptEncoding } });
      expect(reply.headers["content-encoding"]).toBeUndefined();
      expect(reply.body.equals(identity)).toBe(true);
      expect(Number(reply.headers["content-length"])).toBe(identity.length);
    },
  );

  it("HEAD sends each coding's Content-Length and no body", async () => {
    const plain = await raw("HEAD", url);
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBe(0);
    expect(Number(plain.headers["content-length"])).toBe(identity.length);
    const gzip = await raw("HEAD", url, { headers: { "accept-encoding": "gzip" } });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    const gzipped = await raw("GET", url, { headers: { "accept-encoding": "gzip" } });
    expect(Number(gzip.headers["content-length"])).toBe(gzipped.body.length);
  });

  it("a 304 carries the validators and Vary, and no body, whatever the coding", async () => {
    const first = await raw("GET", url, { headers: { "accept-encoding": "gzip" } });
    // The front end marks a bodiless 304 to a gzip client `Content-Encoding: gzip` (the coding its 200 has);
    // to an identity client it adds nothing.
    for (const [acceptEncoding, coding] of [
      ["gzip", "gzip"],
      ["identity", undefined],
    ] as const) {
      const reply = await raw("GET", url, {
        headers: { "accept-encoding": acceptEncoding, "if-none-match": String(first.headers.etag) },
      });
      expect(reply.status).toBe(304);
      expect(reply.body.length).toBe(0);
      expect(reply.headers.etag).toBe(first.headers.etag);
      expect(reply.headers.vary).toBe("Accept-Encoding");
      expect(reply.headers["content-encoding"]).toBe(coding);
    }
  });
});
