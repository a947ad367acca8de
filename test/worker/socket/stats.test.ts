/**
 * Fetch telemetry of the deployed Worker, over a real socket (docs/cloudflare.md › Fetch telemetry): Google and
 * Apple polls answered by the Worker's own entry reach the organization's Durable Object in a batch (sent after
 * the answers, within `FETCH_BATCH_MS`), then show in the person lookup's `lastFetch` and in `shiftfeed stats`
 * run against the Worker's URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot } from "../../support/fixture.ts";
import { runCli } from "../../support/cli-process.ts";
import { raw } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const GOOGLE = "Google-Calendar-Importer";
const IOS = "iOS/18.1 (22B83) dataaccessd/1.0";

/** `shiftfeed stats` as a child process against a URL. */
const stats = (url: string) => runCli(["stats"], { SHIFTFEED_URL: url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN });

describe("fetch telemetry of the Worker over a socket", () => {
  let server: WorkerdServer;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  beforeAll(async () => {
    server = await startWorkerd();
  }, 120_000);
  afterAll(() => server?.close());

  it("shows Google and Apple polls in lastFetch and in shiftfeed stats", async () => {
    const at = (path: string) => `${server.url}${path}`;
    const published = await raw("PUT", at("/admin/orgs/acme/schedules/icu"), {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(makeSnapshot()),
    });
    expect(published.status, published.text).toBe(200);
    const lookup = async () =>
      (await raw("GET", at("/admin/orgs/acme/people/pA"), { headers: auth })).json as {
        feed: { url: string };
        lastFetch: { client: string; userAgent: string; status: number; requests: number }[];
      };
    const path = new URL((await lookup()).feed.url).pathname;
    for (const ua of [GOOGLE, GOOGLE, GOOGLE, IOS, IOS]) {
      expect((await raw("GET", at(path), { headers: { "user-agent": ua } })).status).toBe(200);
    }

    const started = Date.now();
    let lastFetch = (await lookup()).lastFetch;
    while (lastFetch.length < 2 && Date.now() - started < 40_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      lastFetch = (await lookup()).lastFetch;
    }
    expect(
      lastFetch.map(({ client, userAgent, status, requests }) => ({ client, userAgent, status, requests })),
    ).toEqual(
      expect.arrayContaining([
        { client: "google", userAgent: GOOGLE, status: 200, requests: 3 },
        { client: "apple", userAgent: IOS, status: 200, requests: 2 },
      ]),
    );

    const run = await stats(server.url);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^last 5 min\s+5 requests/m);
    expect(run.stdout).toMatch(/^\s+3 {2}acme\/person\/pA {2}google {2}Google-Calendar-Importer$/m);
    expect(run.stdout).toMatch(
      /^\s+2 {2}acme\/person\/pA {2}apple {2}iOS\/18\.1 \(22B83\) dataaccessd\/1\.0$/m,
    );
  }, 90_000);
});
