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
 * Units of one schedule must not overlap; the caller serializes them (see `feed-service.ts`).
 */
import { ServiceError } from "../errors.ts";
import { expandSnapshot, type ExpandedEvent } from "../feeds/events.ts";
import { advanceHistory, type History } from "../feeds/history.ts";
import { assembleFeed } from "../ical/assemble-feed.ts";
import { renderEvents } from "../ical/render-events.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { putBlob, releaseBlob } from "../store/blob-table.ts";
import { feedByKey } from "../store/feeds-table.ts";
import {
  deletePiece,
  piecesOfSchedule,
  putPiece,
  type PersonPiece,
  type PieceRow,
} from "../store/pieces-table.ts";
import { orgRow, putOrg, putSchedule, scheduleRow, type ScheduleRow } from "../store/schedules-table.ts";
import { localDateOf } from "../time/local-time.ts";
import { transactAndAnnounce } from "./announce.ts";
import { feedBytes } from "./feed-bytes.ts";
import { eventsHash, scheduleFeedSpec, windowEvents, windowFor } from "./feed-specs.ts";
import { writeFeed, type PreparedFeed } from "./feed-writes.ts";
import { personFeedKey, pieceBlobKey, scheduleFeedKey, stateBlobKey } from "./keys.ts";
import {
  currentPersonSpecHash,
  bodiesPresent,
  newToken,
  preparePersonFeed,
  type PeopleInScope,
  type PieceOverlay,
} from "./person-feeds.ts";
import { encodePiece } from "./piece-codec.ts";
import { encodeState, readState } from "./schedule-state.ts";
import type { UnitDeps, UnitOptions } from "./unit-deps.ts";

/** What a unit answers (a publish answers the first three, CONTRACT.md). */
export interface UnitResult {
  revision: number;
  /** People whose feed bytes changed, appeared or went. */
  peopleAffected: number;
  /** Feeds (person and schedule) whose bytes changed, appeared or went. */
  feedsUpdated: number;
  /** True for an identical replay of the current revision. */
  unchanged?: boolean;
  /** True when the organization's name or tier changed: every other schedule's feeds need a refresh. */
  orgChanged?: boolean;
}

/** A refresh's scope within its schedule. */
export interface RefreshScope {
  /** Render again even where fingerprints are unchanged (a regeneration); bytes and validators still stay. */
  force: boolean;
  /** Only these people's pieces and feeds (default: everyone the schedule lists). */
  people?: readonly string[];
  /** Whether the schedule feed is in scope. Default true. */
  scheduleFeed?: boolean;
  /**
   * Whose feeds are assembled again (default `all`; `none` renders pieces only). A roll or regeneration first
   * runs every schedule with `single`, then with `shared`, so nobody's feed is assembled from some new pieces
   * and some old ones.
   */
  personFeeds?: PeopleInScope | "none";
  /** Whether pieces are rendered (default true); off assembles people's feeds from the pieces stored. */
  pieces?: boolean;
}

/** Everything a unit has prepared, ready for its transaction. */
interface Plan {
  org: string;
  orgName: string;
  tier: Snapshot["organization"]["tier"];
  row: ScheduleRow;
  /** The state blob to write (a new revision only). */
  state: Uint8Array | null;
  /** Pieces to write (with their bytes) or remove (`null`), by person. */
  pieces: Map<string, { piece: PieceRow; body: Uint8Array } | null>;
  /** The replaced blob keys of rewritten or removed pieces. */
  replacedPieces: string[];
  feeds: PreparedFeed[];
}

/** Publishes a validated snapshot: the schedule's next revision. */
export async function publishUnit(
  deps: UnitDeps,
  snapshot: Snapshot,
  snapshotHash: string,
  options: UnitOptions = {},
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
    throw new ServiceError(
      "stale_revision",
      `\`revision\` ${snapshot.revision} is not above the current revision ${current.revision}`,
      [{ path: "$.revision", message: `must be greater than ${current.revision}` }],
      { currentRevision: current.revision },
    );
  }
  const nowMs = deps.clock();
  const nowSeconds = Math.floor(nowMs / 1000);
  const previous = current ? await readState(deps.sql, current.stateKey, deps.codec) : null;
  const events = expandSnapshot(snapshot);
  const history = advanceHistory(previous?.history ?? new Map(), events, nowSeconds);
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
  const plan = await planSchedule(
    deps,
    { snapshot, events, history, row, orgName, tier, scope: { force: false } },
    options,
  );
  plan.state = await encodeState({ snapshot, history, receivedAt: nowSeconds }, deps.codec);
  const result = await commit(deps, plan, current, options);
  return {
    ...result,
    revision: snapshot.revision,
    orgChanged: before !== null && (before.name !== orgName || before.tier !== tier),
  };
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
  if (scope.pieces === false && scope.scheduleFeed === false)
    return assembleUnit(deps, current, scope, options);
  const state = await readState(deps.sql, current.stateKey, deps.codec);
  const events = expandSnapshot(state.snapshot);
  const row = { ...current, rolledFor: localDateOf(deps.clock(), current.timezone) };
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
  const only = scope.people === undefined ? null : new Set(scope.people);
  const which = scope.personFeeds ?? "all";
  const feeds: PreparedFeed[] = [];
  for (const { person } of which === "none" ? [] : piecesOfSchedule(sql, org, current.schedule)) {
    if (only && !only.has(person)) continue;
    options.signal?.throwIfAborted();
    const prepared = await preparePersonFeed(
      deps,
      org,
      orgName,
      person,
      null,
      scope.force,
      which as PeopleInScope,
    );
    if (prepared) feeds.push(prepared);
    if (prepared !== undefined) options.onProgress?.(1);
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

interface Input {
  snapshot: Snapshot;
  events: ExpandedEvent[];
  history: History;
  row: ScheduleRow;
  orgName: string;
  tier: Snapshot["organization"]["tier"];
  scope: RefreshScope;
}

/** Steps 2 and 3: pieces, the schedule feed, and the person feeds they change. */
async function planSchedule(deps: UnitDeps, input: Input, options: UnitOptions): Promise<Plan> {
  const { sql, settings } = deps;
  const { snapshot, row, orgName, scope } = input;
  const org = row.org;
  const sid = row.schedule;
  const window = windowFor(row.timezone, deps.clock(), settings);
  const inWindow = windowEvents(input.events, input.history, window);
  const only = scope.people === undefined ? null : new Set(scope.people);
  const stored = new Map(piecesOfSchedule(sql, org, sid).map((p) => [p.person, p]));
  const plan: Plan = {
    org,
    orgName,
    tier: input.tier,
    row,
    state: null,
    pieces: new Map(),
    replacedPieces: [],
    feeds: [],
  };
  const overlay: PieceOverlay = { schedule: sid, pieces: new Map() };

  // Pieces: everyone the snapshot lists gets one, even with no events in the window (their feed then is empty).
  const byPerson = new Map<string, typeof inWindow>(snapshot.people.map((p) => [p.id, []]));
  for (const e of inWindow) byPerson.get(e.facts.personId)?.push(e);
  const listed = new Map(snapshot.people.map((p) => [p.id, p.name]));
  for (const [person, name] of scope.pieces === false ? [] : listed) {
    if (only && !only.has(person)) continue;
    options.signal?.throwIfAborted();
    const events = byPerson.get(person)!;
    const inputHash = eventsHash("person", events);
    const old = stored.get(person);
    const piece: PersonPiece = {
      org,
      person,
      schedule: sid,
      name,
      inputHash,
      events: events.length,
      bodyKey: pieceBlobKey(org, sid, person, inputHash),
      timezone: row.timezone,
      receivedAt: row.receivedAt,
    };
    if (!scope.force && old && old.inputHash === inputHash && old.name === name) {
      overlay.pieces.set(person, { piece: { ...piece, bodyKey: old.bodyKey }, rendered: null });
    } else {
      const rendered = renderEvents(events, "person", deps.blocks);
      plan.pieces.set(person, { piece, body: await encodePiece(rendered, deps.codec) });
      if (old && old.bodyKey !== piece.bodyKey) plan.replacedPieces.push(old.bodyKey);
      overlay.pieces.set(person, { piece, rendered });
    }
  }
  if (!only && scope.pieces !== false) {
    for (const [person, old] of stored) {
      if (listed.has(person)) continue;
      plan.pieces.set(person, null);
      plan.replacedPieces.push(old.bodyKey);
      overlay.pieces.set(person, null);
    }
  }

  // The schedule feed.
  if (scope.scheduleFeed !== false) {
    const spec = scheduleFeedSpec(
      row.name,
      orgName,
      row.timezone,
      eventsHash("schedule", inWindow),
      settings,
    );
    const feed = scheduleFeedKey(sid);
    const existing = feedByKey(sql, org, feed);
    if (scope.force || existing?.inputHash !== spec.inputHash || !bodiesPresent(sql, existing)) {
      const text = assembleFeed(spec.head, renderEvents(inWindow, "schedule", deps.blocks));
      plan.feeds.push({
        org,
        feed,
        spec,
        events: inWindow.length,
        bytes: await feedBytes(text, settings.bigFeedBytes, deps.codec),
        newToken: await newToken(deps, org, feed, existing !== null),
      });
    }
    options.onProgress?.(1);
  }

  // The feeds of everyone whose piece may have changed (a newer revision can also rename a person elsewhere).
  const people =
    scope.personFeeds === "none"
      ? []
      : scope.pieces === false
        ? [...stored.keys()].filter((p) => !only || only.has(p))
        : overlay.pieces.keys();
  for (const person of people) {
    options.signal?.throwIfAborted();
    const which = scope.personFeeds ?? "all";
    const prepared = await preparePersonFeed(
      deps,
      org,
      orgName,
      person,
      overlay,
      scope.force,
      which as PeopleInScope,
    );
    if (prepared) plan.feeds.push(prepared);
    if (prepared !== undefined) options.onProgress?.(1);
  }
  return plan;
}

/** Step 4: one transaction; people whose feeds turned out stale are prepared again and retried. */
async function commit(
  deps: UnitDeps,
  plan: Plan,
  expected: ScheduleRow | null,
  options: UnitOptions,
): Promise<Omit<UnitResult, "revision">> {
  const { sql } = deps;
  options.signal?.throwIfAborted();
  const nowSeconds = Math.floor(deps.clock() / 1000);
  let updated = new Set<string>();
  let retry: string[] = [];
  transactAndAnnounce(sql, deps.onCommit, () => {
    const now = scheduleRow(sql, plan.org, plan.row.schedule);
    if (
      (now?.revision ?? null) !== (expected?.revision ?? null) ||
      (now?.retired ?? null) !== (expected?.retired ?? null)
    ) {
      throw new ServiceError(
        "internal",
        `schedule \`${plan.row.schedule}\` changed while it was being published`,
      );
    }
    putOrg(sql, plan.org, plan.orgName, plan.tier);
    if (plan.state) {
      putBlob(sql, plan.row.stateKey, plan.state);
      if (expected && expected.stateKey !== plan.row.stateKey)
        releaseBlob(sql, expected.stateKey, nowSeconds);
    }
    putSchedule(sql, plan.row);
    for (const [person, next] of plan.pieces) {
      if (next === null) deletePiece(sql, plan.org, person, plan.row.schedule);
      else {
        putBlob(sql, next.piece.bodyKey, next.body);
        putPiece(sql, next.piece);
      }
    }
    for (const key of plan.replacedPieces) releaseBlob(sql, key, nowSeconds);
    ({ updated, retry } = writeFeeds(deps, plan.feeds, nowSeconds));
  });
  // Another unit changed some of these people's pieces meanwhile: their feeds are assembled again from what is
  // stored now (which includes this unit's pieces), until nothing moves under them.
  for (let round = 0; retry.length > 0; round++) {
    if (round >= 20)
      throw new ServiceError("internal", "person feeds kept changing while they were assembled");
    const orgName = orgRow(sql, plan.org)?.name ?? plan.orgName;
    const feeds: PreparedFeed[] = [];
    for (const person of retry) {
      const prepared = await preparePersonFeed(deps, plan.org, orgName, person, null, false);
      if (prepared) feeds.push(prepared);
    }
    const again = transactAndAnnounce(sql, deps.onCommit, () =>
      writeFeeds(deps, feeds, Math.floor(deps.clock() / 1000)),
    );
    for (const key of again.updated) updated.add(key);
    retry = again.retry;
  }
  const people = [...updated].filter((k) => k.startsWith("person/")).length;
  return { peopleAffected: people, feedsUpdated: updated.size };
}

/** Writes prepared feeds inside a transaction; person feeds whose pieces moved under them are left for a retry. */
function writeFeeds(deps: UnitDeps, feeds: PreparedFeed[], nowSeconds: number) {
  const updated = new Set<string>();
  const retry: string[] = [];
  for (const p of feeds) {
    const person = p.feed.startsWith("person/") ? p.feed.slice("person/".length) : null;
    if (
      person !== null &&
      currentPersonSpecHash(deps.sql, p.org, person, deps) !== (p.spec?.inputHash ?? null)
    ) {
      retry.push(person);
      continue;
    }
    const outcome = writeFeed(deps.sql, p, nowSeconds);
    if (outcome === "changed") updated.add(p.feed);
    else if (outcome === "conflict" && person !== null) retry.push(person);
  }
  return { updated, retry };
}

export { personFeedKey };
