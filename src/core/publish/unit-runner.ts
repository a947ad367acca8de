/**
 * Where units of publishing work run. The service decides what runs when (one unit per schedule at a time);
 * a runner decides where: in process ({@link createInProcessRunner}, used by tests and Workers) or on a pool of
 * worker threads with their own database connections (Node, `src/node/render-pool.ts`).
 */
import { ServiceError } from "../errors.ts";
import { ingestSnapshot, type IngestTarget } from "../snapshot/ingest.ts";
import type { RefreshScope } from "./refresh-scope.ts";
import { publishUnit, refreshUnit, retireUnit, type UnitResult } from "./schedule-unit.ts";
import type { UnitDeps, UnitOptions } from "./unit-deps.ts";

export interface UnitRunner {
  /** Ingests publish body bytes (strict JSON, a valid snapshot for `target`) and publishes them. */
  publish(bytes: Uint8Array, target: IngestTarget, options?: UnitOptions): Promise<UnitResult>;
  retire(org: string, schedule: string, options?: UnitOptions): Promise<UnitResult>;
  refresh(org: string, schedule: string, scope: RefreshScope, options?: UnitOptions): Promise<UnitResult>;
  /** How many units it runs at once (a regeneration keeps this many busy). */
  readonly parallelism: number;
  close(): Promise<void>;
}

/** Ingests and publishes in the calling thread. */
export async function ingestAndPublish(
  deps: UnitDeps,
  bytes: Uint8Array,
  target: IngestTarget,
  options: UnitOptions = {},
): Promise<UnitResult> {
  const result = await ingestSnapshot(bytes, target, deps.codec);
  if (!result.ok) throw new ServiceError(result.error.code, result.error.message, result.error.details);
  return publishUnit(deps, result.snapshot, result.hash, options);
}

/** Runs every unit in the calling thread. */
export function createInProcessRunner(deps: UnitDeps): UnitRunner {
  return {
    publish: (bytes, target, options) => ingestAndPublish(deps, bytes, target, options),
    retire: (org, schedule, options) => retireUnit(deps, org, schedule, options),
    refresh: (org, schedule, scope, options) => refreshUnit(deps, org, schedule, scope, options),
    parallelism: 1,
    close: async () => undefined,
  };
}
