/**
 * Reads a request body with a hard size cap, so an oversized upload costs at most `limit` bytes of memory.
 */
import { ServiceError } from "../core/errors.ts";

/** Reads at most `limit` bytes; throws `payload_too_large` past it (early when Content-Length says so). */
export async function readBodyCapped(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  const tooLarge = () =>
    new ServiceError("payload_too_large", `The body is larger than the limit of ${limit} bytes.`, [], {
      limit,
    });
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
