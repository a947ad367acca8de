/**
 * `shiftfeed backup <file>`: a consistent copy of the data dir's database, taken while the service runs (SQLite's
 * backup API; never a `cp` of `shiftfeed.db`, which lacks what is still in its `-wal`). Works on the data dir
 * directly, as `npm start` does (`--data-dir`, else `DATA_DIR`, else `./data`): no server call, no admin token.
 * The secrets stay out unless `--with-secrets`; the output says which are in and which are not.
 *
 * With `--url` (a Worker) it backs up one organization (`--org`) over the admin API instead (`worker-backup.ts`),
 * into the same kind of file.
 */
import { backupDataDir } from "../../node/backup.ts";
import { DatabaseFileError } from "../../node/database-check.ts";
import { adminApi, CliFailure, output, UsageError, type GlobalOptions } from "../context.ts";
import { backupWorkerOrg } from "../worker-backup.ts";

/** The options of `backup` and `restore`. */
export interface DataDirOptions extends GlobalOptions {
  dataDir?: string;
  /** With `--url`: the organization of the Worker. */
  org?: string;
}

/** Whether the command works over HTTP on a Worker (`--url` given), after refusing options that do not mix. */
export function overHttp(options: DataDirOptions & { withSecrets?: boolean }): boolean {
  if (options.url === undefined) {
    if (options.org !== undefined)
      throw new UsageError("--org goes with --url (a Worker); a data dir is backed up and restored whole");
    return false;
  }
  if (options.dataDir !== undefined)
    throw new UsageError("--data-dir and --url do not go together: a data dir, or a Worker's organization");
  if (options.withSecrets)
    throw new UsageError(
      "--with-secrets is for a data dir: a Worker's secrets are in Cloudflare's secret store and cannot be read " +
        "back (keep shiftfeed-secrets.env)",
    );
  return true;
}

/** The data dir as `npm start` finds it: `--data-dir`, else `DATA_DIR`, else `./data`. */
export function dataDirOf(options: DataDirOptions, env = process.env): string {
  return options.dataDir ?? env["DATA_DIR"] ?? "data";
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export async function backupCommand(
  file: string,
  options: DataDirOptions & { force?: boolean; withSecrets?: boolean },
): Promise<void> {
  if (overHttp(options)) return backupOverHttp(file, options);
  let result;
  try {
    result = await backupDataDir({
      dataDir: dataDirOf(options),
      file,
      force: options.force === true,
      withSecrets: options.withSecrets === true,
    });
  } catch (error) {
    if (error instanceof DatabaseFileError) throw new CliFailure(error.message);
    throw error;
  }
  output(options, result, () => {
    const lines = [
      `backed up ${result.source} to ${file} (${mib(result.bytes)}, schema ${result.schema}, ` +
        `${result.schedules} schedules, ${result.feeds} feeds, ${result.partnerKeys} partner keys) in ` +
        `${(result.totalMs / 1000).toFixed(1)} s`,
    ];
    if (result.secrets.length > 0) {
      lines.push(
        `with the secrets ${result.secrets.join(", ")}: keep this file as safe as the secrets themselves`,
      );
      if (result.missingSecrets.length > 0) {
        lines.push(
          `not in DATA_DIR/secrets (set in the environment?): ${result.missingSecrets.join(", ")}: keep them ` +
            "with the service's environment",
        );
      }
    } else {
      lines.push(
        "without the secrets: keep DATA_DIR/secrets/feed-secret (or FEED_SECRET) with it, or every link in it is " +
          "dead on restore (or back up with --with-secrets)",
      );
    }
    return lines.join("\n");
  });
}

/** `backup --url <worker> --org <org> <file>`. */
async function backupOverHttp(file: string, options: DataDirOptions & { force?: boolean }): Promise<void> {
  if (options.org === undefined)
    throw new UsageError("--org is required with --url: which organization to back up");
  const api = adminApi(options);
  const result = await backupWorkerOrg({
    call: api.call,
    url: api.url,
    org: options.org,
    file,
    force: options.force,
  });
  output(options, result, () =>
    [
      `backed up organization ${result.org} of ${result.url} to ${file} (${mib(result.bytes)}, schema ` +
        `${result.schema}, ${result.schedules} schedules, ${result.feeds} feeds, ${result.partnerKeys} partner ` +
        `keys) in ${(result.totalMs / 1000).toFixed(1)} s`,
      "the links in it are derived from the Worker's FEED_SECRET: keep it (shiftfeed-secrets.env) with the backup; " +
        "a restore under another FEED_SECRET is refused",
    ].join("\n"),
  );
}
