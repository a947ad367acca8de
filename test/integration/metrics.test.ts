/**
 * `/metrics` read by the Prometheus project's own text-format parser (Python `prometheus_client`): every line
 * parses, each family is declared once, and the lasting fetch counters keep their values across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, run, skipWithout } from "../support/parsers.ts";
import { ROOT } from "../support/render-cases.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

interface Family {
  name: string;
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

async function parse(text: string): Promise<Family[]> {
  return JSON.parse(await run(PYTHON, [`${ROOT}test/support/python/read_metrics.py`], text)) as Family[];
}

const APPLE = "iOS/18.1 (22B83) dataaccessd/1.0";

describe.skipIf(skipWithout("the Prometheus text-format checks", ["prometheusClient"]))(
  "/metrics as Prometheus text",
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ env: { SERVE_THREADS: "2" } });
      expect((await h.publish(makeSnapshot())).status).toBe(200);
    });
    afterAll(() => h.close());

    const scrape = async () => {
      const reply = await h.admin("GET", "/metrics");
      expect(reply.status).toBe(200);
      expect(reply.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      return parse(reply.text);
    };
    const sample = (families: Family[], family: string, labels: Record<string, string>) =>
      families
        .find((f) => f.name === family)
        ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    it("parses, declares each family once, and counts fetches by client and status across a restart", async () => {
      const path = await h.feedPathOf("acme", "pA");
      const first = await h.feed(path, { "user-agent": APPLE });
      for (let i = 0; i < 3; i++)
        await h.feed(path, { "user-agent": APPLE, "if-modified-since": first.lastModified! });
      await h.feed("/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics", { "user-agent": "curl/8.5" });
      await h.settle();

      const families = await scrape();
      const names = families.map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
      for (const f of families) {
        expect(f.name).toMatch(/^shiftfeed_[a-z0-9_]+$/);
        expect(f.help.length).toBeGreaterThan(0);
        expect(["counter", "gauge"]).toContain(f.type);
      }
      expect(families.find((f) => f.name === "shiftfeed_feed_fetches")?.type).toBe("counter");
      expect(sample(families, "shiftfeed_feed_fetches", { client: "apple", status: "304" })).toBe(3);
      expect(sample(families, "shiftfeed_feed_fetches", { client: "apple", status: "200" })).toBe(1);
      expect(sample(families, "shiftfeed_feed_fetches", { client: "other", status: "404" })).toBe(1);
      expect(sample(families, "shiftfeed_feed_last_fetch_timestamp_seconds", { client: "apple" })).toBe(
        h.now / 1000,
      );
      expect(sample(families, "shiftfeed_feed_requests", { client: "apple", status: "304" })).toBe(3);

      await h.restart();
      const after = await scrape();
      // The per-process counter starts again; the lasting one does not.
      expect(sample(after, "shiftfeed_feed_requests", { client: "apple", status: "304" })).toBeUndefined();
      expect(sample(after, "shiftfeed_feed_fetches", { client: "apple", status: "304" })).toBe(3);
    });
  },
);
