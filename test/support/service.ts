/**
 * A `FeedService` in process on an in-memory database with fixed tokens and a clock the test moves, plus a reader
 * that returns a feed's identity text and validators exactly as stored: for tests of the whole path from
 * snapshot to bytes.
 */
import { gunzip } from "../../src/core/compress.ts";
import type { FeedKey } from "../../src/core/store/keys.ts";
import type { SqlPort } from "../../src/core/store/sql-port.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { createStack, type Stack } from "./stack.ts";

const SECRET = new Uint8Array(32).map((_, i) => (i * 53 + 7) & 0xff);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A service stack and the clock it reads (ms since the epoch; assign `clock.now` to move it). */
export type TestService = Stack;

/** Opens a service on `sql` (a fresh in-memory database by default). */
export async function openService(now: number, sql?: SqlPort): Promise<TestService> {
  return createStack({ now, ...(sql === undefined ? {} : { sql }), tokens: await createFeedTokens(SECRET) });
}

/** Validates a snapshot as the admin API would. @throws Error listing the problems. */
export function validSnapshot(value: unknown): Snapshot {
  const result = validateSnapshot(value);
  if (!result.ok) throw new Error(`invalid snapshot: ${JSON.stringify(result.details)}`);
  return result.snapshot;
}

/** Publishes a snapshot through the service (ingested as the admin API would). */
export async function publish(t: TestService, value: unknown): Promise<void> {
  const snapshot = validSnapshot(value);
  const target = { org: snapshot.organization.id, schedule: snapshot.schedule.id };
  await t.service.publish(encoder.encode(JSON.stringify(value)), target);
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
    const entry = await t.reader.lookup(await t.service.tokenFor(org, key));
    if (!entry) continue;
    const gz = await t.reader.body(entry, "gzip");
    if (!(gz instanceof Uint8Array)) throw new Error(`feed ${org}/${key} has no body in the store`);
    out.set(key, {
      text: decoder.decode(await gunzip(gz)),
      etag: entry.etag,
      lastModified: entry.lastModified,
    });
  }
  return out;
}
