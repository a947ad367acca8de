/**
 * `GET`/`HEAD /partner/orgs/{org}/schedules/{schedule}.ics|.json?from=YYYY-MM-DD&to=YYYY-MM-DD`: a schedule's
 * events over a range of dates for a partner system, behind a partner API key (`Authorization: Bearer sfp_…`).
 * Ranges snap out to whole months (`Content-Location` names the snapped range), and their validators are known
 * without rendering, so a partner's periodic sync is conditional requests answered `304` at no cost.
 *
 * Order of work, cheapest first: per-address and miss budgets → key (hash, cached) → the key's organization →
 * the key's quota → the range → the schedule (cached) → validators → the range's pieces (cached, or rendered
 * where the range source renders: on Node off the serving threads, admitted as expensive work) → the answer,
 * written piece by piece as the pieces are (never one string of the whole range). On Workers the Worker makes the
 * cheap checks (`src/worker/partner-edge.ts`, with the helpers exported here) and the organization's Durable
 * Object answers with this route.
 */
import type { Context, Hono } from "hono";
import { sha256 } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import type { Protection } from "../core/limits/protection.ts";
import { perHour } from "../core/limits/settings.ts";
import type { PartnerReader } from "../core/partners/partner-reader.ts";
import { rangeEtag, snapRange } from "../core/partners/range.ts";
import { assembleRange, piecesOf, type RangePiece } from "../core/partners/render-range.ts";
import { servedLastModified } from "../core/publish/feed-bytes.ts";
import { RENDER_VERSION } from "../core/publish/feed-specs.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { formatHttpDate, isNotModified } from "./conditional.ts";
import { errorResponse } from "./errors.ts";
import { peerOf } from "./feed-route.ts";
import { NOT_FOUND, problem, routeApp, type Route } from "./openapi-route.ts";
import { requestClient } from "./token-gate.ts";

export interface PartnerRouteDeps {
  partners: PartnerReader;
  protection?: Protection;
  clientIpHeader?: string | null;
  /** Milliseconds since the epoch (`Date`, and Last-Modified's shared-second rule). */
  clock: () => number;
  /** The refresh hint written into iCalendar ranges, in seconds. */
  refreshSeconds: number;
}

const BEARER = /^Bearer +(\S+) *$/;
const FILE = /^(.+)\.(ics|json)$/;
const CHALLENGE = { "www-authenticate": 'Bearer realm="shiftfeed-partner"' };

/** The bearer value of an `Authorization` header, or `null` (the key's form is checked by its reader). */
export function partnerBearer(header: string | null | undefined): string | null {
  return BEARER.exec(header ?? "")?.[1] ?? null;
}

/** The schedule and format a range path names (`{schedule}.ics|.json` of an organization), or `null`. */
export function rangeTarget(org: string, file: string): { schedule: string; format: "ics" | "json" } | null {
  const named = FILE.exec(file);
  const schedule = named?.[1];
  if (named === null || schedule === undefined || !ID.test(org) || !ID.test(schedule)) return null;
  return { schedule, format: named[2] as "ics" | "json" };
}

/** The answer to a request without a valid partner key: `401` with the partner realm's challenge. */
export function unauthorized(): Response {
  return errorResponse(new ServiceError("unauthorized", "A valid partner key is required."), CHALLENGE);
}

/** The `404` of a schedule a key cannot read (another organization's, or none). */
export const NO_SUCH_SCHEDULE = (): ServiceError =>
  new ServiceError("not_found", "No such schedule for this key.");

/** The partner range route (docs/api.md › Partner API). */
export const PARTNER_ROUTES: readonly Route<PartnerRouteDeps>[] = [
  {
    method: "get",
    path: "/partner/orgs/{org}/schedules/{file}",
    summary:
      "A schedule as a range of dates (`{schedule}.ics` or `{schedule}.json`, `from` and `to` snapped to whole months), with a partner key as bearer token; conditional GET",
    access: "capability",
    query: { from: "YYYY-MM-DD", to: "YYYY-MM-DD" },
    answers: {
      200: { description: "the range (`.json`: the same range as application/json)", type: "text/calendar" },
      304: { description: "not modified" },
      400: problem("not a valid range"),
      401: problem("no valid partner key"),
      404: NOT_FOUND,
      429: problem("the key's or the address's quota is spent (`Retry-After`)"),
    },
    handle: answerRange,
  },
];

/** The partner routes, to mount on the serving app. */
export function createPartnerRoutes(deps: PartnerRouteDeps): Hono {
  return routeApp(PARTNER_ROUTES, deps);
}

async function answerRange(c: Context, deps: PartnerRouteDeps): Promise<Response> {
  const { partners, protection: guard } = deps;
  const client = requestClient(
    guard,
    peerOf(c.env),
    deps.clientIpHeader ? (c.req.header(deps.clientIpHeader) ?? null) : null,
  );
  // A key is a bearer secret with no checksum: a miss is counted before the key is looked up (so a spent miss
  // budget keeps a scan of keys away from storage) and given back once the key opens its organization.
  const refused = guard && (guard.address(client) ?? guard.miss(client));
  if (refused) return limited(refused.retryAfter);
  const bearer = partnerBearer(c.req.header("authorization"));
  const key = bearer === null ? null : await partners.key(bearer);
  if (key === null) return unauthorized();
  const org = c.req.param("org") ?? "";
  const target = rangeTarget(org, c.req.param("file") ?? "");
  if (target === null || key.org !== org) throw NO_SUCH_SCHEDULE();
  const { schedule, format } = target;
  guard?.found(client); // a valid key for its own organization: not a scan
  const overQuota = guard?.partner(key.id, perHour(key.burst, key.perHour));
  if (overQuota) return limited(overQuota.retryAfter);
  const range = snapRange(c.req.query("from"), c.req.query("to"));
  const found = partners.schedule(org, schedule);
  if (found === null) throw NO_SUCH_SCHEDULE();

  const etag = await rangeEtag(
    { format, stateKey: found.row.stateKey, orgName: found.orgName, range, renderVersion: RENDER_VERSION },
    sha256,
  );
  const nowSeconds = Math.floor(deps.clock() / 1000);
  // Two revisions accepted within one second share it: treated as the feeds treat a shared second.
  const modified = servedLastModified(
    { lastModified: found.row.receivedAt, lastModifiedShared: true },
    nowSeconds,
  );
  const headers: Record<string, string> = {
    Date: formatHttpDate(nowSeconds),
    ETag: etag,
    "Last-Modified": formatHttpDate(modified.lastModified),
    "Cache-Control": "private, no-cache",
    "Content-Location": `/partner/orgs/${org}/schedules/${schedule}.${format}?from=${range.from}&to=${range.to}`,
    "X-Range": `${range.from}/${range.to}`,
  };
  if (
    isNotModified(
      {
        ifNoneMatch: c.req.header("if-none-match") ?? null,
        ifModifiedSince: c.req.header("if-modified-since") ?? null,
      },
      { etag, ...modified },
    )
  ) {
    return c.body(null, 304, headers);
  }
  let pieces: RangePiece[];
  try {
    const answer = await partners.ranges.pieces({
      stateKey: found.row.stateKey,
      format,
      pieces: piecesOf(range),
    });
    if ("busy" in answer) return busy(guard?.shedRetryAfter() ?? 10);
    pieces = answer.pieces;
  } catch {
    // A schedule whose stored state cannot be read is a storage fault: never an empty range.
    throw new ServiceError(
      "unavailable",
      "The schedule is temporarily unavailable.",
      [],
      {},
      {
        "retry-after": String(guard?.shedRetryAfter() ?? 10),
      },
    );
  }
  const body = assembleRange(
    { format, schedule: found.row, orgName: found.orgName, range, refreshSeconds: deps.refreshSeconds },
    pieces,
  );
  headers["Content-Type"] =
    format === "ics" ? "text/calendar; charset=utf-8" : "application/json; charset=utf-8";
  headers["Content-Length"] = String(body.length);
  return new Response(c.req.method === "HEAD" ? null : streamOf(body.parts), { status: 200, headers });
}

/** The parts as a stream, one chunk each, pulled as the connection drains (the parts are never copied). */
function streamOf(parts: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < parts.length) controller.enqueue(parts[next++]!);
      else controller.close();
    },
  });
}

/** The answer of a spent quota: `429` with `Retry-After`. */
export function limited(retryAfter: number): Response {
  return errorResponse(
    new ServiceError("rate_limited", "Too many requests. Please retry after the time in Retry-After."),
    { "retry-after": String(retryAfter) },
  );
}

function busy(retryAfter: number): Response {
  return errorResponse(
    new ServiceError("unavailable", "The service is busy. Please retry after the time in Retry-After."),
    {
      "retry-after": String(retryAfter),
    },
  );
}
