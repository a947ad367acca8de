/**
 * The closed set of error codes the service answers with, and the value that carries one.
 * The HTTP edge maps each code to a status in one place (`src/http/errors.ts`).
 */

export const ERROR_CODES = [
  "bad_request",
  "invalid_json",
  "unsupported_media_type",
  "payload_too_large",
  "request_timeout",
  "invalid_snapshot",
  "stale_revision",
  "conflict",
  "not_found",
  "method_not_allowed",
  "unauthorized",
  "admin_disabled",
  "rate_limited",
  "unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem found in a request body, located by its JSON path (`$.assignments[3].date`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** An expected failure, carried as a value up to the HTTP edge. */
export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly extra: Record<string, unknown>;
  /** Response headers the protocol asks for with this error (e.g. `Accept-Encoding` on a 415). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetail[] = [],
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ServiceError";
    this.code = code;
    this.details = details;
    this.extra = extra;
    this.headers = headers;
  }
}
