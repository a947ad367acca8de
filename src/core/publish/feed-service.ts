/**
 * The feed service: accepts snapshots and keeps every feed precomputed in the database. It decides what runs
 * when — units of one schedule never overlap, units of different schedules may — and a runner decides where.
 * Rotations are small transactions of their own, never queued behind a publish.
 *
 * Publish storms: publishes of one schedule that wait behind each other run newest revision first, and those a
 * successful newer one overtook are answered `409` (`superseded`) without running — they would be stale by then.
 * Units admitted by admission control (when given) hold a unit of expensive work while they run.
 */
import { ServiceError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { IngestTarget } from "../snapshot/ingest.ts";
import { feedByKey, feedKeysOf, putFeed, type FeedRow } from "../store/feeds-table.ts";
import { linkVersion, setLinkVersion } from "../store/links-table.ts";
import { piecesOfPerson } from "../store/pieces-table.ts";
import { liveSchedules, orgIds, orgRow, scheduleRow, type ScheduleRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import type { FeedTokens } from "../tokens.ts";
import type { WorkClass } from "../limits/settings.ts";
import { SHED_RETRY_AFTER, type Protection } from "../limits/protection.ts";
import { peekRevision } from "../snapshot/peek-revision.ts";
import { sha256Hex } from "../digest.ts";
import {
  insertPartnerKey,
  partnerKeyById,
  partnerKeys,
  revokePartnerKey,
  type PartnerKeyRow,
} from "../store/partner-keys-table.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import { parseFeedKey, type FeedKey } from "./keys.ts";
import type { RefreshScope, UnitResult } from "./schedule-unit.ts";
import type { UnitOptions } from "./unit-deps.ts";
import type { UnitRunner } from "./unit-runner.ts";

export interface FeedServiceDeps {
  /** The coordinating connection: reads for the admin API, and rotations. */
  sql: SqlPort;
  tokens: FeedTokens;
  runner: UnitRunner;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Called after a rotation commits (units call their own), so every serving cache sees it. */
  onCommit?: () => void;
  logger?: Logger;
  /**
   * Admission control (`Protection`): `admit(kind)` is a unit of expensive work for a class, or `null` when it is
   * shed; the function returned gives it back. Publishes and retirements ask as `admin` (refused with `503` past the bound), refreshes as
   * `background` (they wait for room). None: every unit runs.
   */
  admission?: Pick<Protection, "admit" | "shedRetryAfter">;
}

/** Most publishes of one schedule waiting behind the running one; past it, `503` with `Retry-After`. */
export const MAX_WAITING_PUBLISHES = 64;
/** Most body bytes of publishes waiting, all schedules together (they are held in memory); past it, `503`. */
export const MAX_WAITING_BYTES = 256 * 1024 * 1024;
/** How often a background unit asks again for room, in ms. */
const BACKGROUND_POLL_MS = 50;

/** A publish waiting for its schedule. */
interface WaitingPublish {
  bytes: Uint8Array;
  revision: number | null;
  resolve: (result: UnitResult) => void;
  reject: (error: unknown) => void;
}

/** What a publish or retirement answers (CONTRACT.md). */
export interface PublishResult {
  revision: number;
  peopleAffected: number;
  feedsUpdated: number;
  unchanged?: boolean;
}

export class FeedService {
  readonly deps: FeedServiceDeps;
  readonly #schedules = new KeyedMutex();
  readonly #waiting = new Map<string, WaitingPublish[]>();
  #waitingBytes = 0;
  readonly #log: Logger;

  constructor(deps: FeedServiceDeps) {
    this.deps = deps;
    this.#log = deps.logger ?? silentLogger;
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
    const key = `${target.org}/${target.schedule}`;
    const lane = this.#waiting.get(key) ?? [];
    if (lane.length >= MAX_WAITING_PUBLISHES)
      throw this.#busy(`${lane.length} publishes of this schedule are waiting`);
    if (lane.length > 0 && this.#waitingBytes + bytes.length > MAX_WAITING_BYTES)
      throw this.#busy("Too many publish bodies are waiting");
    this.#waiting.set(key, lane);
    this.#waitingBytes += bytes.length;
    const mine = new Promise<UnitResult>((resolve, reject) =>
      lane.push({ bytes, revision: peekRevision(bytes), resolve, reject }),
    ).finally(() => (this.#waitingBytes -= bytes.length));
    // One turn per publish; each turn runs the newest waiting one (not necessarily its own caller's).
    void this.#schedules.run(key, () => this.#publishTurn(key, target));
    const result = await mine;
    if (!result.unchanged) {
      this.#log.info("publish", {
        org: target.org,
        schedule: target.schedule,
        revision: result.revision,
        updated: result.feedsUpdated,
      });
    }
    if (result.orgChanged) void this.#refreshOthers(target.org, target.schedule);
    return answer(result);
  }

  /** Runs the newest waiting publish of a schedule; answers those it overtakes without running them. */
  async #publishTurn(key: string, target: IngestTarget): Promise<void> {
    const lane = this.#waiting.get(key);
    if (!lane || lane.length === 0) return;
    // Highest revision first; a body whose revision could not be read runs last, in arrival order.
    let best = 0;
    for (let i = 1; i < lane.length; i++)
      if ((lane[i]!.revision ?? -1) > (lane[best]!.revision ?? -1)) best = i;
    const next = lane.splice(best, 1)[0]!;
    if (lane.length === 0) this.#waiting.delete(key);
    // Overtaken before it was queued (a late delivery of an old revision): answered without running.
    const live = this.schedule(target.org, target.schedule);
    if (live && !live.retired && next.revision !== null && next.revision < live.revision) {
      this.#overtaken(target, [next], live.revision);
      return;
    }
    try {
      const result = await this.#admitted("admin", () => this.deps.runner.publish(next.bytes, target));
      next.resolve(result);
      const left = this.#waiting.get(key) ?? [];
      const overtaken = left.filter((w) => w.revision !== null && w.revision < result.revision);
      if (overtaken.length === 0) return;
      const rest = left.filter((w) => !overtaken.includes(w));
      if (rest.length === 0) this.#waiting.delete(key);
      else this.#waiting.set(key, rest);
      this.#overtaken(target, overtaken, result.revision);
    } catch (error) {
      next.reject(error);
    }
  }

  /** Answers publishes overtaken by `current` without running them (logged: they cost nothing). */
  #overtaken(target: IngestTarget, publishes: WaitingPublish[], current: number): void {
    for (const w of publishes) {
      this.#log.info("publish_overtaken", { ...target, revision: w.revision, current });
      w.reject(superseded(w.revision!, current));
    }
  }

  /** Runs a unit holding a unit of admitted work (`admin`: refused when shed; `background`: waits for room). */
  async #admitted<T>(kind: WorkClass, task: () => Promise<T>): Promise<T> {
    const admission = this.deps.admission;
    if (!admission) return task();
    let release = admission.admit(kind);
    while (release === null) {
      if (kind !== "background") throw this.#busy("The service is at its limit of work in flight");
      await new Promise((resolve) => setTimeout(resolve, BACKGROUND_POLL_MS));
      release = admission.admit(kind);
    }
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** `503` with a jittered `Retry-After`: work refused under load. */
  #busy(message: string): ServiceError {
    const seconds = this.deps.admission?.shedRetryAfter() ?? SHED_RETRY_AFTER.max;
    return new ServiceError(
      "unavailable",
      `${message}; try again later.`,
      [],
      {},
      { "retry-after": String(seconds) },
    );
  }

  /** Retires a schedule: its assignments leave every feed and its schedule feed goes away. */
  async retire(org: string, schedule: string): Promise<PublishResult> {
    const result = await this.#schedules.run(`${org}/${schedule}`, () =>
      this.#admitted("admin", () => this.deps.runner.retire(org, schedule)),
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
      this.#admitted("background", () => this.deps.runner.refresh(org, schedule, scope, options)),
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
      const done = sql.transaction(() => {
        if (linkVersion(sql, org, key) !== version) return false; // rotated meanwhile: derive again
        const feed = feedByKey(sql, org, key);
        if (feed === null) throw new ServiceError("not_found", `no feed for \`${key}\` in \`${org}\``);
        setLinkVersion(sql, org, key, version + 1);
        putFeed(sql, { ...feed, tokenHash: hash });
        return true;
      });
      if (!done) continue;
      this.deps.onCommit?.();
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
      await this.refresh(org, s.schedule, { force: false }).catch((error: unknown) =>
        this.#log.warn("refresh_failed", { org, schedule: s.schedule, error: String(error) }),
      );
    }
  }
}

/** The answer of a publish a newer one overtook while it waited: what it would have met had it run. */
function superseded(revision: number, current: number): ServiceError {
  return new ServiceError(
    "stale_revision",
    `\`revision\` ${revision} is not above the current revision ${current} (overtaken while it waited)`,
    [{ path: "$.revision", message: `must be greater than ${current}` }],
    { currentRevision: current, superseded: true },
  );
}

function answer(r: UnitResult): PublishResult {
  const out: PublishResult = {
    revision: r.revision,
    peopleAffected: r.peopleAffected,
    feedsUpdated: r.feedsUpdated,
  };
  if (r.unchanged) out.unchanged = true;
  return out;
}
