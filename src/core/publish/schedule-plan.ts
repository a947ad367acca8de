/**
 * Steps 2 and 3 of a schedule unit (`schedule-unit.ts`): from a schedule's expanded events, the pieces to render
 * again (only those whose fingerprint changed, or all with `force`), the schedule feed when its fingerprint
 * changed, and the person feeds those pieces change — all prepared outside the transaction that writes them.
 */
import type { ExpandedEvent } from "../feeds/event-facts.ts";
import { createExpander } from "../feeds/events.ts";
import { type History } from "../feeds/history.ts";
import { feedParts } from "../ical/assemble-feed.ts";
import { blockOf, placeEvents, renderEvents, type FeedEvent } from "../ical/render-events.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { feedByKey } from "../store/feeds-table.ts";
import { piecesOfSchedule, type PersonPiece, type PieceRow } from "../store/pieces-table.ts";
import type { ScheduleRow } from "../store/schedules-table.ts";
import { feedBytes } from "./feed-bytes.ts";
import { eventsHash, scheduleFeedSpec, windowEvents, windowFor } from "./feed-specs.ts";
import { pieceBlobKey, scheduleFeedKey } from "../store/keys.ts";
import type { PreparedFeed } from "./feed-writes.ts";
import { bodiesPresent, newToken, preparePersonFeed, type PieceOverlay } from "./person-feeds.ts";
import { encodePiece } from "./piece-codec.ts";
import { WindowGatherer } from "./schedule-window.ts";
import {
  coversScheduleFeed,
  peopleOf,
  personFeedsOf,
  rendersPieces,
  type RefreshScope,
} from "./refresh-scope.ts";
import type { UnitDeps, UnitOptions } from "./unit-deps.ts";

/** Everything a unit has prepared, ready for its transaction (`unit-commit.ts`). */
export interface Plan {
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

/** What a unit hands the planning step: the schedule's state, expanded, and what to render again. */
export interface PlanInput {
  snapshot: Snapshot;
  /**
   * The events the scope reads, expanded; `null` for every event of the snapshot, expanded a slice of people at a
   * time (`ServiceSettings.eventSlice`) and held compactly for the schedule feed (`schedule-window.ts`).
   */
  events: ExpandedEvent[] | null;
  history: History;
  row: ScheduleRow;
  orgName: string;
  tier: Snapshot["organization"]["tier"];
  scope: RefreshScope;
}

/** Steps 2 and 3: pieces, the schedule feed, and the person feeds they change. */
export async function planSchedule(deps: UnitDeps, input: PlanInput, options: UnitOptions): Promise<Plan> {
  const { sql, settings } = deps;
  const { snapshot, row, orgName, scope } = input;
  const org = row.org;
  const sid = row.schedule;
  const window = windowFor(row.timezone, deps.clock(), settings);
  const only = peopleOf(scope);
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
  const listed = new Map(snapshot.people.map((p) => [p.id, p.name]));
  const inWindow = input.events === null ? null : windowEvents(input.events, input.history, window);
  const rendered = rendersPieces(scope) ? [...listed].filter(([person]) => !only || only.has(person)) : [];
  const expander = inWindow === null ? createExpander(snapshot) : null;
  // The schedule feed's events gathered as the pieces' are expanded, when those are everyone's.
  const gatherer =
    expander !== null && coversScheduleFeed(scope)
      ? new WindowGatherer(snapshot, input.history, window)
      : null;
  const gathering = gatherer !== null && rendered.length === listed.size;
  const slice = Math.max(1, expander === null ? rendered.length : (settings.eventSlice ?? rendered.length));
  for (let from = 0; from < rendered.length; from += slice) {
    const people = rendered.slice(from, from + slice).map(([p]) => p);
    const events =
      inWindow ??
      windowEvents(expander!.eventsOf(people, gathering ? gatherer.add : undefined), input.history, window);
    const byPerson = new Map<string, FeedEvent[]>(people.map((p) => [p, []]));
    for (const e of events) byPerson.get(e.facts.personId)?.push(e);
    await planPieces(
      deps,
      rendered.slice(from, from + slice),
      byPerson,
      stored,
      row,
      scope,
      plan,
      overlay,
      options,
    );
  }
  if (!only && rendersPieces(scope)) {
    for (const [person, old] of stored) {
      if (listed.has(person)) continue;
      plan.pieces.set(person, null);
      plan.replacedPieces.push(old.bodyKey);
      overlay.pieces.set(person, null);
    }
  }

  // The schedule feed.
  if (coversScheduleFeed(scope)) {
    const compact =
      gatherer === null ? null : (gathering ? gatherer : gatherer.addAll(expander!)).finish(expander!);
    const spec = scheduleFeedSpec(
      row.name,
      orgName,
      row.timezone,
      compact?.eventsHash ?? eventsHash("schedule", inWindow!),
      settings,
    );
    const feed = scheduleFeedKey(sid);
    const existing = feedByKey(sql, org, feed);
    if (scope.force || existing?.inputHash !== spec.inputHash || !bodiesPresent(sql, existing)) {
      // Blocks rendered as they are encoded: a whole schedule's feed is never held as text or blocks.
      let text: () => Iterable<string>;
      if (compact !== null) text = () => compact.parts(spec.head, deps.blocks);
      else {
        const placed = placeEvents(inWindow!);
        text = () => feedParts(spec.head, placed, (e) => blockOf(e, "schedule", deps.blocks));
      }
      plan.feeds.push({
        org,
        feed,
        spec,
        events: compact?.count ?? inWindow!.length,
        bytes: await feedBytes(
          text,
          settings.bigFeedBytes,
          deps.codec,
          settings.streamFeedBytes,
          compact?.atLeast,
        ),
        newToken: await newToken(deps, org, feed, existing !== null),
      });
    }
    options.onProgress?.(1);
  }

  // The feeds of everyone whose piece may have changed (a newer revision can also rename a person elsewhere).
  const which = personFeedsOf(scope);
  if (which !== "none") {
    const people = rendersPieces(scope)
      ? overlay.pieces.keys()
      : [...stored.keys()].filter((p) => !only || only.has(p));
    for (const person of people) {
      options.signal?.throwIfAborted();
      const prepared = await preparePersonFeed(deps, org, orgName, person, overlay, scope.force, which);
      if (prepared) plan.feeds.push(prepared);
      if (prepared !== undefined) options.onProgress?.(1);
    }
  }
  return plan;
}

/** The pieces of `people` (in the order listed), each from its events in the window (`byPerson`). */
async function planPieces(
  deps: UnitDeps,
  people: readonly (readonly [string, string])[],
  byPerson: ReadonlyMap<string, FeedEvent[]>,
  stored: ReadonlyMap<string, PieceRow>,
  row: ScheduleRow,
  scope: RefreshScope,
  plan: Plan,
  overlay: PieceOverlay,
  options: UnitOptions,
): Promise<void> {
  const org = row.org;
  const sid = row.schedule;
  for (const [person, name] of people) {
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
}
