/**
 * The feed service: accepts snapshots and keeps every feed precomputed in the database. It decides what runs
 * when — units of one schedule never overlap, units of different schedules may — and a runner decides where.
 * Rotations are small transactions of their own, never queued behind a publish.
 *
 * Publishes wait in `publish-lanes.ts` (newest revision first under a storm); units hold a unit of admitted work
 * (admission control, when given) while they run.
 *
 * This folder is the write path, a snapshot in and feeds committed; reading them is `../serving/`, keeping them
 * current without a snapshot (roll, regeneration, repairs) `../maintenance/`. In the order a publish runs:
 * - `feed-service.ts` (here), `publish-lanes.ts`, `keyed-mutex.ts`: what runs when; also the admin API's reads
 *   (`search.ts`) and link rotations;
 * - `unit-runner.ts`: where units run; `unit-deps.ts`: what a unit needs; `refresh-scope.ts`: what it covers;
 * - `schedule-unit.ts`: one unit (publish, retire, refresh) from stored state (`schedule-state.ts`) to committed
 *   feeds — planned and rendered in `schedule-plan.ts`, `feed-specs.ts`, `person-feeds.ts`, `piece-codec.ts`,
 *   `feed-bytes.ts`; committed in `unit-commit.ts`, `feed-writes.ts`, `announce.ts`.
 */
import { ServiceError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { IngestTarget } from "../snapshot/ingest.ts";
import { feedByKey, feedKeysOf, putFeed, type FeedRow } from "../store/feeds-table.ts";
import { linkVersion, setLinkVersion } from "../store/links-table.ts";
import { piecesOfPerson, piecesOfSchedule } from "../store/pieces-table.ts";
import { liveSchedules, orgIds, orgRow, scheduleRow, type ScheduleRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import type { FeedTokens } from "../tokens.ts";
import { transactAndAnnounce } from "./announce.ts";
import { sha256Hex } from "../digest.ts";
import {
  insertPartnerKey,
  partnerKeyById,
  partnerKeys,
  revokePartnerKey,
  type PartnerKeyRow,
} from "../store/partner-keys-table.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import { admitted, PublishLanes, type Admission } from "./publish-lanes.ts";
import { search, type SearchHits } from "./search.ts";
import { parseFeedKey, type FeedKey } from "../store/keys.ts";
import { RefreshScope } from "./refresh-scope.ts";
import type { UnitResult } from "./schedule-unit.ts";
import type { UnitOptions } from "./unit-deps.ts";
import type { UnitRunner } from "./unit-runner.ts";

export interface FeedServiceDeps {
  /** The coordinating connection: reads for the admin API, and rotations. */
  sql: SqlPort;
  tokens: FeedTokens;
  runner: UnitRunner;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Called after a rotation's transaction, whatever its outcome (units call their own), so every serving cache sees it. */
  onCommit?: () => void;
  logger?: Logger;
  /**
   * Admission control (`Protection`): `admit(kind)` is a unit of expensive work for a class, or `null` when it is
   * shed; the function returned gives it back. Publishes and retirements ask as `admin` (refused with `503` past
   * the bound), refreshes as `background` (they wait for room). None: every unit runs.
   */
  admission?: Admission;
}

/** What a publish or retirement answers (docs/api.md › Admin API). */
export interface PublishResult {
  revision: number;
  peopleAffected: number;
  feedsUpdated: number;
  unchanged?: boolean;
  /** The job making the feeds live, where the runner fans out in the background (then answered with `202`). */
  job?: string;
}

export class FeedService {
  readonly deps: FeedServiceDeps;
  readonly #schedules = new KeyedMutex();
  readonly #log: Logger;
  readonly #lanes: PublishLanes;

  constructor(deps: FeedServiceDeps) {
    this.deps = deps;
    this.#log = deps.logger ?? silentLogger;
    this.#lanes = new PublishLanes({
      mutex: this.#schedules,
      run: (bytes, target) => deps.runner.publish(bytes, target),
      current: (target) => this.schedule(target.org, target.schedule),
      ...(deps.admission && { admission: deps.admission }),
      log: this.#log,
    });
  }

  // ---- reads ------------------------------------------------------------------------------------------------

  /** Organization ids with a published schedule, sorted. */
  orgIds(): string[] {
    return orgIds(this.deps.sql);
  }

  /** An organization's name and tier, or `null`. */
  org(org: string) {
    return orgRow(this.deps.sql, org);
  }

  /** A schedule's row, live or retired, or `null`. */
  schedule(org: string, schedule: string): ScheduleRow | null {
    return scheduleRow(this.deps.sql, org, schedule);
  }

  /** The live schedules of an organization. */
  schedules(org: string): ScheduleRow[] {
    return liveSchedules(this.deps.sql, org);
  }

  /** The live schedules (ids, sorted) that list a person, with the person's name in each. */
  personSchedules(org: string, person: string) {
    return piecesOfPerson(this.deps.sql, org, person);
  }

  /** The people a live schedule lists, by id, with their names there. */
  schedulePeople(org: string, schedule: string): { person: string; name: string }[] {
    return piecesOfSchedule(this.deps.sql, org, schedule).map((p) => ({ person: p.person, name: p.name }));
  }

  /** People and schedules whose names or ids hold every word of `query` (case and accents ignored). */
  search(query: string, limit: number): SearchHits {
    return search(this.deps.sql, query, limit);
  }

  /** A live feed's row, or `null`. */
  feed(org: string, key: FeedKey): FeedRow | null {
    return feedByKey(this.deps.sql, org, key);
  }

  /** Every live feed key of an organization, sorted. */
  feedKeys(org: string): FeedKey[] {
    return feedKeysOf(this.deps.sql, org);
  }

  /** The current token of a feed (derived from the secret and the feed's link version). */
  async tokenFor(org: string, key: FeedKey): Promise<string> {
    const { kind, id } = parseFeedKey(key);
    return this.deps.tokens.derive({ kind, org, id, version: linkVersion(this.deps.sql, org, key) });
  }

  // ---- changes ----------------------------------------------------------------------------------------------

  /**
   * Publishes snapshot body bytes (ingested where the runner runs) to the schedule `target` names. When the
   * organization's name or tier changed, its other schedules' feeds are refreshed in the background.
   */
  async publish(bytes: Uint8Array, target: IngestTarget): Promise<PublishResult> {
    const result = await this.#lanes.publish(bytes, target);
    if (!result.unchanged) {
      this.#log.info("publish", {
        org: target.org,
        schedule: target.schedule,
        revision: result.revision,
        updated: result.feedsUpdated,
      });
    }
    if (result.orgChanged)
      this.#refreshOthers(target.org, target.schedule).catch((error: unknown) =>
        this.#log.warn("refresh_failed", { org: target.org, error: String(error) }),
      );
    return answer(result);
  }

  /** Retires a schedule: its assignments leave every feed and its schedule feed goes away. */
  async retire(org: string, schedule: string): Promise<PublishResult> {
    const result = await this.#schedules.run(`${org}/${schedule}`, () =>
      admitted(this.deps.admission, "admin", () => this.deps.runner.retire(org, schedule)),
    );
    this.#log.info("retire", { org, schedule, updated: result.feedsUpdated });
    return answer(result);
  }

  /** Refreshes one live schedule's feeds (see {@link RefreshScope}), after any unit of it still running. */
  refresh(
    org: string,
    schedule: string,
    scope: RefreshScope,
    options: UnitOptions = {},
  ): Promise<UnitResult> {
    return this.#schedules.run(`${org}/${schedule}`, () =>
      admitted(this.deps.admission, "background", () =>
        this.deps.runner.refresh(org, schedule, scope, options),
      ),
    );
  }

  /**
   * Gives a feed a new link; the old one stops working as this resolves. Returns the new token. One small
   * transaction: a unit writing the same feed meanwhile keeps the token hash it finds (see `feed-writes.ts`).
   */
  async rotate(org: string, key: FeedKey): Promise<string> {
    const { sql, tokens } = this.deps;
    const { kind, id } = parseFeedKey(key);
    for (;;) {
      const version = linkVersion(sql, org, key);
      if (feedByKey(sql, org, key) === null)
        throw new ServiceError("not_found", `no feed for \`${key}\` in \`${org}\``);
      const token = await tokens.derive({ kind, org, id, version: version + 1 });
      const hash = await tokens.hash(token);
      const done = transactAndAnnounce(sql, this.deps.onCommit, () => {
        if (linkVersion(sql, org, key) !== version) return false; // rotated meanwhile: derive again
        const feed = feedByKey(sql, org, key);
        if (feed === null) throw new ServiceError("not_found", `no feed for \`${key}\` in \`${org}\``);
        setLinkVersion(sql, org, key, version + 1);
        putFeed(sql, { ...feed, tokenHash: hash });
        return true;
      });
      if (!done) continue;
      this.#log.info("rotate", { org, feed: key });
      return token;
    }
  }

  // ---- partner keys --------------------------------------------------------------------------------------------

  /**
   * Stores a new partner key for an organization (its SHA-256 only); the caller hands the key out once.
   * @throws ServiceError `not_found` for an organization that has published nothing.
   */
  async createPartnerKey(input: Omit<PartnerKeyRow, "keyHash" | "createdAt" | "revokedAt">, key: string) {
    if (this.org(input.org) === null) throw new ServiceError("not_found", `no organization \`${input.org}\``);
    const row: PartnerKeyRow = {
      ...input,
      keyHash: await sha256Hex(key),
      createdAt: Math.floor(this.deps.clock() / 1000),
      revokedAt: null,
    };
    this.deps.sql.transaction(() => insertPartnerKey(this.deps.sql, row));
    this.deps.onCommit?.();
    this.#log.info("partner_key_created", { org: row.org, id: row.id });
    return row;
  }

  /** Revokes a partner key: it stops working on every thread as this returns. `null` for an unknown id. */
  revokePartnerKey(id: string): PartnerKeyRow | null {
    const { sql } = this.deps;
    if (partnerKeyById(sql, id) === null) return null;
    sql.transaction(() => revokePartnerKey(sql, id, Math.floor(this.deps.clock() / 1000)));
    this.deps.onCommit?.();
    this.#log.info("partner_key_revoked", { id });
    return partnerKeyById(sql, id);
  }

  /** Partner keys (of one organization, when given), without their hashes' use: listing reveals no key. */
  partnerKeys(org?: string): PartnerKeyRow[] {
    return partnerKeys(this.deps.sql, org);
  }

  /** Refreshes every other live schedule of an organization (after its name or tier changed). */
  async #refreshOthers(org: string, except: string): Promise<void> {
    for (const s of this.schedules(org)) {
      if (s.schedule === except) continue;
      await this.refresh(org, s.schedule, RefreshScope.whole()).catch((error: unknown) =>
        this.#log.warn("refresh_failed", { org, schedule: s.schedule, error: String(error) }),
      );
    }
  }
}

function answer(r: UnitResult): PublishResult {
  const out: PublishResult = {
    revision: r.revision,
    peopleAffected: r.peopleAffected,
    feedsUpdated: r.feedsUpdated,
  };
  if (r.unchanged) out.unchanged = true;
  if (r.job !== undefined) out.job = r.job;
  return out;
}
