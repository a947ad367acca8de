/**
 * The admin web page, served by the same app as the API (so the page works wherever the app runs, Workers
 * included): `/admin` (HTML shell) and its script modules (`/admin/app.js` and the `/admin/app-*.js` it imports);
 * `openapi.ts` serves the OpenAPI document beside them. These need no admin token (the page asks for it and sends it with every API call); every
 * other `/admin/*` path does. Strict Content-Security-Policy: scripts and styles from this origin only, no inline
 * code; every script and the stylesheet carry Subresource Integrity hashes.
 */
import type { Hono } from "hono";
import { routeApp, type Route } from "../openapi-route.ts";
import { PAGE_ASSETS } from "./assets.generated.ts";
import { htmlDocument, pageHeaders, SCRIPT_MODULES, serveAsset, type AssetName } from "./static-routes.ts";

/** The admin page's policy: its own script and styles, API calls to this origin, the QR code as a `blob:` image. */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const integrity = (name: AssetName) => `sha256-${PAGE_ASSETS[name].sha256}`;

function adminHtml(): string {
  // The modules app.js imports are preloaded with their hashes, so each one is checked like app.js itself.
  const preloads = SCRIPT_MODULES.filter((name) => name !== "app.js")
    .map((name) => `<link rel="modulepreload" href="/admin/${name}" integrity="${integrity(name)}">`)
    .join("\n");
  const head =
    preloads + `\n<script type="module" src="/admin/app.js" integrity="${integrity("app.js")}"></script>\n`;
  return htmlDocument(
    "shiftfeed admin",
    head,
    `<header class="bar">
<span class="brand">shiftfeed admin</span>
<nav id="nav" aria-label="Main" hidden>
<a href="#/">Search</a> <a href="#/regenerate">Regenerate</a> <a href="#/traffic">Traffic</a>
<button id="sign-out" type="button" class="secondary">Sign out</button>
</nav>
</header>
<main>
<div id="status" class="status" role="status" aria-live="polite"></div>
<div id="app"><noscript>The admin page needs JavaScript.</noscript></div>
</main>`,
  );
}

/** The admin page: its HTML shell and its script modules. */
export const PAGE_ROUTES: readonly Route<{ html: string }>[] = [
  {
    method: "get",
    path: "/admin",
    summary: "The admin web page (sign in with the admin token)",
    access: "public",
    answers: { 200: { description: "HTML", type: "text/html" } },
    handle: (c, { html }) =>
      c.html(html, 200, {
        ...pageHeaders(ADMIN_CSP),
        "cache-control": "no-store",
        "x-robots-tag": "noindex",
      }),
  },
  ...SCRIPT_MODULES.map((name): Route<unknown> => ({
    method: "get",
    path: `/admin/${name}`,
    summary: name === "app.js" ? "The admin page's script" : "A module the admin page's script imports",
    access: "public",
    answers: { 200: { description: "JavaScript", type: "text/javascript" } },
    handle: (c) => serveAsset(c, name),
  })),
];

/** The admin page routes (the OpenAPI document's route is `openapi.ts`'s). */
export function createPageRoutes(): Hono {
  return routeApp(PAGE_ROUTES, { html: adminHtml() });
}
