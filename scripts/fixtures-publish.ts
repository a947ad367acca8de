/**
 * `npm run fixtures:publish -- --url http://127.0.0.1:8787 --token <admin token> DIR`: publishes every snapshot
 * file of DIR into a running shiftfeed (`PUT /admin/orgs/{org}/schedules/{schedule}`), a few at a time, waiting
 * out `503`s per `Retry-After`; prints progress on stderr and a summary. Exits 1 if any file was refused.
 */
import { parseArgs } from "node:util";
import { numberOption, runCli, UsageError } from "../src/cli/options.ts";
import { createProgress } from "../bench/lib/progress.ts";
import { describeFailure, describePublish, publishDirectory } from "../src/cli/publisher.ts";

const USAGE = `usage: npm run fixtures:publish -- [options] DIR
  --url URL         the server (default http://127.0.0.1:8787)
  --token T         the admin token (default: $ADMIN_TOKEN)
  --concurrency N   publishes in flight at once (default 4)`;

await runCli(USAGE, async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: "string" }, token: { type: "string" }, concurrency: { type: "string" } },
  });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError("give exactly one folder of snapshot files");
  const token = values.token ?? process.env.ADMIN_TOKEN;
  if (!token) throw new UsageError("--token (or ADMIN_TOKEN) is required");
  const progress = createProgress("publish");
  const summary = await publishDirectory({
    url: values.url ?? "http://127.0.0.1:8787",
    token,
    dir,
    concurrency: numberOption(values.concurrency, "concurrency", 4, { min: 1 }),
    onProgress: (s, done, total) => progress.update(`${done}/${total} files, ${describePublish(s)}`),
    onRetry: (what, seconds) => progress.update(`503 on ${what}: retrying in ${seconds.toFixed(0)} s`, true),
  });
  progress.done();
  for (const f of summary.failures) console.error(describeFailure(f));
  console.log(describePublish(summary));
  if (summary.failures.length > 0) process.exitCode = 1;
});
