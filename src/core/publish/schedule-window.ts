/**
 * A schedule feed's window of events held compactly, for a runtime with little memory (Workers: 128 MB an
 * isolate): a whole hospital's events expanded at once are several times its snapshot (about 87 MiB for a 16 MiB
 * one). Here each event in the window is kept as its assignment's index, its fingerprint and what places it in the
 * feed (typed arrays); its fingerprint list is hashed in order without being built, and its block is rendered by
 * expanding the event again when its turn comes. The input hash and the bytes are those of `eventsHash`,
 * `placeEvents` and `feedParts` over the expanded events (`test/publish/schedule-window.test.ts`).
 */
import { eventFingerprint } from "../feeds/event-fingerprint.ts";
import type { EventFacts } from "../feeds/event-facts.ts";
import { eventUid, type Expander } from "../feeds/events.ts";
import { Fingerprinter } from "../feeds/fingerprint.ts";
import type { History, HistoryEntry } from "../feeds/history.ts";
import { writtenInUtc } from "../feeds/timing.ts";
import { FEED_END, feedOpening, zoneSpans, type FeedHead, type Placed } from "../ical/assemble-feed.ts";
import { eventBlock, type EventBlockCache } from "../ical/render-events.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { RENDER_VERSION, type DateWindow } from "./feed-specs.ts";

/**
 * Fewer bytes than any event's block has (about 230 at the least: `BEGIN:VEVENT`, `UID`, `SEQUENCE`, `DTSTAMP`,
 * `DTSTART`, `DTEND`, `SUMMARY`, `DESCRIPTION`, `CREATED`, `LAST-MODIFIED` and `END:VEVENT`, each with its CRLF).
 */
export const MIN_BLOCK_BYTES = 160;

/** The window's events of one schedule, held compactly (see the module comment). */
export interface CompactWindow {
  /** How many events are in the window. */
  count: number;
  /** A lower bound of the feed's size in bytes (every block is longer than {@link MIN_BLOCK_BYTES}). */
  atLeast: number;
  /** `eventsHash("schedule", …)` of them. */
  eventsHash: string;
  /** Their feed's bytes as strings, each event's block rendered when its turn comes (as `feedParts`). */
  parts(head: FeedHead, cache: EventBlockCache | null): Generator<string>;
}

/**
 * Gathers a schedule's events inside `window` as they are expanded ({@link WindowGatherer.add}, in any order,
 * each once), then holds them compactly ({@link WindowGatherer.finish}).
 */
export class WindowGatherer {
  readonly #snapshot: Snapshot;
  readonly #history: History;
  readonly #window: DateWindow;
  readonly #index: Int32Array;
  readonly #start: Float64Array;
  readonly #fromYear: Int16Array;
  readonly #toYear: Int16Array;
  /** Bit 1: timed; bit 2: written with `TZID=`. */
  readonly #flags: Uint8Array;
  readonly #fps: string[] = [];

  constructor(snapshot: Snapshot, history: History, window: DateWindow) {
    this.#snapshot = snapshot;
    this.#history = history;
    this.#window = window;
    const n = snapshot.assignments.length;
    this.#index = new Int32Array(n);
    this.#start = new Float64Array(n);
    this.#fromYear = new Int16Array(n);
    this.#toYear = new Int16Array(n);
    this.#flags = new Uint8Array(n);
  }

  /**
   * The event of assignment `at` (its index in the snapshot), with its fingerprint when known (else computed
   * here, for events in the window only). @throws Error for an event in the window with no history.
   */
  add = (at: number, facts: EventFacts, fp?: string): void => {
    if (facts.lastDate < this.#window.from || facts.firstDate > this.#window.to) return;
    const meta = this.#history.get(facts.assignmentId);
    if (!meta) throw new Error(`no history for assignment \`${facts.assignmentId}\``);
    const timing = facts.timing;
    const i = this.#fps.length;
    this.#index[i] = at;
    // The history's own string when it is the same fingerprint (an unchanged event's): one string, not two.
    const print = fp ?? eventFingerprint(facts);
    this.#fps.push(print === meta.fp ? meta.fp : print);
    if (timing.allDay) this.#start[i] = Date.parse(`${timing.startDate}T00:00:00Z`) / 1000;
    else {
      this.#start[i] = Math.floor(timing.start.epochMs / 1000);
      this.#fromYear[i] = Number(timing.start.local.slice(0, 4));
      this.#toYear[i] = Number(timing.end.local.slice(0, 4));
      this.#flags[i] = 1 | (writtenInUtc(timing) ? 0 : 2);
    }
  };

  /** Every event of the snapshot, expanded here. */
  addAll({ factsOf }: Expander): this {
    this.#snapshot.assignments.forEach((a, at) => this.add(at, factsOf(a)));
    return this;
  }

  /** The events gathered, held compactly; `factsOf` expands each again when its block is rendered. */
  finish({ factsOf }: Expander): CompactWindow {
    return compact(
      this.#snapshot,
      this.#history,
      factsOf,
      this.#fps.length,
      this.#index,
      this.#start,
      this.#fromYear,
      this.#toYear,
      this.#flags,
      this.#fps,
    );
  }
}

function compact(
  snapshot: Snapshot,
  history: History,
  factsOf: Expander["factsOf"],
  count: number,
  index: Int32Array,
  start: Float64Array,
  fromYear: Int16Array,
  toYear: Int16Array,
  flags: Uint8Array,
  fps: string[],
): CompactWindow {
  const { assignments } = snapshot;
  const org = snapshot.organization.id;
  const sid = snapshot.schedule.id;
  const zone = snapshot.schedule.timezone;
  const idOf = (i: number) => assignments[index[i]!]!.id;
  const metaOf = (i: number): HistoryEntry => history.get(idOf(i))!;
  // Every UID is `<id>` + the same tail: UIDs compare as their ids do, each followed by the tail.
  const uidTail = eventUid(org, sid, "");
  const byUid = (tail: string) => (a: number, b: number) => compareWithTail(idOf(a), idOf(b), tail);

  // `eventsHash`: the events' `uid|fp|seq|created|modified` sorted, in `[RENDER_VERSION, view, parts]` as JSON.
  const hashOrder = sortedIndices(count, byUid(`${uidTail}|`));
  const hash = new Fingerprinter().update(`[${RENDER_VERSION},"schedule",[`);
  hashOrder.forEach((i, at) => {
    const m = metaOf(i);
    const part = `${idOf(i)}${uidTail}|${fps[i]}|${m.seq}|${m.created}|${m.modified}`;
    hash.update((at === 0 ? "" : ",") + JSON.stringify(part));
  });
  const eventsHash = hash.update("]]").digest();

  // The feed's order: start (to the second, as the sort key's ISO text), then UID.
  const uidOrder = byUid(uidTail);
  const feedOrder = sortedIndices(count, (a, b) => start[a]! - start[b]! || uidOrder(a, b));
  function* placed(): Generator<Placed> {
    for (const i of feedOrder) {
      const timed = (flags[i]! & 1) !== 0;
      yield {
        zone: timed ? zone : "",
        tzid: (flags[i]! & 2) !== 0,
        fromYear: fromYear[i]!,
        toYear: toYear[i]!,
      };
    }
  }
  return {
    count,
    atLeast: count * MIN_BLOCK_BYTES,
    eventsHash,
    *parts(head, cache) {
      yield feedOpening(head, zoneSpans(placed()));
      for (let at = 0; at < feedOrder.length; at++) {
        const i = feedOrder[at]!;
        const facts = factsOf(assignments[index[i]!]!);
        yield eventBlock({ facts, fp: fps[i]!, meta: metaOf(i) }, "schedule", cache);
      }
      yield FEED_END;
    },
  };
}

/** `0 … count - 1` sorted by `compare`. */
function sortedIndices(count: number, compare: (a: number, b: number) => number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort(compare);
}

/** How `a + tail` compares with `b + tail` as strings (UTF-16 code units), without building either. */
export function compareWithTail(a: string, b: string, tail: string): number {
  const length = Math.max(a.length, b.length) + tail.length;
  for (let i = 0; i < length; i++) {
    const x = i < a.length ? a.charCodeAt(i) : tail.charCodeAt(i - a.length);
    const y = i < b.length ? b.charCodeAt(i) : tail.charCodeAt(i - b.length);
    // `NaN` past the end: the shorter string comes first.
    if (x !== y) return Number.isNaN(x) ? -1 : Number.isNaN(y) ? 1 : x - y;
  }
  return 0;
}
