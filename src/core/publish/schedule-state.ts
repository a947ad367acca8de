/**
 * A schedule revision's stored state: the validated snapshot and the per-assignment change history, as gzip JSON
 * in the `blobs` table. Read when the schedule is published again, rolled or regenerated — never to serve.
 */
import { decodeHistory, readStoredHistory } from "../feeds/history-codec.ts";
import { canonicalParts } from "../snapshot/canonical-hash.ts";
import { utf8Chunks } from "../digest.ts";
import type { History } from "../feeds/history.ts";
import { shareStrings } from "../snapshot/share-strings.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { readBlobParts } from "../store/blob-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { webCodec, type Codec } from "../compress.ts";
import { JsonBytesParser, type Select } from "../json-slices.ts";

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

/** A stored state's JSON as parsed. */
interface StoredState {
  snapshot?: Snapshot;
  history: unknown;
  receivedAt: number;
}

/** A stored state's JSON, parsed as it is decompressed, keeping what `select` keeps. */
async function parseStored(
  bytes: Uint8Array | readonly Uint8Array[],
  codec: Codec,
  select?: Select,
): Promise<StoredState> {
  // A big schedule's state as text, or as its whole JSON bytes, beside its value would double it.
  const parser = new JsonBytesParser(2, select);
  for await (const chunk of codec.gunzipChunks(bytes instanceof Uint8Array ? [bytes] : bytes))
    parser.write(chunk);
  return parser.end() as StoredState;
}

/**
 * A state from its stored bytes, whole or as the consecutive parts of its blob (either history form, see
 * `history-codec.ts`; any gzip framing). With `people`, its history keeps only the entries of their assignments:
 * all a unit that reads only their events needs (a batch of a job: a 40th of a big schedule's history).
 */
export async function decodeState(
  bytes: Uint8Array | readonly Uint8Array[],
  codec: Codec = webCodec,
  people?: ReadonlySet<string>,
): Promise<ScheduleState> {
  const select: Select | undefined =
    people === undefined
      ? undefined
      : (path, stored) => (isHistory(path) ? historyOf(stored["snapshot"], people) : true);
  const stored = await parseStored(bytes, codec, select);
  const snapshot = stored.snapshot as Snapshot;
  shareStrings(snapshot);
  return {
    snapshot,
    history: readStoredHistory(stored.history, snapshot),
    receivedAt: stored.receivedAt,
  };
}

const isHistory = (path: readonly string[]) => path.length === 1 && path[0] === "history";

/** Which stored history pairs are of `people`'s assignments in a snapshot as parsed (all, if it is not one). */
function historyOf(snapshot: unknown, people: ReadonlySet<string>): true | ((pair: unknown) => boolean) {
  const assignments = (snapshot as Partial<Snapshot> | undefined)?.assignments;
  if (!Array.isArray(assignments)) return true;
  const ids = new Set<unknown>();
  for (const a of assignments) if (people.has(a.personId)) ids.add(a.id);
  // Anything but a pair is kept, so reading the history still refuses it.
  return (pair) => !Array.isArray(pair) || ids.has(pair[0]);
}

/**
 * The state stored under `key` (with `people`, its history only theirs: see {@link decodeState}).
 * @throws Error naming the key when it is missing.
 */
export async function readState(
  sql: SqlPort,
  key: string,
  codec: Codec = webCodec,
  people?: ReadonlySet<string>,
): Promise<ScheduleState> {
  return decodeState(blobOf(sql, key), codec, people);
}

/**
 * The history of the state stored under `key`, its snapshot left unparsed (a publish keeps only the previous
 * revision's history: its snapshot, as big as the new one, would sit beside the new one while it is read). A
 * history in the legacy object form needs its snapshot (`history-codec.ts`): that state is read whole.
 * @throws Error naming the key when it is missing.
 */
export async function readHistory(sql: SqlPort, key: string, codec: Codec = webCodec): Promise<History> {
  const parts = blobOf(sql, key);
  const stored = await parseStored(parts, codec, (path) => !(path.length === 1 && path[0] === "snapshot"));
  if (!Array.isArray(stored.history)) return (await decodeState(parts, codec)).history;
  return decodeHistory(stored.history);
}

function blobOf(sql: SqlPort, key: string): Uint8Array[] {
  const parts = readBlobParts(sql, key);
  if (parts === null) throw new Error(`schedule state \`${key}\` is missing from the store`);
  return parts;
}
