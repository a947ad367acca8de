/**
 * Feed requests on Node, answered straight from `node:http` by the runtime-neutral `answerFeed` (the Hono route
 * calls the same function): the hot path of a calendar service — a `304` or a cached body to a poller — skips
 * building a web `Request` and `Response` per request. Every other request goes to `fallback` (the Hono app).
 * Only the exact `/feeds/` prefix comes here; odd spellings (`//feeds/…`, `/FEEDS/…`) take the app's 404.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { Readable, pipeline } from "node:stream";
import type { Metrics } from "../core/metrics.ts";
import { answerFeed, type FeedRouteDeps } from "../http/feed-answer.ts";
import { requestClient } from "../http/token-gate.ts";

export interface FeedListenerDeps extends FeedRouteDeps {
  metrics: Metrics;
  /** Request ids for the `X-Request-Id` header. */
  newId: () => string;
  /** Told about unexpected failures (never the path: it holds the token). */
  onError: (error: unknown) => void;
}

const header = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
};

/** A listener answering `/feeds/…` itself and handing everything else to `fallback`. */
export function feedListener(
  deps: FeedListenerDeps,
  fallback: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): RequestListener {
  // Per status, the request counter, made once; per connection, its client key (the peer does not change).
  const answered = new Map<number, () => void>();
  const count = (status: number) => {
    let inc = answered.get(status);
    if (inc === undefined) {
      const labels = { route: "feed", status };
      answered.set(
        status,
        (inc = deps.metrics.counter("shiftfeed_http_requests_total", "HTTP requests answered", labels)),
      );
    }
    inc();
  };
  const peers = new WeakMap<object, string | null>();
  const clientOf = (req: IncomingMessage): string | null => {
    const proxied = deps.clientIpHeader;
    if (proxied) return requestClient(deps.protection, req.socket.remoteAddress, header(req, proxied));
    let key = peers.get(req.socket);
    if (key === undefined)
      peers.set(req.socket, (key = requestClient(deps.protection, req.socket.remoteAddress, null)));
    return key;
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (!url.startsWith("/feeds/")) {
      fallback(req, res).catch(deps.onError);
      return;
    }
    const cut = url.search(/[?#]/);
    answerFeed(deps, {
      method: req.method ?? "GET",
      rawPath: cut < 0 ? url : url.slice(0, cut),
      ifNoneMatch: header(req, "if-none-match"),
      ifModifiedSince: header(req, "if-modified-since"),
      acceptEncoding: header(req, "accept-encoding"),
      userAgent: header(req, "user-agent"),
      client: clientOf(req),
    }).then(
      (answer) => {
        count(answer.status);
        const headers = answer.headers; // the answer's own object: no copy
        headers["x-request-id"] = deps.newId();
        res.writeHead(answer.status, headers);
        sendBody(res, answer.body, deps.onError);
      },
      (error: unknown) => {
        deps.onError(error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end('{"error":{"code":"internal","message":"Internal error.","details":[]}}');
      },
    );
  };
}

/**
 * Request ids in the form of a UUID without a random draw per request: one random UUID per listener, whose last 12
 * hex digits count the requests it answered. Unique within a run (a thread answers far fewer than 2^48 requests),
 * and as opaque to clients as a random one — a feed answer's id is never logged (the path holds a token).
 */
export function countingIds(): () => string {
  const base = randomUUID().slice(0, 24);
  let next = 0;
  return () => base + (next++).toString(16).padStart(12, "0");
}

/**
 * Sends an answer's body: bytes at once, a stream part by part. A stream that fails after the status line went out
 * (its stored parts vanished while it was sent) cuts the connection, so the client sees an incomplete answer and
 * keeps the calendar it has — never a short feed that looks whole — and the failure is reported, never thrown:
 * an error event nobody listens to would end the serving thread. A client that hangs up is no failure.
 */
export function sendBody(
  res: ServerResponse,
  body: Uint8Array | string | ReadableStream<Uint8Array> | null,
  onError: (error: unknown) => void,
): void {
  if (!(body instanceof ReadableStream)) {
    res.end(body ?? undefined);
    return;
  }
  pipeline(Readable.fromWeb(body as never), res, (error) => {
    if (error && (error as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE") onError(error);
  });
}
