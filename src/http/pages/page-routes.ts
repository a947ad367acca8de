/**
 * The admin web page, served by the same app as the API (so the page works wherever the app runs, Workers
 * included): `/admin` (HTML shell), `/admin/app.js` and the OpenAPI document. These need no admin token (the page
 * asks for it and sends it with every API call); every other `/admin/*` path does. Strict Content-Security-Policy: scripts and styles from this origin only, no inline code.
 */
import { Hono, type Context } from "hono";
import { openApiDocument } from "../openapi.ts";
import { PAGE_ASSETS } from "./assets.generated.ts";
import { pageHeaders, serveAsset } from "./static-routes.ts";

/** The admin page's policy: its own script and styles, API calls to this origin, the QR code as a `blob:` image. */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const asset = (name: keyof typeof PAGE_ASSETS) => PAGE_ASSETS[name];

function adminHtml(): string {
  const css = asset("shiftfeed.css");
  const js = asset("admin.js");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>shiftfeed admin</title>
<link rel="stylesheet" href="/static/shiftfeed.css" integrity="sha256-${css.sha256}">
<script type="module" src="/admin/app.js" integrity="sha256-${js.sha256}"></script>
</head>
<body>
<header class="bar">
<span class="brand">shiftfeed admin</span>
<nav id="nav" aria-label="Main" hidden>
<a href="#/">Search</a> <a href="#/regenerate">Regenerate</a> <a href="#/traffic">Traffic</a>
<button id="sign-out" type="button" class="secondary">Sign out</button>
</nav>
</header>
<main>
<div id="status" class="status" role="status" aria-live="polite"></div>
<div id="app"><noscript>The admin page needs JavaScript.</noscript></div>
</main>
</body>
</html>
`;
}

/** The admin page routes; `publicUrl` is the server named in the OpenAPI document. */
export function createPageRoutes(publicUrl: string): Hono {
  const app = new Hono();
  const html = adminHtml();
  const page = (c: Context) =>
    c.html(html, 200, { ...pageHeaders(ADMIN_CSP), "cache-control": "no-store", "x-robots-tag": "noindex" });
  app.get("/admin", page);
  app.get("/admin/app.js", (c) => serveAsset(c, "admin.js"));
  const openapi = JSON.stringify(openApiDocument(publicUrl));
  app.get("/admin/openapi.json", (c) =>
    c.body(openapi, 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" }),
  );
  return app;
}
