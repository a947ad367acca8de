/**
 * Where a partner key lives on Workers. Each key is kept by its organization's Durable Object (its
 * `partner_keys` table, as in the Node store), but neither a key nor a key id names its organization, and asking
 * every organization would cost a call per organization for each revocation or partner request. So the object
 * that creates a key first writes two tiny R2 objects, both empty, naming the organization in their metadata:
 * `partner-keys/id/{id}` (a revocation goes to one object: one `head`) and `partner-keys/hash/{SHA-256 of the
 * key}` (a partner request goes to one object, and an unknown key is refused at the edge with no object call).
 * R2 is strongly consistent, so a key works from the very next request after its creation answers.
 *
 * The index only routes: the organization's object checks the key (hash, revocation, quota) on every request,
 * so a revoked key is refused on the very next request whatever the index says. A revocation deletes the hash
 * entry too, so a revoked key then costs what an unknown one does. A key never moves to another organization, so
 * a Worker isolate keeps what it has read of the hash entries (bounded); it never keeps an absence.
 */
import { sha256Hex } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import { PARTNER_KEY } from "../core/partners/partner-reader.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import type { PartnerKeyRow } from "../core/store/partner-keys-table.ts";
import { workerLogger } from "./logger.ts";

const BY_ID = "partner-keys/id/";
const BY_HASH = "partner-keys/hash/";
/** Key ids are `pk_` and base64url; anything else names no key and is not looked up. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Hash entries an isolate keeps (cleared when full). */
const KEPT_MAX = 10_000;

/** A key's organization and id, as the index names them. */
export interface KeyPlace {
  org: string;
  id: string;
}

/** A key as its organization's object hands it over: the row, or why it was not made (a `not_found` message). */
export type MadeKey = { row: PartnerKeyRow } | { notFound: string };

/**
 * In the organization's object: stores a new key, its index entries first (an entry without its key opens
 * nothing; a key without its entries could be neither used nor revoked).
 */
export async function storePartnerKey(
  service: FeedService,
  bucket: R2Bucket,
  input: Omit<PartnerKeyRow, "keyHash" | "createdAt" | "revokedAt">,
  key: string,
): Promise<MadeKey> {
  try {
    if (service.org(input.org) !== null) {
      await indexPartnerKey(bucket, { id: input.id, org: input.org, keyHash: await sha256Hex(key) });
    }
    return { row: await service.createPartnerKey(input, key) };
  } catch (error) {
    // The error's class does not cross the call: its message does.
    if (error instanceof ServiceError && error.code === "not_found") return { notFound: error.message };
    throw error;
  }
}

/** In the organization's object: revokes a key (refused from the very next request), then drops its hash entry. */
export async function revokeStoredKey(
  service: FeedService,
  bucket: R2Bucket,
  id: string,
): Promise<PartnerKeyRow | null> {
  const row = service.revokePartnerKey(id);
  // The entry only routes: a revoked key is refused by the object whether or not it is gone.
  if (row !== null) {
    await unindexKeyHash(bucket, row.keyHash).catch((error: unknown) => {
      workerLogger.warn("partner_index_delete_failed", { id, error: String(error) });
    });
  }
  return row;
}

/** Writes a new key's entries. */
export async function indexPartnerKey(
  bucket: R2Bucket,
  key: { id: string; org: string; keyHash: string },
): Promise<void> {
  const empty = new Uint8Array(0);
  await Promise.all([
    bucket.put(BY_ID + key.id, empty, { customMetadata: { org: key.org } }),
    bucket.put(BY_HASH + key.keyHash, empty, { customMetadata: { org: key.org, id: key.id } }),
  ]);
}

/** The organizations a key id's and a key hash's entries name (none: neither written). Two R2 `head`s. */
export async function partnerEntryOwners(bucket: R2Bucket, id: string, keyHash: string): Promise<string[]> {
  const heads = await Promise.all([bucket.head(BY_ID + id), bucket.head(BY_HASH + keyHash)]);
  return heads.flatMap((head) => head?.customMetadata?.["org"] ?? []);
}

/** Writes a revoked key's id entry only (a restored organization's revoked key stays listed and refused). */
export async function indexRevokedKey(bucket: R2Bucket, key: { id: string; org: string }): Promise<void> {
  await bucket.put(BY_ID + key.id, new Uint8Array(0), { customMetadata: { org: key.org } });
}

/** Deletes a revoked key's hash entry (its id entry stays: the revoked key is still listed and shown). */
export async function unindexKeyHash(bucket: R2Bucket, keyHash: string): Promise<void> {
  await bucket.delete(BY_HASH + keyHash);
}

/** The Worker's reads of the index. */
export class PartnerKeyIndex {
  readonly #bucket: R2Bucket;
  readonly #kept = new Map<string, KeyPlace>();

  constructor(bucket: R2Bucket) {
    this.#bucket = bucket;
  }

  /** The organization of a key id, or `null` (never created). One R2 `head`. */
  async orgOfId(id: string): Promise<string | null> {
    if (!KEY_ID.test(id)) return null;
    const head = await this.#bucket.head(BY_ID + id);
    return head?.customMetadata?.["org"] ?? null;
  }

  /**
   * Where the key a bearer value would be lives, or `null`: malformed (no read), never created or revoked (one
   * R2 `head`). A key seen before costs no read.
   */
  async place(bearer: string): Promise<KeyPlace | null> {
    if (!PARTNER_KEY.test(bearer)) return null;
    const hash = await sha256Hex(bearer);
    const kept = this.#kept.get(hash);
    if (kept !== undefined) return kept;
    const head = await this.#bucket.head(BY_HASH + hash);
    const org = head?.customMetadata?.["org"];
    const id = head?.customMetadata?.["id"];
    if (org === undefined || id === undefined) return null;
    if (this.#kept.size >= KEPT_MAX) this.#kept.clear();
    const place = { org, id };
    this.#kept.set(hash, place);
    return place;
  }
}
