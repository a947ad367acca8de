// Partner ranges from the Worker and from Node, byte for byte: the same demo schedule (fixtures/demo) published to
// the Node server and to the Worker in workerd, a key made on each, and the same ranges asked of both over real
// sockets. Only what is stamped with the time of the publish may differ (each runtime stamps its own clock:
// DTSTAMP, LAST-MODIFIED, CREATED in iCalendar, `lastModified` in JSON); every other byte is the same.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../support/render-cases.ts";
import { ADMIN_TOKEN } from "../../support/fixture.ts";
import { raw, startHarness, type Harness } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const RANGES = [
  "cardiology.ics?from=2026-11-16&to=2027-03-31",
  "cardiology.json?from=2026-11-16&to=2027-03-31",
  "cardiology.ics?from=2027-01-10&to=2027-01-12",
  "cardiology.json?from=2026-12-31&to=2027-01-01",
];

/** The bytes with the publish-time stamps blanked. */
function unstamped(text: string): string {
  return text
    .replace(/^(DTSTAMP|LAST-MODIFIED|CREATED):\d{8}T\d{6}Z\r$/gm, "$1:-\r")
    .replace(/"lastModified":"[^"]*"/g, '"lastModified":"-"');
}

describe("partner ranges from the Worker and from Node", () => {
  let node: Harness;
  let worker: WorkerdServer;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    [node, worker] = await Promise.all([startHarness(), startWorkerd()]);
    const snapshot = await readFile(join(ROOT, "fixtures/demo/stmarys--cardiology.json"), "utf8");
    for (const url of [node.url, worker.url]) {
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
      const put = await raw("PUT", `${url}/admin/orgs/stmarys/schedules/cardiology`, {
        headers: auth,
        body: snapshot,
      });
      expect(put.status, put.text).toBe(200);
      const made = await raw("POST", `${url}/admin/partners`, {
        headers: auth,
        body: JSON.stringify({ org: "stmarys", name: "Parity" }),
      });
      expect(made.status, made.text).toBe(201);
      keys[url] = (made.json as { key: string }).key;
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([node?.close(), worker?.close()]);
  });

  it.each(RANGES)("%s: the same bytes and headers but for the publish's time stamps", async (range) => {
    const ask = (url: string) =>
      raw("GET", `${url}/partner/orgs/stmarys/schedules/${range}`, {
        headers: { authorization: `Bearer ${keys[url]}` },
      });
    const [fromNode, fromWorker] = await Promise.all([ask(node.url), ask(worker.url)]);
    expect(fromNode.status, fromNode.text).toBe(200);
    expect(fromWorker.status, fromWorker.text).toBe(200);
    expect(fromNode.body.length).toBeGreaterThan(500);
    expect(unstamped(fromWorker.text)).toBe(unstamped(fromNode.text));
    for (const header of ["content-type", "content-location", "x-range", "cache-control"]) {
      expect(fromWorker.headers[header], header).toBe(fromNode.headers[header]);
    }
  });
});
