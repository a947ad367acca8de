/**
 * The Cloudflare Workers entry (wrangler.toml `main`): requests go to the Worker's HTTP surface
 * (`worker-app.ts`), the Cron Trigger rolls every organization's feed window (`roll-everywhere.ts`), and the organizations' Durable
 * Object class is exported for its binding. Thin wiring only.
 */
import { z } from "zod";
import type { WorkerEnv } from "./env.ts";
import { rollEverywhere } from "./roll-everywhere.ts";
import { createWorkerFetch, type WorkerFetch } from "./worker-app.ts";

// Workers forbid generating code at run time (`new Function`): zod validates without its JIT.
z.config({ jitless: true });

export { OrgObject } from "./org-object.ts";

let handler: { env: WorkerEnv; fetch: WorkerFetch } | null = null;

export default {
  fetch(request, env, ctx) {
    if (handler?.env !== env) handler = { env, fetch: createWorkerFetch(env) };
    return handler.fetch(request, ctx);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(rollEverywhere(env));
  },
} satisfies ExportedHandler<WorkerEnv>;
