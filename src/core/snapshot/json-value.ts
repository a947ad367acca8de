/** The untrusted JSON object shape that validation inspects before (and besides) the zod schema. */

/** A JSON object whose values are not yet checked. */
export type Json = Record<string, unknown>;

/** True for a JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
