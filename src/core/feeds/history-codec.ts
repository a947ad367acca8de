/**
 * The stored (JSON) form of a {@link History}: `[assignmentId, entry]` pairs in the history's order. Earlier
 * versions stored an object keyed by id, with fingerprints of an earlier encoding; that form is still read, so
 * an existing data directory keeps its SEQUENCE values and the next revision moves only what it changed.
 */
import type { Snapshot } from "../snapshot/types.ts";
import { expandSnapshot } from "./events.ts";
import type { History, HistoryEntry } from "./history.ts";

/** A history as stored inside a schedule state. */
export type StoredHistory = [string, HistoryEntry][];

/** The object form earlier versions stored (read only). */
export type LegacyHistory = Readonly<Record<string, HistoryEntry>>;

/** The pairs to store for a history. */
export function encodeHistory(history: ReadonlyMap<string, HistoryEntry>): StoredHistory {
  return [...history];
}

/**
 * A history from its stored form: pairs, or the legacy object (only its own properties are read, so an id such
 * as `__proto__` written by `JSON.parse` is an ordinary entry). `snapshot`, the one stored with it, lends its
 * assignment ids' strings.
 * @throws TypeError when `stored` is neither form.
 */
export function decodeHistory(stored: unknown, snapshot?: Snapshot): History {
  if (Array.isArray(stored)) {
    const history: History = new Map();
    // A history is stored in its snapshot's order, tombstones last: where the ids agree, the snapshot's string is
    // the key, so a big schedule's ids are held once, not twice (about 6 MiB at 186,000 assignments).
    const assignments = snapshot?.assignments ?? [];
    (stored as unknown[]).forEach((pair, i) => {
      if (!Array.isArray(pair) || typeof pair[0] !== "string" || !isEntry(pair[1])) {
        throw new TypeError("stored history must be `[id, entry]` pairs");
      }
      const same = assignments[i]?.id;
      history.set(same === pair[0] ? same : pair[0], pair[1]);
    });
    return history;
  }
  if (typeof stored === "object" && stored !== null) {
    const entries = Object.entries(stored as Record<string, unknown>);
    if (!entries.every(([, entry]) => isEntry(entry))) throw new TypeError("stored history has a bad entry");
    return new Map(entries as [string, HistoryEntry][]);
  }
  throw new TypeError("stored history must be an array of `[id, entry]` pairs or an object");
}

/**
 * The history stored with `snapshot`, in either form. The legacy form's fingerprints were computed by an earlier
 * encoding; since a stored history always holds the fingerprints of its own snapshot's events, those of live
 * assignments are recomputed from `snapshot` (tombstones keep their empty fingerprint).
 */
export function readStoredHistory(stored: unknown, snapshot: Snapshot): History {
  const history = decodeHistory(stored, snapshot);
  if (Array.isArray(stored)) return history;
  for (const { facts, fp } of expandSnapshot(snapshot)) {
    const entry = history.get(facts.assignmentId);
    if (entry && entry.fp !== "") history.set(facts.assignmentId, { ...entry, fp });
  }
  return history;
}

/** A history given either as a map or in the legacy object form (an empty `{}` for "no history yet"). */
export function asHistory(history: History | LegacyHistory): History {
  return history instanceof Map ? history : decodeHistory(history);
}

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e["fp"] === "string" &&
    Number.isSafeInteger(e["seq"]) &&
    Number.isSafeInteger(e["created"]) &&
    Number.isSafeInteger(e["modified"])
  );
}
