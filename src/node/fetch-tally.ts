/**
 * Who-polls notes on their way from a serving thread to the main thread's fetch log, without an object per
 * request: a serving thread writes each answered feed request as six numbers into a preallocated column block
 * (feed, user agent and token hash as indexes into tables of strings it has seen, client family, status, time)
 * and hands the block over whole (transferred, not copied); the strings go over once, when first seen. The main
 * thread reads each block back into the fetch log in the order the requests were answered, so what `lastFetch`,
 * `/admin/traffic`, the stats and `/metrics` show is what a note per request showed.
 *
 * The tables are bounded: past {@link MAX_STRINGS} strings or {@link MAX_STRING_CHARS} characters, the writer starts
 * them afresh (the block it sends then says so), so a client sending a new User-Agent with every request grows
 * nothing without end; a User-Agent is cut to what the fetch log keeps of it first.
 */
import { CALENDAR_CLIENTS, type CalendarClient } from "../core/clients.ts";
import { MAX_UA, type FetchLog } from "../core/fetch-log.ts";

/** Numbers per noted request. */
const FIELDS = 6;
/** Requests per block: a full block is sent at once, not held until the next report. */
export const TALLY_BLOCK = 4096;
/** Strings a thread's tables hold before they are started afresh. */
export const MAX_STRINGS = 200_000;
/** Characters a thread's tables hold before they are started afresh. */
export const MAX_STRING_CHARS = 8_000_000;
const CLIENT_CODES = new Map(CALENDAR_CLIENTS.map((client, code) => [client, code]));

/** One block of notes: the requests, and the strings first seen in them. */
export interface TallyBlock {
  /** `FIELDS` numbers per request: feed, user agent, token hash (-1: none), client code, status, time (ms). */
  rows: Float64Array<ArrayBuffer>;
  count: number;
  /** The tables were started afresh before this block's strings. */
  reset: boolean;
  /** Strings first seen in this block, in the order their indexes were given. */
  strings: string[];
}

/** A serving thread's side: notes requests, and hands over full blocks (`send`) and the rest when asked. */
export class FetchTally {
  readonly #send: (block: TallyBlock) => void;
  #rows = new Float64Array(TALLY_BLOCK * FIELDS);
  #count = 0;
  #reset = false;
  #strings: string[] = [];
  #indexes = new Map<string, number>();
  #chars = 0;

  /** @param send hands a full block over (the main thread gets blocks in the order they are sent). */
  constructor(send: (block: TallyBlock) => void) {
    this.#send = send;
  }

  /** Notes one answered feed request (the fetch log's `record` arguments). Allocates nothing for known strings. */
  note(
    feed: string | null,
    client: CalendarClient,
    userAgent: string | null,
    status: number,
    at: number,
    tokenHash?: string,
  ): void {
    if (this.#indexes.size + 3 > MAX_STRINGS || this.#chars > MAX_STRING_CHARS) this.#restart();
    const rows = this.#rows;
    const at0 = this.#count * FIELDS;
    rows[at0] = feed === null ? -1 : this.#index(feed);
    rows[at0 + 1] = userAgent === null ? -1 : this.#index(userAgent.slice(0, MAX_UA));
    rows[at0 + 2] = tokenHash === undefined ? -1 : this.#index(tokenHash);
    rows[at0 + 3] = CLIENT_CODES.get(client) ?? 3;
    rows[at0 + 4] = status;
    rows[at0 + 5] = at;
    if (++this.#count === TALLY_BLOCK) this.#send(this.take());
  }

  /** The notes since the last block, as a block (empty when there were none); the writer starts a new one. */
  take(): TallyBlock {
    const block: TallyBlock = {
      rows: this.#rows.slice(0, this.#count * FIELDS),
      count: this.#count,
      reset: this.#reset,
      strings: this.#strings,
    };
    this.#count = 0;
    this.#reset = false;
    this.#strings = [];
    return block;
  }

  #index(text: string): number {
    let index = this.#indexes.get(text);
    if (index === undefined) {
      index = this.#indexes.size;
      this.#indexes.set(text, index);
      this.#strings.push(text);
      this.#chars += text.length;
    }
    return index;
  }

  /** Sends what is noted under the old tables, then starts the tables afresh. */
  #restart(): void {
    if (this.#count > 0 || this.#strings.length > 0) this.#send(this.take());
    this.#indexes = new Map();
    this.#chars = 0;
    this.#reset = true;
  }
}

/** The main thread's side for one serving thread: its string table, and its blocks read into the fetch log. */
export class TallyReader {
  #strings: string[] = [];

  /** Records every request of `block` in `log`, in the order they were noted (`null`: only learns its strings). */
  readInto(block: TallyBlock, log: Pick<FetchLog, "record"> | null): void {
    if (block.reset) this.#strings = [];
    for (const text of block.strings) this.#strings.push(text);
    if (log === null) return;
    const strings = this.#strings;
    const rows = block.rows;
    for (let i = 0; i < block.count; i++) {
      const at = i * FIELDS;
      const feed = rows[at]!;
      const agent = rows[at + 1]!;
      const hash = rows[at + 2]!;
      log.record(
        feed < 0 ? null : strings[feed]!,
        CALENDAR_CLIENTS[rows[at + 3]!]!,
        agent < 0 ? null : strings[agent]!,
        rows[at + 4]!,
        rows[at + 5]!,
        hash < 0 ? undefined : strings[hash],
      );
    }
  }
}
