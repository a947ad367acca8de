// The test projects, in two sets (test/support/test-sets.ts holds the slow list). The fast set, which `npm test`
// runs: `unit` (core, render, http, store, lint), `integration` (every other Node file; test/worker/socket drives
// the Worker in workerd over a real socket from Node), and the tests that run inside workerd
// (@cloudflare/vitest-plugin, with the Worker, its Durable Objects and its R2 bucket from wrangler.toml and the
// test secrets) — `workers`, and the golden cases again as `workers-fan-out`. The slow set, the projects named
// `slow*`, holds the slow list; `npm run test:all` runs both sets.
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
const inWorkerd = (file: string) => matchesGlob(file, WORKERD_TESTS);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "unit", include: UNIT_TESTS, exclude: slow } },
      {
        extends: true,
        test: { name: "integration", include: [ALL_TESTS], exclude: [WORKERD_TESTS, ...UNIT_TESTS, ...slow] },
      },
      {
        extends: true,
        plugins: [workerd()],
        test: { name: "workers", include: [WORKERD_TESTS], exclude: slow },
      },
      {
        // The golden cases again, with publishes fanned out three people at a time.
        extends: true,
        plugins: [workerd({ FAN_OUT_BATCH: "3" })],
        test: { name: "workers-fan-out", include: ["test/worker/workerd/golden.test.ts"], exclude: slow },
      },
      { extends: true, test: { name: "slow", include: slow.filter((file) => !inWorkerd(file)) } },
      {
        extends: true,
        plugins: [workerd()],
        test: { name: "slow-workers", include: slow.filter(inWorkerd) },
      },
    ],
  },
});
