/**
 * The per-organization manifest: the one small document whose atomic replacement makes a publish live.
 * Everything a `304` needs (validators, token hashes) is here, so serving never reads a feed body for one.
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
  schedules: Record<string, ScheduleRecord>;
  /** Token versions by feed key; kept after a feed disappears so a returning person never revives an old link. */
  tokenVersions: Record<FeedKey, number>;
  feeds: Record<FeedKey, FeedRecord>;
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
    schedules: {},
    tokenVersions: {},
    feeds: {},
    garbage: [],
  };
}

/** A shallow copy that can be changed without touching the live manifest. */
export function draftManifest(m: OrgManifest): OrgManifest {
  return {
    ...m,
    schedules: { ...m.schedules },
    tokenVersions: { ...m.tokenVersions },
    feeds: { ...m.feeds },
    garbage: [],
  };
}

/** Every store key a manifest still needs: its feed bodies and its schedules' states. */
export function referencedKeys(manifest: OrgManifest): Set<string> {
  const keys = new Set<string>();
  for (const record of Object.values(manifest.feeds)) keys.add(record.blobKey);
  for (const record of Object.values(manifest.schedules)) keys.add(record.stateKey);
  return keys;
}
