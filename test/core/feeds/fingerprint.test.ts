// The event fingerprint is an unambiguous encoding of exactly what a VEVENT shows (issue 6, row 5): values that
// contain what used to be separators cannot make two renderings share one, and every rendered fact moves it.
import { describe, expect, it } from "vitest";
import { eventFingerprint } from "../../../src/core/feeds/event-fingerprint.ts";
import type { EventFacts } from "../../../src/core/feeds/event-facts.ts";
import { expandSnapshot } from "../../../src/core/feeds/events.ts";
import {
  encodeFields,
  fingerprint,
  fingerprintFields,
  type Field,
} from "../../../src/core/feeds/fingerprint.ts";
import { makeSnapshot } from "../../support/server.ts";
import { validSnapshot } from "../../support/service.ts";

describe("encodeFields", () => {
  it("never gives two different lists the same text", () => {
    const lists: Field[][] = [
      ["a\u0000b"],
      ["a", "b"],
      ["ab"],
      [["a", "b"]],
      [["a\u0002b"]],
      [["a"], "b"],
      [["a", "b"], undefined],
      [undefined],
      [""],
      ["\u0001"],
      [[]],
      [1],
      ["1"],
      ["s1:1"],
      [undefined, undefined],
      ["u"],
    ];
    const texts = lists.map(encodeFields);
    expect(new Set(texts).size).toBe(lists.length);
    // Hashed as it is encoded, the fingerprint is the one of the whole text.
    for (const list of lists) expect(fingerprintFields(list)).toBe(fingerprint(encodeFields(list)));
  });

  it("keeps its text and fingerprint across versions (stored histories compare them)", () => {
    const values: Field[] = ["a,b", undefined, 3, ["xy", "Zoë Ávila"], "0123456789ab", 1712345678000, []];
    const text = "s3:a,bun1:3l2:s2:xys9:Zoë Ávilas12:0123456789abn13:1712345678000l0:";
    expect(encodeFields(values)).toBe(text);
    expect(fingerprint(text)).toBe("12e35eb802b0b3");
    expect(fingerprintFields(values)).toBe("12e35eb802b0b3");
  });
});

describe("eventFingerprint", () => {
  const snapshot = validSnapshot(
    makeSnapshot({
      people: [
        { id: "pA", name: "Ada" },
        { id: "pB", name: "Bo" },
        { id: "pC", name: "Cy" },
      ],
      assignments: [
        { id: "a1", personId: "pA", shiftId: "day", date: "2026-11-25", note: "n" },
        { id: "a2", personId: "pB", shiftId: "day", date: "2026-11-25" },
        { id: "a3", personId: "pC", shiftId: "day", date: "2026-11-25" },
      ],
    }),
  );
  const event = expandSnapshot(snapshot)[0]!;

  /** Facts with one value changed in a way a renderer would show. */
  function variants(f: EventFacts): [string, EventFacts][] {
    const out: [string, EventFacts][] = [];
    for (const key of Object.keys(f) as (keyof EventFacts)[]) {
      const value = f[key];
      if (typeof value === "string") out.push([key, { ...f, [key]: `${value}x` }]);
      else if (typeof value === "number") out.push([key, { ...f, [key]: value + 1 }]);
      else if (value === undefined) out.push([key, { ...f, [key]: "" }]);
      else if (Array.isArray(value)) {
        out.push([`${key} +1`, { ...f, [key]: [...value, "x"] }]);
        if (value.length > 1) out.push([`${key} joined`, { ...f, [key]: [value.join("")] }]);
      }
    }
    if (!f.timing.allDay) {
      const { start, end } = f.timing;
      out.push([
        "start.local",
        { ...f, timing: { ...f.timing, start: { ...start, local: "2026-11-25T08:00:00" } } },
      ]);
      out.push([
        "end.local",
        { ...f, timing: { ...f.timing, end: { ...end, local: "2026-11-25T20:00:00" } } },
      ]);
      out.push(["utc", { ...f, timing: { ...f.timing, start: { ...start, kind: "ambiguous" } } }]);
      out.push([
        "allDay",
        { ...f, timing: { allDay: true, startDate: "2026-11-25", endDateExclusive: "2026-11-26" } },
      ]);
    }
    return out;
  }

  it("moves with every fact a feed shows (facts derived from others excepted)", () => {
    const derived = new Set(["assignmentId", "scheduleId", "firstDate", "lastDate"]);
    // `zone` is shown as the TZID of a zoned event; a note of "" is shown as an empty "Note:" line.
    const cases = variants(event.facts).filter(([name]) => !derived.has(name));
    expect(cases.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "uid",
        "personId",
        "personName",
        "shiftName",
        "scheduleName",
        "zone",
        "note",
        "location",
        "colleagues joined",
        "otherColleagues",
      ]),
    );
    for (const [name, facts] of cases) expect(eventFingerprint(facts), name).not.toBe(event.fp);
  });

  it("stays put for facts that only follow from others, and for the same facts rebuilt", () => {
    expect(eventFingerprint({ ...event.facts, firstDate: "2000-01-01", lastDate: "2000-01-01" })).toBe(
      event.fp,
    );
    expect(expandSnapshot(structuredClone(snapshot))[0]!.fp).toBe(event.fp);
  });
});
