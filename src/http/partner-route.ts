/**
 * `GET`/`HEAD /partner/orgs/{org}/schedules/{schedule}.ics|.json?from=YYYY-MM-DD&to=YYYY-MM-DD`: a schedule's
 * events over a range of dates for a partner system, behind a partner API key (`Authorization: Bearer sfp_…`).
 * Ranges snap out to whole months (`Content-Location` names the snapped range), and their validators are known
 * without rendering, so a partner's periodic sync is conditional requests answered `304` at no cost.
 *
 * Order of work, cheapest first: per-address and miss budgets → key (hash, cached) → the key's organization →
 * the key's quota → the range → the schedule (cached) → validators → a cached or admitted render.
 */
import { Hono } from "hono";
import { sha256 } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import { clientAddress } from "../core/limits/client-address.ts";
import type { Protection } from "../core/limits/protection.ts";
import { perHour } from "../core/limits/settings.ts";
import type { PartnerReader } from "../core/partners/partner-reader.ts";
import { rangeEtag, snapRange } from "../core/partners/range.ts";
import { renderRange } from "../core/partners/render-range.ts";
import { servedLastModified } from "../core/publish/feed-bytes.ts";
import { RENDER_VERSION } from "../core/publish/feed-specs.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { formatHttpDate, isNotModified } from "./conditional.ts";
import { errorResponse } from "./errors.ts";
import { peerOf } from "./feed-route.ts";

export interface PartnerRouteDeps {
  partners: PartnerReader;
  protection?: Protection;
  clientIpHeader?: string | null;
  /** Milliseconds since the epoch (`Date`, and Last-Modified's shared-second rule). */
  clock: () => number;
  /** The refresh hint written into iCalendar ranges, in seconds. */
  refreshSeconds: number;
  /** Told about every range rendered (a cache miss). */
  onRender?: () => void;
}

const BEARER = /^Bearer +(\S+) *$/;
const FILE = /^(.+)\.(ics|json)$/;
const CHALLENGE = { "www-authenticate": 'Bearer realm="shiftfeed-partner"' };
const encoder = new TextEncoder();

/** The partner routes, to mount on the serving app. */
export function createPartnerRoutes(deps: PartnerRouteDeps): Hono {
  const app = new Hono();
  const { partners, protection: guard } = deps;

  app.get("/partner/orgs/:org/schedules/:file", async (c) => {
    const client = clientAddress(
      peerOf(c.env),
      deps.clientIpHeader ? (c.req.header(deps.clientIpHeader) ?? null) : null,
    );
    const refused = guard && (guard.address(client) ?? guard.missBudget(client));
    if (refused) return limited(refused.retryAfter);
    const bearer = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    const key = bearer === undefined ? null : await partners.key(bearer);
    if (key === null)
      return errorResponse(new ServiceError("unauthorized", "A valid partner key is required."), CHALLENGE);
    const { org, file } = c.req.param();
    const named = FILE.exec(file);
    const schedule = named?.[1];
    if (named === null || schedule === undefined || !ID.test(org) || !ID.test(schedule) || key.org !== org)
      throw new ServiceError("not_found", "No such schedule for this key.");
    guard?.found(client); // a valid key for its own organization: not a scan
    const overQuota = guard?.partner(key.id, perHour(key.burst, key.perHour));
    if (overQuota) return limited(overQuota.retryAfter);
    const format = named[2] as "ics" | "json";
    const range = snapRange(c.req.query("from"), c.req.query("to"));
    const found = partners.schedule(org, schedule);
    if (found === null) throw new ServiceError("not_found", "No such schedule for this key.");

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
    let text = partners.cachedRange(etag);
    if (text === undefined) {
      const release = guard ? guard.admit("partner") : () => undefined;
      if (release === null) return busy(guard!.shedRetryAfter());
      try {
        deps.onRender?.();
        const { sql, codec } = partners.deps;
        text = await renderRange({
          sql,
          codec,
          schedule: found.row,
          orgName: found.orgName,
          range,
          format,
          refreshSeconds: deps.refreshSeconds,
        });
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
      } finally {
        release();
      }
      partners.rememberRange(etag, text);
    }
    headers["Content-Type"] =
      format === "ics" ? "text/calendar; charset=utf-8" : "application/json; charset=utf-8";
    const body = encoder.encode(text);
    headers["Content-Length"] = String(body.byteLength);
    return new Response(c.req.method === "HEAD" ? null : body, { status: 200, headers });
  });
  return app;
}

function limited(retryAfter: number): Response {
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
