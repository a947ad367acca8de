/**
 * What the serving part needs of the pages, kept apart from the admin page so serving threads load little: the
 * stylesheet route (`/static/shiftfeed.css`, for the subscribe page), the headers every page carries, and which
 * `/admin` paths are public (the page shell, its script modules, the OpenAPI document).
 */
import type { Context, Hono } from "hono";
import { routeApp, type Route } from "../openapi-route.ts";
import { PAGE_ASSETS } from "./assets.generated.ts";

/** A page asset's file name (`app.js`, `shiftfeed.css`). */
export type AssetName = keyof typeof PAGE_ASSETS;

/** The admin page's script modules (`app.js` the entry, `app-*.js` what it imports), each served as `/admin/<name>`. */
export const SCRIPT_MODULES = (Object.keys(PAGE_ASSETS) as AssetName[]).filter((name) =>
  name.endsWith(".js"),
);

/** The `/admin` paths served without the admin token. */
const PUBLIC_ADMIN_PATHS = new Set([
  "/admin",
  "/admin/openapi.json",
  ...SCRIPT_MODULES.map((name) => `/admin/${name}`),
]);

/** Whether a path is one of the public admin paths (the page shell, its scripts, the OpenAPI document). */
export function isPublicAdminPath(path: string): boolean {
  return PUBLIC_ADMIN_PATHS.has(path);
}

/** Headers every page answer carries. https://www.w3.org/TR/CSP3/ */
export function pageHeaders(csp: string): Record<string, string> {
  return {
    "content-security-policy": csp,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
  };
}

/** Text for HTML content and quoted attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/**
 * Data-derived text (a name, a note, a location) as HTML, escaped and isolated in `<bdi>`: its own bidi formatting
 * (an unclosed RIGHT-TO-LEFT OVERRIDE) and right-to-left letters are laid out apart from the page's own sentence
 * around it and cannot reorder it. Every piece of data a page shows goes through this (text contexts without
 * markup, such as `<title>`, use FSI … PDI instead: `isolateBidi`, as the feeds do).
 */
export const bdi = (s: string) => `<bdi>${escapeHtml(s)}</bdi>`;

/**
 * A whole page: the head every page shares (UTF-8, phone viewport, `noindex`, `no-referrer`, the stylesheet with
 * its integrity hash), `title` escaped, then `head` and `body` as given (HTML).
 */
export function htmlDocument(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/shiftfeed.css" integrity="sha256-${PAGE_ASSETS["shiftfeed.css"].sha256}">
${head}</head>
<body>
${body}
</body>
</html>
`;
}

/** A static file with an `ETag` of its SHA-256 (`304` when the browser has it). */
export function serveAsset(c: Context, name: AssetName): Response {
  const { type, sha256, body } = PAGE_ASSETS[name];
  const etag = `"${sha256}"`;
  const headers = {
    "content-type": type,
    etag,
    "cache-control": "no-cache",
    ...pageHeaders("default-src 'none'"),
  };
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
}

/** The stylesheet, served by every serving thread (the subscribe page needs it, without a token). */
export const STATIC_ROUTES: readonly Route<unknown>[] = [
  {
    method: "get",
    path: "/static/shiftfeed.css",
    summary: "The pages' stylesheet",
    access: "public",
    answers: { 200: { description: "CSS", type: "text/css" } },
    handle: (c) => serveAsset(c, "shiftfeed.css"),
  },
];

/** The stylesheet route, to mount on the serving app. */
export function createStaticRoutes(): Hono {
  return routeApp(STATIC_ROUTES, undefined);
}
