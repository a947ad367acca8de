// The Worker fails closed (docs/test-checklist.md §B 18): without `FEED_SECRET` (unset, or too short to be valid) every feed
// request and subscribe page answers 503 — never a 404, the feed may exist; without `ADMIN_TOKEN` every admin route
// and `/metrics` answer 503, whatever the Authorization header says. `/healthz` still answers. With a setting it
// cannot read, every request answers 503 and one log line names the setting.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../../src/worker/index.ts";
import type { WorkerEnv } from "../../../src/worker/env.ts";
import { createWorkerFetch } from "../../../src/worker/worker-app.ts";
import { ADMIN_TOKEN, FEED_SECRET } from "../../support/fixture.ts";
import { feedPathOf, publish, setClock } from "./support.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";

describe("the Worker without its secrets", () => {
  it.each([
    ["unset", undefined],
    ["too short", "short"],
  ])("fails closed when they are %s", async (_case, value) => {
    await setClock("closed", T0);
    expect((await publish(makeSnapshot({ organization: { id: "closed", name: "Closed" } }))).status).toBe(
      200,
    );
    const feed = await feedPathOf("closed", "pA");
    const bare: WorkerEnv = { ...env, ADMIN_TOKEN: value, FEED_SECRET: value };
    const errors = vi.spyOn(console, "error");
    const fetch = createWorkerFetch(bare);
    // A secret set but not valid is named in one line each (an unset one is what the 503s say).
    const invalid = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("secret_invalid"));
    expect(invalid.map((l) => (JSON.parse(l) as { name: string }).name)).toEqual(
      value === undefined ? [] : ["ADMIN_TOKEN", "FEED_SECRET"],
    );
    for (const line of invalid) expect(line).not.toContain(value);
    errors.mockRestore();
    const at = (path: string, init: RequestInit = {}) =>
      fetch(new Request(`https://feeds.example.org${path}`, init));
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

    for (const method of ["GET", "HEAD"]) {
      const reply = await at(feed, { method });
      expect(reply.status, `${method} feed`).toBe(503);
      expect(Number(reply.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    for (const [method, path] of [
      ["GET", "/admin/orgs/closed/people/pA"],
      ["POST", "/admin/orgs/closed/people/pA/rotate"],
      ["PUT", "/admin/orgs/closed/schedules/icu"],
      ["POST", "/admin/regenerate"],
      ["GET", "/admin/search?q=ada"],
      ["GET", "/metrics"],
      // The subscribe page, like its feed: the link may be live.
      ["GET", feed.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "")],
    ]) {
      const reply = await at(path!, { method, headers: auth });
      expect(reply.status, `${method} ${path}`).toBe(503);
      const body = await reply.text();
      expect(body).not.toContain(ADMIN_TOKEN);
      expect(body).not.toContain(FEED_SECRET);
    }
    // The subscribe page says when to try again, as its feed does.
    const page = await at(feed.replace("/feeds/", "/subscribe/").replace(/\.ics$/, ""));
    expect(page.status).toBe(503);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await at("/healthz")).status).toBe(200);
    // With the secrets, the same feed is there.
    expect((await createWorkerFetch(env)(new Request(`https://feeds.example.org${feed}`))).status).toBe(200);
  });
});

describe("the Worker with a setting it cannot read", () => {
  it.each([
    ["FAN_OUT_BATCH", "abc"],
    ["PUBLIC_URL", "not a url"],
    // A path the Worker would never be asked for: every link handed out would be dead.
    ["PUBLIC_URL", "https://hospital.example.org/calendar"],
    ["SHARED_FETCHER_RANGES", "10.0.0.0/33"],
  ])("answers every request 503 with Retry-After and logs which (%s)", async (name, value) => {
    const errors = vi.spyOn(console, "error");
    const bad = { ...env, [name]: value } as WorkerEnv;
    const ctx = createExecutionContext();
    for (const path of ["/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics", "/healthz", "/admin/orgs/acme/people/pA"]) {
      const reply = await worker.fetch(new Request(`https://feeds.example.org${path}`), bad, ctx);
      expect(reply.status, path).toBe(503);
      expect(Number(reply.headers.get("retry-after")), path).toBeGreaterThan(0);
      const body = await reply.text();
      expect(body, path).not.toMatch(/ at |\.ts:|FEED_SECRET|test-/);
      expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe("unavailable");
    }
    await waitOnExecutionContext(ctx);
    const lines = errors.mock.calls
      .map((c) => String(c[0]))
      .filter((l) => l.includes('"event":"config_invalid"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`\`${name}\``);
    errors.mockRestore();
  });
});
