// Two projects: the Node tests as they are, and the Workers tests inside workerd (@cloudflare/vitest-plugin),
// with the Worker, its Durable Objects and its R2 bucket from wrangler.toml and the test secrets.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } from "./test/support/fixture.ts";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "node", include: ["test/**/*.test.ts"], exclude: ["test/worker/**"] } },
      {
        extends: true,
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } },
          }),
        ],
        test: { name: "workers", include: ["test/worker/**/*.test.ts"] },
      },
    ],
  },
});
