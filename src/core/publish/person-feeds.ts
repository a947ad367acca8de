/**
 * A person's feed, assembled from their pieces (one per live schedule that lists them) and written with a check
 * that makes concurrent units safe: inside the transaction the feed's spec is worked out again from the pieces
 * as they now are; if it differs from the one the bytes were rendered from, another unit changed a piece
 * meanwhile and the person is prepared again. The last writer therefore always writes what the pieces show.
 */
import { assembleFeed } from "../ical/assemble-feed.ts";
import { mergeRendered, type RenderedEvent } from "../ical/render-events.ts";
import { hasBlob, readBlob } from "../store/blob-table.ts";
import { feedByKey, type FeedRow } from "../store/feeds-table.ts";
import { linkVersion } from "../store/links-table.ts";
import { piecesOfPerson, type PersonPiece } from "../store/pieces-table.ts";
import { orgRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { feedBytes } from "./feed-bytes.ts";
import { personFeedSpec } from "./feed-specs.ts";
import type { PreparedFeed } from "./feed-writes.ts";
import { personFeedKey, type FeedKey } from "../store/keys.ts";
import { decodePiece } from "./piece-codec.ts";
import type { PeopleInScope } from "./refresh-scope.ts";
import type { UnitDeps } from "./unit-deps.ts";

/** A schedule's pieces as a unit is about to write them: `null` removes the person's piece of that schedule. */
export interface PieceOverlay {
  schedule: string;
  /** Replacement pieces by person, with their rendered events when the unit has them in memory. */
  pieces: Map<string, { piece: PersonPiece; rendered: RenderedEvent[] | null } | null>;
}

/** A person's pieces with a unit's pending changes applied, by schedule id. */
function overlaid(sql: SqlPort, org: string, person: string, overlay: PieceOverlay | null): PersonPiece[] {
  const stored = piecesOfPerson(sql, org, person);
  if (overlay === null || !overlay.pieces.has(person)) return stored;
  const others = stored.filter((p) => p.schedule !== overlay.schedule);
  const mine = overlay.pieces.get(person);
  if (mine) others.push(mine.piece);
  return others.sort((a, b) => (a.schedule < b.schedule ? -1 : a.schedule > b.schedule ? 1 : 0));
}

/** The spec of a person's feed from the pieces stored now (inside a transaction: as they will be committed). */
export function currentPersonSpecHash(
  sql: SqlPort,
  org: string,
  person: string,
  deps: UnitDeps,
): string | null {
  const name = orgRow(sql, org)?.name ?? org;
  return personFeedSpec(piecesOfPerson(sql, org, person), name, deps.settings)?.inputHash ?? null;
}

/**
 * Renders a person's feed as the pieces (with a unit's pending ones) show it, or returns `null` when the stored
 * feed is already exactly that (and `force` is off), or `undefined` when the person is not in `which`.
 */
export async function preparePersonFeed(
  deps: UnitDeps,
  org: string,
  orgName: string,
  person: string,
  overlay: PieceOverlay | null,
  force: boolean,
  which: PeopleInScope = "all",
): Promise<PreparedFeed | null | undefined> {
  const { sql } = deps;
  const feed: FeedKey = personFeedKey(person);
  const pieces = overlaid(sql, org, person, overlay);
  if ((which === "single" && pieces.length > 1) || (which === "shared" && pieces.length <= 1))
    return undefined;
  const spec = personFeedSpec(pieces, orgName, deps.settings);
  const existing = feedByKey(sql, org, feed);
  if (spec === null) {
    return existing === null ? null : { org, feed, spec: null, events: 0, bytes: null, newToken: null };
  }
  if (!force && existing?.inputHash === spec.inputHash && bodiesPresent(sql, existing)) return null;
  const lists: RenderedEvent[][] = [];
  for (const piece of pieces) {
    const mine = overlay?.schedule === piece.schedule ? overlay.pieces.get(person)?.rendered : null;
    if (mine) {
      lists.push(mine);
      continue;
    }
    const bytes = readBlob(sql, piece.bodyKey);
    if (bytes === null) throw new Error(`piece \`${piece.bodyKey}\` is missing from the store`);
    lists.push(await decodePiece(bytes, deps.codec));
  }
  const events = mergeRendered(lists);
  const bytes = await feedBytes(assembleFeed(spec.head, events), deps.settings.bigFeedBytes, deps.codec);
  return {
    org,
    feed,
    spec,
    events: events.length,
    bytes,
    newToken: await newToken(deps, org, feed, existing !== null),
  };
}

/** Whether a feed's stored bodies are all there (a store that lost one gets it written again). */
export function bodiesPresent(sql: SqlPort, feed: FeedRow): boolean {
  return hasBlob(sql, feed.bodyKey) && (feed.identityKey === null || hasBlob(sql, feed.identityKey));
}

/** The hash of a feed's token at its current link version, for a feed that has no row yet. */
export async function newToken(
  deps: UnitDeps,
  org: string,
  feed: FeedKey,
  exists: boolean,
): Promise<PreparedFeed["newToken"]> {
  if (exists) return null;
  const version = linkVersion(deps.sql, org, feed);
  const [kind, id] = [
    feed.slice(0, feed.indexOf("/")) as "person" | "schedule",
    feed.slice(feed.indexOf("/") + 1),
  ];
  const token = await deps.tokens.derive({ kind, org, id, version });
  return { hash: await deps.tokens.hash(token), linkVersion: version };
}
