// The `revisions` case: SEQUENCE, LAST-MODIFIED, DTSTAMP and UIDs across rev 1 → rev 2 of `surgery`
// (one edited, one removed, one reassigned, one added, and `c1` of `clinic` added to `surgery`).
import { beforeAll, describe, expect, it } from "vitest";
import { parseWithIcalJs, renderCase, renderCaseNamed, type ParsedEvent } from "../support/render-cases.ts";

const REV1 = "2027-02-01T09:00:00Z";
const REV2 = "2027-02-01T10:00:00Z";
const uid = (id: string, schedule = "surgery") => `${id}@${schedule}.harbor.shiftfeed`;

let feeds: Map<string, ParsedEvent[]>;
const feed = (name: string) => {
  const events = feeds.get(`harbor--${name}.ics`);
  if (!events) throw new Error(`no feed ${name}`);
  return events;
};
const event = (name: string, id: string) => feed(name).find((e) => e.uid === uid(id));

beforeAll(async () => {
  const decoder = new TextDecoder();
  const rendered = await renderCase(renderCaseNamed("revisions"));
  feeds = new Map([...rendered].map(([name, bytes]) => [name, parseWithIcalJs(decoder.decode(bytes))]));
});

describe("revisions", () => {
  it("renders one feed per schedule and per person of either schedule", () => {
    expect([...feeds.keys()]).toEqual(
      ["c1", "s1", "s2", "s3", "s4", "s5"]
        .map((p) => `harbor--person-${p}.ics`)
        .concat(["harbor--schedule-clinic.ics", "harbor--schedule-surgery.ics"])
        .sort(),
    );
  });

  it("keeps the edited event's UID with SEQUENCE 1 and rev 2's LAST-MODIFIED and DTSTAMP", () => {
    for (const name of ["person-s1", "schedule-surgery"]) {
      const edited = event(name, "r-edit");
      expect(edited).toMatchObject({
        sequence: 1,
        dtstamp: REV2,
        lastModified: REV2,
        created: REV1,
        // 08:00 CST instead of the shift's 07:00.
        start: "2027-02-10T14:00:00Z",
        end: "2027-02-11T01:00:00Z",
      });
    }
  });

  it("leaves untouched events at SEQUENCE 0 with rev 1's DTSTAMP", () => {
    for (const [name, id] of [
      ["person-s5", "r-untouched-1"],
      ["person-s1", "r-untouched-2"],
      ["person-s4", "r-untouched-3"],
      ["schedule-surgery", "r-untouched-1"],
      ["schedule-surgery", "r-untouched-2"],
      ["schedule-surgery", "r-untouched-3"],
    ] as const) {
      expect(event(name, id), `${name} ${id}`).toMatchObject({
        sequence: 0,
        dtstamp: REV1,
        lastModified: REV1,
      });
    }
    expect(feed("schedule-clinic")).toMatchObject([
      { uid: uid("c-am", "clinic"), sequence: 0, dtstamp: REV1 },
    ]);
  });

  it("drops the removed event everywhere (no STATUS:CANCELLED ghost)", () => {
    for (const [name, events] of feeds)
      expect(
        events.map((e) => e.uid),
        name,
      ).not.toContain(uid("r-remove"));
  });

  it("moves the reassigned event from s3's feed to s4's with the same UID and a new SEQUENCE", () => {
    expect(feed("person-s3")).toEqual([]);
    expect(event("person-s4", "r-reassign")).toMatchObject({ sequence: 1, dtstamp: REV2, created: REV1 });
    expect(event("schedule-surgery", "r-reassign")?.summary).toBe("OR Night: Dr. Tia Taker");
  });

  it("adds the new event at SEQUENCE 0 with rev 2's stamps", () => {
    expect(event("person-s2", "r-added")).toMatchObject({ sequence: 0, dtstamp: REV2, created: REV2 });
    expect(feed("person-s2").map((e) => e.uid)).toEqual([uid("r-added")]);
  });

  it("shows the person added to a second schedule both schedules' events", () => {
    expect(feed("person-c1").map((e) => e.uid)).toEqual([uid("c-am", "clinic"), uid("r-cross")]);
    expect(event("person-c1", "r-cross")).toMatchObject({ sequence: 0, dtstamp: REV2 });
    expect(feed("person-c1")[0]).toMatchObject({ sequence: 0, dtstamp: REV1 });
  });

  it("lists every surgery assignment of rev 2 in the schedule feed, in start order", () => {
    expect(feed("schedule-surgery").map((e) => e.uid)).toEqual(
      ["r-edit", "r-reassign", "r-untouched-1", "r-untouched-2", "r-untouched-3", "r-cross", "r-added"].map(
        (id) => uid(id),
      ),
    );
  });
});
