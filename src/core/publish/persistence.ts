/**
 * How an organization's state is laid out in the store: reading manifests and schedule states back at
 * startup, writing a schedule state, and finding keys no manifest refers to.
 */
import type { BlobStore } from "../../store/blob-store.ts";
import { encodeHistory, readStoredHistory } from "../feeds/history-codec.ts";
import { gunzip, gzip } from "./compress.ts";
import { FEEDS_PREFIX, manifestKey, ORGS_PREFIX } from "./keys.ts";
import { decodeManifest, referencedKeys, type OrgManifest, type ScheduleState } from "./manifest.ts";
import { loadSchedule, type OrgState } from "./org-state.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A stored schedule state, its history read from either stored form (see `history-codec.ts`).
 * @throws Error naming the key when it is missing.
 */
export async function readScheduleState(store: BlobStore, key: string): Promise<ScheduleState> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`schedule state \`${key}\` is missing from the store`);
  const stored = JSON.parse(decoder.decode(await gunzip(bytes))) as Omit<ScheduleState, "history"> & {
    history: unknown;
  };
  return { ...stored, history: readStoredHistory(stored.history, stored.snapshot) };
}

/** Stores a schedule state as gzip-compressed JSON, its history as `[id, entry]` pairs. */
export async function writeScheduleState(store: BlobStore, key: string, state: ScheduleState): Promise<void> {
  const stored = { ...state, history: encodeHistory(state.history) };
  await store.put(key, await gzip(encoder.encode(JSON.stringify(stored))));
}

/** Every organization in the store, with its live schedules loaded and expanded. */
export async function loadOrgs(store: BlobStore): Promise<OrgState[]> {
  const orgs: OrgState[] = [];
  for (const key of await store.list(ORGS_PREFIX)) {
    if (!key.endsWith("/manifest.json")) continue;
    const bytes = await store.get(key);
    if (!bytes) continue;
    const manifest = decodeManifest(bytes);
    const org: OrgState = { manifest, schedules: new Map() };
    for (const [id, record] of manifest.schedules) {
      if (!record.retired)
        org.schedules.set(id, loadSchedule(await readScheduleState(store, record.stateKey)));
    }
    orgs.push(org);
  }
  return orgs;
}

/** Store keys under the service's prefixes that none of `manifests` refers to. */
export async function unreferencedKeys(
  store: BlobStore,
  manifests: Iterable<OrgManifest>,
): Promise<string[]> {
  const keep = new Set<string>();
  for (const manifest of manifests) {
    keep.add(manifestKey(manifest.org));
    for (const key of referencedKeys(manifest)) keep.add(key);
  }
  const out: string[] = [];
  for (const prefix of [FEEDS_PREFIX, ORGS_PREFIX]) {
    for (const key of await store.list(prefix)) {
      if (!keep.has(key) && !key.endsWith("/manifest.json")) out.push(key);
    }
  }
  return out;
}
