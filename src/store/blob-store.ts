/**
 * The one storage interface every backend implements: keys to immutable-until-replaced bytes.
 *
 * Keys are `/`-separated segments of `[A-Za-z0-9._-]` (no empty, `.` or `..` segment), at most 512 characters.
 * The core shards its keys itself (`feeds/ab/…`), so a backend maps keys to its medium directly.
 */
export interface BlobStore {
  /** The stored bytes, or `null` when the key is absent (a miss is not an error). */
  get(key: string): Promise<Uint8Array | null>;
  /** Stores bytes under a key, replacing any value atomically: a reader sees the old or the new bytes, whole. */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Removes a key; removing an absent key is a no-op. */
  delete(key: string): Promise<void>;
  /** Every key that starts with `prefix`, sorted by UTF-16 code unit. */
  list(prefix: string): Promise<string[]>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws a `TypeError` naming the key when it is not a valid store key. */
export function assertValidKey(key: string): void {
  if (key.length === 0 || key.length > 512)
    throw new TypeError(`store key \`${key}\` must be 1–512 characters`);
  for (const segment of key.split("/")) {
    if (!SEGMENT.test(segment) || segment === "." || segment === "..") {
      throw new TypeError(`store key \`${key}\` has an invalid segment \`${segment}\``);
    }
  }
}
