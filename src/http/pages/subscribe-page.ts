/**
 * `GET /subscribe/{token}`: the page an admin sends a doctor. It lives under the feed's own token, so it is exactly
 * as secret as the feed link and dies with it on rotation; it is answered by the serving part (every Node serving
 * thread, and the Workers entry), like the feed. Server-rendered HTML with no script at all: the person's name,
 * their next shifts, one button per calendar app with the README's two-line instructions, the feed address to
 * copy, and a QR code that opens this page on a phone. Same privacy headers as a feed (`no-referrer`, `noindex`).
 * Every name, summary and location is isolated (`<bdi>`, FSI … PDI in the title) so that its bidi formatting cannot
 * reorder the page's own sentences.
 */
import type { Context, Hono } from "hono";
import { isolateBidi } from "../../core/ical/bidi.ts";
import { feedLinks, outlookUrl, SUBSCRIBE_PREFIX } from "../../core/links.ts";
import type { FeedEntry } from "../../core/serving/feed-entry.ts";
import type { SubscribeInfo, UpcomingShift } from "../../core/serving/upcoming.ts";
import type { FeedTokens } from "../../core/tokens.ts";
import type { Protection } from "../../core/limits/protection.ts";
import type { DeadLink } from "../../core/store/dead-links-table.ts";
import { gateToken, requestClient, type TokenGate } from "../token-gate.ts";
import { rawPath } from "../feed-answer.ts";
import { peerOf } from "../feed-route.ts";
import { routeApp, type Route } from "../openapi-route.ts";
import { qrSvg } from "../qr-code.ts";
import { bdi, escapeHtml, htmlDocument, pageHeaders } from "./static-routes.ts";

export interface SubscribeDeps {
  tokens: FeedTokens;
  /**
   * The live entry a well-formed token opens, or `null`; given the request, so a runtime can reuse what its own
   * limits read for that very request (`edgeGate`), never another request's read.
   */
  lookup: (token: string, request: Request) => Promise<FeedEntry | null>;
  /** Whether a token that opens nothing is a known dead link (see `FeedSource.dead`). */
  dead?: (token: string) => Promise<DeadLink | null>;
  /** The budgets of the feed the page belongs to (address, token, misses); none: unlimited. */
  protection?: Protection | undefined;
  /**
   * A runtime's own limits checked before anything else (the Worker's Rate Limiting bindings, which answer
   * asynchronously): given the request and its token as the path names it (`undefined` when malformed), a refusal
   * with its wait in seconds, or `null` to go on.
   */
  edgeGate?: (request: Request, token: string | undefined) => Promise<{ retryAfter: number } | null>;
  /** The request header a trusted proxy puts the client's address in; none: the peer. */
  clientIpHeader?: string | null | undefined;
  /** Told about every answer (the traffic view counts pages as requests that opened no feed). */
  record?: (answer: PageAnswer) => void;
  /** The page's facts for an entry (names, next shifts), or `null` when it has none. */
  info: (entry: FeedEntry) => Promise<SubscribeInfo | null>;
  /** The base URL links are built on (`PUBLIC_URL`). */
  publicUrl: string;
}

/** An answered page, as the traffic telemetry is told it. */
export interface PageAnswer {
  status: number;
  userAgent: string | null;
  /** The live feed the page belongs to, or `null` (an unknown, dead or refused token). */
  entry: FeedEntry | null;
  /** The request's `waitUntil`, where the runtime gives one (Workers): work that may outlive the answer. */
  waitUntil?: ((work: Promise<unknown>) => void) | undefined;
}

/** Scripts none, styles from this origin, the QR code inline SVG. */
const SUBSCRIBE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/**
 * `/subscribe/` + 24 base64url characters, matched on the raw (undecoded) request path as the feed route matches
 * its own: `/%73ubscribe/…` or an escaped token character is the plain `404`, never the page, so what a proxy's log
 * filter sees is exactly what is served.
 */
const SUBSCRIBE_PATH = new RegExp(`^${SUBSCRIBE_PREFIX}([A-Za-z0-9_-]{24})$`);

const day = (date: string) =>
  new Date(`${date}T12:00:00Z`).toLocaleDateString("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });

function when(s: UpcomingShift): string {
  if (s.allDay)
    return s.startDate === s.endDate ? day(s.startDate) : `${day(s.startDate)} – ${day(s.endDate)}`;
  const end = s.endDate === s.startDate ? s.endTime : `${day(s.endDate)} ${s.endTime}`;
  return `${day(s.startDate)}, ${s.startTime}–${end}`;
}

function page(title: string, body: string): string {
  return htmlDocument(title, "", `<main class="narrow">\n${body}\n</main>`);
}

/** The page for a live feed. */
export async function subscribePageHtml(
  info: SubscribeInfo,
  token: string,
  publicUrl: string,
): Promise<string> {
  const links = feedLinks(publicUrl, token);
  const e = escapeHtml;
  // The calendar name Outlook is given, composed as the feed names itself: each part isolated.
  const calendar = `${isolateBidi(info.name)} · ${isolateBidi(info.orgName)}`;
  const shifts =
    info.kind === "schedule"
      ? `<p>This is the department calendar of <strong>${bdi(info.name)}</strong>: everyone's shifts.</p>`
      : info.upcoming.length === 0
        ? "<p>No upcoming shifts yet. They appear in your calendar as soon as they are scheduled.</p>"
        : `<ul class="plain" id="upcoming">${info.upcoming
            .map(
              (s) =>
                `<li><strong>${e(when(s))}</strong> ${bdi(s.summary)}${s.location ? ` <span class="muted">· ${bdi(s.location)}</span>` : ""}</li>`,
            )
            .join("")}</ul>`;
  const app = (id: string, title: string, href: string, button: string, steps: string) =>
    `<section class="app" aria-labelledby="${id}"><h3 id="${id}">${title}</h3><p>${steps}</p>` +
    `<a class="button" href="${e(href)}"${href.startsWith("https:") ? ' rel="noopener noreferrer"' : ""}>${button}</a></section>`;
  const body = `<h1>${bdi(info.name)}</h1>
<p class="muted">${bdi(info.orgName)} · your shifts as a calendar that updates itself</p>
<h2>Next shifts</h2>
${shifts}
<h2>Add it to your calendar</h2>
<div class="apps">
${app("google", "Google Calendar", links.googleUrl, "Add to Google Calendar", "Opens Google Calendar on the web and subscribes. Google refreshes every few hours; it shows on your phone through your Google account.")}
${app("apple", "iPhone, iPad or Mac", links.webcalUrl, "Subscribe in Apple Calendar", "Opens Calendar and asks to subscribe. On iPhone, set <em>Settings → Calendar → Accounts → Subscribed Calendars → Fetch</em> to every 15 minutes or hourly.")}
${app("outlook", "Outlook / Microsoft 365", outlookUrl(links.url, calendar), "Add to Outlook", "Opens Outlook on the web to subscribe. In Outlook for Windows: <em>Add Calendar → From Internet…</em> and paste the address below. Outlook refreshes about every 3 hours.")}
</div>
<h2><label for="feed-url">Or copy the calendar address</label></h2>
<input type="text" id="feed-url" readonly value="${e(links.url)}">
<h2>Open this page on your phone</h2>
<figure id="qr" aria-label="QR code that opens this page">${await qrSvg(links.subscribeUrl)}</figure>
<p class="muted">Keep this page's address to yourself: anyone who has it can see your shifts. If it leaks, ask for a new link; this one then stops working.</p>`;
  return page(`${isolateBidi(info.name)}: subscribe to your shifts`, body);
}

const GONE = page(
  "Link not valid",
  `<h1>This link does not work</h1><p>It may have been replaced with a new one. Ask your scheduler for your current calendar link.</p>`,
);
const BUSY = page(
  "Too many requests",
  `<h1>Too many requests</h1><p>Please try again in a little while.</p>`,
);

/**
 * The route, for the serving part of the app, under the budgets of the feed it belongs to (`gateToken`): a
 * never-issued token (counted as a miss), a rotated link and the link of a feed that went (counted against no
 * one) all get the same `404` page; a refusal gets `429` with `Retry-After`.
 */
export const SUBSCRIBE_ROUTES: readonly Route<SubscribeDeps>[] = [
  {
    method: "get",
    path: `${SUBSCRIBE_PREFIX}{token}`,
    summary: "The subscribe page of a feed: name, next shifts, one button per calendar app, a QR code",
    access: "capability",
    answers: {
      200: { description: "HTML", type: "text/html" },
      404: { description: "HTML: unknown, rotated or malformed token", type: "text/html" },
      429: {
        description: "HTML: over the budgets of the feed it belongs to (`Retry-After`)",
        type: "text/html",
      },
    },
    async handle(c, deps) {
      const headers = {
        ...pageHeaders(SUBSCRIBE_CSP),
        "cache-control": "private, no-store",
        "x-robots-tag": "noindex",
      };
      const userAgent = c.req.header("user-agent") ?? null;
      const client = requestClient(
        deps.protection,
        peerOf(c.env),
        deps.clientIpHeader ? (c.req.header(deps.clientIpHeader) ?? null) : null,
      );
      const candidate = SUBSCRIBE_PATH.exec(rawPath(c.req.url))?.[1];
      const refused = await deps.edgeGate?.(c.req.raw, candidate);
      const gate: TokenGate = refused
        ? { kind: "refused", retryAfter: refused.retryAfter }
        : await gateToken(
            {
              tokens: deps.tokens,
              protection: deps.protection,
              source: {
                lookup: (token) => deps.lookup(token, c.req.raw),
                ...(deps.dead && { dead: deps.dead }),
              },
            },
            client,
            candidate,
          );
      const answer = async (): Promise<[string, 200 | 404 | 429, Record<string, string>]> => {
        if (gate.kind === "refused") return [BUSY, 429, { "retry-after": String(gate.retryAfter) }];
        if (gate.kind === "unavailable") throw gate.error;
        const info = gate.kind === "live" ? await deps.info(gate.entry) : null;
        if (!info || gate.kind !== "live") return [GONE, 404, {}];
        return [await subscribePageHtml(info, gate.token, deps.publicUrl), 200, {}];
      };
      const [html, status, extra] = await answer();
      deps.record?.({
        status,
        userAgent,
        entry: gate.kind === "live" && status === 200 ? gate.entry : null,
        waitUntil: waitUntilOf(c),
      });
      return c.html(html, status, { ...headers, ...extra });
    },
  },
];

/** The request's `waitUntil`, or `undefined` where the runtime has no execution context (Node). */
function waitUntilOf(c: Context): ((work: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (work) => ctx.waitUntil(work);
  } catch {
    // Hono throws when the request came without an execution context.
    return undefined;
  }
}

/** The subscribe route, to mount on the serving app. */
export function createSubscribeRoutes(deps: SubscribeDeps): Hono {
  return routeApp(SUBSCRIBE_ROUTES, deps);
}
