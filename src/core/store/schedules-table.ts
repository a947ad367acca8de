/**
 * The `orgs` and `schedules` tables: each organization's name and tier, and each schedule's current revision,
 * with the blob key of its state (snapshot and per-assignment change history).
 */
import type { Tier } from "../snapshot/types.ts";
import { num, text, type SqlPort, type SqlRow } from "./sql-port.ts";

/** A schedule's current revision. Times are whole seconds since the epoch. */
export interface ScheduleRow {
  org: string;
  schedule: string;
  revision: number;
  name: string;
  timezone: string;
  /** SHA-256 of the canonical snapshot: an identical replay is a no-op. */
  snapshotHash: string;
  publishedAt: string;
  /** When this revision was accepted. */
  receivedAt: number;
  people: number;
  assignments: number;
  /** Retired schedules keep their row, so a stale revision can never bring them back. */
  retired: boolean;
  /** Blob key of the state: gzip JSON of the snapshot and change history. */
  stateKey: string;
  /** The local date (in `timezone`) the stored pieces' feed window was computed for. */
  rolledFor: string;
}

const COLUMNS =
  "org, schedule, revision, name, timezone, snapshot_hash, published_at, received_at, people, assignments, retired, state_key, rolled_for";

function toSchedule(row: SqlRow): ScheduleRow {
  return {
    org: text(row, "org"),
    schedule: text(row, "schedule"),
    revision: num(row, "revision"),
    name: text(row, "name"),
    timezone: text(row, "timezone"),
    snapshotHash: text(row, "snapshot_hash"),
    publishedAt: text(row, "published_at"),
    receivedAt: num(row, "received_at"),
    people: num(row, "people"),
    assignments: num(row, "assignments"),
    retired: num(row, "retired") !== 0,
    stateKey: text(row, "state_key"),
    rolledFor: text(row, "rolled_for"),
  };
}

/** A schedule's row (live or retired), or `null`. */
export function scheduleRow(sql: SqlPort, org: string, schedule: string): ScheduleRow | null {
  const row = sql.all(`SELECT ${COLUMNS} FROM schedules WHERE org = ? AND schedule = ?`, org, schedule)[0];
  return row === undefined ? null : toSchedule(row);
}

/** The live schedules of an organization, by id. */
export function liveSchedules(sql: SqlPort, org: string): ScheduleRow[] {
  return sql
    .all(`SELECT ${COLUMNS} FROM schedules WHERE org = ? AND retired = 0 ORDER BY schedule`, org)
    .map(toSchedule);
}

/** The time zones of every live schedule, sorted. */
export function liveZones(sql: SqlPort): string[] {
  return sql
    .all("SELECT DISTINCT timezone FROM schedules WHERE retired = 0 ORDER BY timezone")
    .map((r) => text(r, "timezone"));
}

/** Inserts or replaces a schedule row. */
export function putSchedule(sql: SqlPort, s: ScheduleRow): void {
  sql.run(
    `INSERT INTO schedules (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org, schedule) DO UPDATE SET revision = excluded.revision, name = excluded.name,
       timezone = excluded.timezone, snapshot_hash = excluded.snapshot_hash, published_at = excluded.published_at,
       received_at = excluded.received_at, people = excluded.people, assignments = excluded.assignments,
       retired = excluded.retired, state_key = excluded.state_key, rolled_for = excluded.rolled_for`,
    s.org,
    s.schedule,
    s.revision,
    s.name,
    s.timezone,
    s.snapshotHash,
    s.publishedAt,
    s.receivedAt,
    s.people,
    s.assignments,
    s.retired ? 1 : 0,
    s.stateKey,
    s.rolledFor,
  );
}

/** An organization's name and tier, or `null`. */
export function orgRow(sql: SqlPort, org: string): { org: string; name: string; tier: Tier } | null {
  const row = sql.all("SELECT org, name, tier FROM orgs WHERE org = ?", org)[0];
  return row === undefined ? null : { org, name: text(row, "name"), tier: text(row, "tier") as Tier };
}

/** Inserts or replaces an organization's name and tier. */
export function putOrg(sql: SqlPort, org: string, name: string, tier: Tier): void {
  sql.run(
    "INSERT INTO orgs (org, name, tier) VALUES (?, ?, ?) ON CONFLICT (org) DO UPDATE SET name = excluded.name, tier = excluded.tier",
    org,
    name,
    tier,
  );
}

/** Ids of every organization with at least one schedule ever published, sorted. */
export function orgIds(sql: SqlPort): string[] {
  return sql.all("SELECT org FROM orgs ORDER BY org").map((r) => text(r, "org"));
}
