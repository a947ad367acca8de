/**
 * `node bench/partner-ranges.ts [--people 500] [--days 365] [--parallel 3] [--format json]`: partner ranges of
 * a big schedule measured from outside, against shiftfeed as `npm start` runs it (serving threads, render
 * threads): one schedule of `--people` people over `--days` days is published, then a 12-month range is read
 * alone (first, then again: a repeat), then `--parallel` different 12-month ranges at once, then the same ones
 * again, while one unrelated feed is revalidated (`If-None-Match`) every 20 ms. It reports each range's time and
 * size, the `304`s' p50/p99/max during the ranges, and the process tree's resident memory (idle, peak, after).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { addDays } from "../src/core/time/local-time.ts";
import { bigSchedule } from "./fixtures/big-schedule.ts";
import { personId } from "../src/cli/fixtures/people.ts";
import { choiceOption, numberOption, runCli } from "../src/cli/options.ts";
import { sampleRss, treeRssBytes } from "./lib/processes.ts";
import { startShiftfeed } from "./lib/server-process.ts";

const USAGE = `usage: node bench/partner-ranges.ts [options]
  --people N      people in the schedule (default 500)
  --days N        days of assignments (default 365)
  --parallel N    ranges read at once (default 3)
  --format F      json or ics (default json)`;

const ADMIN = "bench-admin-token-0123456789abcdef";
const SECRET = "bench-feed-secret-0123456789abcdef0123456789";
const MiB = 2 ** 20;

interface Timed {
  status: number;
  ms: number;
  bytes: number;
}

/** One request; a connection that fails (reset, refused) is status 0. */
async function timed(url: string, headers: Record<string, string>): Promise<Timed> {
  const started = performance.now();
  try {
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started, bytes: body.byteLength };
  } catch {
    return { status: 0, ms: performance.now() - started, bytes: 0 };
  }
}

const quantile = (ms: number[], q: number) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
};

await runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      people: { type: "string" },
      days: { type: "string" },
      parallel: { type: "string" },
      format: { type: "string" },
    },
  });
  const people = numberOption(values.people, "people", 500, { min: 1 });
  const days = numberOption(values.days, "days", 365, { min: 28 });
  const parallel = numberOption(values.parallel, "parallel", 3, { min: 1 });
  const format = choiceOption(values.format, "format", ["json", "ics"] as const, "json");
  const today = new Date().toISOString().slice(0, 10);
  const dataDir = mkdtempSync(join(tmpdir(), "shiftfeed-partner-bench-"));
  const server = await startShiftfeed({
    dataDir,
    adminToken: ADMIN,
    feedSecret: SECRET,
    logFile: join(dataDir, "server.log"),
    env: { CLIENT_LIMITS: "off", MAX_SNAPSHOT_BYTES: String(256 * MiB) },
  });
  const admin = { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" };
  try {
    const snapshot = bigSchedule({ people, days, today });
    const put = await fetch(`${server.url}/admin/orgs/big/schedules/all-staff`, {
      method: "PUT",
      headers: admin,
      body: JSON.stringify(snapshot),
    });
    if (put.status !== 200) throw new Error(`publish: ${put.status} ${await put.text()}`);
    const created = await fetch(`${server.url}/admin/partners`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ org: "big", name: "bench" }),
    });
    const { key } = (await created.json()) as { key: string };
    const lookup = (await (
      await fetch(`${server.url}/admin/orgs/big/people/${personId(0)}`, { headers: admin })
    ).json()) as { feed: { url: string; etag: string } };
    const feedUrl = server.url + new URL(lookup.feed.url).pathname;
    const feedEtag = (await fetch(feedUrl)).headers.get("etag")!;
    const partner = { authorization: `Bearer ${key}` };
    // 12-month ranges starting at the assignments' first month and the months after it.
    const rangeUrl = (shift: number) => {
      const from = `${addDays(today, -14).slice(0, 7)}-01`;
      const start = addDays(from, shift * 31).slice(0, 7) + "-01";
      const to = addDays(start, 364);
      return `${server.url}/partner/orgs/big/schedules/all-staff.${format}?from=${start}&to=${to}`;
    };

    await sleep(2000);
    const idleRss = treeRssBytes(server.child.pid);
    const polls: number[] = [];
    const failed: number[] = []; // statuses of polls not answered 304 (0: the connection failed)
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const poll = await timed(feedUrl, { "if-none-match": feedEtag });
        if (poll.status === 304) polls.push(poll.ms);
        else failed.push(poll.status);
        await sleep(20);
      }
    })();
    const rss = sampleRss(server.child.pid, 100);
    const report = (label: string, answers: Timed[]) =>
      console.log(
        `${label.padEnd(34)} ${answers.map((a) => `${a.status || "failed"} ${(a.ms / 1000).toFixed(2)} s`).join(", ")}` +
          `  (${(answers[0]!.bytes / MiB).toFixed(1)} MiB each)`,
      );
    report("one 12-month range, first", [await timed(rangeUrl(0), partner)]);
    report("the same range again", [await timed(rangeUrl(0), partner)]);
    const many = Array.from({ length: parallel }, (_, i) => rangeUrl(i + 1));
    report(`${parallel} other ranges at once`, await Promise.all(many.map((u) => timed(u, partner))));
    report(`the same ${parallel} again at once`, await Promise.all(many.map((u) => timed(u, partner))));
    polling = false;
    await poller;
    const memory = rss.stop();
    await sleep(2000);
    console.log(
      `304 polls during the ranges: ${polls.length}, p50 ${quantile(polls, 0.5).toFixed(1)} ms, ` +
        `p99 ${quantile(polls, 0.99).toFixed(1)} ms, max ${Math.max(...polls).toFixed(1)} ms; ` +
        `not 304: ${failed.length} (${failed.map((s) => (s === 0 ? "failed" : s)).join(", ") || "none"})`,
    );
    console.log(
      `RSS: idle ${(idleRss / MiB).toFixed(0)} MiB, peak ${(memory.peak / MiB).toFixed(0)} MiB, ` +
        `2 s after ${(treeRssBytes(server.child.pid) / MiB).toFixed(0)} MiB`,
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
