/**
 * Who polls each feed, kept across restarts: the last request per client family (time, status, user agent) and a
 * count, requests per minute by client family and status, the busiest clients of each minute, and lasting totals.
 *
 * Requests are only noted in memory (a few map updates, no I/O: the serving hot path never writes); `flush()`
 * writes what gathered since the last flush in one transaction (the Node server flushes every half minute and at
 * shutdown; reads flush first, so they always include every noted request). Minute rows are kept a day.
 */
import { CALENDAR_CLIENTS, type CalendarClient } from "./clients.ts";
import { busiest, clientCounts, countClient, SEP, type MinuteClients } from "./fetch-clients.ts";
import {
  addLastFetches,
  addMinuteCounts,
  fetchTotals,
  lastFetchesOf,
  minuteCountsSince,
  newestFetchByClient,
  pruneMinutes,
  replaceTop,
  topSince,
  type LastFetchRow,
  type MinuteRow,
  type TopRow,
} from "./store/fetches-table.ts";
import { feedByTokenHash } from "./store/feeds-table.ts";
import type { SqlPort } from "./store/sql-port.ts";

/** A last fetch as the person lookup shows it. */
export interface FetchRecord {
  client: CalendarClient;
  userAgent: string | null;
  /** RFC 3339 UTC. */
  at: string;
  status: number;
  /** Requests this client family sent for this feed since telemetry began. */
  requests: number;
}

export interface FetchLogOptions {
  sql: SqlPort;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Busiest clients kept per minute. Default 25. */
  topPerMinute?: number;
  /** Minutes of per-minute rows kept. Default 1,440 (a day). */
  retentionMinutes?: number;
  /** Distinct clients counted per minute before further new ones are counted together. Default 50,000. */
  maxClientsPerMinute?: number;
}

/**
 * One answered feed request as a serving part hands it over to be recorded (a Node serving thread to the main
 * thread, a Worker isolate to its organization's Durable Object): {@link FetchLog.record}'s arguments.
 */
export interface FetchNote {
  /** `org/feed key`, or `null` when the request opened no feed. */
  feed: string | null;
  client: CalendarClient;
  userAgent: string | null;
  status: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** SHA-256 of the token of a refusal that opened no feed: the fetch log puts it down to its feed. */
  tokenHash?: string;
}

/** Longest user agent kept, in characters. */
export const MAX_UA = 256;

export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

const CLIENT_CODES = Object.fromEntries(CALENDAR_CLIENTS.map((client, code) => [client, code])) as Record<
  CalendarClient,
  number
>;
/** One number per minute, client family and status (statuses are below 1,000). */
const minuteKey = (minute: number, code: number, status: number) =>
  (minute * CALENDAR_CLIENTS.length + code) * 1000 + status;

/** A subject's last-fetch notes, one slot per client family. */
type ClientNotes = (LastFetchRow | undefined)[];

export class FetchLog {
  readonly #sql: SqlPort;
  readonly #clock: () => number;
  readonly #topPerMinute: number;
  readonly #retention: number;
  readonly #maxClients: number;
  // The maps below are keyed by strings a caller passes again and again (a serving thread's string table hands the
  // main thread the same string objects), never by strings made per request: a Node service's main thread notes
  // every request, and a made key costs its allocation and its hashing each time.
  /** Last-fetch notes by feed, one per client family (by its index in `CALENDAR_CLIENTS`). */
  #last = new Map<string, ClientNotes>();
  /** Last-fetch notes of refusals, keyed by token hash (in `feed`) until the flush resolves them. */
  #refused = new Map<string, ClientNotes>();
  #pending = 0;
  /** Per-minute counts, keyed by {@link minuteKey}. */
  #minutes = new Map<number, MinuteRow>();
  /** Per minute still open (this and the previous one): every client's count, for an exact top list. */
  readonly #clients = new Map<number, MinuteClients>();
  readonly #dirtyMinutes = new Set<number>();

  constructor(options: FetchLogOptions) {
    this.#sql = options.sql;
    this.#clock = options.clock;
    this.#topPerMinute = options.topPerMinute ?? 25;
    this.#retention = options.retentionMinutes ?? 1440;
    this.#maxClients = options.maxClientsPerMinute ?? 50_000;
  }

  /**
   * Notes one answered feed request. `feed` is `org/feed key` (`acme/person/p1`), or `null` when the request opened
   * no feed (unknown or malformed token, wrong method, or refused before its lookup). `atMs` defaults to now.
   * `tokenHash` names the token of a refusal that was not looked up: the flush puts it down to the feed it opens
   * (one indexed read per distinct token in the batch), so "is her phone polling?" shows refused polls too.
   */
  record(
    feed: string | null,
    client: CalendarClient,
    userAgent: string | null,
    status: number,
    atMs?: number,
    tokenHash?: string,
  ): void {
    const at = atMs ?? this.#clock();
    const ua = userAgent === null ? null : userAgent.slice(0, MAX_UA);
    const code = CLIENT_CODES[client];
    if (feed !== null) this.#noteLast(this.#last, feed, code, at, status, ua);
    else if (tokenHash !== undefined) this.#noteLast(this.#refused, tokenHash, code, at, status, ua);
    const minute = minuteOf(at);
    const mKey = minuteKey(minute, code, status);
    const m = this.#minutes.get(mKey);
    if (m) m.requests++;
    else this.#minutes.set(mKey, { minute, client, status, requests: 1 });

    let clients = this.#clients.get(minute);
    if (!clients) this.#clients.set(minute, (clients = { bySubject: new Map(), size: 0 }));
    countClient(clients, feed ?? "", client, ua ?? "", this.#maxClients);
    this.#dirtyMinutes.add(minute);
  }

  /** Last-fetch notes held until the next {@link flush}: one per feed (or refused token) and client family. */
  get pending(): number {
    return this.#pending;
  }

  /** Notes requests handed over by a serving part, as {@link record} does each. */
  recordAll(notes: readonly FetchNote[]): void {
    for (const n of notes) this.record(n.feed, n.client, n.userAgent, n.status, n.at, n.tokenHash);
  }

  /** Adds one request to a last-fetch note keyed by `subject` (a feed, or a token hash to resolve later). */
  #noteLast(
    notes: Map<string, ClientNotes>,
    subject: string,
    code: number,
    at: number,
    status: number,
    userAgent: string | null,
  ): void {
    let byClient = notes.get(subject);
    if (byClient === undefined) notes.set(subject, (byClient = [undefined, undefined, undefined, undefined]));
    const seen = byClient[code];
    if (seen === undefined) {
      const slash = subject.indexOf("/");
      const org = slash < 0 ? "" : subject.slice(0, slash);
      const client = CALENDAR_CLIENTS[code]!;
      byClient[code] = { org, feed: subject.slice(slash + 1), client, at, status, userAgent, requests: 1 };
      this.#pending++;
    } else {
      seen.requests++;
      if (at >= seen.at) {
        seen.at = at;
        seen.status = status;
        seen.userAgent = userAgent;
      }
    }
  }

  /** The refusals noted by token hash, put down to the feeds those tokens open now (others are dropped). */
  #resolveRefused(): LastFetchRow[] {
    const rows: LastFetchRow[] = [];
    for (const [hash, byClient] of this.#refused) {
      const feed = feedByTokenHash(this.#sql, hash);
      if (feed === null) continue;
      for (const note of byClient) if (note) rows.push({ ...note, org: feed.org, feed: feed.feed });
    }
    return rows;
  }

  /** Writes everything noted since the last flush, in one transaction; drops minutes past retention. */
  flush(): void {
    const nothing = this.#last.size === 0 && this.#refused.size === 0 && this.#minutes.size === 0;
    if (nothing && this.#dirtyMinutes.size === 0) return;
    const last = [...this.#last.values()].flatMap((byClient) =>
      byClient.filter((note) => note !== undefined),
    );
    const minutes = [...this.#minutes.values()];
    const tops = [...this.#dirtyMinutes].map((minute) => [minute, this.#topOf(minute)] as const);
    const now = minuteOf(this.#clock());
    this.#sql.transaction(() => {
      addLastFetches(this.#sql, last);
      addLastFetches(this.#sql, this.#resolveRefused());
      addMinuteCounts(this.#sql, minutes);
      for (const [minute, rows] of tops) replaceTop(this.#sql, minute, rows);
      pruneMinutes(this.#sql, now - this.#retention);
    });
    // Cleared only once written: a failed flush keeps its notes for the next one.
    this.#last = new Map();
    this.#refused = new Map();
    this.#pending = 0;
    this.#minutes = new Map();
    this.#dirtyMinutes.clear();
    for (const minute of this.#clients.keys()) if (minute < now - 1) this.#clients.delete(minute);
  }

  /** The busiest clients of a minute still held in memory. */
  #topOf(minute: number): TopRow[] {
    const clients = this.#clients.get(minute);
    return busiest(clients ? clientCounts(clients) : [], this.#topPerMinute).map(([key, requests]) => {
      const [subject = "", client = "other", userAgent = ""] = key.split(SEP);
      return { minute, subject, client: client as CalendarClient, userAgent, requests };
    });
  }

  /** The last request of each client family for a feed (`org`, feed key), most recent first. */
  last(org: string, feed: string): FetchRecord[] {
    this.flush();
    return lastFetchesOf(this.#sql, org, feed)
      .sort((a, b) => b.at - a.at || (a.client < b.client ? -1 : 1))
      .map((r) => ({
        client: r.client,
        userAgent: r.userAgent,
        at: new Date(r.at).toISOString(),
        status: r.status,
        requests: r.requests,
      }));
  }

  /** Per-minute counts of the last `minutes` minutes (the current one included). */
  minuteCounts(minutes: number): MinuteRow[] {
    this.flush();
    return minuteCountsSince(this.#sql, minuteOf(this.#clock()) - minutes + 1);
  }

  /** The busiest clients over the last `minutes` minutes (summed from each minute's top list). */
  top(minutes: number, limit: number): Omit<TopRow, "minute">[] {
    this.flush();
    return topSince(this.#sql, minuteOf(this.#clock()) - minutes + 1, limit);
  }

  /** Requests by client family and status since telemetry began. */
  totals(): Omit<MinuteRow, "minute">[] {
    this.flush();
    return fetchTotals(this.#sql);
  }

  /** When each client family last fetched any feed (ms since the epoch). */
  newestByClient(): { client: CalendarClient; at: number }[] {
    this.flush();
    return newestFetchByClient(this.#sql);
  }
}
