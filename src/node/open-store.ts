/**
 * Opens a locked data dir's database for the main thread, in the order that keeps what is there safe: the
 * write-ahead log is checked before SQLite reads it (a log taken apart from its database is refused), the space a
 * failed or big write left in the log is given back before anything is written, the schema is created or migrated,
 * and the secrets are loaded — the feed secret checked against the stored links before any link is derived from
 * it. Then dead links of a database from before they were kept are derived again.
 */
import { join } from "node:path";
import type { Config } from "../core/config.ts";
import type { Logger } from "../core/logger.ts";
import { deriveDeadLinks } from "../core/maintenance/dead-link-backfill.ts";
import { ensureSchema } from "../core/store/schema.ts";
import { openNodeSqlite } from "./store/node-sqlite.ts";
import { DATABASE_FILE } from "./data-dir.ts";
import { checkLogAtStart, truncateLog, watchLog } from "./database-files.ts";
import { loadFeedSecret, loadSecret } from "./secrets.ts";

/**
 * The database, the secrets and the feed tokens of `config.dataDir`; what must be undone at close is pushed onto
 * `cleanup`.
 * @throws StartupError (one line for the operator) when the log, the secret or the data dir is not as it must be.
 */
export async function openStore(config: Config, logger: Logger, cleanup: (() => Promise<void> | void)[]) {
  const databasePath = join(config.dataDir, DATABASE_FILE);
  checkLogAtStart(config.dataDir);
  const sql = openNodeSqlite({ path: databasePath });
  cleanup.push(() => sql.close());
  truncateLog(sql); // what a failed or big write left in the log is given back before anything else is written
  ensureSchema(sql);
  const log = watchLog(config.dataDir, sql, logger);
  cleanup.push(() => log.stop());
  const adminSecret = await loadSecret(config.dataDir, "admin-token", config.adminToken);
  const { secret: feedSecret, tokens } = await loadFeedSecret(config.dataDir, sql, config, logger);
  const derivedDeadLinks = await deriveDeadLinks(sql, tokens);
  if (derivedDeadLinks > 0) logger.info("dead_links_derived", { count: derivedDeadLinks });
  return { sql, adminSecret, feedSecret, tokens };
}
