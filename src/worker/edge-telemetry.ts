/**
 * Fetch telemetry at the edge, with no durable write per request. Each answered feed request becomes:
 *
 * - one Workers Analytics Engine data point (organization, feed kind, client family, status; never the token, the
 *   URL or the user agent), for dashboards over every isolate and location — written by the platform off the
 *   request path, and not a storage write the Worker pays for per row;
 * - one note in this isolate's memory, in a batch per organization. A batch goes to the organization's Durable
 *   Object in one call at most {@link FETCH_BATCH_MS} after its first note (kept alive by `ctx.waitUntil`, after
 *   the answer is sent), or at once when it holds {@link FETCH_BATCH_NOTES}; the Durable Object records it with the
 *   same fetch log as Node (`recordFetches`, one transaction per batch), so the person lookup's `lastFetch`, the
 *   traffic counts and their totals are those of every isolate, and last.
 *
 * A subscribe page is counted as Node counts it, as a request that opened no feed: a live page in its
 * organization's batch (its traffic counts, no `lastFetch`), any page in the data points (feed kind `page`).
 * A request that opened no feed (an unknown token, a refusal before the lookup) names no organization: it is in
 * the data points only. A batch whose delivery fails is logged and dropped: telemetry never holds a request up and
 * never grows without bound.
 */
import type { CalendarClient } from "../core/clients.ts";
import type { FetchNote } from "../core/fetch-log.ts";
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import type { FetchInfo } from "../http/feed-answer.ts";

/** Longest a note waits in an isolate before its batch is sent (well inside `waitUntil`'s 30 s). */
export const FETCH_BATCH_MS = 10_000;
/** A batch this big is sent at once. */
export const FETCH_BATCH_NOTES = 500;

/** What the edge telemetry writes to and sends through. */
export interface EdgeTelemetryDeps {
  /** The Analytics Engine dataset; none: no data points. */
  analytics?: AnalyticsEngineDataset | undefined;
  /** Hands one organization's batch to its Durable Object. */
  deliver: (org: string, notes: FetchNote[]) => Promise<void>;
  clock: () => number;
  /** Told when a batch is lost (its delivery failed). */
  lost: (org: string, notes: number, error: unknown) => void;
  batchMs?: number;
  batchNotes?: number;
}

/**
 * The one Analytics Engine data point of an answered feed request or page: what and who, never which link.
 * @param kind the feed's kind (`person`, `schedule`), `page` for a subscribe page, `""` for a feed request that
 * opened no feed.
 */
export function feedDataPoint(
  org: string | null,
  kind: string,
  info: { client: CalendarClient; status: number },
): AnalyticsEngineDataPoint {
  return {
    // Sampling, when the platform samples, keeps each organization's share.
    indexes: [org ?? ""],
    blobs: [org ?? "", kind, info.client, String(info.status)],
    doubles: [info.status],
  };
}

interface Batch {
  notes: FetchNote[];
}

/** One isolate's fetch telemetry: data points as requests are answered, notes sent in batches per organization. */
export class EdgeTelemetry {
  readonly #deps: EdgeTelemetryDeps;
  readonly #batchMs: number;
  readonly #batchNotes: number;
  readonly #batches = new Map<string, Batch>();

  constructor(deps: EdgeTelemetryDeps) {
    this.#deps = deps;
    this.#batchMs = deps.batchMs ?? FETCH_BATCH_MS;
    this.#batchNotes = deps.batchNotes ?? FETCH_BATCH_NOTES;
  }

  /**
   * Notes an answered feed request. Never throws, never waits: what is sent later is handed to `waitUntil`.
   * @param waitUntil the request's `ctx.waitUntil`; none (no execution context to send a batch later in): the
   * data point only.
   */
  record(entry: FeedEntry | null, info: FetchInfo, waitUntil?: (work: Promise<unknown>) => void): void {
    const feed = entry && `${entry.org}/${entry.kind}/${entry.id}`;
    this.#note(entry?.org ?? null, entry?.kind ?? "", feed, info, waitUntil);
  }

  /**
   * Notes an answered subscribe page: in the data points, and in its organization's batch as a request that opened
   * no feed when the page is a live one (`org`). Never throws, never waits.
   */
  recordPage(org: string | null, info: FetchInfo, waitUntil?: (work: Promise<unknown>) => void): void {
    this.#note(org, "page", null, info, waitUntil);
  }

  #note(
    org: string | null,
    kind: string,
    feed: string | null,
    info: FetchInfo,
    waitUntil: ((work: Promise<unknown>) => void) | undefined,
  ): void {
    try {
      this.#deps.analytics?.writeDataPoint(feedDataPoint(org, kind, info));
    } catch {
      // A data point is best effort: the answer goes out regardless.
    }
    if (org === null || waitUntil === undefined) return;
    const note: FetchNote = {
      feed,
      client: info.client,
      userAgent: info.userAgent,
      status: info.status,
      at: this.#deps.clock(),
    };
    let batch = this.#batches.get(org);
    if (batch === undefined) {
      // The timer belongs to this request: only this request's context may settle it (workerd refuses to resolve
      // a promise of one request from another's handler). A batch that fills up first is sent by the request that
      // filled it, and the timer then finds nothing left to send.
      const waited = new Promise<void>((resolve) => setTimeout(resolve, this.#batchMs));
      batch = { notes: [] };
      this.#batches.set(org, batch);
      const timed = batch;
      waitUntil(waited.then(() => this.#send(org, timed)));
    }
    batch.notes.push(note);
    if (batch.notes.length >= this.#batchNotes) waitUntil(this.#send(org, batch));
  }

  /** Sends a batch if it is still the organization's open one (each batch goes once). */
  async #send(org: string, batch: Batch): Promise<void> {
    if (this.#batches.get(org) !== batch) return;
    this.#batches.delete(org);
    try {
      await this.#deps.deliver(org, batch.notes);
    } catch (error) {
      this.#deps.lost(org, batch.notes.length, error);
    }
  }
}
