/**
 * `shiftfeed restore <file>`: a backup made by `shiftfeed backup` into an empty data dir (`--data-dir`, else
 * `DATA_DIR`, else `./data`), checked first: a SQLite file, intact, of a schema version this build reads.
 */
import { DatabaseFileError } from "../../node/database-check.ts";
import { restoreDataDir } from "../../node/restore.ts";
import { CliFailure, output } from "../context.ts";
import { dataDirOf, type DataDirOptions } from "./backup.ts";

export async function restoreCommand(file: string, options: DataDirOptions): Promise<void> {
  const dataDir = dataDirOf(options);
  let result;
  try {
    result = await restoreDataDir({ dataDir, file });
  } catch (error) {
    if (error instanceof DatabaseFileError) throw new CliFailure(error.message);
    throw error;
  }
  output(options, result, () =>
    [
      `restored ${file} into ${result.database} (schema ${result.schema}, ${result.schedules} schedules, ` +
        `${result.feeds} feeds, ${result.partnerKeys} partner keys) in ${(result.totalMs / 1000).toFixed(1)} s`,
      result.secrets.length > 0
        ? `with the secrets ${result.secrets.join(", ")} in ${dataDir}/secrets`
        : "the backup holds no secrets: start with the backed-up service's FEED_SECRET (and ADMIN_TOKEN), or copy " +
          `its secrets/ folder into ${dataDir}/secrets; any other feed secret leaves every link dead`,
      `start it with: DATA_DIR=${dataDir} npm start`,
    ].join("\n"),
  );
}
