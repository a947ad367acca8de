/**
 * The `pieces` table: one person's rendered events in one schedule, for the feed window that schedule was last
 * rolled for. A person's feed is assembled from the pieces of their live schedules alone, so publishing one
 * schedule never loads another.
 */
import { num, text, type SqlPort, type SqlRow } from "./sql-port.ts";

/** A stored piece. */
export interface PieceRow {
  org: string;
  person: string;
  schedule: string;
  /** The person's name as that schedule lists it. */
  name: string;
  /** Fingerprint of the events the piece renders (facts, change records and view). */
  inputHash: string;
  events: number;
  /** Blob key of the rendered events (see `piece-codec.ts`). */
  bodyKey: string;
}

/** A piece with what a person's feed needs from its schedule. */
export interface PersonPiece extends PieceRow {
  timezone: string;
  receivedAt: number;
}

const COLUMNS = "p.org, p.person, p.schedule, p.name, p.input_hash, p.events, p.body_key";

function toPiece(row: SqlRow): PieceRow {
  return {
    org: text(row, "org"),
    person: text(row, "person"),
    schedule: text(row, "schedule"),
    name: text(row, "name"),
    inputHash: text(row, "input_hash"),
    events: num(row, "events"),
    bodyKey: text(row, "body_key"),
  };
}

/** The pieces of one person across the live schedules of their organization, by schedule id. */
export function piecesOfPerson(sql: SqlPort, org: string, person: string): PersonPiece[] {
  return sql
    .all(
      `SELECT ${COLUMNS}, s.timezone, s.received_at FROM pieces p
       JOIN schedules s ON s.org = p.org AND s.schedule = p.schedule AND s.retired = 0
       WHERE p.org = ? AND p.person = ? ORDER BY p.schedule`,
      org,
      person,
    )
    .map((row) => ({
      ...toPiece(row),
      timezone: text(row, "timezone"),
      receivedAt: num(row, "received_at"),
    }));
}

/** Every person of every live schedule (one row per person and schedule), by organization and person. */
export function livePeople(sql: SqlPort): { org: string; person: string; name: string; schedule: string }[] {
  return sql
    .all(
      `SELECT p.org, p.person, p.name, p.schedule FROM pieces p
       JOIN schedules s ON s.org = p.org AND s.schedule = p.schedule AND s.retired = 0
       ORDER BY p.org, p.person, p.schedule`,
    )
    .map((row) => ({
      org: text(row, "org"),
      person: text(row, "person"),
      name: text(row, "name"),
      schedule: text(row, "schedule"),
    }));
}

/** Every piece of one schedule, by person id. */
export function piecesOfSchedule(sql: SqlPort, org: string, schedule: string): PieceRow[] {
  return sql
    .all(
      `SELECT ${COLUMNS} FROM pieces p WHERE p.org = ? AND p.schedule = ? ORDER BY p.person`,
      org,
      schedule,
    )
    .map(toPiece);
}

/** Inserts or replaces a piece. */
export function putPiece(sql: SqlPort, p: PieceRow): void {
  sql.run(
    `INSERT INTO pieces (org, person, schedule, name, input_hash, events, body_key) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org, person, schedule) DO UPDATE SET name = excluded.name, input_hash = excluded.input_hash,
       events = excluded.events, body_key = excluded.body_key`,
    p.org,
    p.person,
    p.schedule,
    p.name,
    p.inputHash,
    p.events,
    p.bodyKey,
  );
}

/** Removes a piece. */
export function deletePiece(sql: SqlPort, org: string, person: string, schedule: string): void {
  sql.run("DELETE FROM pieces WHERE org = ? AND person = ? AND schedule = ?", org, person, schedule);
}
