// Outlook and Google specifics (README › Subscribing), checked on feeds served by the real Node server over HTTP:
// rule-based VTIMEZONEs only, an escaped calendar name, the identity encoding, feed URLs under 256 characters with a
// long PUBLIC_URL, and Google's add-by-URL link.
import { readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, run, type ServedFeed, serveFixtures, skipWithout } from "../support/parsers.ts";
import { RENDER_CASES, ROOT } from "../support/render-cases.ts";
import { makeSnapshot, PUBLIC_URL, startHarness, type Harness } from "../support/server.ts";
import { unfold, veventBlocks } from "../support/vdirsyncer.ts";

const files = (dir: string) =>
  readdirSync(`${ROOT}${dir}`)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => `${dir}/${f}`);

/** Every fixture set the service is tested with: the render cases (demo included) and the time-zone matrix. */
const SETS: { name: string; files: string[]; now: string }[] = [
  ...RENDER_CASES.map((c) => ({ name: c.name, files: c.steps.map((s) => s.file), now: c.readAt })),
  { name: "matrix", files: files("fixtures/matrix"), now: "2027-01-15T12:00:00Z" },
];

interface Observance {
  kind: string;
  lines: string[];
}
/** The VTIMEZONEs of a feed: TZID → observances (unfolded lines). */
function vtimezones(ics: string): Map<string, Observance[]> {
  const out = new Map<string, Observance[]>();
  let tzid: string | null = null;
  let observances: Observance[] = [];
  let current: Observance | null = null;
  for (const line of unfold(ics)) {
    if (line === "BEGIN:VTIMEZONE") {
      tzid = null;
      observances = [];
    } else if (line === "END:VTIMEZONE") out.set(tzid ?? "?", observances);
    else if (line === "BEGIN:STANDARD" || line === "BEGIN:DAYLIGHT")
      current = { kind: line.slice(6), lines: [] };
    else if (line === "END:STANDARD" || line === "END:DAYLIGHT") {
      if (current) observances.push(current);
      current = null;
    } else if (current) current.lines.push(line);
    else if (line.startsWith("TZID:")) tzid = line.slice(5);
  }
  return out;
}

/** Why an observance is not what Outlook wants (`[]`: it is rule-based). */
function outlookProblems(tzid: string, o: Observance): string[] {
  const problems: string[] = [];
  const named = (name: string) => o.lines.filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
  if (named("RDATE").length > 0) problems.push(`${tzid} ${o.kind}: RDATE ${named("RDATE").join(" ")}`);
  if (named("DTSTART").length !== 1) problems.push(`${tzid} ${o.kind}: ${named("DTSTART").length} DTSTARTs`);
  if (named("TZOFFSETFROM").length !== 1 || named("TZOFFSETTO").length !== 1)
    problems.push(`${tzid} ${o.kind}: TZOFFSETFROM/TO missing`);
  const rrules = named("RRULE");
  if (rrules.length > 1) problems.push(`${tzid} ${o.kind}: ${rrules.length} RRULEs`);
  for (const rrule of rrules) {
    const parts = new Map(
      rrule
        .slice("RRULE:".length)
        .split(";")
        .map((p) => p.split("=") as [string, string]),
    );
    const ok =
      parts.get("FREQ") === "YEARLY" &&
      /^\d{1,2}$/.test(parts.get("BYMONTH") ?? "") &&
      /^-?[1-5]?(SU|MO|TU|WE|TH|FR|SA)$/.test(parts.get("BYDAY") ?? "") &&
      [...parts.keys()].every((k) => ["FREQ", "BYMONTH", "BYDAY", "UNTIL"].includes(k)) &&
      (!parts.has("UNTIL") || /^\d{8}T\d{6}Z$/.test(parts.get("UNTIL")!));
    if (!ok) problems.push(`${tzid} ${o.kind}: not a yearly BYMONTH/BYDAY rule: ${rrule}`);
  }
  return problems;
}

it("the rule-based check catches RDATE lists, several DTSTARTs and non-yearly rules", () => {
  const o = (...lines: string[]) => ({
    kind: "DAYLIGHT",
    lines: ["TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", ...lines],
  });
  expect(outlookProblems("Z", o("DTSTART:20270314T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"))).toEqual(
    [],
  );
  expect(
    outlookProblems(
      "Z",
      o("DTSTART:20270314T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;UNTIL=20300310T070000Z"),
    ),
  ).toEqual([]);
  expect(outlookProblems("Z", o("DTSTART:20270314T020000"))).toEqual([]);
  expect(
    outlookProblems("Z", o("DTSTART:20270314T020000", "RDATE:20280312T020000,20290311T020000")),
  ).toHaveLength(1);
  expect(outlookProblems("Z", o("DTSTART:20270314T020000", "DTSTART:20280312T020000"))).toHaveLength(1);
  expect(outlookProblems("Z", o("DTSTART:20270314T020000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1"))).toHaveLength(
    1,
  );
});

describe.each(SETS)("$name feeds served over HTTP", (set) => {
  let harness: Harness;
  let feeds: ServedFeed[] = [];
  beforeAll(async () => {
    harness = await startHarness({ now: Date.parse(set.now) });
    feeds = await serveFixtures(harness, set.files, set.now, false);
  }, 60_000);
  afterAll(() => harness?.close());

  it("every VTIMEZONE is rule-based (no RDATE; each observance one DTSTART, at most one yearly BYMONTH/BYDAY RRULE)", () => {
    expect(feeds.length).toBeGreaterThan(0);
    const problems: string[] = [];
    let zones = 0;
    let referenced = 0;
    for (const f of feeds) {
      const used = new Set(
        veventBlocks(f.text)
          .flat()
          .map((l) => /^DT(?:START|END);(?:[^:]*;)?TZID=([^:;]+)[:;]/.exec(l)?.[1])
          .filter((z) => z !== undefined),
      );
      referenced += used.size;
      const defined = vtimezones(f.text);
      for (const tzid of used)
        if (!defined.has(tzid)) problems.push(`${f.name}: TZID ${tzid} has no VTIMEZONE`);
      for (const [tzid, observances] of defined) {
        zones++;
        if (observances.length === 0) problems.push(`${f.name}: ${tzid} has no observance`);
        for (const o of observances) problems.push(...outlookProblems(tzid, o).map((p) => `${f.name}: ${p}`));
      }
      // No floating times: every DTSTART/DTEND is a DATE, UTC, or carries a TZID.
      for (const line of veventBlocks(f.text)
        .flat()
        .filter((l) => /^DT(START|END)[;:]/.test(l))) {
        if (!/;TZID=|;VALUE=DATE[:;]|Z$/.test(line)) problems.push(`${f.name}: floating ${line}`);
      }
    }
    expect(problems).toEqual([]);
    expect(zones).toBeGreaterThan(0);
    expect(referenced).toBeGreaterThan(0);
  });

  it("the identity encoding (no Accept-Encoding, or identity) is exactly the gunzipped gzip body", async () => {
    for (const f of feeds) {
      const none = await harness.feed(f.url);
      const identity = await harness.feed(f.url, { "accept-encoding": "identity" });
      const gzip = await harness.feed(f.url, { "accept-encoding": "gzip" });
      expect([f.name, none.status, identity.status, gzip.status]).toEqual([f.name, 200, 200, 200]);
      expect(gzip.headers["content-encoding"], f.name).toBe("gzip");
      expect(none.headers["content-encoding"], f.name).toBeUndefined();
      expect(identity.headers["content-encoding"], f.name).toBeUndefined();
      const gunzipped = gunzipSync(gzip.body);
      expect(none.body.equals(gunzipped), f.name).toBe(true);
      expect(identity.body.equals(gunzipped), f.name).toBe(true);
      expect(Number(none.headers["content-length"]), f.name).toBe(gunzipped.length);
      expect([none.etag, identity.etag]).toEqual([gzip.etag, gzip.etag]);
    }
  });
});

describe("calendar names with , ; \\ and a newline", () => {
  const ORG = "Acme, Inc.; North \\ South";
  const SCHEDULE = "ICU; Nights, Weekends \\ Holidays\nLine two";
  const PERSON = "Dr. Ada Able, MD; PhD \\ Fellow";
  /** RFC 5545 §3.3.11 TEXT escaping, written here independently of the product. */
  const escapeText = (s: string) =>
    s.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\n/g, "\\n");
  const pythonMissing = skipWithout("reading calendar names with python-icalendar", [
    "python3",
    "pythonIcalendar",
  ]);
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
    const snapshot = makeSnapshot({
      organization: { id: "acme", name: ORG, tier: "standard" },
      schedule: { id: "icu", name: SCHEDULE, timezone: "America/New_York" },
    });
    snapshot.people[0]!.name = PERSON;
    expect((await harness.publish(snapshot)).status).toBe(200);
  });
  afterAll(() => harness?.close());

  it.each([
    ["person feed", "person", `${PERSON} · ${ORG}`],
    ["schedule feed", "schedule", `${SCHEDULE} · ${ORG}`],
  ])("%s: NAME and X-WR-CALNAME are escaped, and python-icalendar reads both back", async (_, kind, want) => {
    const path =
      kind === "person"
        ? await harness.feedPathOf("acme", "pA")
        : new URL(
            ((await harness.admin("GET", "/admin/orgs/acme/schedules/icu")).json as { feed: { url: string } })
              .feed.url,
          ).pathname;
    const text = (await harness.feed(path)).text;
    const lines = unfold(text);
    expect(lines.filter((l) => /^(NAME|X-WR-CALNAME)[:;]/.test(l))).toEqual([
      `NAME:${escapeText(want)}`,
      `X-WR-CALNAME:${escapeText(want)}`,
    ]);
    // ical.js keeps NAME/X-WR-CALNAME as raw "unknown" values; python-icalendar reads them as TEXT.
    if (!pythonMissing) {
      const read = await run(
        PYTHON,
        [
          "-c",
          "import json,sys\nfrom icalendar import Calendar\nc=Calendar.from_ical(sys.stdin.buffer.read())\n" +
            "sys.stdout.buffer.write(json.dumps([str(c['NAME']),str(c['X-WR-CALNAME'])]).encode())",
        ],
        text,
      );
      expect(JSON.parse(read)).toEqual([want, want]);
    }
  });
});

describe("feed URLs with a long PUBLIC_URL", () => {
  const LONG = "https://calendar-feeds.some-long-hospital-name.example.org/shiftfeed";
  let harness: Harness;
  let feeds: ServedFeed[] = [];
  beforeAll(async () => {
    harness = await startHarness({ env: { PUBLIC_URL: LONG } });
    feeds = await serveFixtures(harness, files("fixtures/demo"), "2026-11-20T12:00:00Z", false);
  }, 60_000);
  afterAll(() => harness?.close());

  it("every link from the admin lookups is under 256 characters, built on PUBLIC_URL, and the feed path is served", async () => {
    const looked = await Promise.all(
      feeds.map(async (f) => {
        const path = f.kind === "person" ? `people/${f.id}` : `schedules/${f.id}`;
        const reply = await harness.admin("GET", `/admin/orgs/${f.org}/${path}`);
        return [
          f,
          (reply.json as { feed: { url: string; webcalUrl: string; googleUrl: string } }).feed,
        ] as const;
      }),
    );
    expect(looked).toHaveLength(47);
    for (const [f, links] of looked) {
      expect(links.url, f.name).toMatch(
        /^https:\/\/calendar-feeds\.some-long-hospital-name\.example\.org\/shiftfeed\/feeds\/[A-Za-z0-9_-]{16,64}\.ics$/,
      );
      expect(links.webcalUrl, f.name).toBe(links.url.replace(/^https:/, "webcal:"));
      for (const link of [links.url, links.webcalUrl, links.googleUrl])
        expect([f.name, link.length < 256], link).toEqual([f.name, true]);
      // Behind a proxy mounting the service at /shiftfeed, the rest of the path is what the service serves.
      const served = links.url.slice(LONG.length);
      expect(`${harness.url}${served}`).toBe(f.url);
      expect((await harness.feed(served)).status).toBe(200);
    }
  });
});

describe("Google's add-by-URL link", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
    expect((await harness.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => harness?.close());

  it.each(["people/pA", "people/pB", "schedules/icu"])(
    "%s: calendar.google.com/calendar/r?cid=<webcal URL>, which fetches the same feed as Google would",
    async (what) => {
      const reply = await harness.admin("GET", `/admin/orgs/acme/${what}`);
      const feed = (
        reply.json as { feed: { url: string; webcalUrl: string; googleUrl: string; etag: string } }
      ).feed;
      const google = new URL(feed.googleUrl);
      expect([google.protocol, google.host, google.pathname]).toEqual([
        "https:",
        "calendar.google.com",
        "/calendar/r",
      ]);
      expect([...google.searchParams.keys()]).toEqual(["cid"]);
      const cid = google.searchParams.get("cid")!;
      expect(cid).toBe(feed.webcalUrl);
      expect(cid).toBe(feed.url.replace(/^https:\/\//, "webcal://"));
      expect(cid.startsWith(PUBLIC_URL.replace(/^https:\/\//, "webcal://") + "/feeds/")).toBe(true);
      // Back to http on the harness host, fetched as Google does: its user agent, no Accept, no Accept-Encoding.
      const local = new URL(cid.replace(/^webcal:\/\/[^/]+/, harness.url));
      expect(local.protocol).toBe("http:");
      const fetched = await harness.feed(local.href, { "user-agent": "Google-Calendar-Importer" });
      const direct = await harness.feed(new URL(feed.url).pathname);
      expect(fetched.status).toBe(200);
      expect(fetched.headers["content-type"]).toBe("text/calendar; charset=utf-8");
      expect(fetched.headers["content-encoding"]).toBeUndefined();
      expect(fetched.etag).toBe(direct.etag);
      expect(fetched.etag).toBe(feed.etag);
      expect(fetched.body.equals(direct.body)).toBe(true);
    },
  );
});
