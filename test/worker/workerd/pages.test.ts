// The pages on Workers, through the Worker's real fetch handler: the admin page, its scripts and the OpenAPI
// document without a token (every other admin path behind it); the subscribe page found from the feed's R2
// object and filled by the organization's Durable Object, dead on rotation with the same 404 as an unknown link;
// and a search across organizations, merged as one search over one database answers.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createFeedTokens } from "../../../src/core/tokens.ts";
import type { WorkerEnv } from "../../../src/worker/env.ts";
import { mapInParallel } from "../../../src/worker/in-parallel.ts";
import { createWorkerFetch } from "../../../src/worker/worker-app.ts";
import { SEARCH_FAN_OUT } from "../../../src/worker/org-search.ts";
import { FEED_SECRET, makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, publish, setClock, watchedBucket } from "./support.ts";

interface Lookup {
  feed: { url: string; subscribeUrl: string };
}

const subscribePathOf = async (org: string, person: string) => {
  const reply = await admin("GET", `/admin/orgs/${org}/people/${person}`);
  expect(reply.status, reply.text).toBe(200);
  return new URL((reply.json as Lookup).feed.subscribeUrl).pathname;
};

describe("the admin page on Workers", () => {
  it("serves its shell, scripts, stylesheet and the OpenAPI document without a token", async () => {
    const page = await call("GET", "/admin");
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-robots-tag")).toBe("noindex");
    const scripts = [...page.text.matchAll(/(?:src|href)="(\/admin\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts).toContain("/admin/app.js");
    for (const path of scripts) {
      const script = await call("GET", path);
      expect(script.status, path).toBe(200);
      expect(script.headers.get("content-type"), path).toMatch(/^text\/javascript/);
      const again = await call("GET", path, { headers: { "if-none-match": script.headers.get("etag")! } });
      expect(again.status, path).toBe(304);
    }
    expect((await call("GET", "/static/shiftfeed.css")).status).toBe(200);
    const doc = await call("GET", "/admin/openapi.json");
    expect(doc.status, doc.text).toBe(200);
    expect(doc.json).toMatchObject({ openapi: "3.1.0", servers: [{ url: "https://feeds.example.org" }] });
  });

  it("keeps every other admin path behind the token", async () => {
    for (const path of ["/admin/search?q=ada", "/admin/orgs/acme/people/pA/qr.svg", "/admin/", "/metrics"]) {
      expect((await call("GET", path)).status, path).toBe(401);
    }
  });
});

describe("the subscribe page on Workers", () => {
  it("shows a live feed's person and next shifts, found from the feed's R2 object", async () => {
    await setClock("acme", T0);
    expect((await publish(makeSnapshot())).status).toBe(200);
    const page = await call("GET", await subscribePathOf("acme", "pA"));
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("content-security-policy")).not.toContain("script-src");
    expect(page.text).not.toContain("<script");
    expect(page.text).toContain("<h1><bdi>Dr. Ada Able</bdi></h1>");
    expect(page.text).toContain("Acme Hospital");
    // Only pA's shifts, in the schedule's wall time, in order (the Durable Object's clock says what is upcoming).
    const items = [...page.text.matchAll(/<li><strong>([^<]+)<\/strong> <bdi>([^<]+)/g)].map((m) => m[2]);
    expect(items).toEqual(["ICU Day", "Vacation"]);
    expect(page.text).toMatch(/<figure id="qr"[^>]*><svg /);
  });

  it("costs one R2 read (a head, no body) per page: its limits and its lookup share it", async () => {
    await setClock("reads", T0);
    expect((await publish(makeSnapshot({ organization: { id: "reads", name: "Reads" } }))).status).toBe(200);
    const path = await subscribePathOf("reads", "pA");
    const reads: string[] = [];
    const bucket = watchedBucket((method) => reads.push(method));
    const fetch = createWorkerFetch({ ...(env as WorkerEnv), FEEDS: bucket });
    const page = await fetch(new Request(`https://feeds.example.org${path}`));
    expect(page.status).toBe(200);
    await page.arrayBuffer();
    expect(reads).toEqual(["head"]);
    // Many requests for one page at once: each its own one read (a read is never shared across requests, which
    // workerd would refuse), each answered.
    reads.length = 0;
    const pages = await Promise.all(
      Array.from({ length: 25 }, () => fetch(new Request(`https://feeds.example.org${path}`))),
    );
    for (const each of pages) {
      expect(each.status).toBe(200);
      await each.arrayBuffer();
    }
    expect(reads).toEqual(Array.from({ length: 25 }, () => "head"));
    // And through the Worker's own entry, each request in its own context.
    const answers = await Promise.all(Array.from({ length: 25 }, () => call("GET", path)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 25 }, () => 200));
    // A never-issued token: the one head says it opens nothing; a token failing its checksum costs no read — but
    // the first of the isolate, which reads the feed secret's marker once (`secret-marker.ts`).
    const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
    const never = await tokens.derive({ kind: "person", org: "reads", id: "nobody", version: 0 });
    for (const [token, expected] of [
      [never, ["head"]],
      ["AAAAAAAAAAAAAAAAAAAAAAAA", ["head"]],
      ["BBBBBBBBBBBBBBBBBBBBBBBB", []],
    ] as const) {
      reads.length = 0;
      const unknown = await fetch(new Request(`https://feeds.example.org/subscribe/${token}`));
      expect(unknown.status).toBe(404);
      await unknown.arrayBuffer();
      expect(reads).toEqual(expected);
    }
  });

  it("shows a schedule feed's department page", async () => {
    await setClock("sched", T0);
    const org = { id: "sched", name: "Sched Hospital" };
    expect((await publish(makeSnapshot({ organization: org }))).status).toBe(200);
    const view = await admin("GET", "/admin/orgs/sched/schedules/icu");
    expect(view.status, view.text).toBe(200);
    const url = (view.json as { feed: { url: string } }).feed.url;
    const path = new URL(url).pathname.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "");
    const page = await call("GET", path);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain("department calendar of <strong><bdi>Intensive Care</bdi></strong>");
  });

  it("is dead on rotation, with the same 404 page as a never-issued or malformed token", async () => {
    await setClock("rota", T0);
    expect((await publish(makeSnapshot({ organization: { id: "rota", name: "Rota" } }))).status).toBe(200);
    const old = await subscribePathOf("rota", "pA");
    expect((await call("GET", old)).status).toBe(200);
    expect((await admin("POST", "/admin/orgs/rota/people/pA/rotate")).status).toBe(200);
    const dead = await call("GET", old);
    expect(dead.status).toBe(404);
    expect(dead.headers.get("content-type")).toMatch(/^text\/html/);
    expect(dead.text).toContain("This link does not work");
    const fresh = await subscribePathOf("rota", "pA");
    expect(fresh).not.toBe(old);
    expect((await call("GET", fresh)).status).toBe(200);
    const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
    const never = await tokens.derive({ kind: "person", org: "rota", id: "nobody", version: 0 });
    for (const path of [`/subscribe/${never}`, "/subscribe/AAAAAAAAAAAAAAAAAAAAAAAA", "/subscribe/short"]) {
      const reply = await call("GET", path);
      expect(reply.status, path).toBe(404);
      if (path !== "/subscribe/short") expect(reply.text, path).toBe(dead.text);
    }
  });
});

describe("search on Workers", () => {
  it("asks every organization and merges the hits by name, accents and case ignored", async () => {
    await setClock("north", T0);
    await setClock("south", T0);
    const north = makeSnapshot({
      organization: { id: "north", name: "North" },
      people: [
        { id: "pL", name: "Ana López, MD" },
        { id: "pZ", name: "Zoe Ana" },
      ],
      assignments: [
        { id: "n1", personId: "pL", shiftId: "day", date: "2026-11-30" },
        { id: "n2", personId: "pZ", shiftId: "day", date: "2026-11-30" },
      ],
    });
    const south = makeSnapshot({
      organization: { id: "south", name: "South" },
      schedule: { id: "ana", name: "Anaesthetics", timezone: "Europe/London" },
      people: [{ id: "pM", name: "Mara Anand" }],
      assignments: [{ id: "s1", personId: "pM", shiftId: "day", date: "2026-11-30" }],
    });
    expect((await publish(north)).status).toBe(200);
    expect((await publish(south)).status).toBe(200);
    const found = await admin("GET", "/admin/search?q=ANA");
    expect(found.status, found.text).toBe(200);
    expect(found.json).toEqual({
      people: [
        { org: "north", person: "pL", name: "Ana López, MD", schedules: ["icu"] },
        { org: "south", person: "pM", name: "Mara Anand", schedules: ["ana"] },
        { org: "north", person: "pZ", name: "Zoe Ana", schedules: ["icu"] },
      ],
      schedules: [{ org: "south", schedule: "ana", name: "Anaesthetics", people: 1 }],
    });
    expect((await admin("GET", "/admin/search?q=lopez")).json).toEqual({
      people: [{ org: "north", person: "pL", name: "Ana López, MD", schedules: ["icu"] }],
      schedules: [],
    });
    expect((await admin("GET", "/admin/search?q=%20")).json).toEqual({ people: [], schedules: [] });
  });

  it("asks at most six organizations at once, and keeps their order", async () => {
    let open = 0;
    let most = 0;
    const orgs = Array.from({ length: 20 }, (_, i) => `org${i}`);
    const answers = await mapInParallel(orgs, SEARCH_FAN_OUT, async (org) => {
      most = Math.max(most, ++open);
      await scheduler.wait(orgs.indexOf(org) % 3);
      open--;
      return org;
    });
    expect(SEARCH_FAN_OUT).toBe(6);
    expect(most).toBe(6);
    expect(answers).toEqual(orgs);
  });
});
