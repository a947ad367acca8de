/**
 * Who polls each feed: the last request per client family, for the admin person lookup. In memory only;
 * it starts empty after a restart.
 */
import type { CalendarClient } from "./clients.ts";

export interface FetchRecord {
  client: CalendarClient;
  userAgent: string | null;
  /** RFC 3339 UTC. */
  at: string;
  status: number;
}

export class FetchLog {
  readonly #last = new Map<string, Map<CalendarClient, FetchRecord>>();
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Notes a request for a feed (`org` + feed key), answered at `atMs` (default now). */
  record(
    feed: string,
    client: CalendarClient,
    userAgent: string | null,
    status: number,
    atMs?: number,
  ): void {
    let byClient = this.#last.get(feed);
    if (!byClient) this.#last.set(feed, (byClient = new Map()));
    const ua = userAgent === null ? null : userAgent.slice(0, 256);
    const at = new Date(atMs ?? this.#clock()).toISOString();
    const seen = byClient.get(client);
    if (seen === undefined || seen.at <= at) byClient.set(client, { client, userAgent: ua, at, status });
  }

  /** The last request of each client family, most recent first. */
  last(feed: string): FetchRecord[] {
    return [...(this.#last.get(feed)?.values() ?? [])].sort((a, b) =>
      a.at < b.at ? 1 : a.at > b.at ? -1 : 0,
    );
  }
}
