/**
 * The partner range API inside an organization's Durable Object: Node's `PartnerReader` over the object's SQLite
 * (keys by hash and schedules cached until the next commit, so a revocation is seen by the very next request),
 * range pieces rendered in the object and kept in a small cache, and each key's quota.
 *
 * Quotas are counted here because every partner request of the organization passes through its one object: a
 * key's bucket (Node's token bucket, `BucketTable` over plain memory) sees all of the key's requests from every
 * location, which the Rate Limiting binding (per location, fixed 10 s or 60 s windows) could not give for a rule
 * of a burst and a rate per hour; and counting in memory costs no storage write per request. An object evicted
 * while idle starts its keys with full buckets, as a Node restart does. The per-address and miss budgets are the
 * Worker's (`partner-edge.ts`), so they are off here.
 */
import type { Codec } from "../core/compress.ts";
import { BucketTable } from "../core/limits/bucket-table.ts";
import { LIMIT_STATE_BYTES, LimitState } from "../core/limits/limit-state.ts";
import { Protection } from "../core/limits/protection.ts";
import { DEFAULT_LIMITS } from "../core/limits/settings.ts";
import { PartnerReader } from "../core/partners/partner-reader.ts";
import { RangeCache } from "../core/partners/range-cache.ts";
import { renderStoredPieces } from "../core/partners/render-range.ts";
import type { SqlPort } from "../core/store/sql-port.ts";

/**
 * Bytes of range pieces an object keeps (4 MiB): a twelve-month range of a whole hospital's schedule is a few
 * MiB, and an isolate, which may hold several objects, has 128 MB.
 */
export const OBJECT_RANGE_CACHE_BYTES = 4 << 20;
/** Buckets of the quota table (keys of one organization; a full group reuses its longest-idle bucket). */
const QUOTA_BUCKETS = 1024;

export interface ObjectPartnersDeps {
  sql: SqlPort;
  codec: Codec;
  /** The object's clock (ms since the epoch): quotas refill by it. */
  clock: () => number;
  /** The commit generation: cached keys and schedules of another value are read again. */
  generation: () => number;
}

/** The object's partner reads and the quotas of its keys, for `createApp`. */
export function objectPartners(deps: ObjectPartnersDeps): {
  partners: PartnerReader;
  protection: Protection;
} {
  const partners = new PartnerReader({
    sql: deps.sql,
    codec: deps.codec,
    generation: deps.generation,
    ranges: new RangeCache({
      render: renderStoredPieces(deps.sql, deps.codec),
      maxBytes: OBJECT_RANGE_CACHE_BYTES,
    }),
  });
  const protection = new Protection({
    settings: DEFAULT_LIMITS,
    buckets: new BucketTable(BucketTable.allocate(QUOTA_BUCKETS, false), deps.clock),
    state: new LimitState(new ArrayBuffer(LIMIT_STATE_BYTES), deps.clock),
    random: Math.random,
    clientLimits: false,
  });
  return { partners, protection };
}

/**
 * A range answer as the runtime sends it: Node's route streams the pieces with the `Content-Length` it sets, which
 * workerd drops from a stream of unknown length (it would go out chunked); through a `FixedLengthStream` of that
 * length it goes out with it. Answers that set no `Content-Length` are left as they are.
 */
export function withKnownLength(response: Response): Response {
  const header = response.headers.get("content-length");
  const length = Number(header);
  if (response.body === null || header === null || !Number.isSafeInteger(length)) {
    return response;
  }
  return new Response(response.body.pipeThrough(new FixedLengthStream(length)), response);
}
