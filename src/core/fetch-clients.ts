/**
 * One minute's clients for the fetch log's top list: every client (a feed or token, a client family, a user agent)
 * with its count, kept without a key string per request, and the busiest of them picked in one pass.
 */
import type { CalendarClient } from "./clients.ts";

/** The separator of a client's parts in the keys the top list is ranked by. */
export const SEP = "\u0000";
/** Where clients past the per-minute bound are counted. */
export const OVERFLOW_SUBJECT = "";
export const OVERFLOW_AGENT = "(other clients)";

/** One minute's requests per client: a subject's user agents, each with its family and count. */
export interface MinuteClients {
  bySubject: Map<string, { client: CalendarClient; userAgent: string; requests: number }[]>;
  /** Distinct clients counted, the overflow included. */
  size: number;
}

/** Counts one request of a client (subject, family, user agent); past `max` clients, new ones count as one. */
export function countClient(
  clients: MinuteClients,
  subject: string,
  client: CalendarClient,
  userAgent: string,
  max: number,
): void {
  let agents = clients.bySubject.get(subject);
  const seen = agents?.find((a) => a.userAgent === userAgent && a.client === client);
  if (seen !== undefined) {
    seen.requests++;
    return;
  }
  if (clients.size >= max) return countClient(clients, OVERFLOW_SUBJECT, "other", OVERFLOW_AGENT, Infinity);
  if (agents === undefined) clients.bySubject.set(subject, (agents = []));
  agents.push({ client, userAgent, requests: 1 });
  clients.size++;
}

/** A minute's clients as `subject, family, user agent` keys with their counts. */
export function* clientCounts(clients: MinuteClients): Generator<readonly [string, number]> {
  for (const [subject, agents] of clients.bySubject)
    for (const a of agents) yield [subject + SEP + a.client + SEP + a.userAgent, a.requests];
}

/**
 * The `limit` entries with the highest counts, ties by key, highest first: what sorting them all and keeping the
 * first `limit` gives, in one pass that keeps only `limit` entries sorted (a minute of a busy service holds one
 * entry per polled feed, tens of thousands, and its top list is rebuilt at every flush).
 */
export function busiest(counts: Iterable<readonly [string, number]>, limit: number): [string, number][] {
  const top: [string, number][] = [];
  if (limit <= 0) return top;
  const before = (ka: string, a: number, kb: string, b: number) => a > b || (a === b && ka < kb);
  for (const [key, n] of counts) {
    if (top.length === limit) {
      const [lastKey, last] = top[limit - 1]!;
      if (!before(key, n, lastKey, last)) continue;
      top.pop();
    }
    let at = top.length;
    while (at > 0 && before(key, n, top[at - 1]![0], top[at - 1]![1])) at--;
    top.splice(at, 0, [key, n]);
  }
  return top;
}
