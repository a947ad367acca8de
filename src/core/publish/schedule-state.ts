/**
 * A schedule revision's stored state: the validated snapshot and the per-assignment change history, as gzip JSON
 * in the `blobs` table. Read when the schedule is published again, rolled or regenerated — never to serve.
 */
import { readStoredHistory } from "../feeds/history-codec.ts";
import { canonicalParts } from "../snapshot/canonical-hash.ts";
import { utf8OfParts } from "../digest.ts";
import type { History } from "../feeds/history.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { readBlob } from "../store/blob-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { webCodec, type Codec } from "../compress.ts";
import { parseJsonBytes } from "../json-slices.ts";

/** What is stored per schedule revision. */
export interface ScheduleState {
  snapshot: Snapshot;
  history: History;
  /** When this revision was accepted, seconds since the epoch. */
  receivedAt: number;
}

/**
 * The stored bytes of a state (its history as `[id, entry]` pairs): the gzip of
 * `JSON.stringify({ format: 2, snapshot, history, receivedAt })`, written a record at a time, so a big schedule's
 * state is never one string.
 */
export async function encodeState(state: ScheduleState, codec: Codec = webCodec): Promise<Uint8Array> {
  return codec.gzip(
    utf8OfParts(() => stateParts(state)),
    true,
  );
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

/** A state from its stored bytes (either history form, see `history-codec.ts`). */
export async function decodeState(bytes: Uint8Array, codec: Codec = webCodec): Promise<ScheduleState> {
  // Its text is never held whole: a big schedule's state as text beside its value would double it.
  const stored = parseJsonBytes(await codec.gunzip(bytes), 2) as {
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
  const bytes = readBlob(sql, key);
  if (bytes === null) throw new Error(`schedule state \`${key}\` is missing from the store`);
  return decodeState(bytes, codec);
}
