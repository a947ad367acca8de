/**
 * A `FeedService` on a memory store with fixed tokens and a clock the test moves, plus a reader that returns a
 * feed's identity text and validators exactly as stored: for tests of the whole path from snapshot to bytes.
 */
import { sha256Hex } from "../../src/core/digest.ts";
import { gunzip } from "../../src/core/publish/compress.ts";
import { FeedService } from "../../src/core/publish/feed-service.ts";
import type { FeedKey } from "../../src/core/publish/keys.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import type { BlobStore } from "../../src/store/blob-store.ts";
import { createMemoryStore } from "../../src/store/memory.ts";
import { SMALL_SETTINGS } from "./server.ts";

const SECRET = new Uint8Array(32).map((_, i) => (i * 53 + 7) & 0xff);
const decoder = new TextDecoder();

/** A service and the clock it reads (ms since the epoch; assign to move it). */
export interface TestService {
  service: FeedService;
  store: BlobStore;
  clock: { now: number };
}

/** Opens a service on `store` (a fresh memory store by default). */
export async function openService(
  now: number,
  store: BlobStore = createMemoryStore(),
  clock: { now: number } = { now },
): Promise<TestService> {
  clock.now = now;
  const service = await FeedService.open({
    store,
    tokens: await createFeedTokens(SECRET),
    clock: () => clock.now,
    settings: SMALL_SETTINGS,
  });
  return { service, store, clock };
}

/** Validates a contract-shaped snapshot as the admin API would. @throws Error listing the problems. */
export function validSnapshot(value: unknown): Snapshot {
  const result = validateSnapshot(value);
  if (!result.ok) throw new Error(`invalid snapshot: ${JSON.stringify(result.details)}`);
  return result.snapshot;
}

/** Publishes a snapshot (validated first). */
export async function publish(t: TestService, value: unknown): Promise<void> {
  const snapshot = validSnapshot(value);
  await t.service.publish(snapshot, await sha256Hex(JSON.stringify(snapshot)));
}

/** A live feed as a client would get it. */
export interface ReadFeed {
  text: string;
  etag: string;
  lastModified: number;
}

/** Every live feed of an organization, by feed key. */
export async function readFeeds(t: TestService, org: string): Promise<Map<FeedKey, ReadFeed>> {
  const out = new Map<FeedKey, ReadFeed>();
  for (const key of t.service.feedKeys(org)) {
    const entry = await t.service.lookup(await t.service.tokenFor(org, key));
    if (!entry) continue;
    const gz = await t.service.body(entry);
    if (!gz) throw new Error(`feed ${org}/${key} has no body in the store`);
    out.set(key, {
      text: decoder.decode(await gunzip(gz)),
      etag: entry.etag,
      lastModified: entry.lastModified,
    });
  }
  return out;
}
