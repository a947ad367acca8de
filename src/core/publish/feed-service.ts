/**
 * The feed service: accepts snapshots, keeps every feed precomputed in the store, and answers feed lookups
 * from memory. Runtime-agnostic: storage, tokens, the clock and ids are injected.
 *
 * A publish renders only feeds whose input changed, writes their bodies under content-addressed keys, then
 * replaces one manifest per organization: until that single `put` lands nothing is live, after it all is.
 */
import { equalBytes } from "../digest.ts";
import { ServiceError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { Snapshot } from "../snapshot/types.ts";
import type { FeedTokens } from "../tokens.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import { LiveFeeds } from "./live-feeds.ts";
import type { FeedEntry } from "./feed-entry.ts";
import type { WindowSettings } from "./feed-builder.ts";
import { createEventBlockCache, type EventBlockCache } from "../ical/render-feed.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import { manifestKey, parseFeedKey, personFeedKey, scheduleFeedKey, type FeedKey } from "./keys.ts";
import { draftOrg, draftPublish, draftRetire, isReplay } from "./drafts.ts";
import { encodeManifest, referencedKeys } from "./manifest.ts";
import { loadOrgs, readScheduleState, unreferencedKeys, writeScheduleState } from "./persistence.ts";
import type { OrgState } from "./org-state.ts";
import { refreshFeeds, type RefreshResult } from "./refresh.ts";

/** Settings of the service (see the README's settings table). */
export interface ServiceSettings extends WindowSettings {
  /** Upper bound of the in-memory body cache, in bytes (compressed and decompressed bodies). */
  cacheBytes: number;
  /** Upper bound of the rendered-event cache, in characters; 0 renders every event every time. */
  eventCacheChars: number;
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
  readonly #live: LiveFeeds;
  readonly #blocks: EventBlockCache | null;
  /** Serializes publishes, retirements and refreshes of one organization (long: they render). */
  readonly #changes = new KeyedMutex();
  /** Serializes manifest writes of one organization (short), so a rotation never waits for a render. */
  readonly #commits = new KeyedMutex();
  readonly #log: Logger;

  private constructor(deps: FeedServiceDeps) {
    this.deps = deps;
    this.#log = deps.logger ?? silentLogger;
    this.#live = new LiveFeeds(deps.store, deps.tokens, deps.settings.cacheBytes);
    const chars = deps.settings.eventCacheChars;
    this.#blocks = chars > 0 ? createEventBlockCache(chars) : null;
  }

  /** Opens the service on a store, loading every organization's manifest and live schedules. */
  static async open(deps: FeedServiceDeps): Promise<FeedService> {
    const service = new FeedService(deps);
    for (const org of await loadOrgs(deps.store)) service.#live.install(org.manifest.org, org);
    return service;
  }

  /** Organization ids currently known. */
  orgIds(): string[] {
    return this.#live.orgIds();
  }

  /** The in-memory state of an organization (read-only use). */
  org(org: string): OrgState | null {
    return this.#live.get(org) ?? null;
  }

  /** The live feed a token opens, or `null`, without storage access. */
  lookup(token: string): Promise<FeedEntry | null> {
    return this.#live.lookup(token);
  }

  /** A feed's body in the chosen coding; see {@link LiveFeeds.body}. */
  body(entry: FeedEntry, encoding: "gzip" | "identity" = "gzip"): Promise<Uint8Array | null> {
    return this.#live.body(entry, encoding);
  }

  /** The current token of a feed (derived from the secret and the feed's link version). */
  async tokenFor(org: string, key: FeedKey): Promise<string> {
    const version = this.#live.get(org)?.manifest.tokenVersions.get(key) ?? 1;
    const { kind, id } = parseFeedKey(key);
    return this.deps.tokens.derive({ kind, org, id, version });
  }

  // ---- changes ----------------------------------------------------------------------------------------------

  /** Publishes a validated snapshot. `snapshotHash` identifies its canonical bytes (for replay detection). */
  publish(snapshot: Snapshot, snapshotHash: string): Promise<PublishResult> {
    const orgId = snapshot.organization.id;
    const sid = snapshot.schedule.id;
    return this.#change(orgId, async (written) => {
      const live = this.#live.get(orgId);
      const current = live?.manifest.schedules.get(sid);
      if (isReplay(current, snapshot, snapshotHash)) {
        return { revision: snapshot.revision, peopleAffected: 0, feedsUpdated: 0, unchanged: true };
      }
      const nowMs = this.deps.clock();
      const prevHistory =
        live?.schedules.get(sid)?.history ??
        (current ? (await readScheduleState(this.deps.store, current.stateKey)).history : new Map());
      const { draft, state, stateKey, keys } = draftPublish(
        live,
        snapshot,
        snapshotHash,
        prevHistory,
        Math.floor(nowMs / 1000),
      );
      const result = await refreshFeeds(draft, keys, this.#refreshContext(orgId, draft, nowMs, written));
      written.push(stateKey);
      await writeScheduleState(this.deps.store, stateKey, state);
      await this.#commit(orgId, draft, result, current ? [current.stateKey] : []);
      this.#log.info("publish", {
        org: orgId,
        schedule: sid,
        revision: snapshot.revision,
        rendered: result.rendered.length,
        updated: result.updated.length,
      });
      return { revision: snapshot.revision, ...counts(result) };
    });
  }

  /** Retires a schedule: its assignments leave every feed and its schedule feed goes away. */
  retire(orgId: string, sid: string): Promise<PublishResult> {
    return this.#change(orgId, async (written) => {
      const { draft, keys, revision } = draftRetire(this.#live.get(orgId), orgId, sid);
      const nowMs = this.deps.clock();
      const result = await refreshFeeds(draft, keys, this.#refreshContext(orgId, draft, nowMs, written));
      await this.#commit(orgId, draft, result, []);
      this.#log.info("retire", { org: orgId, schedule: sid, updated: result.updated.length });
      return { revision, ...counts(result) };
    });
  }

  /**
   * Gives a feed a new link; the old one stops working as this resolves. Returns the new token. A rotation
   * takes only the short commit lock, so it is never queued behind a publish that is still rendering; that
   * publish keeps the rotated link when it commits (see `#commit`).
   */
  rotate(orgId: string, key: FeedKey): Promise<string> {
    return this.#commits.run(orgId, async () => {
      const live = this.#live.get(orgId);
      const record = live?.manifest.feeds.get(key);
      if (!live || !record) throw new ServiceError("not_found", `no feed for \`${key}\` in \`${orgId}\``);
      const draft = draftOrg(live, null);
      const version = (live.manifest.tokenVersions.get(key) ?? 1) + 1;
      draft.manifest.tokenVersions.set(key, version);
      const { kind, id } = parseFeedKey(key);
      const token = await this.deps.tokens.derive({ kind, org: orgId, id, version });
      draft.manifest.feeds.set(key, { ...record, tokenHash: await this.deps.tokens.hash(token) });
      draft.manifest.garbage = live.manifest.garbage;
      await this.#write(orgId, draft);
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
    options: {
      keys?: FeedKey[];
      force?: boolean;
      onProgress?: (key: FeedKey) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<RefreshResult> {
    return this.#change(orgId, async (written) => {
      const live = this.#live.get(orgId);
      if (!live) throw new ServiceError("not_found", `no organization \`${orgId}\``);
      const draft = draftOrg(live, null);
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
    const org = this.#live.get(orgId);
    if (!org) return [];
    const people = new Set<string>();
    for (const s of org.schedules.values()) for (const p of s.byPerson.keys()) people.add(p);
    const existing = [...org.manifest.feeds.keys()];
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
    const orgs = this.#live.orgIds().map((org) => this.#live.get(org)!.manifest);
    const keys = await unreferencedKeys(this.deps.store, orgs);
    for (const key of keys) await this.deps.store.delete(key);
    return keys.length;
  }

  // ---- internals --------------------------------------------------------------------------------------------

  /**
   * Runs one change of an organization under its lock. `written` collects the store keys the change puts
   * before its manifest swap; if the change fails, those no live manifest refers to are deleted again, so a
   * failed publish leaves nothing behind (what a crash leaves, `sweep` removes at the next start).
   */
  #change<T>(orgId: string, work: (written: string[]) => Promise<T>): Promise<T> {
    return this.#changes.run(orgId, async () => {
      const written: string[] = [];
      try {
        return await work(written);
      } catch (error) {
        const live = this.#live.get(orgId);
        const keep = live ? referencedKeys(live.manifest) : new Set<string>();
        for (const key of new Set(written)) {
          if (keep.has(key)) continue;
          await this.deps.store.delete(key).catch(() => undefined);
        }
        throw error;
      }
    });
  }

  #refreshContext(orgId: string, draft: OrgState, nowMs: number, written: string[]) {
    return {
      store: this.deps.store,
      written,
      settings: this.deps.settings,
      blocks: this.#blocks,
      nowMs,
      tokenHashFor: async (key: FeedKey) => {
        const version = draft.manifest.tokenVersions.get(key) ?? 1;
        const { kind, id } = parseFeedKey(key);
        return this.deps.tokens.hash(await this.deps.tokens.derive({ kind, org: orgId, id, version }));
      },
    };
  }

  /**
   * Makes a draft live: one manifest write, then memory, then the previous publish's garbage goes. Runs under
   * the commit lock; links rotated while the draft was being rendered are carried over into it first.
   */
  #commit(orgId: string, draft: OrgState, result: RefreshResult, staleKeys: string[]): Promise<void> {
    return this.#commits.run(orgId, async () => {
      const live = this.#live.get(orgId);
      if (live) await this.#keepRotations(orgId, live, draft);
      const referenced = referencedKeys(draft.manifest);
      draft.manifest.garbage = [...new Set([...result.replaced, ...staleKeys])].filter(
        (k) => !referenced.has(k),
      );
      await this.#write(orgId, draft);
      for (const key of live?.manifest.garbage ?? []) {
        if (referenced.has(key)) continue;
        this.#live.forget(key);
        await this.deps.store
          .delete(key)
          .catch((error: unknown) => this.#log.warn("gc_failed", { key, error: String(error) }));
      }
    });
  }

  /** Carries link versions (and the token hashes they give) from the live manifest into a draft made from an older one. */
  async #keepRotations(orgId: string, live: OrgState, draft: OrgState): Promise<void> {
    for (const [key, version] of live.manifest.tokenVersions) {
      if (draft.manifest.tokenVersions.get(key) === version) continue;
      draft.manifest.tokenVersions.set(key, version);
      const record = draft.manifest.feeds.get(key);
      if (!record) continue;
      const { kind, id } = parseFeedKey(key);
      const token = await this.deps.tokens.derive({ kind, org: orgId, id, version });
      draft.manifest.feeds.set(key, { ...record, tokenHash: await this.deps.tokens.hash(token) });
    }
  }

  /** Writes a draft's manifest and installs the draft as live; the caller holds the commit lock. */
  async #write(orgId: string, draft: OrgState): Promise<void> {
    const bytes = encodeManifest(draft.manifest);
    try {
      await this.deps.store.put(manifestKey(orgId), bytes);
    } catch (error) {
      // A put can fail after its bytes became visible (e.g. the directory fsync after the rename): then the
      // new manifest is what the store serves, and memory must follow it rather than the old one.
      const stored = await this.deps.store.get(manifestKey(orgId)).catch(() => null);
      if (!stored || !equalBytes(stored, bytes)) throw error;
      this.#log.warn("manifest_put_failed_after_landing", { org: orgId, error: String(error) });
    }
    this.#live.install(orgId, draft);
  }
}

/**
 * The counts a publish or retirement answers with: people whose feed bytes changed, appeared or went, and
 * every feed (person or schedule) that did.
 */
function counts(result: RefreshResult): { peopleAffected: number; feedsUpdated: number } {
  return {
    peopleAffected: result.updated.filter((k) => k.startsWith("person/")).length,
    feedsUpdated: result.updated.length,
  };
}
