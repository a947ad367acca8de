/**
 * A schedule revision's stored state: the validated snapshot and the per-assignment change history, as gzip JSON
 * in the `blobs` table. Read when the schedule is published again, rolled or regenerated — never to serve.
 */
import { readStoredHistory, encodeHistory } from "../feeds/history-codec.ts";
import type { History } from "../feeds/history.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { readBlob } from "../store/blob-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { webCodec, type Codec } from "../compress.ts";

/** What is stored per schedule revision. */
export interface ScheduleState {
  snapshot: Snapshot;
  history: History;
  /** When this revision was accepted, seconds since the epoch. */
  receivedAt: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stored bytes of a state (its history as `[id, entry]` pairs). */
export async function encodeState(state: ScheduleState, codec: Codec = webCodec): Promise<Uint8Array> {
  const stored = { format: 2, ...state, history: encodeHistory(state.history) };
  return codec.gzip(encoder.encode(JSON.stringify(stored)), true);
}

/** A state from its stored bytes (either history form, see `history-codec.ts`). */
export async function decodeState(bytes: Uint8Array, codec: Codec = webCodec): Promise<ScheduleState> {
  const stored = JSON.parse(decoder.decode(await codec.gunzip(bytes))) as {
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
