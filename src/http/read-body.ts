/**
 * Reads a request body with a hard size cap, so an oversized upload costs at most `limit` bytes of memory, and an
 * idle timeout, so a client that stops sending cannot hold a request open. A body that never fully arrives
 * (timeout, or the client closing early) is a `request_timeout` (408), never an internal error.
 */
import { joinBytes } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";

/** Default longest wait for the next chunk of a body, in milliseconds. */
export const BODY_IDLE_TIMEOUT_MS = 10_000;

/**
 * The `413` of a body over `limit` bytes. One wording for the server and for `shiftfeed validate`, which applies
 * the same limit (`MAX_SNAPSHOT_BYTES`) to a file before it is ever sent.
 */
export function bodyTooLarge(limit: number): ServiceError {
  return new ServiceError("payload_too_large", `The body is larger than the limit of ${limit} bytes.`, [], {
    limit,
  });
}

/**
 * Reads at most `limit` bytes; throws `payload_too_large` past it (early when Content-Length says so), and
 * `request_timeout` when no chunk arrives for `idleTimeoutMs` or the connection ends before the body does.
 */
export async function readBodyCapped(
  request: Request,
  limit: number,
  idleTimeoutMs = BODY_IDLE_TIMEOUT_MS,
): Promise<Uint8Array> {
  const tooLarge = () => bodyTooLarge(limit);
  refuseDeclaredOverLimit(request, limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await nextChunk(reader, idleTimeoutMs);
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return joinBytes(chunks);
}

/**
 * Throws {@link bodyTooLarge} when the request's `Content-Length` is over `limit`, without touching the body: a
 * client that sent `Expect: 100-continue` is answered before it sends a byte of it.
 */
export function refuseDeclaredOverLimit(request: Request, limit: number): void {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw bodyTooLarge(limit);
}

/** The next chunk, or a `request_timeout` when it takes longer than `ms` or the stream breaks (client gone). */
function nextChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reader.cancel().catch(() => {});
      reject(
        new ServiceError(
          "request_timeout",
          `The request body stopped arriving: nothing was received for ${ms / 1000} s.`,
        ),
      );
    }, ms);
    reader.read().then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      () => {
        clearTimeout(timer);
        reject(
          new ServiceError(
            "request_timeout",
            "The request body ended early: the connection closed before all of it arrived.",
          ),
        );
      },
    );
  });
}
