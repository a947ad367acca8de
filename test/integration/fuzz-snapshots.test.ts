/**
 * Fuzzing the publish path over real sockets: generated snapshots — hostile text (CR/LF, `BEGIN:VEVENT`, `\ ; ,`,
 * lone surrogates, bidi controls, emoji, 10 KB strings), odd ids, zones, dates, times and revisions — sent as
 * JSON that is sometimes made worse on purpose: duplicate keys, `__proto__` keys, deep nesting, invalid UTF-8,
 * truncation. Each either publishes into feeds that ical.js parses (CRLF only, lines ≤ 75 octets, no injected
 * component) or gets a 4xx with the JSON error body (a 422 listing its problems) — never a 5xx or a hang —
 * and the feeds published before stay byte for byte. More runs with `SHIFTFEED_LONG_TESTS=1`.
 */
import fc from "fast-check";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, T0, feedPath, makeSnapshot, raw, serveApp, type Reply } from "../support/server.ts";
import { createStack } from "../support/stack.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

/** Longest a publish may take before it counts as a hang, in ms. */
const HANG_MS = 15_000;

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      "\\",
      ";",
      ",",
      ":",
      "\r",
      "\n",
      "\t",
      "\u0000",
      "é",
      "😀",
      "\u202e",
      "\ud800",
      "中",
      "a",
    ),
    maxLength: 60,
  }),
  fc.constantFrom(
    "BEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT",
    "x\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR",
    "\u05e9\u05dc\u05d5\u05dd abc",
    "😀".repeat(2_500),
    "é".repeat(10_000),
    "",
    " ",
  ),
);
/** Hostile text the snapshot format accepts in a name: visible, no unpaired surrogate, within the limits. */
const awkward = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).map((t) => `${t}x`),
  fc
    .string({
      unit: fc.constantFrom("\\", ";", ",", ":", "\r", "\n", "\t", "é", "😀", "\u202e", "中", "a"),
      maxLength: 60,
    })
    .map((t) => `x${t}`),
  fc.constantFrom(
    "BEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT",
    "x\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR",
    "\u05e9\u05dc\u05d5\u05dd abc",
    "😀".repeat(100),
    "é".repeat(200),
  ),
);
const id = fc.oneof(
  fc.constantFrom("pA", "pB", "p3"),
  fc.constantFrom("__proto__", "constructor", "toString", ".", "..", "a/b", "", "x".repeat(200)),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,6}$/),
);
const zone = fc.constantFrom(
  "America/New_York",
  "Europe/Berlin",
  "Asia/Kathmandu",
  "Africa/Casablanca",
  "UTC",
  "Mars/Olympus",
  "EST5EDT",
  "",
  "america/new_york",
);
const date = fc.oneof(
  fc.integer({ min: -20, max: 60 }).map((d) => new Date(T0 + d * 86_400_000).toISOString().slice(0, 10)),
  fc.constantFrom("2026-02-30", "1900-01-01", "2100-01-01", "2026-11-25T00:00", "", "2026-3-08"),
);
const time = fc.constantFrom("07:00", "19:00", "00:00", "02:30", "23:59", "24:00", "7:00", "", undefined);
const revision = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000 }),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, "1", null, undefined),
);

const snapshot = fc.record({
  orgName: hostile,
  scheduleName: hostile,
  timezone: zone,
  revision,
  people: fc.array(fc.record({ id, name: hostile, email: fc.option(hostile, { nil: undefined }) }), {
    maxLength: 5,
  }),
  shifts: fc.array(
    fc.record({
      id,
      name: hostile,
      start: time,
      end: time,
      allDay: fc.option(fc.boolean(), { nil: undefined }),
      location: fc.option(hostile, { nil: undefined }),
    }),
    { maxLength: 3 },
  ),
  assignments: fc.array(
    fc.record({
      id,
      personId: id,
      shiftId: id,
      date,
      endDate: fc.option(date, { nil: undefined }),
      note: fc.option(hostile, { nil: undefined }),
    }),
    { maxLength: 8 },
  ),
});

/** Snapshots whose ids and references agree, so most publish: only their text and times are hostile. */
const consistent = fc
  .record({
    orgName: awkward,
    scheduleName: awkward,
    timezone: fc.constantFrom(
      "America/New_York",
      "Europe/Berlin",
      "Asia/Kathmandu",
      "Africa/Casablanca",
      "UTC",
    ),
    people: fc.array(fc.record({ name: awkward, email: fc.option(awkward, { nil: undefined }) }), {
      minLength: 1,
      maxLength: 4,
    }),
    shifts: fc.array(
      fc.record({
        name: awkward,
        start: fc.constantFrom("07:00", "19:00", "00:00", "02:30", "23:59"),
        end: fc.constantFrom("07:00", "19:00", "03:00", "02:30", "23:00"),
        allDay: fc.boolean(),
        location: fc.option(fc.oneof(awkward, hostile), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    assignments: fc.array(
      fc.record({
        person: fc.nat(),
        shift: fc.nat(),
        day: fc.integer({ min: -20, max: 60 }),
        note: fc.oneof(awkward, awkward, hostile),
      }),
      { maxLength: 8 },
    ),
  })
  .map((c) => ({
    orgName: c.orgName,
    scheduleName: c.scheduleName,
    timezone: c.timezone,
    revision: undefined as unknown, // the next revision, set when sent
    people: c.people.map((p, i) => ({ id: `p${i}`, ...p })),
    shifts: c.shifts.map((sh, i) =>
      sh.allDay
        ? { id: `s${i}`, name: sh.name, allDay: true, location: sh.location }
        : { id: `s${i}`, ...sh, allDay: undefined },
    ),
    assignments: c.assignments.map((a, i) => ({
      id: `a${i}`,
      personId: `p${a.person % c.people.length}`,
      shiftId: `s${a.shift % c.shifts.length}`,
      date: new Date(T0 + a.day * 86_400_000).toISOString().slice(0, 10),
      endDate: undefined,
      note: a.note,
    })),
  }));

/** How the JSON text is made worse before it is sent. */
const damage: fc.Arbitrary<Damage> = fc.oneof(
  { arbitrary: fc.constant("none" as const), weight: 8 },
  fc.constant("duplicate-key" as const),
  fc.constant("proto-key" as const),
  fc.integer({ min: 10, max: 5_000 }).map((depth) => ({ depth })),
  fc.constant("invalid-utf8" as const),
  fc.nat().map((cut) => ({ cut })),
);

type Damage = "none" | "duplicate-key" | "proto-key" | "invalid-utf8" | { depth: number } | { cut: number };

function bodyOf(json: string, how: Damage): Uint8Array {
  const text = (s: string) => new TextEncoder().encode(s);
  if (how === "duplicate-key") return text(json.replace(/^\{/, '{"revision":1,'));
  if (how === "proto-key") return text(json.replace(/^\{/, '{"__proto__":{"revision":2,"people":[]},'));
  if (how === "invalid-utf8") {
    const bytes = text(json);
    const at = bytes.indexOf(0x22, bytes.indexOf(0x22, 60) + 1) + 1; // just inside some string
    return new Uint8Array([...bytes.subarray(0, at), 0xff, 0xc3, 0x28, ...bytes.subarray(at)]);
  }
  if (typeof how === "object" && "depth" in how) {
    const d = how.depth;
    return text(json.replace(/"assignments":\[/, `"assignments":[${"[".repeat(d)}${"]".repeat(d)},`));
  }
  if (typeof how === "object") {
    const bytes = text(json);
    return bytes.subarray(0, how.cut % Math.max(1, bytes.length));
  }
  return text(json);
}

/** A feed as calendar apps need it: CRLF only, lines of ≤ 75 octets, parsed by ical.js, no injected events. */
function expectWellFormed(ics: string, maxEvents: number): void {
  expect(/\r(?!\n)|(?<!\r)\n/.test(ics), "bare CR or LF").toBe(false);
  for (const line of ics.slice(0, -2).split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  expect(calendar.name).toBe("vcalendar");
  const events = calendar.getAllSubcomponents("vevent");
  expect(events.length).toBeLessThanOrEqual(maxEvents);
  for (const e of events) expect(String(e.getFirstPropertyValue("uid"))).not.toBe("evil");
  expect(ics.match(/^BEGIN:VCALENDAR\r$/gm)).toHaveLength(1);
}

describe("fuzzed snapshots (§C 20–25)", () => {
  let served: Awaited<ReturnType<typeof serveApp>>;
  let baseline: { path: string; text: string; etag: string | undefined };
  const admin = (method: string, path: string, body?: Uint8Array): Promise<Reply> =>
    Promise.race([
      raw(method, served.url + path, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body }),
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${path}: no answer`)), HANG_MS)),
    ]);

  beforeAll(async () => {
    const { app } = await createStack({ now: T0 });
    served = await serveApp(app);
    const base = makeSnapshot();
    expect(
      (await admin("PUT", "/admin/orgs/acme/schedules/icu", Buffer.from(JSON.stringify(base)))).status,
    ).toBe(200);
    const lookup = await admin("GET", "/admin/orgs/acme/people/pA");
    const path = feedPath((lookup.json as { feed: { url: string } }).feed.url);
    const f = await raw("GET", served.url + path);
    baseline = { path, text: f.text, etag: f.headers.etag };
  });
  afterAll(() => served.close());

  it("publish into parseable feeds or get a 4xx listing the problems; never a 5xx, a hang or a torn feed", async () => {
    const seen = new Map<number, number>();
    let revision = 1000;
    await fc.assert(
      fc.asyncProperty(fc.oneof(consistent, consistent, snapshot), damage, async (s, how) => {
        const doc = {
          format: "shiftfeed.snapshot/1",
          organization: { id: "fz", name: s.orgName },
          schedule: { id: "s1", name: s.scheduleName, timezone: s.timezone },
          revision: s.revision === undefined ? ++revision : s.revision,
          publishedAt: "2026-11-20T11:00:00Z",
          people: s.people,
          shifts: s.shifts,
          assignments: s.assignments,
        };
        const reply = await admin("PUT", "/admin/orgs/fz/schedules/s1", bodyOf(JSON.stringify(doc), how));
        seen.set(reply.status, (seen.get(reply.status) ?? 0) + 1);
        expect(reply.status, reply.text.slice(0, 500)).toBeLessThan(500);
        if (reply.status >= 400) {
          const error = (reply.json as { error: { code: string; message: string; details: unknown[] } })
            .error;
          expect(typeof error.code).toBe("string");
          expect(error.message.length).toBeGreaterThan(0);
          if (reply.status === 422) expect(error.details.length).toBeGreaterThan(0);
          return;
        }
        expect(reply.status).toBe(200);
        for (const person of new Set(s.people.map((p) => p.id))) {
          const lookup = await admin("GET", `/admin/orgs/fz/people/${encodeURIComponent(person)}`);
          if (lookup.status === 404) continue; // listed but with nothing to show, or a feed gone with this revision
          expect(lookup.status, lookup.text).toBe(200);
          const f = await raw(
            "GET",
            served.url + feedPath((lookup.json as { feed: { url: string } }).feed.url),
          );
          expect(f.status).toBe(200);
          expectWellFormed(f.text, s.assignments.length);
        }
      }),
      { numRuns: LONG_TESTS ? 2_000 : 150 },
    );
    // Both outcomes were exercised, and the feed published before never moved.
    expect(seen.get(200) ?? 0).toBeGreaterThan(0);
    expect([...seen.keys()].some((status) => status >= 400)).toBe(true);
    const after = await raw("GET", served.url + baseline.path);
    expect(after.text).toBe(baseline.text);
    expect(after.headers.etag).toBe(baseline.etag);
  }, 300_000);
});
