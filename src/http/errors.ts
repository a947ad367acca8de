/**
 * The one place error codes become HTTP: status per code, and the JSON error body (docs/api.md)
 * `{ "error": { "code", "message", "details" } }`. Bodies never carry tokens or stack traces.
 */
import type { ErrorCode } from "../core/errors.ts";
import { ServiceError } from "../core/errors.ts";

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  request_timeout: 408,
  invalid_snapshot: 422,
  stale_revision: 409,
  conflict: 409,
  not_found: 404,
  method_not_allowed: 405,
  unauthorized: 401,
  admin_disabled: 503,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The status, headers and JSON text of a service error's answer (extra fields join the error object). */
export function errorBody(
  error: ServiceError,
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string>; body: string } {
  const body = {
    error: { code: error.code, message: error.message, details: error.details, ...error.extra },
  };
  return {
    status: STATUS_BY_CODE[error.code],
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...error.headers,
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** A JSON error response for a service error (extra fields such as `currentRevision` join the error object). */
export function errorResponse(error: ServiceError, headers: Record<string, string> = {}): Response {
  const answer = errorBody(error, headers);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** Turns anything thrown into a service error; unexpected errors become a bare `internal`. */
export function toServiceError(error: unknown): ServiceError {
  return error instanceof ServiceError ? error : new ServiceError("internal", "Internal error.");
}
