/**
 * The one storage interface the core owns: a small synchronous SQL port. It is implemented over Node's built-in
 * `node:sqlite` (`src/node/store/node-sqlite.ts`) and can be over a Durable Object's `ctx.storage.sql`, so one schema
 * and one set of statements serve every runtime. Everything the service keeps — schedules, change history,
 * rendered pieces, feeds with their validators and bodies, link versions — lives behind it.
 *
 * The statements the core writes stay within what both engines accept: no `BEGIN`/`COMMIT` in statements (the
 * port owns transactions), at most {@link MAX_SQL_PARAMS} bound parameters per statement, and values of at most
 * {@link MAX_VALUE_BYTES} (larger blobs are split into parts by `blob-table.ts`).
 */

/** A value SQLite stores and returns: TEXT, INTEGER or REAL, NULL, BLOB. */
export type SqlValue = string | number | null | Uint8Array;

/** One result row, by column name. */
export type SqlRow = Record<string, SqlValue>;

export interface SqlPort {
  /** Every row a query returns, in order. */
  all(sql: string, ...params: SqlValue[]): SqlRow[];
  /** Runs a statement that returns no rows (DDL, INSERT, UPDATE, DELETE). */
  run(sql: string, ...params: SqlValue[]): void;
  /**
   * Runs `work` as one transaction: all of its writes land, or — when it throws — none do, and the error is
   * rethrown. Serializable against every other writer of the database. Not reentrant.
   */
  transaction<T>(work: () => T): T;
}

/** Most bound parameters in one statement (a Durable Object's SQL API allows 100). */
export const MAX_SQL_PARAMS = 100;

/** Largest single value written (a Durable Object row holds at most 2 MB); blob parts are this size. */
export const MAX_VALUE_BYTES = 1024 * 1024;

/** The first row of a query, or `undefined`. */
export function first(sql: SqlPort, query: string, ...params: SqlValue[]): SqlRow | undefined {
  return sql.all(query, ...params)[0];
}

/** A column read as text; throws when the database holds something else (a corrupt or foreign database). */
export function text(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new TypeError(`column \`${column}\` is not text`);
  return value;
}

/** A column read as a number. */
export function num(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value !== "number") throw new TypeError(`column \`${column}\` is not a number`);
  return value;
}

/** A column read as bytes. */
export function bytes(row: SqlRow, column: string): Uint8Array {
  const value = row[column];
  if (!(value instanceof Uint8Array)) throw new TypeError(`column \`${column}\` is not a blob`);
  return value;
}
