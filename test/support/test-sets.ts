/**
 * The two sets of test files: the fast set `npm test` runs after every change, and the slow files only
 * `npm run test:all` (what CI runs) adds. The slow list is here and nowhere else: `vitest.config.mts` builds its
 * projects from it, and `test/lint/test-sets.test.ts` checks that every test file falls in exactly one set.
 *
 * A file is slow when it takes more than about ten seconds here, or when most of its time goes to something
 * outside the service: a real calendar client or parser run as a process, Chromium, a reverse proxy, `main.ts`
 * started and killed in rounds, the command-line tool run as a process, or a publish of thousands of people.
 */

/** Every test file, as vitest globs them. */
export const ALL_TESTS = "test/**/*.test.ts";

/** The files that run inside workerd (`@cloudflare/vitest-plugin`); every other file runs in Node. */
export const WORKERD_TESTS = "test/worker/workerd/**/*.test.ts";

/** The folders of the unit project: the core, rendering, HTTP, store and lint tests. */
export const UNIT_TESTS = ["core", "render", "http", "store", "lint"].map(
  (dir) => `test/${dir}/**/*.test.ts`,
);

/** The slow files, each with what makes it slow (seconds as measured on a 2-core machine). */
export const SLOW_TESTS: readonly string[] = [
  // Real calendar clients: vdirsyncer subscriptions and python-icalendar / libical over every golden case (56 s,
  // 13 s), and vdirsyncer syncs of revisions and hostile text (5 s, 3 s). The readers' and the oracle's own checks
  // and the host tz data check stay fast (1 s or less).
  "test/conformance/instants.test.ts",
  "test/conformance/clients.test.ts",
  "test/conformance/revisions.test.ts",
  "test/conformance/text.test.ts",
  // Big publishes in workerd under a 128 MB heap: a 16 MiB and an 8 MiB snapshot at once, then a revision 2 of the
  // 8 MiB one (265–315 s); a retirement of 1,500 people (8 s).
  "test/worker/socket/big-publish.test.ts",
  "test/worker/workerd/retire-edge.test.ts",
  // The edge's per-client limits in workerd: about 3,000 feed requests through the Rate Limiting bindings (24 s).
  "test/worker/workerd/edge-limits.test.ts",
  // Every golden case in workerd, as deployed and three people per batch: 13 zones fingerprinted as published,
  // and writes to one R2 key a second apart (17 s, 17 s); R2 failing, its writes retried after 1 s and 2 s (10 s).
  "test/worker/workerd/golden.test.ts",
  "test/worker/workerd/golden-fan-out.test.ts",
  "test/worker/workerd/edge-failure.test.ts",
  // The Worker's fetch telemetry over a socket: polls wait out the edge's batch interval (10 s) before they show
  // in lastFetch and `shiftfeed stats` (19 s).
  "test/worker/socket/stats.test.ts",
  // The CLI against the Worker as child processes: publishes answered 202 followed to their jobs' ends, one job
  // made to fail behind a publish of 100 one-person batches, link, rotate and regenerate (15–28 s).
  "test/worker/socket/cli.test.ts",
  // Backup and restore of an organization with the CLI as child processes against two Workers and a Node data dir
  // (5–22 s for the round trip, as the machine is loaded; 25–46 s in all with two workerd starts).
  "test/worker/socket/backup-restore.test.ts",
  // Threads under load: feeds served while hostile 9 MB and 32 MiB bodies are parsed (12 s), and while three
  // twelve-month partner ranges render at once (9–16 s).
  "test/integration/ingest-isolation.test.ts",
  "test/limits/partner-ranges.test.ts",
  // A shift of 2,000 people on 10 days, linear in time and memory (7–12 s); every golden case rendered in child
  // processes under four process time zones (5–8 s).
  "test/render/large-shift.test.ts",
  "test/render/process-zone.test.ts",
  // The command-line tool and `main.ts` as child processes (28 s, 10 s, 22 s, 16 s, 14 s; start-up refusals
  // 10–18 s, a folder publish 6–12 s).
  "test/cli/cli.test.ts",
  "test/integration/startup.test.ts",
  "test/cli/publish-folder.test.ts",
  "test/cli/terminal-text.test.ts",
  "test/cli/backup-restore.test.ts",
  // `shiftfeed validate` as a child process against the size limit's edges (7–9 s).
  "test/cli/validate-limit.test.ts",
  "test/integration/feed-secret.test.ts",
  "test/faults/write-ahead-log.test.ts",
  // SIGKILL rounds and restarts under traffic, on threads (6 s, 12 s).
  "test/integration/kill.test.ts",
  "test/integration/restart-under-traffic.test.ts",
  // Waiting out timeouts: slow clients' header and idle timeouts, shedding's back-off, idle threads (18 s, 15 s, 9 s).
  "test/limits/slow-clients.test.ts",
  "test/limits/shedding.test.ts",
  "test/integration/thread-pool.test.ts",
  // Real storage faults under the server as `npm start` runs it (writes and fsyncs failing, a full disk), and
  // races of concurrent publishes on two serving and two render threads (9–11 s each).
  "test/faults/file-faults.test.ts",
  "test/faults/disk-full.test.ts",
  "test/integration/races.test.ts",
  // The per-client limits over real sockets, from many distinct loopback addresses, and real traffic's shared
  // fetchers, NATs and proxies the same way (11 s, 9–10 s).
  "test/limits/client-limits.test.ts",
  "test/limits/real-traffic.test.ts",
  // The property test of change detection (15 s).
  "test/render/fingerprint-property.test.ts",
  // The bench on 60 people, and the backup bench (19 s, 7 s).
  "test/bench/bench-smoke.test.ts",
  "test/bench/backup-bench.test.ts",
  // The package packed, installed into an empty folder and run from there (the CLI, npm start, an old Node); and
  // a service-only install (`npm ci --omit=dev`) started with npm start (90–120 s, 45–60 s).
  "test/package/installed-package.test.ts",
  "test/package/service-install.test.ts",
  // Chromium, Caddy and systemd-analyze.
  "test/browser/admin-page.test.ts",
  "test/browser/admin-page-worker.test.ts",
  "test/browser/bidi-pages.test.ts",
  "test/deploy/caddy.test.ts",
  "test/deploy/systemd.test.ts",
];
