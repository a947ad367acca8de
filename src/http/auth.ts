/**
 * Admin bearer authentication (RFC 6750 §2.1). The secret is compared as SHA-256 digests in constant time,
 * so neither a wrong length nor a matching prefix shows in the timing. No secret configured: fail closed.
 */
import type { MiddlewareHandler } from "hono";
import { equalBytes, sha256 } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import { errorResponse } from "./errors.ts";

/** The scheme's name in any case (RFC 9110 §11.1), the credential as sent. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Middleware that lets a request through only with `Authorization: Bearer <adminToken>`.
 * @param adminToken the secret, or `null`/empty when none is configured (every admin request then gets 503).
 */
export function requireAdmin(adminToken: string | null): MiddlewareHandler {
  const expected = adminToken ? sha256(adminToken) : null;
  const challenge = { "www-authenticate": 'Bearer realm="shiftfeed-admin"' };
  return async (c, next) => {
    if (!expected) {
      return errorResponse(
        new ServiceError("admin_disabled", "The admin API is disabled: no admin secret is configured."),
      );
    }
    const header = c.req.header("authorization");
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) {
      return errorResponse(new ServiceError("unauthorized", "A bearer token is required."), challenge);
    }
    const given = await sha256(match[1]!);
    if (!equalBytes(given, await expected)) {
      return errorResponse(new ServiceError("unauthorized", "The bearer token is not valid."), {
        "www-authenticate": 'Bearer realm="shiftfeed-admin", error="invalid_token"',
      });
    }
    await next();
  };
}
