// The routes the two runtimes register, compared: Node's are the route tables its app is built from (`ROUTES`,
// which test/http/openapi.test.ts holds equal to what the Node app registers), the Worker's what its Hono app
// registers plus the feed route it answers from R2 before the app. Every Node route the Worker lacks must be in
// the table of Node-only routes in docs/cloudflare.md, and every Worker route Node lacks in its table of
// Workers-only routes, each with its reason, and nothing else may be listed there.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FEED_ROUTES } from "../../../src/http/feed-route.ts";
import { ROUTES } from "../../../src/http/openapi.ts";
import { createWorker } from "../../../src/worker/worker-app.ts";

const guide: string = (
  import.meta.glob("../../../docs/cloudflare.md", {
    query: "?raw",
    import: "default",
    eager: true,
  }) as Record<string, string>
)["../../../docs/cloudflare.md"]!;

const name = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/** What the Worker answers, as `METHOD /path/{param}` (`ALL` entries of its app are `app.use` middleware). */
function workerRoutes(): string[] {
  const out = new Set(FEED_ROUTES.map((r) => name(r.method, r.path)));
  for (const { method, path } of createWorker(env).app.routes) {
    if (method !== "ALL") out.add(name(method, path.replace(/:(\w+)/g, "{$1}")));
  }
  return [...out].sort();
}

/** The rows of one of the guide's tables of routes: `` | `METHOD /path` | reason | ``. */
function listedInGuide(heading: string): Map<string, string> {
  const section = new RegExp(`## ${heading}\\n([\\s\\S]*?)(?:\\n## |$)`).exec(guide)?.[1];
  expect(section, `docs/cloudflare.md has a \`## ${heading}\` section`).toBeDefined();
  const rows = new Map<string, string>();
  for (const m of section!.matchAll(/^\| `(GET|PUT|POST|DELETE) (\/[^`]*)` \| (.+?) \|$/gm)) {
    rows.set(name(m[1]!, m[2]!), m[3]!.trim());
  }
  return rows;
}

describe("the routes of Node and of the Worker", () => {
  it("differ only by the Node-only and Workers-only routes docs/cloudflare.md lists, each with its reason", () => {
    const node = ROUTES.map((r) => name(r.method, r.path)).sort();
    const worker = workerRoutes();
    const nodeOnly = listedInGuide("Node-only routes");
    expect([...nodeOnly.keys()].sort()).toEqual(node.filter((r) => !worker.includes(r)));
    const workerOnly = listedInGuide("Workers-only routes");
    expect([...workerOnly.keys()].sort()).toEqual(worker.filter((r) => !node.includes(r)));
    for (const [route, reason] of [...nodeOnly, ...workerOnly])
      expect(reason.length, route).toBeGreaterThan(10);
  });

  it("include the pages, the subscribe page, search, partner keys and ranges and every organization's admin route on the Worker", () => {
    const worker = workerRoutes();
    for (const route of [
      "GET /admin",
      "GET /admin/app.js",
      "GET /admin/openapi.json",
      "GET /static/shiftfeed.css",
      "GET /subscribe/{token}",
      "GET /admin/search",
      "GET /feeds/{token}.ics",
      "PUT /admin/orgs/{org}/schedules/{schedule}",
      "GET /admin/orgs/{org}/people/{person}/qr.svg",
      "POST /admin/partners",
      "GET /admin/partners",
      "DELETE /admin/partners/{id}",
      "GET /partner/orgs/{org}/schedules/{file}",
    ]) {
      expect(worker, route).toContain(route);
    }
  });
});
