/**
 * A snapshot's content hash: SHA-256 (hex) of its canonical JSON, `JSON.stringify(snapshot)` — what makes an
 * identical replay `unchanged`. Computed over the JSON a record at a time, with an incremental SHA-256, so a
 * 16 MiB snapshot's hash costs no 16 MiB string (and no 16 MiB of its bytes) beside the snapshot itself (Web
 * Crypto digests only whole buffers: `Sha256` is the incremental one of `digest.ts`).
 */
import { toHex } from "../digest.ts";
import type { TextSha256 } from "../compress.ts";
import { Sha256 } from "../sha256.ts";
import type { Snapshot } from "./types.ts";

/**
 * SHA-256 hex of `JSON.stringify(snapshot)`, without building that string.
 * @param hash the incremental hasher to feed (a runtime's native one, see `Codec.textSha256`), else `Sha256`.
 */
export function canonicalHash(snapshot: Snapshot, hash: TextSha256 = new Sha256()): string {
  for (const part of canonicalParts(snapshot)) hash.update(part);
  return toHex(hash.digest());
}

/**
 * `JSON.stringify(snapshot)` as consecutive strings: the top-level keys as `JSON.stringify` writes them (own
 * enumerable keys in order, `undefined` ones left out), each array one element at a time.
 */
export function* canonicalParts(snapshot: Snapshot): Generator<string> {
  let first = true;
  for (const [key, value] of Object.entries(snapshot)) {
    if (value === undefined) continue;
    const name = `${first ? "{" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(value)) {
      yield name + JSON.stringify(value);
      continue;
    }
    yield `${name}[`;
    for (let i = 0; i < value.length; i++) yield (i === 0 ? "" : ",") + (JSON.stringify(value[i]) ?? "null");
    yield "]";
  }
  yield first ? "{}" : "}";
}
