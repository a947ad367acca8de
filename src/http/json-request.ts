/**
 * The one rule for request bodies of the JSON routes (publish, regenerate): `Content-Type: application/json`,
 * charset (if given) UTF-8, parsed by `media-type.ts`; no content coding; read with the size cap and idle timeout
 * of `read-body.ts`. Anything else is `415 Unsupported Media Type` (RFC 9110 §15.5.16), before the body is read.
 */
import { ServiceError } from "../core/errors.ts";
import { parseMediaType } from "./media-type.ts";
import { readBodyCapped } from "./read-body.ts";

export interface JsonRequestOptions {
  /** Largest accepted body, in bytes. */
  limit: number;
  /** Allow an empty body without `Content-Type` (regenerate: "everything"). Default false. */
  emptyAllowed?: boolean;
  /** Longest wait for the next chunk of the body, in ms. Default `BODY_IDLE_TIMEOUT_MS` (10 s). */
  idleTimeoutMs?: number;
}

const WANTED = "The body must be `application/json` (UTF-8).";

/**
 * Checks the headers of a JSON request, then reads its body.
 *
 * @throws ServiceError `unsupported_media_type` (415) for a content coding, another media type or charset, an
 *   unparsable or ambiguous `Content-Type`, or a body without one; `payload_too_large` (413) past `limit`;
 *   `request_timeout` (408) for a body that stalls or ends early.
 */
export async function readJsonRequest(request: Request, options: JsonRequestOptions): Promise<Uint8Array> {
  checkContentEncoding(request.headers.get("content-encoding"));
  const contentType = request.headers.get("content-type");
  if (contentType !== null) checkJsonMediaType(contentType);
  else if (!options.emptyAllowed) {
    throw new ServiceError("unsupported_media_type", `${WANTED} The request has no \`Content-Type\`.`);
  }
  const bytes = await readBodyCapped(request, options.limit, options.idleTimeoutMs);
  if (contentType === null && bytes.length > 0) {
    throw new ServiceError(
      "unsupported_media_type",
      `${WANTED} The request has a body but no \`Content-Type\`.`,
    );
  }
  return bytes;
}

/**
 * Only `identity` (or no `Content-Encoding`) is accepted: a coded body would be read as garbage JSON. The 415
 * carries `Accept-Encoding: identity`, as RFC 9110 §15.5.16 asks. Empty list elements are ignored (§5.6.1).
 */
function checkContentEncoding(value: string | null): void {
  if (value === null) return;
  const codings = value.split(",").map((c) => c.trim().toLowerCase());
  const other = codings.find((c) => c !== "" && c !== "identity");
  if (other === undefined) return;
  throw new ServiceError(
    "unsupported_media_type",
    `The body must not be compressed or otherwise encoded: \`Content-Encoding: ${other.slice(0, 32)}\` is not supported.`,
    [],
    {},
    { "accept-encoding": "identity" },
  );
}

function checkJsonMediaType(value: string): void {
  const parsed = parseMediaType(value);
  if (!parsed.ok) {
    throw new ServiceError(
      "unsupported_media_type",
      `${WANTED} \`Content-Type\` is not readable: ${parsed.problem}.`,
    );
  }
  const { type, subtype, parameters } = parsed.mediaType;
  if (type !== "application" || subtype !== "json") {
    throw new ServiceError(
      "unsupported_media_type",
      `${WANTED} The request says \`${`${type}/${subtype}`.slice(0, 64)}\`.`,
    );
  }
  const charset = parameters.get("charset");
  if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
    throw new ServiceError(
      "unsupported_media_type",
      `${WANTED} The request says charset \`${charset.slice(0, 32)}\`.`,
    );
  }
}
