/**
 * `shiftfeed restore <file>`: a backup made by `shiftfeed backup` into an empty data dir (`--data-dir`, else
 * `DATA_DIR`, else `./data`), checked first: a SQLite file, intact, of a schema version this build reads. With
 * `--url`, one organization of it (`--org`) into an empty organization of a Worker (`worker-restore.ts`).
 */
import { DatabaseFileError } from "../../node/database-check.ts";
import { restoreDataDir } from "../../node/restore.ts";
import { adminApi, CliFailure, output } from "../context.ts";
import { restoreWorkerOrg } from "../worker-restore.ts";
import { dataDirOf, overHttp, type DataDirOptions } from "./backup.ts";

export async function restoreCommand(file: string, options: DataDirOptions): Promise<void> {
  if (overHttp(options)) return restoreOverHttp(file, options);
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

/** `restore --url <worker> [--org <org>] <file>`. */
async function restoreOverHttp(file: string, options: DataDirOptions): Promise<void> {
  const api = adminApi(options);
  const result = await restoreWorkerOrg({ call: api.call, url: api.url, file, org: options.org });
  const n = (table: string) => result.restored[table] ?? 0;
  output(options, result, () =>
    [
      `restored organization ${result.org} from ${file} into ${result.url} (schema ${result.schema}, ` +
        `${n("schedules")} schedules, ${n("feeds")} feeds, ${n("dead_links")} dead links, ${n("partner_keys")} ` +
        `partner keys; ${result.chunks} chunks) in ${(result.totalMs / 1000).toFixed(1)} s`,
      "every feed and dead link is written to the edge from the backup's bodies: each link serves what it served, " +
        "with the same validators, as long as the Worker keeps this FEED_SECRET (the one the links were made with)",
      ...(result.fileHasSecrets
        ? [
            "the file carries secrets: they were not sent; the Worker uses its own (set with wrangler secret put)",
          ]
        : []),
    ].join("\n"),
  );
}
