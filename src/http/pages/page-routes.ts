/**
 * The admin web page, served by the same app as the API (so the page works wherever the app runs, Workers
 * included): `/admin` (HTML shell), its script modules (`/admin/app.js` and the `/admin/app-*.js` it imports) and
 * the OpenAPI document. These need no admin token (the page asks for it and sends it with every API call); every
 * other `/admin/*` path does. Strict Content-Security-Policy: scripts and styles from this origin only, no inline
 * code; every script and the stylesheet carry Subresource Integrity hashes.
 */
import { Hono, type Context } from "hono";
import { openApiDocument } from "../openapi.ts";
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

/** The admin page routes; `publicUrl` is the server named in the OpenAPI document. */
export function createPageRoutes(publicUrl: string): Hono {
  const app = new Hono();
  const html = adminHtml();
  const page = (c: Context) =>
    c.html(html, 200, { ...pageHeaders(ADMIN_CSP), "cache-control": "no-store", "x-robots-tag": "noindex" });
  app.get("/admin", page);
  for (const name of SCRIPT_MODULES) app.get(`/admin/${name}`, (c) => serveAsset(c, name));
  const openapi = JSON.stringify(openApiDocument(publicUrl));
  app.get("/admin/openapi.json", (c) =>
    c.body(openapi, 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" }),
  );
  return app;
}
