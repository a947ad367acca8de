/**
 * The Cloudflare Workers entry (wrangler.toml `main`): requests go to the Worker's HTTP surface
 * (`worker-app.ts`), the Cron Trigger rolls every organization's feed window (`roll-everywhere.ts`), and the organizations' Durable
 * Object class is exported for its binding. Thin wiring only — but a Worker has no start to refuse, so a setting it
 * cannot read makes every request a `503` (never the platform's 500 with an exception) and one log line naming it.
 */
import { z } from "zod";
import { ServiceError } from "../core/errors.ts";
import { errorResponse } from "../http/errors.ts";
import type { WorkerEnv } from "./env.ts";
import { workerLogger } from "./logger.ts";
import { rollEverywhere } from "./roll-everywhere.ts";
import { createWorkerFetch, type WorkerFetch } from "./worker-app.ts";

// Workers forbid generating code at run time (`new Function`): zod validates without its JIT.
z.config({ jitless: true });

export { OrgObject } from "./org-object.ts";

/** The answer while a setting is invalid: its name and value are in the log line, not in an answer to anyone. */
const MISCONFIGURED = new ServiceError(
  "unavailable",
  "The service is misconfigured: its log line `config_invalid` says which setting.",
  [],
  {},
  { "retry-after": "60" },
);

/** The Worker's handler for an environment; with a setting it cannot read, one that answers {@link MISCONFIGURED}. */
function handlerFor(env: WorkerEnv): WorkerFetch {
  try {
    return createWorkerFetch(env);
  } catch (error) {
    workerLogger.error("config_invalid", { error: error instanceof Error ? error.message : String(error) });
    return () => Promise.resolve(errorResponse(MISCONFIGURED));
  }
}

let handler: { env: WorkerEnv; fetch: WorkerFetch } | null = null;

export default {
  fetch(request, env, ctx) {
    if (handler?.env !== env) handler = { env, fetch: handlerFor(env) };
    return handler.fetch(request, ctx);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(rollEverywhere(env));
  },
} satisfies ExportedHandler<WorkerEnv>;
