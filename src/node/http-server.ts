/**
 * One Node HTTP server as every thread that listens configures it: the Hono app's `fetch`, timeouts that cut
 * slow or stalled clients off (slowloris), and the JSON answers for requests Node's parser refuses.
 */
import { getRequestListener } from "@hono/node-server";
import { createServer, type RequestListener, type Server } from "node:http";
import type { Metrics } from "../core/metrics.ts";
import { answerClientErrors } from "./client-errors.ts";
import type { ConnectionSettings } from "../core/config.ts";
import { guardConnections, type ConnectionGuardOptions } from "./connection-guard.ts";
import { feedListener, type FeedListenerDeps } from "./feed-listener.ts";

/** Longest wait for a request's headers, for a whole request, and between requests on a kept-alive socket (ms). */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * How often Node checks the header and request timeouts (ms). Node's default is 30 s, which lets a slowloris
 * keep a socket up to 30 s past `headersTimeout`.
 */
const TIMEOUT_CHECK_MS = 1_000;

/**
 * Connections the kernel queues for each listening socket before they are accepted (capped by
 * `net.core.somaxconn`). Node's default of 511 overflows when a thousand clients connect at once, and a dropped SYN
 * costs the client a 1 s retransmission — an ordinary poll included.
 */
const LISTEN_BACKLOG = 4096;

export interface HttpServerOptions {
  /** Timeouts (defaults above). */
  timeouts?: Pick<ConnectionSettings, "headersTimeoutMs" | "requestTimeoutMs" | "keepAliveTimeoutMs">;
  /** Bounds on open connections, shared across threads. */
  guard?: ConnectionGuardOptions;
}

/** A `node:http` listener answering with `fetch`, and feed paths directly through `feeds` when given. */
export function requestListener(
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>,
  feeds?: FeedListenerDeps,
): RequestListener {
  const app = getRequestListener(fetch);
  return feeds ? feedListener(feeds, app) : app;
}

/** A server answering with `listener`; requests refused by the parser are counted in `metrics`. */
export function createHttpServer(
  listener: RequestListener,
  metrics: Metrics,
  options: HttpServerOptions = {},
): Server {
  const http = createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_MS }, listener);
  http.headersTimeout = options.timeouts?.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  http.requestTimeout = options.timeouts?.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  http.keepAliveTimeout = options.timeouts?.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS;
  if (options.guard) guardConnections(http, options.guard);
  answerClientErrors(http, (status) =>
    metrics.inc("shiftfeed_http_requests_total", "HTTP requests answered", { route: "other", status }),
  );
  return http;
}

/** Binds a server; rejects (instead of emitting an unhandled `error`) when the address is unusable. */
export function listen(
  server: Server,
  options: { port: number; host: string; reusePort?: boolean },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once("error", fail);
    const { port, host } = options;
    server.listen({ port, host, reusePort: options.reusePort ?? false, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", fail);
      resolve();
    });
  });
}
