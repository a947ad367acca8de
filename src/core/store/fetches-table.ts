/**
 * The fetch telemetry tables (schema version 2): who polls each feed, traffic per minute, the busiest clients per
 * minute, and lasting totals. Written only in batches by `FetchLog.flush` (never once per request), read by the
 * admin API and `/metrics`.
 */
import type { CalendarClient } from "../clients.ts";
import { MAX_SQL_PARAMS, num, text, type SqlPort, type SqlRow } from "./sql-port.ts";

/** The last request of one client family for one feed, with how many it sent in all. Times in ms since the epoch. */
export interface LastFetchRow {
  org: string;
  feed: string;
  client: CalendarClient;
  at: number;
  status: number;
  userAgent: string | null;
  requests: number;
}

/** Requests of one minute (ms since the epoch / 60,000) by client family and status. */
export interface MinuteRow {
  minute: number;
  client: CalendarClient;
  status: number;
  requests: number;
}

/** One of a minute's busiest clients: `subject` is `org/feed key`, or `""` for requests that opened no feed. */
export interface TopRow {
  minute: number;
  subject: string;
  client: CalendarClient;
  userAgent: string;
  requests: number;
}

/**
 * Rows one statement adds, within the bound parameters both engines take: one statement per row cost several
 * times as much on Node, and a busy service writes a row per feed polled.
 */
const LAST_FETCHES_PER_STATEMENT = Math.floor(MAX_SQL_PARAMS / 7);
const lastFetchesSql = (rows: number) =>
  `INSERT INTO fetch_last (org, feed, client, at, status, user_agent, requests) VALUES ${Array.from(
    { length: rows },
    () => "(?, ?, ?, ?, ?, ?, ?)",
  ).join(", ")}
   ON CONFLICT (org, feed, client) DO UPDATE SET requests = requests + excluded.requests,
     at = CASE WHEN excluded.at >= at THEN excluded.at ELSE at END,
     status = CASE WHEN excluded.at >= at THEN excluded.status ELSE status END,
     user_agent = CASE WHEN excluded.at >= at THEN excluded.user_agent ELSE user_agent END`;
const FULL_STATEMENT = lastFetchesSql(LAST_FETCHES_PER_STATEMENT);

/**
 * Adds a batch of last-fetch notes: a newer time replaces the stored one, counts add up (also between notes of
 * the same feed and client family in one batch).
 */
export function addLastFetches(sql: SqlPort, rows: readonly LastFetchRow[]): void {
  const values: (string | number | null)[] = [];
  for (let at = 0; at < rows.length; at += LAST_FETCHES_PER_STATEMENT) {
    const part =
      rows.length - at >= LAST_FETCHES_PER_STATEMENT ? LAST_FETCHES_PER_STATEMENT : rows.length - at;
    values.length = 0;
    for (let i = at; i < at + part; i++) {
      const r = rows[i]!;
      values.push(r.org, r.feed, r.client, r.at, r.status, r.userAgent, r.requests);
    }
    sql.run(part === LAST_FETCHES_PER_STATEMENT ? FULL_STATEMENT : lastFetchesSql(part), ...values);
  }
}

/** The stored last fetches of one feed, one per client family. */
export function lastFetchesOf(sql: SqlPort, org: string, feed: string): LastFetchRow[] {
  return sql
    .all(
      "SELECT org, feed, client, at, status, user_agent, requests FROM fetch_last WHERE org = ? AND feed = ?",
      org,
      feed,
    )
    .map((row) => ({
      org: text(row, "org"),
      feed: text(row, "feed"),
      client: text(row, "client") as CalendarClient,
      at: num(row, "at"),
      status: num(row, "status"),
      userAgent: typeof row["user_agent"] === "string" ? row["user_agent"] : null,
      requests: num(row, "requests"),
    }));
}

/** Adds per-minute counts and lasting totals. */
export function addMinuteCounts(sql: SqlPort, rows: readonly MinuteRow[]): void {
  for (const r of rows) {
    sql.run(
      `INSERT INTO fetch_minutes (minute, client, status, requests) VALUES (?, ?, ?, ?)
       ON CONFLICT (minute, client, status) DO UPDATE SET requests = requests + excluded.requests`,
      r.minute,
      r.client,
      r.status,
      r.requests,
    );
    sql.run(
      `INSERT INTO fetch_totals (client, status, requests) VALUES (?, ?, ?)
       ON CONFLICT (client, status) DO UPDATE SET requests = requests + excluded.requests`,
      r.client,
      r.status,
      r.requests,
    );
  }
}

/** Replaces the stored busiest clients of one minute (each flush writes the minute's current top list). */
export function replaceTop(sql: SqlPort, minute: number, rows: readonly TopRow[]): void {
  sql.run("DELETE FROM fetch_top WHERE minute = ?", minute);
  for (const r of rows) {
    sql.run(
      "INSERT INTO fetch_top (minute, subject, client, user_agent, requests) VALUES (?, ?, ?, ?, ?)",
      r.minute,
      r.subject,
      r.client,
      r.userAgent,
      r.requests,
    );
  }
}

/** Per-minute counts from minute `from` on. */
export function minuteCountsSince(sql: SqlPort, from: number): MinuteRow[] {
  return sql
    .all("SELECT minute, client, status, requests FROM fetch_minutes WHERE minute >= ? ORDER BY minute", from)
    .map((row: SqlRow) => ({
      minute: num(row, "minute"),
      client: text(row, "client") as CalendarClient,
      status: num(row, "status"),
      requests: num(row, "requests"),
    }));
}

/** The busiest clients summed over the minutes from `from` on, most requests first. */
export function topSince(sql: SqlPort, from: number, limit: number): Omit<TopRow, "minute">[] {
  return sql
    .all(
      `SELECT subject, client, user_agent, sum(requests) AS requests FROM fetch_top WHERE minute >= ?
       GROUP BY subject, client, user_agent ORDER BY requests DESC, subject, client, user_agent LIMIT ?`,
      from,
      limit,
    )
    .map((row) => ({
      subject: text(row, "subject"),
      client: text(row, "client") as CalendarClient,
      userAgent: text(row, "user_agent"),
      requests: num(row, "requests"),
    }));
}

/** Lasting totals by client family and status. */
export function fetchTotals(sql: SqlPort): Omit<MinuteRow, "minute">[] {
  return sql.all("SELECT client, status, requests FROM fetch_totals ORDER BY client, status").map((row) => ({
    client: text(row, "client") as CalendarClient,
    status: num(row, "status"),
    requests: num(row, "requests"),
  }));
}

/** The newest fetch of each client family over every feed (ms since the epoch). */
export function newestFetchByClient(sql: SqlPort): { client: CalendarClient; at: number }[] {
  return sql
    .all("SELECT client, max(at) AS at FROM fetch_last GROUP BY client ORDER BY client")
    .map((row) => ({ client: text(row, "client") as CalendarClient, at: num(row, "at") }));
}

/** Deletes per-minute rows older than minute `before`. */
export function pruneMinutes(sql: SqlPort, before: number): void {
  sql.run("DELETE FROM fetch_minutes WHERE minute < ?", before);
  sql.run("DELETE FROM fetch_top WHERE minute < ?", before);
}
