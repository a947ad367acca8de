/**
 * The protection every thread of the process shares, set up once in the main thread: per-client buckets, the work
 * in flight and refusal counters, and open-connection counters, each in a `SharedArrayBuffer` that serving threads
 * receive and view the same way (`protectionOver`), so a client's quota and the bound on work hold process-wide.
 */
import type { Config } from "../core/config.ts";
import { BucketTable } from "../core/limits/bucket-table.ts";
import { LimitState } from "../core/limits/limit-state.ts";
import { Protection } from "../core/limits/protection.ts";
import type { Metrics } from "../core/metrics.ts";
import {
  allocateConnectionCounters,
  openConnections,
  preRequestStatus,
  type ConnectionGuardOptions,
} from "./connection-guard.ts";
import type { ServingThreadData } from "./serve-protocol.ts";

/** Buckets in the shared per-client table (about 2.5 MiB; the idle longest are reused past it). */
const BUCKET_SLOTS = 1 << 16;

/** What a thread needs to take part: the settings and the shared buffers. */
export type SharedLimits = ServingThreadData["limits"];

/** The shared buffers, zeroed, with the settings they serve. */
export function createSharedLimits(config: Config): SharedLimits {
  return {
    settings: config.limits,
    clientLimits: config.clientLimits,
    clientIpHeader: config.clientIpHeader,
    connections: config.connections,
    buckets: BucketTable.allocate(BUCKET_SLOTS) as SharedArrayBuffer,
    state: LimitState.allocate() as SharedArrayBuffer,
    connectionCounters: allocateConnectionCounters(),
  };
}

/** A thread's view of the shared limits: its `Protection`, and the connection bounds for its server. */
export function protectionOver(
  limits: SharedLimits,
  clock: () => number,
): { protection: Protection; guard: ConnectionGuardOptions } {
  const protection = new Protection({
    settings: limits.settings,
    buckets: new BucketTable(limits.buckets, clock),
    state: new LimitState(limits.state, clock),
    random: Math.random,
    clientLimits: limits.clientLimits,
  });
  const guard: ConnectionGuardOptions = {
    counters: limits.connectionCounters,
    settings: limits.connections,
    // Behind a trusted proxy every connection comes from the proxy: only the total is bounded.
    perAddress: limits.clientIpHeader === null,
    refused: (kind) => protection.refusedConnection(kind),
  };
  return { protection, guard };
}

/** The limits' state in `/metrics`: refusals by kind, work in flight, shedding, open connections. */
export function exposeProtection(metrics: Metrics, protection: Protection, limits: SharedLimits): void {
  metrics.family("shiftfeed_refused_total", "Requests and connections refused, by limit", "counter", () =>
    Object.entries(protection.status().refused).map(([limit, n]) => [{ limit }, n]),
  );
  metrics.gauge(
    "shiftfeed_inflight_work",
    "Units of expensive work in flight (all threads)",
    () => protection.status().inflight,
  );
  metrics.gauge("shiftfeed_inflight_limit", "MAX_INFLIGHT", () => protection.settings.maxInflight);
  metrics.gauge("shiftfeed_shedding", "1 while expensive work is being shed (within the last 5 s)", () =>
    protection.status().shedding ? 1 : 0,
  );
  metrics.gauge(
    "shiftfeed_client_address_unusable_total",
    "Requests whose CLIENT_IP_HEADER named no usable address (counted against the proxy's own address)",
    () => protection.status().unusableAddresses,
  );
  metrics.gauge("shiftfeed_open_connections", "Open client connections (all threads)", () =>
    openConnections(limits.connectionCounters),
  );
  metrics.gauge(
    "shiftfeed_pre_request_connections",
    "Open connections that have not yet sent a whole request (all threads)",
    () => preRequestStatus(limits.connectionCounters).open,
  );
  metrics.family(
    "shiftfeed_pre_request_closed_total",
    "Connections closed before their request: no first byte in time, room made for a new one at a bound, over an address's idle share",
    "counter",
    () => {
      const status = preRequestStatus(limits.connectionCounters);
      return [
        [{ reason: "first_byte_timeout" }, status.closedFirstByte],
        [{ reason: "room_for_new" }, status.closedForNew],
        [{ reason: "idle_per_address" }, status.closedIdlePerAddress],
      ];
    },
  );
}
