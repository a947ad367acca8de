/**
 * Every route of the HTTP surface (`ROUTES`, what the OpenAPI document describes), called over a real socket in a
 * day's order of work — publish, look up, search, rotate, regenerate and follow the job, partner keys and a range,
 * scrape, retire — as one suite every runtime passes: the Node server (`test/http/behaviour-node.test.ts`) and the
 * Worker in workerd (`test/worker/socket/behaviour.test.ts`). Each call is held to the same status, media type and
 * JSON fields on both, and a guard fails when a route is added without its call here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../src/http/openapi.ts";
import { ADMIN_TOKEN, makeSnapshot } from "./fixture.ts";
import type { HttpTarget } from "./http-behaviour.ts";
import { raw, type Reply } from "./server.ts";

/** One call of the tour: the route it exercises, and what it must answer. */
interface Stop {
  route: string;
  /** The request; its path may use what earlier stops found (`state`). */
  call: () => Promise<Reply>;
  status: number;
  type: RegExp;
  /** A JSON answer's fields: exactly these, or (`atLeast`) at least these. */
  fields?: readonly string[];
  atLeast?: boolean;
  /** Anything else the answer must show. */
  check?: (reply: Reply) => void;
}

const JSON_TYPE = /^application\/json/;
const name = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

export function describeRouteTour(runtime: string, start: () => Promise<HttpTarget>): void {
  describe(`every route, over a real socket: ${runtime}`, () => {
    let target: HttpTarget;
    const state = { feed: "", page: "", job: "", partnerId: "", partnerKey: "" };
    const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      raw(method, target.url + path, {
        headers: {
          ...headers,
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const admin = (method: string, path: string, body?: unknown) =>
      send(method, path, { authorization: `Bearer ${ADMIN_TOKEN}` }, body);
    const partner = () =>
      send("GET", "/partner/orgs/acme/schedules/icu.ics?from=2026-11-01&to=2026-12-31", {
        authorization: `Bearer ${state.partnerKey}`,
      });

    const PERSON = ["org", "person", "name", "schedules", "feed", "lastFetch"];
    const SCHEDULE = [
      "org",
      "schedule",
      "name",
      "timezone",
      "revision",
      "publishedAt",
      "people",
      "assignments",
      "feed",
    ];
    const PUBLISHED = ["revision", "peopleAffected", "feedsUpdated"];
    const PARTNER_KEY = ["id", "org", "name", "burst", "perHour", "createdAt", "revokedAt"];
    const page = (path: string, type: RegExp): Stop => ({
      route: name("get", path),
      call: () => send("GET", path),
      status: 200,
      type,
    });

    const stops: Stop[] = [
      {
        route: "PUT /admin/orgs/{org}/schedules/{schedule}",
        call: () => admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot()),
        status: 200,
        type: JSON_TYPE,
        fields: PUBLISHED,
      },
      {
        route: "GET /healthz",
        call: () => send("GET", "/healthz"),
        status: 200,
        type: JSON_TYPE,
        fields: ["ok", "orgs", "tz"],
        atLeast: true,
        check: (r) => expect(r.json).toMatchObject({ ok: true, orgs: 1 }),
      },
      page("/admin", /^text\/html/),
      page("/admin/app.js", /^text\/javascript/),
      page("/admin/app-dom.js", /^text\/javascript/),
      page("/admin/app-people.js", /^text\/javascript/),
      page("/admin/app-regenerate.js", /^text\/javascript/),
      page("/admin/app-traffic.js", /^text\/javascript/),
      page("/static/shiftfeed.css", /^text\/css/),
      {
        route: "GET /admin/openapi.json",
        call: () => send("GET", "/admin/openapi.json"),
        status: 200,
        type: JSON_TYPE,
        check: (r) => expect(Object.keys((r.json as { paths: object }).paths).length).toBeGreaterThan(20),
      },
      {
        route: "GET /admin/orgs/{org}/schedules/{schedule}",
        call: () => admin("GET", "/admin/orgs/acme/schedules/icu"),
        status: 200,
        type: JSON_TYPE,
        fields: SCHEDULE,
      },
      {
        route: "GET /admin/orgs/{org}/schedules/{schedule}/people",
        call: () => admin("GET", "/admin/orgs/acme/schedules/icu/people"),
        status: 200,
        type: JSON_TYPE,
        fields: ["people"],
        check: (r) => expect((r.json as { people: unknown[] }).people).toHaveLength(2),
      },
      {
        route: "GET /admin/orgs/{org}/people/{person}",
        call: () => admin("GET", "/admin/orgs/acme/people/pA"),
        status: 200,
        type: JSON_TYPE,
        fields: PERSON,
        check: (r) => {
          const { feed } = r.json as { feed: { url: string; subscribeUrl: string } };
          state.feed = new URL(feed.url).pathname;
          state.page = new URL(feed.subscribeUrl).pathname;
        },
      },
      {
        route: "GET /feeds/{token}.ics",
        call: () => send("GET", state.feed, { "user-agent": "Google-Calendar-Importer" }),
        status: 200,
        type: /^text\/calendar/,
        check: (r) => expect(r.text).toContain("BEGIN:VCALENDAR"),
      },
      {
        route: "GET /subscribe/{token}",
        call: () => send("GET", state.page),
        status: 200,
        type: /^text\/html/,
        check: (r) => expect(r.text).toContain("Dr. Ada Able"),
      },
      {
        route: "GET /admin/orgs/{org}/people/{person}/qr.svg",
        call: () => admin("GET", "/admin/orgs/acme/people/pA/qr.svg"),
        status: 200,
        type: /^image\/svg\+xml/,
      },
      {
        route: "GET /admin/search",
        call: () => admin("GET", "/admin/search?q=ada"),
        status: 200,
        type: JSON_TYPE,
        fields: ["people", "schedules"],
        check: (r) => expect((r.json as { people: unknown[] }).people).toHaveLength(1),
      },
      {
        route: "GET /admin/traffic",
        call: () => admin("GET", "/admin/traffic"),
        status: 200,
        type: JSON_TYPE,
        fields: ["at", "perMinute", "windows"],
      },
      {
        route: "POST /admin/orgs/{org}/people/{person}/rotate",
        call: () => admin("POST", "/admin/orgs/acme/people/pA/rotate"),
        status: 200,
        type: JSON_TYPE,
        fields: PERSON,
        check: (r) =>
          expect(new URL((r.json as { feed: { url: string } }).feed.url).pathname).not.toBe(state.feed),
      },
      {
        route: "POST /admin/orgs/{org}/schedules/{schedule}/rotate",
        call: () => admin("POST", "/admin/orgs/acme/schedules/icu/rotate"),
        status: 200,
        type: JSON_TYPE,
        fields: SCHEDULE,
      },
      {
        route: "POST /admin/regenerate",
        call: () => admin("POST", "/admin/regenerate", { org: "acme", force: true }),
        status: 202,
        type: JSON_TYPE,
        fields: ["job"],
        check: (r) => (state.job = (r.json as { job: { id: string } }).job.id),
      },
      {
        route: "GET /admin/jobs/{id}",
        call: async () => {
          // Followed to its end, as the admin page and the CLI do.
          for (;;) {
            const reply = await admin("GET", `/admin/jobs/${state.job}`);
            const job = reply.json as { state?: string };
            if (reply.status !== 200 || job.state === "succeeded" || job.state === "failed") return reply;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        },
        status: 200,
        type: JSON_TYPE,
        fields: ["id", "state", "done", "total", "updated", "createdAt", "startedAt", "finishedAt", "errors"],
        check: (r) => expect(r.json).toMatchObject({ state: "succeeded", errors: [] }),
      },
      {
        route: "POST /admin/partners",
        call: () => admin("POST", "/admin/partners", { org: "acme", name: "Payroll" }),
        status: 201,
        type: JSON_TYPE,
        fields: [...PARTNER_KEY, "key"],
        check: (r) => {
          ({ id: state.partnerId, key: state.partnerKey } = r.json as { id: string; key: string });
        },
      },
      {
        route: "GET /admin/partners",
        call: () => admin("GET", "/admin/partners?org=acme"),
        status: 200,
        type: JSON_TYPE,
        fields: ["partners"],
        check: (r) => expect((r.json as { partners: unknown[] }).partners).toHaveLength(1),
      },
      {
        route: "GET /partner/orgs/{org}/schedules/{file}",
        call: partner,
        status: 200,
        type: /^text\/calendar/,
        check: (r) => expect(r.text).toContain("BEGIN:VEVENT"),
      },
      {
        route: "DELETE /admin/partners/{id}",
        call: () => admin("DELETE", `/admin/partners/${state.partnerId}`),
        status: 200,
        type: JSON_TYPE,
        fields: PARTNER_KEY,
        check: (r) => expect((r.json as { revokedAt: string | null }).revokedAt).not.toBeNull(),
      },
      {
        route: "GET /metrics",
        call: () => admin("GET", "/metrics"),
        status: 200,
        type: /^text\/plain/,
        check: (r) => expect(r.text).toContain("shiftfeed_tz_data{"),
      },
      {
        route: "DELETE /admin/orgs/{org}/schedules/{schedule}",
        call: () => admin("DELETE", "/admin/orgs/acme/schedules/icu"),
        status: 200,
        type: JSON_TYPE,
        fields: PUBLISHED,
      },
    ];

    beforeAll(async () => {
      target = await start();
    }, 60_000);
    afterAll(() => target?.close());

    it("has a call for every route the OpenAPI document describes", () => {
      expect(stops.map((s) => s.route).sort()).toEqual(
        [...new Set(ROUTES.map((r) => name(r.method, r.path)))].sort(),
      );
    });

    for (const stop of stops) {
      it(stop.route, async () => {
        const reply = await stop.call();
        expect(reply.status, reply.text).toBe(stop.status);
        expect(String(reply.headers["content-type"])).toMatch(stop.type);
        if (stop.fields) {
          const keys = Object.keys(reply.json as object);
          if (stop.atLeast) expect(keys).toEqual(expect.arrayContaining([...stop.fields]));
          else expect(keys.sort()).toEqual([...stop.fields].sort());
        }
        stop.check?.(reply);
      });
    }

    it("after the tour: a revoked partner key, a rotated link and a retired schedule open nothing", async () => {
      const revoked = await partner();
      expect(revoked.status).toBe(401);
      expect((await send("GET", state.feed)).status).toBe(404);
      expect((await send("GET", state.page)).status).toBe(404);
      expect((await admin("GET", "/admin/orgs/acme/schedules/icu")).status).toBe(404);
      expect((await admin("GET", "/admin/orgs/acme/people/nobody")).status).toBe(404);
      expect((await admin("GET", "/admin/jobs/no-such-job")).status).toBe(404);
    });
  });
}
