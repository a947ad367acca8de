// RFC 5545 shape of every golden feed (docs/api.md › Feeds, docs/test-checklist.md items 23–24).
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import { parseWithIcalJs, readGolden, readSnapshot, RENDER_CASES } from "../support/render-cases.ts";

const CR = 0x0d;
const LF = 0x0a;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
// Controls RFC 5545 §3.1 forbids in values: C0 except HTAB, DEL, and (after decoding) C1.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex -- the renderer strips exactly these (and keeps CR/LF as newlines)
const STRIPPED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Physical lines of a CRLF-terminated body as byte arrays (CRLF removed). */
function physicalLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === CR && bytes[i + 1] === LF) {
      lines.push(bytes.subarray(start, i));
      start = i + 2;
      i++;
    }
  }
  return lines;
}

/** Content lines after unfolding (RFC 5545 §3.1). */
function unfold(text: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, "")
    .split("\r\n")
    .slice(0, -1);
}

const FILES = RENDER_CASES.flatMap((c) =>
  [...readGolden(c.name)].map(([name, bytes]) => [`${c.name}/${name}`, bytes] as const),
);

describe.each(FILES)("%s", (_name, bytes) => {
  const text = new TextDecoder().decode(bytes);
  const lines = unfold(text);
  const firstComponent = lines.findIndex((l, i) => i > 0 && l.startsWith("BEGIN:"));
  const header = lines.slice(0, firstComponent === -1 ? lines.length : firstComponent);

  it("uses CRLF and only CRLF, and ends with CRLF", () => {
    const bare: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === CR && bytes[i + 1] !== LF) bare.push(i);
      if (bytes[i] === LF && bytes[i - 1] !== CR) bare.push(i);
    }
    expect(bare).toEqual([]);
    expect([...bytes.subarray(-2)]).toEqual([CR, LF]);
  });

  it("folds at ≤ 75 octets without splitting a UTF-8 sequence", () => {
    const physical = physicalLines(bytes);
    expect(physical.filter((l) => l.length > 75).map((l) => l.length)).toEqual([]);
    const broken = physical.filter((l) => {
      try {
        strictUtf8.decode(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken.length).toBe(0);
  });

  it("has the calendar properties every client needs", () => {
    expect(lines[0]).toBe("BEGIN:VCALENDAR");
    expect(lines.at(-1)).toBe("END:VCALENDAR");
    for (const prefix of [
      "METHOD:PUBLISH",
      "VERSION:2.0",
      "PRODID:",
      "X-WR-CALNAME:",
      "NAME:",
      "X-WR-TIMEZONE:",
      "REFRESH-INTERVAL;VALUE=DURATION:",
      "X-PUBLISHED-TTL:",
    ]) {
      expect(
        lines.filter((l) => l.startsWith(prefix)),
        prefix,
      ).toHaveLength(1);
    }
    const name = lines.find((l) => l.startsWith("NAME:"))!.slice(5);
    expect(lines).toContain(`X-WR-CALNAME:${name}`);
    // Escaped TEXT (RFC 5545 §3.3.11): every `,` `;` `\` is escaped.
    expect(name.replace(/\\[\\;,nN]/g, "")).not.toMatch(/[\\;,]/);
  });

  // Regression: ical-generator writes VTIMEZONEs before its own TTL lines, which once pushed these three
  // calendar properties after the first component (RFC 5545 §3.4: calprops precede components).
  it("puts every calendar property before the first component", () => {
    expect(header.some((l) => l.startsWith("X-WR-TIMEZONE:"))).toBe(true);
    expect(header.some((l) => l.startsWith("REFRESH-INTERVAL;VALUE=DURATION:"))).toBe(true);
    expect(header.some((l) => l.startsWith("X-PUBLISHED-TTL:"))).toBe(true);
  });

  it("puts METHOD, VERSION, PRODID and the names before the first component", () => {
    for (const prefix of ["METHOD:PUBLISH", "VERSION:2.0", "PRODID:", "X-WR-CALNAME:", "NAME:"]) {
      expect(
        header.some((l) => l.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
  });

  it("has a rule-based VTIMEZONE for every TZID it references, and no RDATE", () => {
    // TZID parameters only: the text before a line's first `:` (a value may itself contain `;TZID=`).
    const referenced = new Set(
      lines.map((l) => /;TZID=([^:;]+)/.exec(l.slice(0, l.indexOf(":")))?.[1]).filter((z) => z !== undefined),
    );
    const defined = lines.filter((l) => l.startsWith("TZID:")).map((l) => l.slice(5));
    expect(new Set(defined)).toEqual(referenced);
    expect(defined.length).toBe(referenced.size);
    expect(lines.filter((l) => l.startsWith("RDATE"))).toEqual([]);
  });

  it("writes DTSTAMP, CREATED and LAST-MODIFIED in UTC and no floating DTSTART/DTEND in events", () => {
    const stamps = lines.filter((l) => /^(DTSTAMP|CREATED|LAST-MODIFIED)[;:]/.test(l));
    expect(stamps.filter((l) => !/^[A-Z-]+:\d{8}T\d{6}Z$/.test(l))).toEqual([]);
    let inEvent = false;
    const floating: string[] = [];
    for (const l of lines) {
      if (l === "BEGIN:VEVENT") inEvent = true;
      if (l === "END:VEVENT") inEvent = false;
      if (!inEvent || !/^DT(START|END)[;:]/.test(l)) continue;
      const tz = /^DT(START|END);TZID=[^:;]+:\d{8}T\d{6}$/.test(l);
      const utc = /^DT(START|END):\d{8}T\d{6}Z$/.test(l);
      const date = /^DT(START|END);VALUE=DATE:\d{8}$/.test(l);
      if (!tz && !utc && !date) floating.push(l);
    }
    expect(floating).toEqual([]);
    expect(lines.filter((l) => l.startsWith("BEGIN:VEVENT")).length).toBe(
      lines.filter((l) => l.startsWith("DTSTAMP:")).length,
    );
  });

  it("never cancels and carries no control characters", () => {
    expect(lines.filter((l) => l.startsWith("STATUS:"))).toEqual([]);
    expect(lines.filter((l) => CONTROL.test(l))).toEqual([]);
  });

  it("holds only VCALENDAR, VTIMEZONE, STANDARD, DAYLIGHT and VEVENT components, balanced", () => {
    const stack: string[] = [];
    for (const l of lines) {
      if (l.startsWith("BEGIN:")) stack.push(l.slice(6));
      else if (l.startsWith("END:")) expect(stack.pop()).toBe(l.slice(4));
    }
    expect(stack).toEqual([]);
    const kinds = new Set(lines.filter((l) => l.startsWith("BEGIN:")).map((l) => l.slice(6)));
    for (const kind of kinds)
      expect(["VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VEVENT"]).toContain(kind);
  });
});

describe("hostile text", () => {
  const snapshot: Snapshot = readSnapshot("fixtures/render/hostile-text.json");
  const golden = readGolden("hostile-text");
  const clean = (s: string) => s.replace(STRIPPED, "").replace(/\r\n|\r/g, "\n");
  const people = new Map(snapshot.people.map((p) => [p.id, p]));
  const shifts = new Map(snapshot.shifts.map((s) => [s.id, s]));
  const decoder = new TextDecoder();

  it("has a golden feed per person and one for the schedule", () => {
    expect([...golden.keys()].sort()).toEqual(
      ["hostile--schedule-ward.ics", ...snapshot.people.map((p) => `hostile--person-${p.id}.ics`)].sort(),
    );
  });

  it.each([...golden.keys()])("%s has exactly the expected events, and no injected ones", (name) => {
    const text = decoder.decode(golden.get(name));
    const person = /--person-(.+)\.ics$/.exec(name)?.[1];
    const expected = snapshot.assignments.filter((a) => person === undefined || a.personId === person);
    expect(unfold(text).filter((l) => l === "BEGIN:VEVENT")).toHaveLength(expected.length);
    expect(unfold(text).filter((l) => l.startsWith("BEGIN:")).length).toBe(
      1 +
        expected.length +
        unfold(text).filter((l) => /^BEGIN:(VTIMEZONE|STANDARD|DAYLIGHT)$/.test(l)).length,
    );
    const events = parseWithIcalJs(text);
    expect(events.map((e) => e.uid).sort()).toEqual(
      expected.map((a) => `${a.id}@ward.hostile.shiftfeed`).sort(),
    );
  });

  it.each([...golden.keys()])("%s reads back every text field as sent, minus control characters", (name) => {
    const view = name.includes("--schedule-") ? "schedule" : "person";
    for (const event of parseWithIcalJs(decoder.decode(golden.get(name)))) {
      const a = snapshot.assignments.find((x) => `${x.id}@ward.hostile.shiftfeed` === event.uid)!;
      const person = people.get(a.personId)!;
      const shift = shifts.get(a.shiftId)!;
      const summary = view === "schedule" ? `${shift.name}: ${person.name}` : shift.name;
      const crew = shift.allDay
        ? []
        : snapshot.assignments
            .filter((x) => x.shiftId === a.shiftId && x.date === a.date && x.personId !== a.personId)
            .map((x) => people.get(x.personId)!.name)
            .sort();
      const description = [
        `Schedule: ${snapshot.schedule.name}`,
        ...(view === "schedule" ? [`Who: ${person.name}`] : []),
        ...(crew.length > 0 ? [`With: ${crew.join(", ")}`] : []),
        ...(a.note === undefined ? [] : [`Note: ${a.note}`]),
      ].join("\n");
      expect(event.summary).toBe(clean(summary));
      expect(event.description).toBe(clean(description));
      expect(event.location).toBe(shift.location === undefined ? null : clean(shift.location));
    }
  });

  it("reads back the calendar name as sent, minus control characters", () => {
    const text = decoder.decode(golden.get("hostile--person-h5.ics"));
    const calendar = text.replace(/\r\n[ \t]/g, "");
    const raw = /\r\nX-WR-CALNAME:(.*)\r\n/.exec(calendar)?.[1] ?? "";
    const unescaped = raw.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === "n" || c === "N" ? "\n" : c));
    expect(unescaped).toBe(clean(`${people.get("h5")!.name} · ${snapshot.organization.name}`));
  });
});
