/**
 * In-memory `BlobStore` for tests and single-process development. Bytes are copied on the way in and
 * out, so neither the writer nor a reader can change a stored value by mutating its array.
 */
import { assertValidKey, type BlobStore } from "./blob-store.ts";

/**
 * Creates an empty in-memory store. Keys are validated exactly as on every other backend.
 *
 * @example
 * const store = createMemoryStore();
 * await store.put("feeds/ab/x.ics.gz", bytes);
 * await store.get("feeds/ab/x.ics.gz"); // a copy of `bytes`
 */
export function createMemoryStore(): BlobStore {
  const values = new Map<string, Uint8Array>();
  return {
    async get(key) {
      assertValidKey(key);
      const value = values.get(key);
      return value === undefined ? null : value.slice();
    },
    async put(key, value) {
      assertValidKey(key);
      values.set(key, value.slice());
    },
    async delete(key) {
      assertValidKey(key);
      values.delete(key);
    },
    async list(prefix) {
      return [...values.keys()].filter((key) => key.startsWith(prefix)).sort();
    },
  };
}
