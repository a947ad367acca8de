// The test projects, in two sets (test/support/test-sets.ts holds the slow list). The fast set, which `npm test`
// runs: `unit` (core, render, http, store, lint), `integration` (every other Node file; test/worker/socket drives
// the Worker in workerd over a real socket from Node), and `workers`, the tests that run inside workerd
// (@cloudflare/vitest-plugin, with the Worker, its Durable Objects and its R2 bucket from wrangler.toml and the
// test secrets). The slow set, the projects named `slow*`, holds the slow list; `slow-workers-fan-out` runs the
// golden cases in workerd three people per batch. `npm run test:all` runs both sets.
//
// The fast set runs one file per core at a time, and the Node files of it share their workers' module cache
// (`isolate: false`: importing the server for each file was a third of the run); the slow set runs one file at a
// time in a fresh worker, as its timing-sensitive files (shedding, slow clients, the bench) were measured.
import { availableParallelism } from "node:os";
import { matchesGlob } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } from "./test/support/fixture.ts";
import { ALL_TESTS, SLOW_TESTS, UNIT_TESTS, WORKERD_TESTS } from "./test/support/test-sets.ts";

/** The Worker in workerd, with the test secrets and `bindings` on top. */
const workerd = (bindings: Record<string, string> = {}) =>
  cloudflareTest({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: { bindings: { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL, ...bindings } },
  });

const slow = [...SLOW_TESTS];
const fast = { maxWorkers: availableParallelism(), sequence: { groupOrder: 0 } };
const oneAtATime = { maxWorkers: 1, sequence: { groupOrder: 1 } };
const FAN_OUT = "test/worker/workerd/golden-fan-out.test.ts";
const inWorkerd = (file: string) => matchesGlob(file, WORKERD_TESTS);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { ...fast, isolate: false, name: "unit", include: UNIT_TESTS, exclude: slow } },
      {
        extends: true,
        test: {
          ...fast,
          isolate: false,
          name: "integration",
          include: [ALL_TESTS],
          exclude: [WORKERD_TESTS, ...UNIT_TESTS, ...slow],
        },
      },
      {
        extends: true,
        plugins: [workerd()],
        test: { ...fast, name: "workers", include: [WORKERD_TESTS], exclude: slow },
      },
      {
        extends: true,
        test: { ...oneAtATime, name: "slow", include: slow.filter((file) => !inWorkerd(file)) },
      },
      {
        extends: true,
        plugins: [workerd()],
        test: { ...oneAtATime, name: "slow-workers", include: slow.filter(inWorkerd), exclude: [FAN_OUT] },
      },
      {
        // The golden cases again, with publishes fanned out three people at a time.
        extends: true,
        plugins: [workerd({ FAN_OUT_BATCH: "3" })],
        test: { ...oneAtATime, name: "slow-workers-fan-out", include: [FAN_OUT] },
      },
    ],
  },
});
