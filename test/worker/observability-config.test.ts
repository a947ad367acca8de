/**
 * What Cloudflare records of each request, as wrangler.toml configures it (read by wrangler itself). A feed URL
 * is its subscriber's bearer secret, so nothing the platform stores or hands on per request may hold a URL:
 * invocation logs (one record per request, with its URL) and traces (spans with the URL) must be off whenever
 * observability is on, and neither Logpush of trace events (`logpush`) nor Tail Workers (`tail_consumers`), which
 * both receive each request with its URL, may be configured; the Worker's own log lines (`src/worker/logger.ts`)
 * are what Workers Logs keep.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

const CONFIG = fileURLToPath(new URL("../../wrangler.toml", import.meta.url));

/** Whether a deployment with this observability setting would store request URLs on the platform. */
function recordsUrls(o: ReturnType<typeof unstable_readConfig>["observability"]): string[] {
  if (o === undefined || o.enabled !== true) {
    // Off at the top: only explicitly enabled parts record anything.
    const found: string[] = [];
    if (o?.logs?.enabled === true && o.logs.invocation_logs !== false) found.push("invocation logs");
    if (o?.traces?.enabled === true) found.push("traces");
    return found;
  }
  const found: string[] = [];
  // Logs follow `enabled` unless turned off; invocation logs are on unless set to false.
  if (o.logs?.enabled !== false && o.logs?.invocation_logs !== false) found.push("invocation logs");
  if (o.traces?.enabled === true) found.push("traces");
  return found;
}

type Config = ReturnType<typeof unstable_readConfig>;

/** Where else than in observability a deployment would hand each request's URL on. */
function handsOnUrls(config: Pick<Config, "logpush" | "tail_consumers">): string[] {
  const found: string[] = [];
  if (config.logpush === true) found.push("logpush");
  if ((config.tail_consumers ?? []).length > 0) found.push("tail consumers");
  return found;
}

describe("wrangler.toml observability", () => {
  it("stores no request URL (no invocation logs, no traces), while the Worker's own log lines are kept", () => {
    const config = unstable_readConfig({ config: CONFIG });
    expect(recordsUrls(config.observability)).toEqual([]);
    expect(handsOnUrls(config)).toEqual([]);
    expect(config.observability?.enabled).toBe(true);
    expect(config.observability?.logs?.enabled).toBe(true);
  });

  it("the rule itself: observability on with its defaults would record URLs", () => {
    expect(recordsUrls({ enabled: true })).toEqual(["invocation logs"]);
    expect(
      recordsUrls({ enabled: true, logs: { invocation_logs: false }, traces: { enabled: true } }),
    ).toEqual(["traces"]);
    expect(recordsUrls({ enabled: false })).toEqual([]);
    expect(handsOnUrls({ logpush: true, tail_consumers: [{ service: "tail" }] })).toEqual([
      "logpush",
      "tail consumers",
    ]);
    expect(handsOnUrls({ logpush: undefined, tail_consumers: undefined })).toEqual([]);
  });
});
