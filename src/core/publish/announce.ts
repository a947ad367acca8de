/**
 * A write transaction followed by the announcement serving caches depend on (the commit generation every
 * serving thread reads), whatever its outcome. A transaction that throws may still have landed — `COMMIT` itself
 * can report an error after the data is in (SQLite runs the WAL checkpoint after a commit and returns its error;
 * remote storage can lose the reply to a write it applied) — so "nothing changed" can never be assumed from an
 * error. Announcing on every exit costs the caches at most one extra read; not announcing a commit that landed
 * left them serving the previous revision's validators, and a rotated link, until some later commit.
 */
import type { SqlPort } from "../store/sql-port.ts";

/**
 * Runs `work` as one transaction on `sql`, then calls `announce` — also when the transaction throws.
 * @example const token = transactAndAnnounce(sql, deps.onCommit, () => rotateIn(sql));
 */
export function transactAndAnnounce<T>(sql: SqlPort, announce: (() => void) | undefined, work: () => T): T {
  try {
    return sql.transaction(work);
  } finally {
    announce?.();
  }
}
