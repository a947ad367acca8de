// The Worker fails closed (docs/test-checklist.md §B 18): without `FEED_SECRET` (unset, or too short to be valid) every feed
// request and subscribe page answers 503 — never a 404, the feed may exist; without `ADMIN_TOKEN` every admin route
// and `/metrics` answer 503, whatever the Authorization header says. `/healthz` still answers.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
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
    const fetch = createWorkerFetch(bare);
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
