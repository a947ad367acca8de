#!/usr/bin/env node
/**
 * `shiftfeed`: the admin's and the doctor's tools from a terminal (`npx shiftfeed`, the package's `bin`), against a
 * running server (`--url`/`SHIFTFEED_URL`, `--token`/`SHIFTFEED_ADMIN_TOKEN`) or offline (`validate`, `generate`).
 * Argument parsing and help by commander. Exit codes: 0 ok, 1 failed, 2 usage.
 */
import { Command, CommanderError, Option } from "commander";
import { backupCommand, type DataDirOptions } from "./commands/backup.ts";
import { restoreCommand } from "./commands/restore.ts";
import { generate } from "./commands/generate.ts";
import { link, rotate } from "./commands/link.ts";
import { publish } from "./commands/publish.ts";
import { regenerate } from "./commands/regenerate.ts";
import { stats } from "./commands/stats.ts";
import { validate } from "./commands/validate.ts";
import { CliFailure, UsageError, type GlobalOptions } from "./context.ts";
import { terminalText } from "./terminal-text.ts";

/** Writes to stderr what commander, an error or a stack trace says, made safe for a terminal. */
const writeErr = (text: string) => process.stderr.write(terminalText(text, { layout: true }));

const EXAMPLES = `
Examples:
  shiftfeed validate cardiology.json
  shiftfeed publish fixtures/demo/
  shiftfeed link stmarys p1001
  shiftfeed rotate stmarys p1001 --yes
  shiftfeed regenerate --org stmarys --schedule cardiology
  shiftfeed stats --json
  shiftfeed backup /var/backups/shiftfeed-$(date +%F).db
  DATA_DIR=/srv/shiftfeed-new shiftfeed restore shiftfeed-2026-12-01.db
  shiftfeed backup --url https://feeds.example.org --org stmarys stmarys.db
  shiftfeed restore --url https://feeds.example.org stmarys.db

Exit codes: 0 ok, 1 failed (refused, unreachable, invalid), 2 usage (bad arguments, no admin token).`;

function program(): Command {
  const cli = new Command("shiftfeed")
    .description(
      "Manage a shiftfeed server: publish snapshots, look up and rotate feed links, regenerate, watch traffic.",
    )
    .addOption(new Option("--url <url>", "the server (default: $SHIFTFEED_URL, else http://localhost:8787)"))
    .addOption(
      new Option(
        "--token <token>",
        "the admin token (default: $SHIFTFEED_ADMIN_TOKEN, else $DATA_DIR/secrets/admin-token, DATA_DIR defaulting to ./data)",
      ),
    )
    .option("--json", "print JSON for scripts instead of text")
    .exitOverride()
    .configureOutput({
      writeErr,
      writeOut: (text) => process.stdout.write(terminalText(text, { layout: true })),
    })
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", EXAMPLES);
  const globals = <T extends object = object>(command: Command) =>
    command.optsWithGlobals<GlobalOptions & T>();

  cli
    .command("validate")
    .description("check a snapshot file offline: every problem with its JSON path (no server needed)")
    .argument("<file>", "a shiftfeed.snapshot/1 JSON file")
    .action((file: string, _o, command: Command) => validate(file, globals(command)));
  cli
    .command("publish")
    .description("publish a snapshot file, or every *.json snapshot of a folder")
    .argument("<file|dir>", "a snapshot file or a folder of them")
    .option("--concurrency <n>", "publishes in flight at once, for a folder", "4")
    .option("--retry-seconds <s>", "longest a file waits out the server's 503s in all", "120")
    .option("--interval <ms>", "how often to poll the job of a publish answered 202", "500")
    .action((path: string, _o, command: Command) =>
      publish(path, globals<{ concurrency: string; retrySeconds: string; interval: string }>(command)),
    );
  cli
    .command("link")
    .description("a person's feed links (https, webcal, Google, subscribe page) and a QR code to scan")
    .argument("<org>", "organization id")
    .argument("<person>", "person id")
    .option("--no-qr", "leave the QR code out")
    .action((org: string, person: string, _o, command: Command) =>
      link(org, person, globals<{ qr: boolean }>(command)),
    );
  cli
    .command("rotate")
    .description("give a person a new feed link; the old one stops working at once")
    .argument("<org>", "organization id")
    .argument("<person>", "person id")
    .option("-y, --yes", "do not ask for confirmation (needed when not run from a terminal)")
    .action((org: string, person: string, _o, command: Command) => rotate(org, person, globals(command)));
  cli
    .command("regenerate")
    .description("re-render feeds in the background and follow the job with a progress bar and ETA")
    .option("--org <org>", "only this organization")
    .option("--schedule <schedule>", "only this schedule (needs --org)")
    .option("--person <person>", "only this person's feed (needs --org)")
    .option("--force", "render every event again, even where nothing changed")
    .option("--no-wait", "queue the job and return at once")
    .option("--interval <ms>", "how often to poll the job", "500")
    .action((_o, command: Command) => regenerate(globals<Parameters<typeof regenerate>[0]>(command)));
  cli
    .command("stats")
    .description("feed traffic: requests, 304 share, 429/503 counts, busiest clients")
    .action((_o, command: Command) => stats(globals(command)));
  cli
    .command("generate")
    .description("write a synthetic data set (one snapshot per schedule) to try the service at scale")
    .option("--people <n>", "distinct people", "5000")
    .option("--layout <layout>", "one-org or many-orgs", "one-org")
    .option("--seed <n>", "varies names, rotas, leave and notes", "1")
    .option("--today <date>", "YYYY-MM-DD the assignments are placed around (default today)")
    .option("--out <dir>", "where to write (default ./<layout>-<people>-seed<seed>-<today>/)")
    .action((_o, command: Command) => generate(globals(command)));
  cli
    .command("backup")
    .description(
      "a consistent copy of the data dir's database, safe while the service runs (never cp the .db); " +
        "with --url, one organization of a Worker into the same kind of file",
    )
    .argument("<file>", "where the backup goes (mode 0600)")
    .option("--data-dir <dir>", "the service's data dir (default: $DATA_DIR, else ./data)")
    .option("--org <org>", "with --url: the Worker's organization to back up")
    .option("--force", "replace <file> if it exists")
    .option("--with-secrets", "also carry DATA_DIR/secrets/ (feed secret, admin token) in the backup")
    .action((file: string, _o, command: Command) =>
      backupCommand(file, globals<DataDirOptions & { force?: boolean; withSecrets?: boolean }>(command)),
    );
  cli
    .command("restore")
    .description(
      "restore a backup into an empty data dir, after checking it (then start the service on it); with --url, " +
        "one organization into an empty organization of a Worker",
    )
    .argument("<file>", "a file written by shiftfeed backup")
    .option("--data-dir <dir>", "the empty or new data dir (default: $DATA_DIR, else ./data)")
    .option("--org <org>", "with --url: the organization of the backup to restore (when it holds several)")
    .action((file: string, _o, command: Command) => restoreCommand(file, globals<DataDirOptions>(command)));
  return cli;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const cli = program();
  if (argv.length === 0) {
    process.stderr.write(cli.helpInformation());
    return 2;
  }
  try {
    await cli.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are answers; anything else commander refuses is a usage error.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
    }
    const usage = error instanceof UsageError;
    writeErr(`shiftfeed: ${(error as Error).message}\n`);
    if (!usage && !(error instanceof CliFailure)) writeErr(`${(error as Error).stack ?? ""}\n`);
    return usage ? 2 : 1;
  }
}

if (import.meta.main) process.exit(await runCli(process.argv.slice(2)));
