// The direct VEVENT writer (src/core/ical/vevent.ts) against ical-generator 11, the reference it replaces on the
// hot path: for every event of every render case and fixture, in both views, and for generated events with
// hostile text, odd times and swapped ends, the blocks are byte for byte the same.
import fc from "fast-check";
import ical, { foldLines, ICalEvent } from "ical-generator";
import { describe, expect, it } from "vitest";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { advanceHistory } from "../../src/core/feeds/history.ts";
import { veventFields, type FeedEvent, type FeedView } from "../../src/core/ical/render-events.ts";
import { foldLines as fold } from "../../src/core/ical/fold.ts";
import { vevent, type VeventFields } from "../../src/core/ical/vevent.ts";
import { RENDER_CASES, readSnapshot } from "../support/render-cases.ts";
import { WallClockDate } from "../support/wall-clock-date.ts";

/** The block as ical-generator writes it (how feeds were rendered before `vevent.ts`). */
function reference(f: VeventFields): string {
  const utc = (seconds: number) => new Date(seconds * 1000);
  const w = f.when;
  const [start, end] =
    w.kind === "date"
      ? [new Date(`${w.start}T00:00:00Z`), new Date(`${w.endExclusive}T00:00:00Z`)]
      : w.kind === "utc"
        ? [new Date(w.startMs), new Date(w.endMs)]
        : [new WallClockDate(w.startMs, w.start), new WallClockDate(w.endMs, w.end)];
  const event = new ICalEvent(
    {
      id: f.uid,
      sequence: f.sequence,
      stamp: utc(f.stamp),
      created: utc(f.created),
      lastModified: utc(f.lastModified),
      summary: f.summary,
      description: f.description,
      start,
      end,
      allDay: w.kind === "date",
      timezone: w.kind === "zoned" ? w.zone : null,
      ...(f.location === undefined ? {} : { location: f.location }),
    },
    ical(),
  );
  return foldLines(event.toString());
}

describe("vevent: the same bytes as ical-generator", () => {
  it("for every event of every render case, in both views", () => {
    let checked = 0;
    for (const c of RENDER_CASES) {
      for (const step of c.steps) {
        const snapshot = readSnapshot(step.file);
        const events = expandSnapshot(snapshot);
        const history = advanceHistory(new Map(), events, 1_795_000_000);
        for (const e of events) {
          const event: FeedEvent = { facts: e.facts, fp: e.fp, meta: history.get(e.facts.assignmentId)! };
          for (const view of ["person", "schedule"] as FeedView[]) {
            const fields = veventFields(event, view);
            expect(vevent(fields), `${e.facts.uid} (${view})`).toBe(reference(fields));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(4000);
  });

  it("for generated events: hostile text, every kind of time, starts after ends", () => {
    const text = fc.string({
      unit: fc.constantFrom("a", "Z", " ", ",", ";", "\\", "\n", "\r", "é", "𝄞", "‮", "中", ":", '"'),
      maxLength: 120,
    });
    const local = fc
      .record({
        y: fc.integer({ min: 2000, max: 2099 }),
        mo: fc.integer({ min: 1, max: 12 }),
        d: fc.integer({ min: 1, max: 28 }),
        h: fc.integer({ min: 0, max: 23 }),
        mi: fc.integer({ min: 0, max: 59 }),
      })
      .map(
        ({ y, mo, d, h, mi }) =>
          `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}T${String(h).padStart(2, "0")}:${String(mi).padStart(2, "0")}:00`,
      );
    const seconds = fc.integer({ min: 946_684_800, max: 4_102_444_799 });
    const when = fc.oneof(
      fc
        .tuple(local, local)
        .map(([a, b]) => ({ kind: "date" as const, start: a.slice(0, 10), endExclusive: b.slice(0, 10) })),
      fc
        .tuple(local, local, fc.constantFrom("America/New_York", "Asia/Kathmandu", "Pacific/Chatham"))
        .map(([a, b, zone]) => ({
          kind: "zoned" as const,
          zone,
          start: a,
          end: b,
          startMs: Date.parse(`${a}Z`),
          endMs: Date.parse(`${b}Z`),
        })),
      fc
        .tuple(seconds, seconds)
        .map(([a, b]) => ({ kind: "utc" as const, startMs: a * 1000, endMs: b * 1000 })),
    );
    fc.assert(
      fc.property(
        fc.record({
          uid: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}@[a-z.]{1,40}$/),
          sequence: fc.nat(100_000),
          stamp: seconds,
          created: seconds,
          lastModified: seconds,
          summary: text,
          description: text,
          location: fc.option(text, { nil: undefined }),
          when,
        }),
        (fields) => {
          expect(vevent(fields)).toBe(reference(fields));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("folds lines as ical-generator does: at 75 octets, never inside a UTF-8 sequence", () => {
    const unit = fc.constantFrom("a", "é", "中", "𝄞", " ", ";", "\\");
    const line = fc.string({ unit, maxLength: 400 });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
        const text = lines.join("\r\n");
        expect(fold(text)).toBe(foldLines(text));
      }),
      { numRuns: 3000 },
    );
  });
});
