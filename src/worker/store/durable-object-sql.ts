/**
 * The core's `SqlPort` over a Durable Object's SQLite storage (`ctx.storage.sql`), so an organization's Durable
 * Object holds the same schema and runs the same statements as the Node service's database file.
 *
 * Differences the port smooths over, and why:
 * - `exec()` returns a cursor; it is read to the end at once (rows for `all`, nothing for `run`), so a statement
 *   has always finished when the call returns, as with `node:sqlite`.
 * - BLOB columns come back as `ArrayBuffer`; the core reads `Uint8Array`, so they are wrapped (no copy).
 * - A Durable Object owns its transactions (`BEGIN` is refused in `exec`); `transaction` is
 *   `ctx.storage.transactionSync`, which commits when the closure returns and rolls back when it throws. It is
 *   serializable by construction: a Durable Object runs one closure at a time, and a synchronous one cannot be
 *   interleaved with another request.
 * https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
import type { SqlPort, SqlRow, SqlValue } from "../../core/store/sql-port.ts";

/** What the port needs of `DurableObjectStorage` (the real one, or one handed over by a test). */
export interface DurableObjectSqlStorage {
  readonly sql: {
    exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] };
  };
  transactionSync<T>(closure: () => T): T;
}

function normalize(row: Record<string, unknown>): SqlRow {
  for (const key in row) {
    const value = row[key];
    if (value instanceof ArrayBuffer) row[key] = new Uint8Array(value);
  }
  return row as SqlRow;
}

/** Binds a parameter: byte views go as the exact bytes they cover (a view into a larger buffer included). */
function bind(value: SqlValue): unknown {
  if (!(value instanceof Uint8Array)) return value;
  const { buffer, byteOffset, byteLength } = value;
  return byteOffset === 0 && byteLength === buffer.byteLength ? buffer : value.slice().buffer;
}

/**
 * @example
 * export class OrgObject extends DurableObject {
 *   readonly sql = durableObjectSql(this.ctx.storage);
 * }
 */
export function durableObjectSql(storage: DurableObjectSqlStorage): SqlPort {
  let inTransaction = false;
  const exec = (query: string, params: SqlValue[]) => storage.sql.exec(query, ...params.map(bind)).toArray();
  return {
    all: (query, ...params) => exec(query, params).map(normalize),
    run: (query, ...params) => void exec(query, params),
    transaction(work) {
      // transactionSync would nest as a savepoint; the port's contract is "not reentrant", as on Node.
      if (inTransaction) throw new Error("transactions do not nest");
      inTransaction = true;
      try {
        return storage.transactionSync(work);
      } finally {
        inTransaction = false;
      }
    },
  };
}
