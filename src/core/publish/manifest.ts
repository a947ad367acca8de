/**
 * The per-organization manifest: the one small document whose atomic replacement makes a publish live.
 * Everything a `304` needs (validators, token hashes) is here, so serving never reads a feed body for one.
 *
 * In memory every id-keyed collection is a `Map`: ids such as `constructor` or `__proto__` are valid, and as
 * plain-object keys they would find `Object.prototype` members. On disk the manifest is JSON with objects.
 */
import type { Snapshot, Tier } from "../snapshot/types.ts";
import type { History } from "../feeds/history.ts";
import type { FeedKey } from "./keys.ts";

/** A live feed: its body's key, validators and the hash of its token (never the token itself). */
export interface FeedRecord {
  blobKey: string;
  etag: string;
  /** Whole seconds since the epoch; strictly increases whenever the bytes change. */
  lastModified: number;
  size: number;
  events: number;
  /** Fingerprint of everything the render used; equal input means the render can be skipped. */
  inputHash: string;
  /** Hex SHA-256 of the feed's current token. */
  tokenHash: string;
  /**
   * True when an earlier version of this feed had the same `lastModified` second (two changes within one
   * second): an `If-Modified-Since` equal to `lastModified` may then stem from the earlier bytes, so it must
   * not be answered `304`. Absent (false) in the usual case.
   */
  lastModifiedShared?: boolean;
}

/** The current state of one schedule of the organization. */
export interface ScheduleRecord {
  revision: number;
  /** Store key of this revision's {@link ScheduleState}. */
  stateKey: string;
  name: string;
  timezone: string;
  /** SHA-256 of the canonical snapshot JSON: an identical replay is a no-op. */
  snapshotHash: string;
  publishedAt: string;
  /** When this revision was accepted, seconds since the epoch. */
  receivedAt: number;
  people: number;
  assignments: number;
  retired: boolean;
}

export interface OrgManifest {
  format: 1;
  org: string;
  name: string;
  tier: Tier;
  schedules: Map<string, ScheduleRecord>;
  /** Token versions by feed key; kept after a feed disappears so a returning person never revives an old link. */
  tokenVersions: Map<FeedKey, number>;
  feeds: Map<FeedKey, FeedRecord>;
  /** Keys the previous publish replaced; deleted by the next one (a grace period for in-flight readers). */
  garbage: string[];
}

/** What is stored per schedule revision. */
export interface ScheduleState {
  format: 1;
  snapshot: Snapshot;
  /** Change records by assignment id (stored as `[id, entry]` pairs: see `persistence.ts`). */
  history: History;
  receivedAt: number;
}

/** A new, empty manifest for an organization first seen in `snapshot`. */
export function emptyManifest(snapshot: Snapshot): OrgManifest {
  return {
    format: 1,
    org: snapshot.organization.id,
    name: snapshot.organization.name,
    tier: snapshot.organization.tier,
    schedules: new Map(),
    tokenVersions: new Map(),
    feeds: new Map(),
    garbage: [],
  };
}

/** A shallow copy that can be changed without touching the live manifest. */
export function draftManifest(m: OrgManifest): OrgManifest {
  return {
    ...m,
    schedules: new Map(m.schedules),
    tokenVersions: new Map(m.tokenVersions),
    feeds: new Map(m.feeds),
    garbage: [],
  };
}

/** Every store key a manifest still needs: its feed bodies and its schedules' states. */
export function referencedKeys(manifest: OrgManifest): Set<string> {
  const keys = new Set<string>();
  for (const record of manifest.feeds.values()) keys.add(record.blobKey);
  for (const record of manifest.schedules.values()) keys.add(record.stateKey);
  return keys;
}

/** The stored (JSON) form of a manifest: its maps as objects, in insertion order. */
interface StoredManifest extends Omit<OrgManifest, "schedules" | "tokenVersions" | "feeds"> {
  schedules: Record<string, ScheduleRecord>;
  tokenVersions: Record<string, number>;
  feeds: Record<string, FeedRecord>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A manifest as stored JSON bytes. `Object.fromEntries` defines own properties, so an id named `__proto__`
 * is written as an ordinary key (and `JSON.parse` reads it back as an own property).
 */
export function encodeManifest(m: OrgManifest): Uint8Array {
  const stored: StoredManifest = {
    ...m,
    schedules: Object.fromEntries(m.schedules),
    tokenVersions: Object.fromEntries(m.tokenVersions),
    feeds: Object.fromEntries(m.feeds),
  };
  return encoder.encode(JSON.stringify(stored));
}

/** Reads stored manifest bytes back into maps (only own properties count). */
export function decodeManifest(bytes: Uint8Array): OrgManifest {
  const stored = JSON.parse(decoder.decode(bytes)) as StoredManifest;
  return {
    ...stored,
    schedules: new Map(Object.entries(stored.schedules)),
    tokenVersions: new Map(Object.entries(stored.tokenVersions) as [FeedKey, number][]),
    feeds: new Map(Object.entries(stored.feeds) as [FeedKey, FeedRecord][]),
  };
}
