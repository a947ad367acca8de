/**
 * `npm start`: runs shiftfeed on Node with settings from the environment (see docs/settings.md).
 * Anything that stops the start is one line on stderr and exit code 1 (2 for bad settings): no stack trace.
 */
import { parseConfig, type Config } from "../core/config.ts";
import { feedLinks } from "../core/links.ts";
import { enableThreadCompileCache } from "./compile-cache.ts";
import { scheduleFeedKey } from "../core/store/keys.ts";
import { jsonLogger } from "./logger.ts";
import { startServer, type RunningServer } from "./server.ts";
import { startupMessage } from "./startup-error.ts";

const say = (line = "") => process.stdout.write(line + "\n");
const fail = (line: string, code: number): never => {
  process.stderr.write(`shiftfeed: ${line}\n`);
  process.exit(code);
};

let config: Config;
try {
  config = parseConfig(process.env);
} catch (error) {
  for (const line of (error as Error).message.split("\n")) process.stderr.write(`shiftfeed: ${line}\n`);
  process.exit(2);
}

enableThreadCompileCache();

let running: RunningServer;
try {
  running = await startServer(config, { logger: jsonLogger() });
} catch (error) {
  fail(startupMessage(error, { port: config.port, host: config.host }), 1);
}
const { service, adminSecret } = running!;

const stop = (signal: string) => {
  say(`shiftfeed: ${signal}, closing`);
  running!.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));

say(`shiftfeed listening on ${running!.url} (public URL ${config.publicUrl}), data in ${config.dataDir}`);
if (adminSecret.file === null) say("Admin token: from ADMIN_TOKEN.");
else if (adminSecret.created)
  say(`Admin token (shown once, kept in ${adminSecret.file}): ${adminSecret.value}`);
else say(`Admin token: kept in ${adminSecret.file}`);

// Sample feed links are printed once, when the demo is loaded into an empty data dir: a feed URL is a secret,
// so no later start writes one to the console (or to whatever collects it).
if (running!.demoLoaded > 0) {
  say(`Loaded ${running!.demoLoaded} demo schedules into the empty data dir. Sample feeds:`);
  for (const org of service.orgIds().slice(0, 2)) {
    const scheduleId = service.schedules(org)[0]?.schedule;
    const keys = [
      ...(scheduleId === undefined ? [] : [scheduleFeedKey(scheduleId)]),
      ...service
        .feedKeys(org)
        .filter((k) => k.startsWith("person/"))
        .slice(0, 2),
    ];
    for (const key of keys) {
      say(`  ${org}/${key}: ${feedLinks(config.publicUrl, await service.tokenFor(org, key)).url}`);
    }
  }
}
say(
  `Look up any person's link: curl -H "Authorization: Bearer <admin token>" ${config.publicUrl}/admin/orgs/<org>/people/<person>`,
);
