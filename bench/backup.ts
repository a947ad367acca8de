/**
 * `node bench/backup.ts [--mib N]`: what `shiftfeed backup` costs on a large database while the service publishes,
 * as docs/operations.md reports it. A data dir is grown to about N MiB (default 1,000) with unreferenced blob rows
 * (a backup copies pages, whatever they hold), the service (`node src/node/main.ts`, 2 serving and 2 render threads)
 * is started on it, a 200-person schedule is published in a loop, and `shiftfeed backup` runs in the middle of the
 * loop. Printed as JSON: the database size, the copy and total times the CLI reports, the publish times with no
 * backup running (median, maximum) and of every publish that overlapped the backup, and every status seen.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { numberOption } from "../src/cli/options.ts";
import { startMain } from "../test/support/process.ts";
import { makeSnapshot, raw } from "../test/support/server.ts";

const args = process.argv.slice(2);
const mib = numberOption(args.includes("--mib") ? args[args.indexOf("--mib") + 1] : undefined, "mib", 1000, {
  min: 1,
});
const root = new URL("../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "shiftfeed-backup-bench-"));
const dir = join(work, "data");
const env = { DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", SERVE_THREADS: "2", RENDER_THREADS: "2" };

try {
  // A data dir with the demo, then grown: rows no feed refers to, which the garbage collector never sees.
  const first = startMain({ ...env, DEMO: "1" });
  await first.waitFor(/listening on/, 120_000);
  await first.stop();
  const db = new DatabaseSync(join(dir, "shiftfeed.db"));
  const grow = db.prepare("INSERT INTO blobs (key, part, bytes) VALUES (?, 0, randomblob(1048576))");
  db.exec("BEGIN");
  for (let i = 0; i < mib; i++) grow.run(`bench-padding/${i}`);
  db.exec("COMMIT");
  db.close();

  const main = startMain({ ...env, DEMO: "0" });
  const [, url] = await main.waitFor(/listening on (http:\/\/\S+)/, 120_000);
  const token = readFileSync(join(dir, "secrets", "admin-token"), "utf8").trim();
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const people = Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, name: `Person ${i}` }));
  let revision = 0;
  const publish = async () => {
    const r = ++revision;
    const assignments = Array.from({ length: 2000 }, (_, i) => {
      const day = (i + (i % 20 === r % 20 ? r : 0)) % 90;
      const date = new Date(Date.UTC(2026, 11, 1) + day * 86_400_000).toISOString().slice(0, 10);
      return { id: `a${i}`, personId: `p${i % 200}`, shiftId: "day", date };
    });
    const start = performance.now();
    const body = JSON.stringify(makeSnapshot({ revision: r, people, assignments }));
    const reply = await raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, { headers, body });
    return { status: reply.status, start, end: performance.now() };
  };
  await publish();
  const quiet: number[] = [];
  for (let i = 0; i < 8; i++) {
    const p = await publish();
    quiet.push(p.end - p.start);
  }
  let publishing = true;
  const during: Awaited<ReturnType<typeof publish>>[] = [];
  const loop = (async () => {
    while (publishing) during.push(await publish());
  })();
  await new Promise((r) => setTimeout(r, 500));
  const out = await new Promise<string>((resolve) => {
    const cli = spawn(
      process.execPath,
      [`${root}src/cli/main.ts`, "backup", "--json", join(work, "backup.db")],
      {
        env: { PATH: process.env["PATH"] ?? "", DATA_DIR: dir },
      },
    );
    let text = "";
    cli.stdout.on("data", (b: Buffer) => (text += b.toString("utf8")));
    cli.stderr.on("data", (b: Buffer) => process.stderr.write(b));
    cli.on("close", () => resolve(text));
  });
  const ended = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  publishing = false;
  await loop;
  await main.stop();
  const result = JSON.parse(out) as { bytes: number; copyMs: number; totalMs: number };
  const overlapping = during.filter((p) => p.end > ended - result.totalMs && p.start < ended);
  quiet.sort((a, b) => a - b);
  const figures = {
    databaseMiB: Math.round(result.bytes / 1048576),
    copyMs: result.copyMs,
    totalMs: result.totalMs,
    publishMsWithoutBackup: { median: Math.round(quiet[quiet.length >> 1]!), max: Math.round(quiet.at(-1)!) },
    publishMsDuringBackup: overlapping.map((p) => Math.round(p.end - p.start)),
    statuses: [...new Set(during.map((p) => p.status))],
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
