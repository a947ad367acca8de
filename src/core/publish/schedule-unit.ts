/**
 * One unit of publishing work on one schedule — a publish, a retirement, or a refresh (the daily window roll,
 * a regeneration) — from stored state to committed feeds:
 *
 * 1. read the schedule's row and state (snapshot + change history) and expand its events;
 * 2. for each person it lists, fingerprint their events in the window; render only pieces whose fingerprint
 *    changed; render the schedule feed if its fingerprint changed;
 * 3. assemble the feeds of the people whose pieces (or names, or schedules) changed, from their pieces;
 * 4. write everything in **one transaction**: it lands whole or not at all. Person feeds are checked against
 *    the pieces as committed (see `person-feeds.ts`), so units of different schedules may run at once.
 *
 * Units of one schedule must not overlap; the caller serializes them (see `feed-service.ts`). Steps 2 and 3 are in
 * `schedule-plan.ts`, step 4 in `unit-commit.ts`.
 */
import { ServiceError } from "../errors.ts";
import { eachEvent, expandSnapshot } from "../feeds/events.ts";
import { advanceHistoryFrom } from "../feeds/history.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { feedByKey } from "../store/feeds-table.ts";
import { piecesOfSchedule } from "../store/pieces-table.ts";
import { orgRow, scheduleRow, type ScheduleRow } from "../store/schedules-table.ts";
import { localDateOf } from "../time/local-time.ts";
import { type PreparedFeed } from "./feed-writes.ts";
import { personFeedKey, scheduleFeedKey, stateBlobKey } from "../store/keys.ts";
import { preparePersonFeed, type PieceOverlay } from "./person-feeds.ts";
import {
  assemblesOnly,
  eventsOf,
  peopleOf,
  personFeedsOf,
  RefreshScope,
  rendersEveryone,
} from "./refresh-scope.ts";
import { encodeState, readHistory, readState } from "./schedule-state.ts";
import { planSchedule, type Plan } from "./schedule-plan.ts";
import { commit, type CommitCounts } from "./unit-commit.ts";
import type { UnitDeps, UnitOptions } from "./unit-deps.ts";

/** What a unit answers (a publish answers the first three, docs/api.md › Admin API). */
export interface UnitResult extends CommitCounts {
  revision: number;
  /** True for an identical replay of the current revision. */
  unchanged?: boolean;
  /** True when the organization's name or tier changed: every other schedule's feeds need a refresh. */
  orgChanged?: boolean;
  /**
   * Set by a runner that makes the feeds live in the background (fan-out in batches): the id of the job that
   * reports their progress. The counts then cover only what is live already.
   */
  job?: string;
}

/**
 * The `409` of a publish whose `revision` is not above the live one's `current`. With `superseded`, the publish
 * was not stale when it arrived: a newer revision of the same schedule ran while it waited, and it was answered
 * without running (`publish-lanes.ts`).
 */
export function staleRevision(revision: number, current: number, superseded = false): ServiceError {
  return new ServiceError(
    "stale_revision",
    `\`revision\` ${revision} is not above the current revision ${current}` +
      (superseded ? " (overtaken while it waited)" : ""),
    [{ path: "$.revision", message: `must be greater than ${current}` }],
    superseded ? { currentRevision: current, superseded: true } : { currentRevision: current },
  );
}

/**
 * Publishes a validated snapshot: the schedule's next revision. With a narrower `scope` only those pieces and
 * feeds are brought up to date in the same transaction as the new state (a runner that fans out passes
 * `RefreshScope.stateOnly()` and refreshes the people in batches afterwards).
 */
export async function publishUnit(
  deps: UnitDeps,
  snapshot: Snapshot,
  snapshotHash: string,
  options: UnitOptions = {},
  scope: RefreshScope = RefreshScope.whole(),
): Promise<UnitResult> {
  const org = snapshot.organization.id;
  const sid = snapshot.schedule.id;
  const current = scheduleRow(deps.sql, org, sid);
  if (
    current &&
    !current.retired &&
    current.revision === snapshot.revision &&
    current.snapshotHash === snapshotHash
  ) {
    return { revision: snapshot.revision, peopleAffected: 0, feedsUpdated: 0, unchanged: true };
  }
  if (current && snapshot.revision <= current.revision) {
    throw staleRevision(snapshot.revision, current.revision);
  }
  const nowMs = deps.clock();
  const nowSeconds = Math.floor(nowMs / 1000);
  // The history needs every event's fingerprint, the plan only the events its scope reads: a staged publish
  // (`RefreshScope.stateOnly()`) keeps none of a big snapshot's events, only their fingerprints in the history.
  const only = eventsOf(scope);
  const events = expanded(deps, snapshot, only);
  const all = only === undefined && events !== null ? events : eachEvent(snapshot);
  // Only the previous revision's history is read (its snapshot, as big as the new one, is never parsed), and its
  // entries leave it as the new one is made: the two are never both whole.
  const history = advanceHistoryFrom(
    current ? await readHistory(deps.sql, current.stateKey, deps.codec) : new Map(),
    all,
    nowSeconds,
  );
  const zone = snapshot.schedule.timezone;
  const row: ScheduleRow = {
    org,
    schedule: sid,
    revision: snapshot.revision,
    name: snapshot.schedule.name,
    timezone: zone,
    snapshotHash,
    publishedAt: snapshot.publishedAt,
    receivedAt: nowSeconds,
    people: snapshot.people.length,
    assignments: snapshot.assignments.length,
    retired: false,
    stateKey: stateBlobKey(org, sid, snapshot.revision),
    rolledFor: localDateOf(nowMs, zone),
  };
  const before = orgRow(deps.sql, org);
  const { name: orgName, tier } = snapshot.organization;
  const plan = await planSchedule(deps, { snapshot, events, history, row, orgName, tier, scope }, options);
  plan.state = await encodeState({ snapshot, history, receivedAt: nowSeconds }, deps.codec);
  const result = await commit(deps, plan, current, options);
  return {
    ...result,
    revision: snapshot.revision,
    orgChanged: before !== null && (before.name !== orgName || before.tier !== tier),
  };
}

/**
 * The events a plan reads (`only` those people's, or everyone's), or `null` where they are everyone's and the
 * settings expand them a slice at a time (`eventSlice`).
 */
function expanded(deps: UnitDeps, snapshot: Snapshot, only: ReadonlySet<string> | undefined) {
  if (only === undefined) return deps.settings.eventSlice === undefined ? expandSnapshot(snapshot) : null;
  return only.size === 0 ? [] : expandSnapshot(snapshot, only);
}

/** Renders a live schedule's feeds again: the window roll (`force` off) or a regeneration (`force` on). */
export async function refreshUnit(
  deps: UnitDeps,
  org: string,
  sid: string,
  scope: RefreshScope,
  options: UnitOptions = {},
): Promise<UnitResult> {
  const current = scheduleRow(deps.sql, org, sid);
  if (!current || current.retired)
    throw new ServiceError("not_found", `no live schedule \`${sid}\` in \`${org}\``);
  if (assemblesOnly(scope)) return assembleUnit(deps, current, scope, options);
  // The history of the people whose events are read only (a batch's), or everyone's.
  const only = eventsOf(scope);
  const state = await readState(deps.sql, current.stateKey, deps.codec, only);
  const events = expanded(deps, state.snapshot, only);
  // Only a unit that renders every listed person's piece moves the window's date: after one that rendered some
  // people (a batch, a person's regeneration) the others still show the earlier window, and the roll must see it.
  const row = {
    ...current,
    rolledFor: rendersEveryone(scope) ? localDateOf(deps.clock(), current.timezone) : current.rolledFor,
  };
  const { name: orgName, tier } = orgRow(deps.sql, org) ?? state.snapshot.organization;
  const plan = await planSchedule(
    deps,
    { snapshot: state.snapshot, events, history: state.history, row, orgName, tier, scope },
    options,
  );
  return { ...(await commit(deps, plan, current, options)), revision: current.revision };
}

/** People's feeds of a schedule assembled again from stored pieces: nothing is expanded or rendered. */
async function assembleUnit(
  deps: UnitDeps,
  current: ScheduleRow,
  scope: RefreshScope,
  options: UnitOptions,
): Promise<UnitResult> {
  const { sql } = deps;
  const org = current.org;
  const orgName = orgRow(sql, org)?.name ?? org;
  const only = peopleOf(scope);
  const which = personFeedsOf(scope);
  const feeds: PreparedFeed[] = [];
  if (which !== "none") {
    for (const { person } of piecesOfSchedule(sql, org, current.schedule)) {
      if (only && !only.has(person)) continue;
      options.signal?.throwIfAborted();
      const prepared = await preparePersonFeed(deps, org, orgName, person, null, scope.force, which);
      if (prepared) feeds.push(prepared);
      if (prepared !== undefined) options.onProgress?.(1);
    }
  }
  const plan: Plan = {
    org,
    orgName,
    tier: orgRow(sql, org)?.tier ?? "standard",
    row: current,
    state: null,
    pieces: new Map(),
    replacedPieces: [],
    feeds,
  };
  return { ...(await commit(deps, plan, current, options)), revision: current.revision };
}

/** Retires a schedule: its pieces and its schedule feed go, and everyone it listed gets their feed again. */
export async function retireUnit(
  deps: UnitDeps,
  org: string,
  sid: string,
  options: UnitOptions = {},
): Promise<UnitResult> {
  const { sql } = deps;
  const current = scheduleRow(sql, org, sid);
  if (!current || current.retired)
    throw new ServiceError("not_found", `no live schedule \`${sid}\` in \`${org}\``);
  const orgName = orgRow(sql, org)?.name ?? org;
  const stored = piecesOfSchedule(sql, org, sid);
  const overlay: PieceOverlay = { schedule: sid, pieces: new Map(stored.map((p) => [p.person, null])) };
  const feeds: PreparedFeed[] = [];
  const existing = feedByKey(sql, org, scheduleFeedKey(sid));
  if (existing)
    feeds.push({ org, feed: scheduleFeedKey(sid), spec: null, events: 0, bytes: null, newToken: null });
  for (const { person } of stored) {
    options.signal?.throwIfAborted();
    const prepared = await preparePersonFeed(deps, org, orgName, person, overlay, false);
    if (prepared) feeds.push(prepared);
    options.onProgress?.(1);
  }
  const plan: Plan = {
    org,
    orgName,
    tier: orgRow(sql, org)?.tier ?? "standard",
    row: { ...current, retired: true },
    state: null,
    pieces: new Map(stored.map((p) => [p.person, null])),
    replacedPieces: stored.map((p) => p.bodyKey),
    feeds,
  };
  return { ...(await commit(deps, plan, current, options)), revision: current.revision };
}

export { personFeedKey };
