/**
 * What listens on the service's port, from before the database opens until the service stops: the main thread's
 * own server (`SERVE_THREADS=0`) or the serving threads (`serve-threads.ts`). Both take the port at once and
 * answer `503` with `Retry-After` until they are handed the loaded service (`open`), from which on every request
 * gets the real answer. A listener is never closed and replaced during start-up: one that closed would reset the
 * connections queued on it (with `SO_REUSEPORT` each listening socket has its own accept queue).
 */
import type { Server } from "node:http";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import type { ConnectionGuardOptions } from "./connection-guard.ts";
import { createHttpServer, listen, requestListener } from "./http-server.ts";
import { closeServer, starting } from "./listening.ts";
import type { ServeOpenData, ServingThreadData } from "./serve-protocol.ts";
import { startServeThreads, type MainAnswers } from "./serve-threads.ts";

/** The loaded service as the listeners answer with it: the main app, and what serving threads need of it. */
export interface LoadedService extends MainAnswers {
  /** The secrets serving threads check links and admin requests with. */
  secrets: ServeOpenData;
  /** Registers who is told when the validator index is replaced by a larger one. */
  onIndexReplace?: (listener: (buffer: SharedArrayBuffer) => void) => void;
}

export interface Listeners {
  /**
   * Hands over the loaded service; resolves once every listener answers with it (all serving threads at once).
   * @throws when a serving thread could not start or open the database.
   */
  open(service: LoadedService): Promise<void>;
  /** Gathers what serving threads have noted and not reported yet: log lines, counters, who-polls notes. */
  gather(): Promise<void>;
  /** Stops listening, the serving threads' last notes gathered first. Once, whoever calls it. */
  close(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  host: string;
  metrics: Metrics;
  /** Timeouts and bounds on open connections. */
  guard: ConnectionGuardOptions;
  timeouts: ServingThreadData["limits"]["connections"];
}

/** The main thread's own server, listening once this resolves. */
export async function listenInProcess(options: ListenOptions): Promise<Listeners> {
  /** Handed over once, by `open`. */
  let service: LoadedService | null = null;
  const http: Server = createHttpServer(
    // The runtime's env goes along: it holds the socket, whose peer address the per-client limits key on.
    requestListener((request, env) => (service === null ? starting() : service.fetch(request, env))),
    options.metrics,
    { timeouts: options.timeouts, guard: options.guard },
  );
  await listen(http, { port: options.port, host: options.host, reusePort: true });
  let closing: Promise<void> | null = null;
  return {
    open: async (loaded) => void (service = loaded),
    gather: () => Promise.resolve(),
    close: () => (closing ??= closeServer(http)),
  };
}

/**
 * Serving threads, started now and coming up while the main thread opens the database (the two take about as
 * long); a thread that fails to start fails `open`.
 */
export function startServingThreads(options: {
  count: number;
  data: Omit<ServingThreadData, "ready">;
  logger: Logger;
  metrics: Metrics;
}): Listeners {
  const up = startServeThreads(options);
  up.catch(() => undefined); // `open` reports it; `close` stops what did start
  let opened = false;
  let closing: Promise<void> | null = null;
  return {
    open: async (loaded) => {
      const threads = await up;
      // Every thread opens its connection, then all of them answer for real at once.
      loaded.onIndexReplace?.((buffer) => threads.replaceIndex(buffer));
      await threads.open(loaded.secrets, loaded);
      opened = true;
    },
    gather: async () => (await up.catch(() => null))?.flush(),
    close: () =>
      (closing ??= (async () => {
        const threads = await up.catch(() => null);
        if (threads === null) return;
        // The threads' last who-polls notes, gathered before they stop, go out with the fetch log's last write.
        if (opened)
          await Promise.race([threads.flush(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        await threads.close();
      })()),
  };
}
