/**
 * `npm start`: runs shiftfeed on Node with settings from the environment (see the README's settings table).
 */
import { parseConfig } from "../core/config.ts";
import { scheduleFeedKey, type FeedKey } from "../core/publish/keys.ts";
import { feedLinks } from "../core/links.ts";
import { jsonLogger } from "./logger.ts";
import { startServer } from "./server.ts";

let config;
try {
  config = parseConfig(process.env);
} catch (error) {
  console.error(`shiftfeed: bad settings\n${(error as Error).message}`);
  process.exit(2);
}

const running = await startServer(config, { logger: jsonLogger() });
const { service, adminSecret } = running;
const say = (line = "") => process.stdout.write(line + "\n");

say(`shiftfeed listening on ${running.url} (public URL ${config.publicUrl}), data in ${config.dataDir}`);
if (adminSecret.file === null) say("Admin token: from ADMIN_TOKEN.");
else if (adminSecret.created)
  say(`Admin token (shown once, kept in ${adminSecret.file}): ${adminSecret.value}`);
else say(`Admin token: kept in ${adminSecret.file}`);
if (running.demoLoaded > 0) say(`Loaded ${running.demoLoaded} demo schedules into the empty data dir.`);

for (const org of service.orgIds().slice(0, 2)) {
  const state = service.org(org)!;
  const scheduleId = Object.keys(state.manifest.schedules).sort()[0];
  if (scheduleId)
    say(
      `  ${org}/${scheduleId} schedule feed: ${feedLinks(config.publicUrl, await service.tokenFor(org, scheduleFeedKey(scheduleId))).url}`,
    );
  const people = Object.keys(state.manifest.feeds)
    .filter((k) => k.startsWith("person/"))
    .sort()
    .slice(0, 2);
  for (const key of people) {
    const token = await service.tokenFor(org, key as FeedKey);
    say(`  ${org}/${key}: ${feedLinks(config.publicUrl, token).url}`);
  }
}
say(
  `Look up any person's link: curl -H "Authorization: Bearer <admin token>" ${config.publicUrl}/admin/orgs/<org>/people/<person>`,
);

const stop = (signal: string) => {
  say(`shiftfeed: ${signal}, closing`);
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));
