/**
 * Step 4 of a schedule unit (`schedule-unit.ts`): everything a unit prepared lands in one transaction, or nothing
 * does. Person feeds are checked against the pieces as committed; those another unit changed meanwhile are
 * assembled again from what is stored and written in a further transaction, until nothing moves under them.
 */
import { ServiceError } from "../errors.ts";
import { putBlob, releaseBlob } from "../store/blob-table.ts";
import { deletePiece, putPiece } from "../store/pieces-table.ts";
import { orgRow, putOrg, putSchedule, scheduleRow, type ScheduleRow } from "../store/schedules-table.ts";
import { transactAndAnnounce } from "./announce.ts";
import { writeFeed, type PreparedFeed } from "./feed-writes.ts";
import { currentPersonSpecHash, preparePersonFeed } from "./person-feeds.ts";
import type { Plan } from "./schedule-plan.ts";
import type { UnitDeps, UnitOptions } from "./unit-deps.ts";

/** What a unit's commit changed. */
export interface CommitCounts {
  /** People whose feed bytes changed, appeared or went. */
  peopleAffected: number;
  /** Feeds (person and schedule) whose bytes changed, appeared or went. */
  feedsUpdated: number;
}

/** Step 4: one transaction; people whose feeds turned out stale are prepared again and retried. */
export async function commit(
  deps: UnitDeps,
  plan: Plan,
  expected: ScheduleRow | null,
  options: UnitOptions,
): Promise<CommitCounts> {
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
