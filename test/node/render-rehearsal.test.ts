// A render thread's rehearsal (`src/node/render-rehearsal.ts`): the made-up schedule it publishes is a valid
// snapshot whose second revision changes a feed, and publishing it leaves the service's own database untouched.
import { describe, expect, it } from "vitest";
import { ingestSnapshot } from "../../src/core/snapshot/ingest.ts";
import { rehearsalSnapshot, rehearse } from "../../src/node/render-rehearsal.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { parseConfig } from "../../src/core/config.ts";
import { BIG_FEED_BYTES, type ServiceSettings } from "../../src/core/publish/unit-deps.ts";
import { nodeCodec, nodeTokenCrypto } from "../../src/node/node-codec.ts";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const target = { org: "rehearsal", schedule: "rehearsal" };

describe("render thread rehearsal", () => {
  it("publishes a valid schedule twice, the second revision moving one shift", async () => {
    const first = await ingestSnapshot(rehearsalSnapshot(NOW, 1), target);
    const second = await ingestSnapshot(rehearsalSnapshot(NOW, 2), target);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(first.snapshot.assignments.length).toBeGreaterThan(100);
    expect(second.hash).not.toBe(first.hash);
    const tokens = await createFeedTokens(new TextEncoder().encode("s".repeat(40)), nodeTokenCrypto);
    const config = parseConfig({});
    const settings: ServiceSettings = {
      pastDays: config.pastDays,
      futureDays: config.futureDays,
      refreshSeconds: config.refreshSeconds,
      cacheBytes: config.cacheBytes,
      eventCacheChars: 1 << 20,
      bigFeedBytes: BIG_FEED_BYTES,
    };
    expect(await rehearse({ tokens, settings, codec: nodeCodec, nowMs: NOW })).toBe(true);
  });
});
