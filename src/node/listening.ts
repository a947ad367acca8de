/**
 * Listening around start-up: the port probed free before any work, and the `503` with `Retry-After` that whatever
 * listens answers while the database opens (never an empty calendar, never a 404).
 */
import type { Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";

/** While the service loads: every request gets this (never an empty calendar, never a 404). */
export function starting(): Response {
  const body = { error: { code: "unavailable", message: "shiftfeed is starting.", details: [] } };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "retry-after": "2",
      "cache-control": "no-store",
    },
  });
}

/**
 * The port to use, checked free: bound once without `SO_REUSEPORT` and let go. Every listener of this process
 * sets `SO_REUSEPORT`; probing without it first keeps a second process (even another shiftfeed) from silently
 * sharing the port.
 */
export async function probePort(port: number, host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen({ port, host }, () => resolve());
  });
  const bound = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return bound;
}

/** Stops a server listening and closes its connections. */
export function closeServer(http: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!http.listening) return resolve();
    http.close(() => resolve());
    http.closeIdleConnections();
    setTimeout(() => http.closeAllConnections(), 1000).unref();
  });
}
