/**
 * A schedule revision's stored state: the validated snapshot and the per-assignment change history, as gzip JSON
 * in the `blobs` table. Read when the schedule is published again, rolled or regenerated — never to serve.
 */
import { readStoredHistory } from "../feeds/history-codec.ts";
import { canonicalParts } from "../snapshot/canonical-hash.ts";
import { utf8Chunks } from "../digest.ts";
import type { History } from "../feeds/history.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { readBlobParts } from "../store/blob-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { webCodec, type Codec } from "../compress.ts";
import { JsonBytesParser } from "../json-slices.ts";

/** What is stored per schedule revision. */
export interface ScheduleState {
  snapshot: Snapshot;
  history: History;
  /** When this revision was accepted, seconds since the epoch. */
  receivedAt: number;
}

/**
 * The stored bytes of a state (its history as `[id, entry]` pairs): the gzip of
 * `JSON.stringify({ format: 2, snapshot, history, receivedAt })`, encoded a record at a time and compressed as it
 * is encoded, so a big schedule's state is never one string, nor its JSON's bytes whole (only their gzip).
 */
export async function encodeState(state: ScheduleState, codec: Codec = webCodec): Promise<Uint8Array> {
  const gzip = codec.gzipWriter(true);
  for (const chunk of utf8Chunks(stateParts(state))) await gzip.write(chunk);
  return gzip.end();
}

/** {@link encodeState}'s JSON as consecutive strings. */
function* stateParts(state: ScheduleState): Generator<string> {
  yield '{"format":2,"snapshot":';
  yield* canonicalParts(state.snapshot);
  yield ',"history":[';
  let first = true;
  for (const pair of state.history) {
    yield (first ? "" : ",") + JSON.stringify(pair);
    first = false;
  }
  yield `],"receivedAt":${JSON.stringify(state.receivedAt)}}`;
}

/**
 * A state from its stored bytes, whole or as the consecutive parts of its blob (either history form, see
 * `history-codec.ts`; any gzip framing).
 */
export async function decodeState(
  bytes: Uint8Array | readonly Uint8Array[],
  codec: Codec = webCodec,
): Promise<ScheduleState> {
  // Parsed as it is decompressed: a big schedule's state as text, or as its whole JSON bytes, beside its value
  // would double it.
  const parser = new JsonBytesParser(2);
  for await (const chunk of codec.gunzipChunks(bytes instanceof Uint8Array ? [bytes] : bytes))
    parser.write(chunk);
  const stored = parser.end() as {
    snapshot: Snapshot;
    history: unknown;
    receivedAt: number;
  };
  return {
    snapshot: stored.snapshot,
    history: readStoredHistory(stored.history, stored.snapshot),
    receivedAt: stored.receivedAt,
  };
}

/** The state stored under `key`. @throws Error naming the key when it is missing. */
export async function readState(sql: SqlPort, key: string, codec: Codec = webCodec): Promise<ScheduleState> {
  const parts = readBlobParts(sql, key);
  if (parts === null) throw new Error(`schedule state \`${key}\` is missing from the store`);
  return decodeState(parts, codec);
}
