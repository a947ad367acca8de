/**
 * Per-assignment revision history: what lets `SEQUENCE`, `LAST-MODIFIED` and `DTSTAMP` move when, and only
 * when, an assignment changed. It is stored with each schedule revision and survives restarts.
 *
 * Assignment ids are map keys, never object properties: `constructor`, `__proto__` and `toString` are valid ids.
 */
import type { ExpandedEvent } from "./event-facts.ts";

/** One assignment's change record. Times are whole seconds since the epoch (UTC). */
export interface HistoryEntry {
  /** Fingerprint of the facts last rendered; empty once the assignment was removed. */
  fp: string;
  /** RFC 5545 SEQUENCE: 0 when first seen, +1 on every change (and on a return after removal). */
  seq: number;
  created: number;
  modified: number;
}

/** Change records by assignment id. */
export type History = Map<string, HistoryEntry>;

/** Removed assignments are remembered this long (seconds), so a returning id still gets a higher SEQUENCE. */
export const TOMBSTONE_SECONDS = 400 * 86_400;

/**
 * The history after a new revision: unchanged assignments keep their entry as is, changed ones get
 * `seq + 1` and `modified = now`, new ones start at 0, removed ones become tombstones.
 *
 * "Now" never goes backwards: it is the later of the clock and the newest stamp the history already holds. After
 * the host's clock was set back, changed events are stamped (`DTSTAMP`, `LAST-MODIFIED`, `CREATED`) no earlier
 * than anything this schedule issued before, so no client sees a change dated before the version it replaces.
 */
export function advanceHistory(
  prev: ReadonlyMap<string, HistoryEntry>,
  events: Iterable<ExpandedEvent>,
  nowSeconds: number,
): History {
  return advance(prev, events, nowSeconds, false);
}

/**
 * {@link advanceHistory} from a previous history the caller gives up: each entry leaves `prev` as the next one
 * is made, so a big schedule's two histories (about 26 MiB each at 186,000 assignments) are never both whole.
 * The events' assignment ids must be unique (a valid snapshot's are). `prev` is left holding nothing of use.
 */
export function advanceHistoryFrom(
  prev: History,
  events: Iterable<ExpandedEvent>,
  nowSeconds: number,
): History {
  return advance(prev, events, nowSeconds, true);
}

function advance(
  prev: ReadonlyMap<string, HistoryEntry>,
  events: Iterable<ExpandedEvent>,
  nowSeconds: number,
  consume: boolean,
): History {
  const at = Math.max(nowSeconds, newestStamp(prev));
  const next: History = new Map();
  for (const { facts, fp } of events) {
    const id = facts.assignmentId;
    const old = prev.get(id);
    if (consume) (prev as History).delete(id);
    if (!old) next.set(id, { fp, seq: 0, created: at, modified: at });
    else if (old.fp === fp) next.set(id, old);
    else next.set(id, { fp, seq: old.seq + 1, created: old.created, modified: at });
  }
  for (const [id, old] of prev) {
    if (next.has(id)) continue;
    if (old.fp === "") {
      if (nowSeconds - old.modified < TOMBSTONE_SECONDS) next.set(id, old);
    } else {
      next.set(id, { fp: "", seq: old.seq, created: old.created, modified: at });
    }
  }
  return next;
}

/** The latest `modified` (or `created`) a history holds, or 0 for an empty one. */
export function newestStamp(history: ReadonlyMap<string, HistoryEntry>): number {
  let newest = 0;
  for (const entry of history.values()) newest = Math.max(newest, entry.modified, entry.created);
  return newest;
}
