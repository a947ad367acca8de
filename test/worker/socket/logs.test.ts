/**
 * The Worker's log output, as workerd prints it, over a real socket: feed links (bearer secrets) never appear in
 * any log line, whatever is asked — a live feed, a revalidation, a HEAD, a rotated link, odd spellings of a feed
 * path, a subscribe page, a token in a query string, a failing admin call. With invocation logs off
 * (`wrangler.toml`), these lines are all the platform keeps of a request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot } from "../../support/fixture.ts";
import { raw } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

describe("the Worker's logs", () => {
  let server: WorkerdServer;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  beforeAll(async () => {
    server = await startWorkerd();
  }, 120_000);
  afterAll(() => server?.close());

  it("never hold a feed token", async () => {
    const at = (path: string) => `${server.url}${path}`;
    const published = await raw("PUT", at("/admin/orgs/acme/schedules/icu"), {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(makeSnapshot()),
    });
    expect(published.status, published.text).toBe(200);
    const lookup = await raw("GET", at("/admin/orgs/acme/people/pA"), { headers: auth });
    const url = new URL((lookup.json as { feed: { url: string } }).feed.url);
    const path = url.pathname;
    const token = path.slice("/feeds/".length, -".ics".length);
    expect(token.length).toBeGreaterThan(20);
    server.harness.clearLogs();

    const feed = await raw("GET", at(path));
    expect(feed.status).toBe(200);
    expect(
      (await raw("GET", at(path), { headers: { "if-none-match": String(feed.headers.etag) } })).status,
    ).toBe(304);
    expect((await raw("HEAD", at(path))).status).toBe(200);
    expect((await raw("GET", at(`/subscribe/${token}`))).status).toBe(200);
    for (const odd of [`//feeds/${token}.ics`, `/FEEDS/${token}.ics`, `/Subscribe/${token}`, `/x?t=${token}`])
      expect((await raw("GET", at(odd))).status).toBe(404);
    const rotated = await raw("POST", at("/admin/orgs/acme/people/pA/rotate"), { headers: auth });
    expect(rotated.status, rotated.text).toBe(200);
    expect((await raw("GET", at(path))).status).toBe(404);
    expect((await raw("GET", at(`/subscribe/${token}`))).status).toBe(404);
    expect((await raw("GET", at(`${path}?again=${token}`))).status).toBe(404);
    const bad = await raw("PUT", at(`/admin/orgs/acme/schedules/icu?token=${token}`), {
      headers: { ...auth, "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);

    const logs = server.harness.getLogs().map((l) => l.message);
    // The admin calls were logged (so this reads the real output), the feed requests were not.
    expect(logs.some((l) => l.includes('"event":"request"'))).toBe(true);
    const leaks = logs.filter((l) => l.includes(token) || l.includes(token.slice(0, 12)));
    expect(leaks).toEqual([]);
  });
});
