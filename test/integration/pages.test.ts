/**
 * The admin page's and the subscribe page's HTTP side on the real server (serving threads): which paths need the
 * admin token, the headers pages carry (strict CSP, no-referrer, noindex), the subscribe page's content, its death
 * on rotation with the same 404 as any unknown link, no token in the logs, and the admin API routes the page uses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSnapshot, raw, startHarness, type Harness } from "../support/server.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { SERVE_THREADS: "2" } });
  expect((await h.publish(makeSnapshot())).status).toBe(200);
});
afterAll(() => h.close());

const subscribePath = (url: string) => new URL(url).pathname;
const lookup = async (person: string) =>
  (await h.admin("GET", `/admin/orgs/acme/people/${person}`)).json as {
    feed: { url: string; subscribeUrl: string; webcalUrl: string; googleUrl: string };
  };

describe("the admin page", () => {
  it("serves its shell, script and the OpenAPI document without a token, under a strict CSP", async () => {
    const page = await raw("GET", `${h.url}/admin`);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["x-robots-tag"]).toBe("noindex");
    expect(page.text).not.toMatch(/<script>|style=/); // nothing inline: the CSP would block it
    const script = await raw("GET", `${h.url}/admin/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toMatch(/^text\/javascript/);
    const again = await raw("GET", `${h.url}/admin/app.js`, {
      headers: { "if-none-match": script.headers.etag! },
    });
    expect(again.status).toBe(304);
    // The modules app.js imports: preloaded by the shell with their hashes, served without a token too.
    const modules = [...page.text.matchAll(/<link rel="modulepreload" href="([^"]+)" integrity="sha256-/g)];
    expect(modules.map((m) => m[1]).sort()).toEqual([
      "/admin/app-dom.js",
      "/admin/app-people.js",
      "/admin/app-regenerate.js",
      "/admin/app-traffic.js",
    ]);
    for (const [, path] of modules) {
      const module = await raw("GET", h.url + path!);
      expect(module.status, path).toBe(200);
      expect(module.headers["content-type"], path).toMatch(/^text\/javascript/);
    }
    expect((await raw("GET", `${h.url}/static/shiftfeed.css`)).status).toBe(200);
    expect((await raw("GET", `${h.url}/admin/openapi.json`)).status).toBe(200);
  });

  it("keeps every other admin path behind the token", async () => {
    for (const path of [
      "/admin/search?q=ada",
      "/admin/traffic",
      "/admin/orgs/acme/people/pA/qr.svg",
      "/admin/",
    ]) {
      expect((await raw("GET", h.url + path)).status, path).toBe(401);
    }
  });

  it("finds people and schedules by name, accents and case ignored; lists a schedule's people", async () => {
    const snapshot = makeSnapshot({
      schedule: { id: "ward", name: "Ward Nine", timezone: "Europe/London" },
      people: [{ id: "pL", name: "Ana López, MD" }],
      assignments: [{ id: "w1", personId: "pL", shiftId: "day", date: "2026-11-30" }],
    });
    expect((await h.publish(snapshot)).status).toBe(200);
    const found = (await h.admin("GET", "/admin/search?q=LOPEZ%20ana")).json;
    expect(found).toEqual({
      people: [{ org: "acme", person: "pL", name: "Ana López, MD", schedules: ["ward"] }],
      schedules: [],
    });
    const schedules = (await h.admin("GET", "/admin/search?q=care")).json as { schedules: unknown[] };
    expect(schedules.schedules).toEqual([
      { org: "acme", schedule: "icu", name: "Intensive Care", people: 2 },
    ]);
    expect((await h.admin("GET", "/admin/orgs/acme/schedules/icu/people")).json).toEqual({
      people: [
        { person: "pA", name: "Dr. Ada Able" },
        { person: "pB", name: "Dr. Bo Baker" },
      ],
    });
    expect((await h.admin("GET", "/admin/orgs/acme/schedules/nope/people")).status).toBe(404);
  });

  it("draws a person's QR code as SVG", async () => {
    const qr = await h.admin("GET", "/admin/orgs/acme/people/pA/qr.svg");
    expect(qr.status).toBe(200);
    expect(qr.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
    expect(qr.text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect((await h.admin("GET", "/admin/orgs/acme/people/nobody/qr.svg")).status).toBe(404);
  });
});

describe("the subscribe page", () => {
  it("shows the name, the next shifts and a button per app, with the feed's privacy headers and no script", async () => {
    const { feed } = await lookup("pA");
    expect(feed.subscribeUrl).toBe(feed.url.replace("/feeds/", "/subscribe/").replace(/\.ics$/, ""));
    const page = await raw("GET", h.url + subscribePath(feed.subscribeUrl));
    expect(page.status).toBe(200);
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["x-robots-tag"]).toBe("noindex");
    expect(page.headers["cache-control"]).toBe("private, no-store");
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(page.text).not.toContain("<script");
    expect(page.text).toContain("<h1><bdi>Dr. Ada Able</bdi></h1>");
    expect(page.text).toContain("Acme Hospital");
    // Only pA's shifts, in the schedule's wall time, in order: the day shift, then the vacation.
    const items = [...page.text.matchAll(/<li><strong>([^<]+)<\/strong> <bdi>([^<]+)/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(items).toEqual([
      ["Wed 25 Nov, 07:00–19:00", "ICU Day"],
      ["Thu 24 Dec – Sat 26 Dec", "Vacation"],
    ]);
    const amp = (s: string) => s.replaceAll("&", "&amp;");
    expect(page.text).toContain(`href="${amp(feed.googleUrl)}"`);
    expect(page.text).toContain(`href="${amp(feed.webcalUrl)}"`);
    expect(page.text).toContain(
      `href="https://outlook.office.com/calendar/0/addfromweb?url=${amp(encodeURIComponent(feed.url))}`,
    );
    expect(page.text).toContain(`value="${feed.url}"`);
    expect(page.text).toMatch(/<figure id="qr"[^>]*><svg /);
  });

  it("leaves shifts that have ended off the list", async () => {
    const { feed } = await lookup("pA");
    const at = h.now;
    h.now = Date.parse("2026-11-26T12:00:00Z");
    try {
      const page = await raw("GET", h.url + subscribePath(feed.subscribeUrl));
      expect(page.text).not.toContain("ICU Day");
      expect(page.text).toContain("Vacation");
    } finally {
      h.now = at;
    }
  });

  it("dies with the link on rotation: the same 404 page as an unknown or malformed link, no token logged", async () => {
    const before = await lookup("pB");
    const old = subscribePath(before.feed.subscribeUrl);
    expect((await raw("GET", h.url + old)).status).toBe(200);
    expect((await h.admin("POST", "/admin/orgs/acme/people/pB/rotate")).status).toBe(200);
    const dead = await raw("GET", h.url + old);
    const unknown = await raw("GET", `${h.url}/subscribe/AAAAAAAAAAAAAAAAAAAAAAAA`);
    const malformed = await raw("GET", `${h.url}/subscribe/not-a-token`);
    for (const reply of [dead, unknown, malformed]) {
      expect(reply.status).toBe(404);
      expect(reply.text).toBe(dead.text);
      expect(reply.headers["x-robots-tag"]).toBe("noindex");
    }
    const after = await lookup("pB");
    expect((await raw("GET", h.url + subscribePath(after.feed.subscribeUrl))).status).toBe(200);
    await h.settle();
    const token = old.split("/").pop()!;
    expect(h.logs.join("\n")).not.toContain(token);
    expect(h.logs.some((l) => l.includes('"/subscribe/[token]"'))).toBe(true);
  });

  it("answers only the path as sent, /subscribe/ + 24 base64url characters: an escaped route name or token character is the same 404 page", async () => {
    const { feed } = await lookup("pA");
    const token = subscribePath(feed.subscribeUrl).split("/").pop()!;
    const escape = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
    expect((await raw("GET", `${h.url}/subscribe/${token}`)).status).toBe(200);
    const unknown = await raw("GET", `${h.url}/subscribe/AAAAAAAAAAAAAAAAAAAAAAAA`);
    for (const path of [
      `/%73ubscribe/${token}`,
      `/%73%75%62%73%63%72%69%62%65/${token}`,
      `/subscribe/${escape(token[0]!)}${token.slice(1)}`,
      `/subscribe/${token.slice(0, 10)}${escape(token[10]!)}${token.slice(11)}`,
    ]) {
      const reply = await raw("GET", h.url + path);
      expect(reply.status, path).toBe(404);
      expect(reply.text, path).toBe(unknown.text);
    }
  });

  it("logs a token route's path without anything after its name, whatever its length or spelling", async () => {
    const { feed } = await lookup("pA");
    const token = subscribePath(feed.subscribeUrl).split("/").pop()!;
    const mark = h.logs.length;
    for (const path of [
      `/subscribe/${token.slice(0, 23)}`, // a link cut short
      `/subscribe/${token.slice(0, 16)}%0a${token.slice(16)}`, // broken by a line wrap
      `/subscribe/%20${token.slice(0, 23)}`,
      `/subscribe/${token.slice(0, 12)}`,
      `/%73ubscribe/${token}`,
      `/SUBSCRIBE/${token}`,
      `//feeds/${token.slice(0, 20)}.ics`,
      `/f%65eds/${token}.ics`,
      `/x/feeds/${token.slice(0, 23)}`,
    ]) {
      expect((await raw("GET", h.url + path)).status, path).toBe(404);
    }
    await h.settle();
    const lines = h.logs.slice(mark).join("\n");
    expect(lines).toContain('"/subscribe/[token]"');
    for (let i = 0; i + 12 <= token.length; i++) expect(lines).not.toContain(token.slice(i, i + 12));
  });
});
