// What `cloudflare:test` and `cloudflare:workers` hand the tests: the Worker's own bindings (wrangler.toml) and
// the exports of its main module. Both are declaration merges into workers-types' `Cloudflare` namespace.
import type { WorkerEnv } from "../../../src/worker/env.ts";
import type * as WorkerModule from "../../../src/worker/index.ts";

declare global {
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a merge: the members are WorkerEnv's
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof WorkerModule;
    }
  }
}
