/**
 * A small client for shiftfeed's admin API (docs/api.md › Admin API), from outside the process: bearer auth,
 * `503` answered by waiting its `Retry-After` and trying again, jobs polled until they finish.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** What `GET /admin/jobs/{id}` answers. */
export interface Job {
  id: string;
  state: "queued" | "running" | "succeeded" | "failed";
  done: number;
  total: number;
  /** Feeds whose bytes changed. */
  updated: number;
  errors: { scope: string; message: string }[];
}

/** The `feed` part of a person or schedule lookup. */
export interface FeedInfo {
  url: string;
  etag: string;
  lastModified: string;
  events?: number;
  bytes?: number;
}

/** An admin API answer that was not 2xx (after any retries). */
export class AdminError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
    this.status = status;
    this.body = body;
  }
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);

/** Seconds to wait for a `Retry-After` value (delta-seconds or an HTTP date); 1 when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number {
  if (!value) return 1;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1 : Math.max(0, (at - now) / 1000);
}

export interface AdminClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8787`. */
  url: string;
  token: string;
  /** How many `503`s one call waits out before it gives up (default 20). */
  maxRetries?: number;
  /** Longest wait for one `Retry-After`, in seconds (default 60). */
  maxWaitSeconds?: number;
  /**
   * Longest total wait of one call across its `503`s, in seconds (default: no bound beyond `maxRetries`): a wait
   * that would go past it is not started, and the `503` is answered.
   */
  maxRetrySeconds?: number;
  /** Told about each wait, e.g. to print it, with the `503`'s body (the server's reason). */
  onRetry?: (what: string, seconds: number, body: string) => void;
}

/** Told about each `503` one call waits out: the wait in seconds and the answer's body (the server's reason). */
export type RetryListener = (seconds: number, body: string) => void;

/** A bound admin client. */
export interface AdminClient {
  /** Sends a request, waiting out `503`s; resolves with any other answer, body read as text. */
  send(
    method: string,
    path: string,
    body?: Uint8Array<ArrayBuffer> | string,
    onRetry?: RetryListener,
  ): Promise<{ status: number; text: string }>;
  /** Like `send`, but a non-2xx answer throws `AdminError`, and the body is parsed as JSON. */
  json<T>(method: string, path: string, body?: Uint8Array<ArrayBuffer> | string): Promise<T>;
  /**
   * Polls a job every `intervalMs` (default 250) until it has succeeded or failed, or `timeoutSeconds` (default:
   * none) have passed; answers the job as last seen.
   */
  waitForJob(
    id: string,
    onProgress?: (job: Job) => void,
    options?: { intervalMs?: number; timeoutSeconds?: number },
  ): Promise<Job>;
}

/**
 * @example
 * const admin = createAdminClient({ url: "http://127.0.0.1:8787", token });
 * const { feed } = await admin.json<{ feed: FeedInfo }>("GET", "/admin/orgs/unity/people/p000001");
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const base = options.url.replace(/\/+$/, "");
  const maxRetries = options.maxRetries ?? 20;
  const maxWait = options.maxWaitSeconds ?? 60;
  const maxTotal = options.maxRetrySeconds ?? Infinity;
  const once = (method: string, path: string, body?: Uint8Array<ArrayBuffer> | string) =>
    fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
  // A server whose event loop was busy for longer than its keep-alive timeout closes the idle connection just as
  // the next request goes out on it; an idempotent request (RFC 9110 §9.2.2) is simply sent again.
  const fetchRetrying = async (method: string, path: string, body?: Uint8Array<ArrayBuffer> | string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(method, path, body);
      } catch (error) {
        if (!IDEMPOTENT.has(method) || attempt >= 3) {
          const cause = (error as { cause?: unknown }).cause;
          throw new Error(
            `${method} ${path}: ${(error as Error).message}${cause ? ` (${String(cause)})` : ""}`,
          );
        }
        await sleep(100 * attempt);
      }
    }
  };
  const send: AdminClient["send"] = async (method, path, body, onRetry) => {
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      const res = await fetchRetrying(method, path, body);
      const text = await res.text();
      if (res.status !== 503 || attempt >= maxRetries) return { status: res.status, text };
      const seconds = Math.min(maxWait, retryAfterSeconds(res.headers.get("retry-after")));
      if (waited + seconds > maxTotal) return { status: res.status, text };
      waited += seconds;
      options.onRetry?.(`${method} ${path}`, seconds, text);
      onRetry?.(seconds, text);
      await sleep(seconds * 1000);
    }
  };
  const json: AdminClient["json"] = async <T>(
    method: string,
    path: string,
    body?: Uint8Array<ArrayBuffer> | string,
  ) => {
    const { status, text } = await send(method, path, body);
    if (status < 200 || status > 299) throw new AdminError(status, text, `${method} ${path}`);
    return JSON.parse(text) as T;
  };
  return {
    send,
    json,
    async waitForJob(id, onProgress, { intervalMs = 250, timeoutSeconds = Infinity } = {}) {
      const started = performance.now();
      for (;;) {
        const job = await json<Job>("GET", `/admin/jobs/${encodeURIComponent(id)}`);
        onProgress?.(job);
        if (job.state === "succeeded" || job.state === "failed") return job;
        if ((performance.now() - started) / 1000 >= timeoutSeconds) return job;
        await sleep(intervalMs);
      }
    },
  };
}
