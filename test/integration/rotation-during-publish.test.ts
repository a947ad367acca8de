/**
 * A rotation takes effect at once, even while a long publish of the same organization is rendering (issue: the
 * rotate waited 9.7 s behind a publish while the old link kept working). The app runs over real sockets on a
 * memory store whose feed-body writes wait at a gate the test opens, so "during the publish" is exact.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchLog } from "../../src/core/fetch-log.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Metrics } from "../../src/core/metrics.ts";
import { FeedService } from "../../src/core/publish/feed-service.ts";
import { Maintenance } from "../../src/core/publish/maintenance.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { createApp } from "../../src/http/create-app.ts";
import type { BlobStore } from "../../src/store/blob-store.ts";
import { createMemoryStore } from "../../src/store/memory.ts";
import {
  ADMIN_TOKEN,
  FEED_SECRET,
  SMALL_SETTINGS,
  T0,
  feedPath,
  makeSnapshot,
  raw,
  serveApp,
  type Reply,
} from "../support/server.ts";

describe("rotation during a publish", () => {
  let served: Awaited<ReturnType<typeof serveApp>>;
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let waiting = 0;

  beforeAll(async () => {
    const memory = createMemoryStore();
    const store: BlobStore = {
      ...memory,
      async put(key, value) {
        if (gate && key.startsWith("feeds/")) {
          waiting++;
          await gate;
        }
        return memory.put(key, value);
      },
    };
    const clock = () => T0;
    const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
    const service = await FeedService.open({ store, tokens, clock, settings: SMALL_SETTINGS });
    served = await serveApp(
      createApp({
        service,
        maintenance: new Maintenance(service, randomUUID),
        tokens,
        fetchLog: new FetchLog(clock),
        adminToken: ADMIN_TOKEN,
        publicUrl: "https://feeds.example.org",
        maxSnapshotBytes: 1 << 20,
        logger: silentLogger,
        metrics: new Metrics(),
        newId: randomUUID,
      }),
    );
  });
  afterAll(() => served.close());

  const admin = (method: string, path: string, body?: unknown): Promise<Reply> =>
    raw(method, served.url + path, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const feedOf = async (person: string) =>
    feedPath(
      ((await admin("GET", `/admin/orgs/acme/people/${person}`)).json as { feed: { url: string } }).feed.url,
    );

  it("is live before the publish finishes, and the publish keeps the rotated link", async () => {
    expect((await admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot())).status).toBe(200);
    const old = await feedOf("pA");
    expect((await raw("GET", served.url + old)).status).toBe(200);

    gate = new Promise((resolve) => (open = resolve));
    const rev2 = makeSnapshot({
      revision: 2,
      assignments: makeSnapshot().assignments.map((a) => (a.id === "a1" ? { ...a, note: "moved" } : a)),
    });
    const publishing = admin("PUT", "/admin/orgs/acme/schedules/icu", rev2);
    while (waiting === 0) await new Promise((r) => setTimeout(r, 5)); // the publish is rendering and writing

    const started = performance.now();
    const rotated = await admin("POST", "/admin/orgs/acme/people/pA/rotate");
    expect(rotated.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    const fresh = feedPath((rotated.json as { feed: { url: string } }).feed.url);
    expect(fresh).not.toBe(old);
    expect((await raw("GET", served.url + old)).status).toBe(404); // dead at once, publish still pending
    expect((await raw("GET", served.url + fresh)).status).toBe(200);

    open();
    gate = null;
    expect((await publishing).json).toEqual({ revision: 2, peopleAffected: 1, feedsUpdated: 2 });
    expect((await raw("GET", served.url + old)).status).toBe(404);
    const after = await raw("GET", served.url + fresh);
    expect(after.status).toBe(200);
    expect(after.text).toContain("moved");
    expect(await feedOf("pA")).toBe(fresh);
  });
});
