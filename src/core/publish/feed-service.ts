/**
 * The feed service: accepts snapshots, keeps every feed precomputed in the store, and answers feed lookups
 * from memory. Runtime-agnostic: storage, tokens, the clock and ids are injected.
 *
 * A publish renders only feeds whose input changed, writes their bodies under content-addressed keys, then
 * replaces one manifest per organization: until that single `put` lands nothing is live, after it all is.
 */
import { LRUCache } from "lru-cache";
import { equalBytes } from "../digest.ts";
import { ServiceError } from "../errors.ts";
import { expandSnapshot } from "../feeds/events.ts";
import { advanceHistory } from "../feeds/history.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { Snapshot } from "../snapshot/types.ts";
import type { FeedTokens } from "../tokens.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import { gunzip, gzip } from "./compress.ts";
import type { FeedEntry } from "./feed-entry.ts";
import type { WindowSettings } from "./feed-builder.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import {
  FEEDS_PREFIX,
  manifestKey,
  ORGS_PREFIX,
  parseFeedKey,
  personFeedKey,
  scheduleFeedKey,
  scheduleStateKey,
  type FeedKey,
} from "./keys.ts";
import { draftManifest, emptyManifest, type OrgManifest, type ScheduleState } from "./manifest.ts";
import { loadSchedule, type OrgState } from "./org-state.ts";
import { refreshFeeds, type RefreshResult } from "./refresh.ts";

const encoder = new TextEncoder();
/** Cache key suffix of a body's decompressed form. */
const IDENTITY_SUFFIX = "#identity";
const decoder = new TextDecoder();

/** Settings of the service (see the README's settings table). */
export interface ServiceSettings extends WindowSettings {
  /** Upper bound of the in-memory body cache, in bytes of compressed feed. */
  cacheBytes: number;
}

export interface FeedServiceDeps {
  store: BlobStore;
  tokens: FeedTokens;
  /** Milliseconds since the epoch. */
  clock: () => number;
  settings: ServiceSettings;
  logger?: Logger;
}

/** What a publish answers (CONTRACT.md). */
export interface PublishResult {
  revision: number;
  /** People whose feed content changed. */
  peopleAffected: number;
  /** Feeds (person and schedule) whose bytes changed, appeared or disappeared. */
  feedsUpdated: number;
  /** True for an identical replay of the current revision. */
  unchanged?: boolean;
}

export class FeedService {
  readonly deps: FeedServiceDeps;
  readonly #orgs = new Map<string, OrgState>();
  /** SHA-256(token) → the feed it opens. */
  readonly #index = new Map<string, { org: string; key: FeedKey }>();
  readonly #locks = new KeyedMutex();
  readonly #bodies: LRUCache<string, Uint8Array>;
  readonly #log: Logger;

  private constructor(deps: FeedServiceDeps) {
    this.deps = deps;
    this.#log = deps.logger ?? silentLogger;
    this.#bodies = new LRUCache({
      maxSize: deps.settings.cacheBytes,
      sizeCalculation: (b) => Math.max(1, b.length),
    });
  }

  /** Opens the service on a store, loading every organization's manifest and live schedules. */
  static async open(deps: FeedServiceDeps): Promise<FeedService> {
    const service = new FeedService(deps);
    for (const key of await deps.store.list(ORGS_PREFIX)) {
      if (!key.endsWith("/manifest.json")) continue;
      const bytes = await deps.store.get(key);
      if (!bytes) continue;
      const manifest = JSON.parse(decoder.decode(bytes)) as OrgManifest;
      const org: OrgState = { manifest, schedules: new Map() };
      for (const [id, record] of Object.entries(manifest.schedules)) {
        if (!record.retired) org.schedules.set(id, loadSchedule(await service.#readState(record.stateKey)));
      }
      service.#install(manifest.org, org, null);
    }
    return service;
  }

  /** Organization ids currently known. */
  orgIds(): string[] {
    return [...this.#orgs.keys()].sort();
  }

  /** The in-memory state of an organization (read-only use). */
  org(org: string): OrgState | null {
    return this.#orgs.get(org) ?? null;
  }

  // ---- serving ----------------------------------------------------------------------------------------------

  /** The live feed a token opens, or `null`. No storage access: validators live in memory. */
  async lookup(token: string): Promise<FeedEntry | null> {
    const hash = await this.deps.tokens.hash(token);
    const hit = this.#index.get(hash);
    if (!hit) return null;
    const record = this.#orgs.get(hit.org)?.manifest.feeds[hit.key];
    if (!record || record.tokenHash !== hash) return null;
    const { kind, id } = parseFeedKey(hit.key);
    const { blobKey, etag, lastModified, size, events } = record;
    return { kind, org: hit.org, id, blobKey, etag, lastModified, size, events };
  }

  /**
   * A feed's body as stored (`gzip`) or decompressed (`identity`, for clients that send no Accept-Encoding,
   * like Google's importer): from the byte-bounded LRU cache, else one store read.
   */
  async body(entry: FeedEntry, encoding: "gzip" | "identity" = "gzip"): Promise<Uint8Array | null> {
    const key = encoding === "gzip" ? entry.blobKey : `${entry.blobKey}${IDENTITY_SUFFIX}`;
    const cached = this.#bodies.get(key);
    if (cached) return cached;
    let gz = this.#bodies.get(entry.blobKey) ?? null;
    if (!gz) {
      gz = await this.deps.store.get(entry.blobKey);
      if (!gz) return null;
      this.#bodies.set(entry.blobKey, gz);
    }
    if (encoding === "gzip") return gz;
    const identity = await gunzip(gz);
    this.#bodies.set(key, identity);
    return identity;
  }

  /** The current token of a feed (derived from the secret and the feed's link version). */
  async tokenFor(org: string, key: FeedKey): Promise<string> {
    const version = this.#orgs.get(org)?.manifest.tokenVersions[key] ?? 1;
    const { kind, id } = parseFeedKey(key);
    return this.deps.tokens.derive({ kind, org, id, version });
  }

  // ---- changes ----------------------------------------------------------------------------------------------

  /** Publishes a validated snapshot. `snapshotHash` identifies its canonical bytes (for replay detection). */
  publish(snapshot: Snapshot, snapshotHash: string): Promise<PublishResult> {
    const orgId = snapshot.organization.id;
    const sid = snapshot.schedule.id;
    return this.#change(orgId, async (written) => {
      const live = this.#orgs.get(orgId);
      const current = live?.manifest.schedules[sid];
      if (
        current &&
        !current.retired &&
        current.revision === snapshot.revision &&
        current.snapshotHash === snapshotHash
      ) {
        return { revision: snapshot.revision, peopleAffected: 0, feedsUpdated: 0, unchanged: true };
      }
      if (current && snapshot.revision <= current.revision) {
        throw new ServiceError(
          "stale_revision",
          `\`revision\` ${snapshot.revision} is not above the current revision ${current.revision}`,
          [{ path: "$.revision", message: `must be greater than ${current.revision}` }],
          { currentRevision: current.revision },
        );
      }
      const nowMs = this.deps.clock();
      const nowSeconds = Math.floor(nowMs / 1000);
      const previous = live?.schedules.get(sid);
      const prevHistory =
        previous?.history ?? (current ? (await this.#readState(current.stateKey)).history : {});
      const events = expandSnapshot(snapshot);
      const state: ScheduleState = {
        format: 1,
        snapshot,
        history: advanceHistory(prevHistory, events, nowSeconds),
        receivedAt: nowSeconds,
      };
      const draft = this.#draft(live, snapshot);
      draft.manifest.name = snapshot.organization.name;
      draft.manifest.tier = snapshot.organization.tier;
      draft.schedules.set(sid, loadSchedule(state, events));
      const stateKey = scheduleStateKey(orgId, sid, snapshot.revision);
      draft.manifest.schedules[sid] = {
        revision: snapshot.revision,
        stateKey,
        name: snapshot.schedule.name,
        timezone: snapshot.schedule.timezone,
        snapshotHash,
        publishedAt: snapshot.publishedAt,
        receivedAt: nowSeconds,
        people: snapshot.people.length,
        assignments: snapshot.assignments.length,
        retired: false,
      };
      const people = new Set([...(previous?.byPerson.keys() ?? []), ...snapshot.people.map((p) => p.id)]);
      const keys: FeedKey[] = [scheduleFeedKey(sid), ...[...people].sort().map(personFeedKey)];
      const result = await refreshFeeds(draft, keys, this.#refreshContext(orgId, draft, nowMs, written));
      written.push(stateKey);
      await this.deps.store.put(stateKey, await gzip(encoder.encode(JSON.stringify(state))));
      await this.#commit(orgId, draft, result, current ? [current.stateKey] : []);
      this.#log.info("publish", {
        org: orgId,
        schedule: sid,
        revision: snapshot.revision,
        rendered: result.rendered.length,
        updated: result.updated.length,
      });
      return {
        revision: snapshot.revision,
        peopleAffected: result.rendered.filter((k) => k.startsWith("person/")).length,
        feedsUpdated: result.updated.length,
      };
    });
  }

  /** Retires a schedule: its assignments leave every feed and its schedule feed goes away. */
  retire(orgId: string, sid: string): Promise<PublishResult> {
    return this.#change(orgId, async (written) => {
      const live = this.#orgs.get(orgId);
      const current = live?.manifest.schedules[sid];
      const loaded = live?.schedules.get(sid);
      if (!live || !current || current.retired || !loaded)
        throw new ServiceError("not_found", `no live schedule \`${sid}\` in \`${orgId}\``);
      const draft = this.#draft(live, null);
      draft.schedules.delete(sid);
      draft.manifest.schedules[sid] = { ...current, retired: true };
      const keys: FeedKey[] = [
        scheduleFeedKey(sid),
        ...[...loaded.byPerson.keys()].sort().map(personFeedKey),
      ];
      const nowMs = this.deps.clock();
      const result = await refreshFeeds(draft, keys, this.#refreshContext(orgId, draft, nowMs, written));
      await this.#commit(orgId, draft, result, []);
      this.#log.info("retire", { org: orgId, schedule: sid, updated: result.updated.length });
      return {
        revision: current.revision,
        peopleAffected: result.rendered.filter((k) => k.startsWith("person/")).length,
        feedsUpdated: result.updated.length,
      };
    });
  }

  /** Gives a feed a new link; the old one stops working as this resolves. Returns the new token. */
  rotate(orgId: string, key: FeedKey): Promise<string> {
    return this.#locks.run(orgId, async () => {
      const live = this.#orgs.get(orgId);
      const record = live?.manifest.feeds[key];
      if (!live || !record) throw new ServiceError("not_found", `no feed for \`${key}\` in \`${orgId}\``);
      const draft = this.#draft(live, null);
      const version = (live.manifest.tokenVersions[key] ?? 1) + 1;
      draft.manifest.tokenVersions[key] = version;
      const { kind, id } = parseFeedKey(key);
      const token = await this.deps.tokens.derive({ kind, org: orgId, id, version });
      draft.manifest.feeds[key] = { ...record, tokenHash: await this.deps.tokens.hash(token) };
      await this.#commit(orgId, draft, { rendered: [], updated: [], replaced: [] }, []);
      this.#log.info("rotate", { org: orgId, feed: key });
      return token;
    });
  }

  /**
   * Refreshes feeds of one organization under its lock: `keys` (default: every feed) are brought up to date;
   * with `force` every one is rendered again. Unchanged bytes keep their validators.
   */
  refresh(
    orgId: string,
    options: { keys?: FeedKey[]; force?: boolean; onProgress?: (key: FeedKey) => void } = {},
  ): Promise<RefreshResult> {
    return this.#change(orgId, async (written) => {
      const live = this.#orgs.get(orgId);
      if (!live) throw new ServiceError("not_found", `no organization \`${orgId}\``);
      const draft = this.#draft(live, null);
      const keys = options.keys ?? this.feedKeys(orgId);
      const result = await refreshFeeds(
        draft,
        keys,
        this.#refreshContext(orgId, draft, this.deps.clock(), written),
        options,
      );
      if (result.rendered.length > 0 || result.updated.length > 0)
        await this.#commit(orgId, draft, result, []);
      return result;
    });
  }

  /** Every feed an organization should have right now: live schedules and everyone they list. */
  feedKeys(orgId: string): FeedKey[] {
    const org = this.#orgs.get(orgId);
    if (!org) return [];
    const people = new Set<string>();
    for (const s of org.schedules.values()) for (const p of s.byPerson.keys()) people.add(p);
    const existing = Object.keys(org.manifest.feeds) as FeedKey[];
    return [
      ...new Set([
        ...[...org.schedules.keys()].sort().map(scheduleFeedKey),
        ...[...people].sort().map(personFeedKey),
        ...existing,
      ]),
    ];
  }

  /**
   * Removes every stored feed body and schedule state no manifest refers to: leftovers of publishes cut short
   * by a crash, and the previous publish's grace-period garbage. Only for a store this process owns alone
   * (the Node filesystem store at startup). Returns how many keys it deleted.
   */
  async sweep(): Promise<number> {
    const keep = new Set<string>();
    for (const [org, state] of this.#orgs) {
      keep.add(manifestKey(org));
      for (const key of referencedKeys(state.manifest)) keep.add(key);
    }
    let deleted = 0;
    for (const prefix of [FEEDS_PREFIX, ORGS_PREFIX]) {
      for (const key of await this.deps.store.list(prefix)) {
        if (keep.has(key) || key.endsWith("/manifest.json")) continue;
        await this.deps.store.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  // ---- internals --------------------------------------------------------------------------------------------

  /**
   * Runs one change of an organization under its lock. `written` collects the store keys the change puts
   * before its manifest swap; if the change fails, those no live manifest refers to are deleted again, so a
   * failed publish leaves nothing behind (what a crash leaves, `sweep` removes at the next start).
   */
  #change<T>(orgId: string, work: (written: string[]) => Promise<T>): Promise<T> {
    return this.#locks.run(orgId, async () => {
      const written: string[] = [];
      try {
        return await work(written);
      } catch (error) {
        const live = this.#orgs.get(orgId);
        const keep = live ? referencedKeys(live.manifest) : new Set<string>();
        for (const key of new Set(written)) {
          if (keep.has(key)) continue;
          await this.deps.store.delete(key).catch(() => undefined);
        }
        throw error;
      }
    });
  }

  async #readState(key: string): Promise<ScheduleState> {
    const bytes = await this.deps.store.get(key);
    if (!bytes) throw new Error(`schedule state \`${key}\` is missing from the store`);
    return JSON.parse(decoder.decode(await gunzip(bytes))) as ScheduleState;
  }

  #draft(live: OrgState | undefined, snapshot: Snapshot | null): OrgState {
    if (live) return { manifest: draftManifest(live.manifest), schedules: new Map(live.schedules) };
    if (!snapshot) throw new Error("a new organization needs a snapshot");
    return { manifest: emptyManifest(snapshot), schedules: new Map() };
  }

  #refreshContext(orgId: string, draft: OrgState, nowMs: number, written: string[]) {
    return {
      store: this.deps.store,
      written,
      settings: this.deps.settings,
      nowMs,
      tokenHashFor: async (key: FeedKey) => {
        const version = draft.manifest.tokenVersions[key] ?? 1;
        const { kind, id } = parseFeedKey(key);
        return this.deps.tokens.hash(await this.deps.tokens.derive({ kind, org: orgId, id, version }));
      },
    };
  }

  /** Makes a draft live: one manifest write, then memory, then the previous publish's garbage goes. */
  async #commit(orgId: string, draft: OrgState, result: RefreshResult, staleKeys: string[]): Promise<void> {
    const live = this.#orgs.get(orgId) ?? null;
    const referenced = referencedKeys(draft.manifest);
    draft.manifest.garbage = [...new Set([...result.replaced, ...staleKeys])].filter(
      (k) => !referenced.has(k),
    );
    const bytes = encoder.encode(JSON.stringify(draft.manifest));
    try {
      await this.deps.store.put(manifestKey(orgId), bytes);
    } catch (error) {
      // A put can fail after its bytes became visible (e.g. the directory fsync after the rename): then the
      // new manifest is what the store serves, and memory must follow it rather than the old one.
      const stored = await this.deps.store.get(manifestKey(orgId)).catch(() => null);
      if (!stored || !equalBytes(stored, bytes)) throw error;
      this.#log.warn("manifest_put_failed_after_landing", { org: orgId, error: String(error) });
    }
    this.#install(orgId, draft, live);
    for (const key of live?.manifest.garbage ?? []) {
      if (referenced.has(key)) continue;
      this.#bodies.delete(key);
      this.#bodies.delete(`${key}${IDENTITY_SUFFIX}`);
      await this.deps.store
        .delete(key)
        .catch((error: unknown) => this.#log.warn("gc_failed", { key, error: String(error) }));
    }
  }

  #install(orgId: string, next: OrgState, previous: OrgState | null): void {
    for (const record of Object.values(previous?.manifest.feeds ?? {})) this.#index.delete(record.tokenHash);
    for (const [key, record] of Object.entries(next.manifest.feeds)) {
      this.#index.set(record.tokenHash, { org: orgId, key: key as FeedKey });
    }
    this.#orgs.set(orgId, next);
  }
}

/** Every store key a manifest still needs. */
function referencedKeys(manifest: OrgManifest): Set<string> {
  const keys = new Set<string>();
  for (const record of Object.values(manifest.feeds)) keys.add(record.blobKey);
  for (const record of Object.values(manifest.schedules)) keys.add(record.stateKey);
  return keys;
}
