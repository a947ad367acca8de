/**
 * The Cloudflare Workers entry (wrangler.toml `main`): requests go to the Worker's HTTP surface
 * (`worker-app.ts`), the Cron Trigger rolls every organization's feed window, and the organizations' Durable
 * Object class is exported for its binding. Thin wiring only.
 */
import { z } from "zod";
import type { WorkerEnv } from "./env.ts";
import { listOrgs } from "./org-registry.ts";
import { workerLogger } from "./logger.ts";
import { createWorkerFetch, type WorkerFetch } from "./worker-app.ts";

// Workers forbid generating code at run time (`new Function`): zod validates without its JIT.
z.config({ jitless: true });

export { OrgObject } from "./org-object.ts";

let handler: { env: WorkerEnv; fetch: WorkerFetch } | null = null;

/** Asks every organization's Durable Object to roll its window (each queues a job only when a date moved). */
export async function rollEverywhere(env: WorkerEnv): Promise<void> {
  for (const org of await listOrgs(env.FEEDS)) {
    await env.ORGS.get(env.ORGS.idFromName(org))
      .roll()
      .catch((error: unknown) => workerLogger.error("roll_failed", { org, error: String(error) }));
  }
}

export default {
  fetch(request, env, ctx) {
    if (handler?.env !== env) handler = { env, fetch: createWorkerFetch(env) };
    return handler.fetch(request, ctx);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(rollEverywhere(env));
  },
} satisfies ExportedHandler<WorkerEnv>;
