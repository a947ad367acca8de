/**
 * Feed requests on Node, answered straight from `node:http` by the runtime-neutral `answerFeed` (the Hono route
 * calls the same function): the hot path of a calendar service — a `304` or a cached body to a poller — skips
 * building a web `Request` and `Response` per request. Every other request goes to `fallback` (the Hono app).
 * Only the exact `/feeds/` prefix comes here; odd spellings (`//feeds/…`, `/FEEDS/…`) take the app's 404.
 */
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
      client: requestClient(
        deps.protection,
        req.socket.remoteAddress,
        deps.clientIpHeader ? header(req, deps.clientIpHeader) : null,
      ),
    }).then(
      (answer) => {
        deps.metrics.inc("shiftfeed_http_requests_total", "HTTP requests answered", {
          route: "feed",
          status: answer.status,
        });
        res.writeHead(answer.status, { ...answer.headers, "x-request-id": deps.newId() });
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
