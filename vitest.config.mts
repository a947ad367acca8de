// Two projects: the Node tests (test/worker/socket drives the Worker in workerd over a real socket from Node), and
// the tests that run inside workerd (@cloudflare/vitest-plugin), with the Worker, its Durable Objects and its R2
// bucket from wrangler.toml and the test secrets.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } from "./test/support/fixture.ts";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: "node", include: ["test/**/*.test.ts"], exclude: ["test/worker/workerd/**"] },
      },
      {
        extends: true,
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } },
          }),
        ],
        test: { name: "workers", include: ["test/worker/workerd/**/*.test.ts"] },
      },
      {
        // The golden cases again, with publishes fanned out three people at a time.
        extends: true,
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL, FAN_OUT_BATCH: "3" } },
          }),
        ],
        test: { name: "workers-fan-out", include: ["test/worker/workerd/golden.test.ts"] },
      },
    ],
  },
});
