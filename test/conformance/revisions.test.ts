// A real subscriber across revisions: vdirsyncer syncs revision 1 of `harbor/surgery` (the `revisions` render case)
// from the real Node server, the service gets revision 2 (r-edit edited, r-remove removed, r-reassign moved from s3
// to s4, r-added added, c1 of `clinic` added to `surgery`), vdirsyncer syncs again: each local collection equals
// the revision-2 feed exactly.
//
// vdirsyncer 0.19's http storage replaces each UID with a hash of the item's content (not configurable), so a local
// item stands for the feed VEVENT whose lines, UID aside, are the same in the same order (see
// test/support/vdirsyncer.ts); the feed's own UIDs are checked on the served feeds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapLimit, skipWithout } from "../support/parsers.ts";
import { readSnapshot, renderCaseNamed } from "../support/render-cases.ts";
import { startHarness, type Harness, type SnapshotInput } from "../support/server.ts";
import { subscribe, uidOf, veventBlocks, type Subscription } from "../support/vdirsyncer.ts";

const CASE = renderCaseNamed("revisions");
const [CLINIC_R1, SURGERY_R1, SURGERY_R2] = CASE.steps;
const uid = (id: string, schedule = "surgery") => `${id}@${schedule}.harbor.shiftfeed`;

/** Feeds subscribed to: the surgery schedule feed and everyone touched by revision 2. */
const SUBSCRIBED = [
  "schedule-surgery",
  "person-s1",
  "person-s2",
  "person-s3",
  "person-s4",
  "person-s5",
  "person-c1",
] as const;
type FeedName = (typeof SUBSCRIBED)[number];

const withoutUid = (block: readonly string[]) => block.filter((l) => !/^UID[;:]/i.test(l));
const prop = (block: readonly string[], name: string) =>
  block.find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`))?.replace(/^[^:]*:/, "");

/** A feed's VEVENTs (unfolded lines) by UID. */
function byUid(ics: string): Map<string, string[]> {
  return new Map(veventBlocks(ics).map((b) => [uidOf(b) ?? "?", b]));
}

/**
 * The local collection against the feed: every local item holds exactly one VEVENT whose unfolded lines, UID aside,
 * equal one feed VEVENT's in the same order; each feed VEVENT is held by exactly one item. Returns the feed UIDs the
 * local items stand for (sorted) and any problem found.
 */
function compare(
  name: string,
  items: Map<string, string>,
  feed: string,
): { uids: string[]; problems: string[] } {
  const wanted = new Map<string, string>();
  for (const [u, block] of byUid(feed)) wanted.set(withoutUid(block).join("\n"), u);
  const uids: string[] = [];
  const problems: string[] = [];
  for (const [file, text] of items) {
    const blocks = veventBlocks(text);
    if (blocks.length !== 1) {
      problems.push(`${name}: ${file} holds ${blocks.length} VEVENTs`);
      continue;
    }
    const key = withoutUid(blocks[0]!).join("\n");
    const u = wanted.get(key);
    if (u === undefined) problems.push(`${name}: ${file} equals no VEVENT of the feed:\n${key}`);
    else {
      wanted.delete(key);
      uids.push(u);
    }
    if (/^STATUS:CANCELLED/m.test(text)) problems.push(`${name}: ${file} is CANCELLED`);
  }
  for (const u of wanted.values()) problems.push(`${name}: no local item for ${u}`);
  return { uids: uids.sort(), problems };
}

const skip = skipWithout("the vdirsyncer revision checks", ["python3", "vdirsyncer"]);

describe.skipIf(skip)("vdirsyncer across revisions of harbor/surgery, over HTTP", () => {
  let harness: Harness;
  const subs = new Map<FeedName, Subscription>();
  const rev1 = new Map<FeedName, string>();
  const rev2 = new Map<FeedName, string>();
  const local1 = new Map<FeedName, Map<string, string>>();
  const local2 = new Map<FeedName, Map<string, string>>();
  /** What a plain `sync` of revision 2 said, per feed (`ok` or vdirsyncer's error). */
  const plainSync2 = new Map<FeedName, string>();

  const urlOf = async (name: FeedName) => {
    if (name.startsWith("person-")) return harness.feedUrlOf("harbor", name.slice("person-".length));
    const reply = await harness.admin(
      "GET",
      `/admin/orgs/harbor/schedules/${name.slice("schedule-".length)}`,
    );
    return harness.url + new URL((reply.json as { feed: { url: string } }).feed.url).pathname;
  };
  const publish = async (step: typeof CLINIC_R1) => {
    harness.now = Date.parse(step!.at);
    const reply = await harness.publish(readSnapshot(step!.file) as unknown as SnapshotInput);
    expect(reply.status, reply.text).toBe(200);
  };

  beforeAll(async () => {
    harness = await startHarness({ now: Date.parse(CLINIC_R1!.at) });
    await publish(CLINIC_R1);
    await publish(SURGERY_R1);
    await mapLimit(SUBSCRIBED, 4, async (name) => {
      const url = await urlOf(name);
      rev1.set(name, (await harness.feed(url)).text);
      const sub = await subscribe(url);
      subs.set(name, sub);
      local1.set(name, await sub.sync());
    });
    await publish(SURGERY_R2);
    await mapLimit(SUBSCRIBED, 4, async (name) => {
      const url = await urlOf(name);
      rev2.set(name, (await harness.feed(url)).text);
      const sub = subs.get(name)!;
      try {
        local2.set(name, await sub.sync());
        plainSync2.set(name, "ok");
      } catch (error) {
        // vdirsyncer's own safety net when a whole collection empties (s3 loses its only shift): what its user does.
        plainSync2.set(name, String(error));
        local2.set(name, await sub.sync({ forceDelete: true }));
      }
    });
  }, 120_000);
  afterAll(async () => {
    for (const sub of subs.values()) await sub.close();
    await harness?.close();
  });

  it("after syncing revision 1, every local collection equals the revision-1 feed", () => {
    for (const name of SUBSCRIBED) {
      const { uids, problems } = compare(name, local1.get(name)!, rev1.get(name)!);
      expect(problems).toEqual([]);
      expect(uids, name).toEqual([...byUid(rev1.get(name)!).keys()].sort());
    }
    expect(compare("s2", local1.get("person-s2")!, rev1.get("person-s2")!).uids).toEqual([uid("r-remove")]);
  });

  it("after syncing revision 2, every local collection equals the revision-2 feed exactly", () => {
    for (const name of SUBSCRIBED) {
      const { uids, problems } = compare(name, local2.get(name)!, rev2.get(name)!);
      expect(problems).toEqual([]);
      expect(uids, name).toEqual([...byUid(rev2.get(name)!).keys()].sort());
    }
  });

  it("the edited assignment keeps its UID, SEQUENCE moves by one, LAST-MODIFIED moves; the old local item is gone", () => {
    for (const name of ["schedule-surgery", "person-s1"] as const) {
      const before = byUid(rev1.get(name)!).get(uid("r-edit"))!;
      const after = byUid(rev2.get(name)!).get(uid("r-edit"))!;
      expect(Number(prop(after, "SEQUENCE"))).toBe(Number(prop(before, "SEQUENCE")) + 1);
      expect(prop(after, "LAST-MODIFIED")).not.toBe(prop(before, "LAST-MODIFIED"));
      expect(prop(after, "DTSTART")).toBe("20270210T080000");
      expect(prop(before, "DTSTART")).toBe("20270210T070000");
      // Locally: the new version is there (checked above), the old one is not.
      const old = withoutUid(before).join("\n");
      for (const text of local2.get(name)!.values())
        expect(withoutUid(veventBlocks(text)[0]!).join("\n"), name).not.toBe(old);
      expect(local2.get(name)!.size).toBe(byUid(rev2.get(name)!).size);
    }
  });

  it("the removed assignment disappears from the feeds and the local collections, never as CANCELLED", () => {
    for (const name of SUBSCRIBED) {
      expect(byUid(rev2.get(name)!).has(uid("r-remove")), name).toBe(false);
      expect(rev2.get(name)!, name).not.toMatch(/STATUS:CANCELLED/);
      for (const text of local2.get(name)!.values()) expect(text).not.toMatch(/STATUS:CANCELLED/);
    }
    expect(compare("s2", local2.get("person-s2")!, rev2.get("person-s2")!).uids).toEqual([uid("r-added")]);
  });

  it("the reassigned assignment moves from s3's collection to s4's with the same UID", () => {
    // s3's feed is now empty (still a valid VCALENDAR); vdirsyncer asks for --force-delete before emptying a
    // collection, every other feed synced plainly.
    expect(plainSync2.get("person-s3")).toMatch(/completely emptied.*--force-delete/s);
    expect(byUid(rev2.get("person-s3")!).size).toBe(0);
    expect(local2.get("person-s3")!.size).toBe(0);
    for (const name of SUBSCRIBED)
      if (name !== "person-s3") expect([name, plainSync2.get(name)]).toEqual([name, "ok"]);
    expect(byUid(rev1.get("person-s3")!).has(uid("r-reassign"))).toBe(true);
    expect(byUid(rev2.get("person-s3")!).has(uid("r-reassign"))).toBe(false);
    expect(byUid(rev2.get("person-s4")!).has(uid("r-reassign"))).toBe(true);
    expect(compare("s3", local2.get("person-s3")!, rev2.get("person-s3")!).uids).toEqual([]);
    expect(compare("s4", local2.get("person-s4")!, rev2.get("person-s4")!).uids).toContain(uid("r-reassign"));
  });

  it("the added assignment appears; c1, added to a second schedule, sees both schedules' events", () => {
    expect(compare("surgery", local2.get("schedule-surgery")!, rev2.get("schedule-surgery")!).uids).toEqual(
      expect.arrayContaining([uid("r-added"), uid("r-cross")]),
    );
    expect(compare("c1", local1.get("person-c1")!, rev1.get("person-c1")!).uids).toEqual([
      uid("c-am", "clinic"),
    ]);
    expect(compare("c1", local2.get("person-c1")!, rev2.get("person-c1")!).uids).toEqual([
      uid("c-am", "clinic"),
      uid("r-cross"),
    ]);
  });

  it("the untouched assignments keep their bytes and their local items", () => {
    for (const id of ["r-untouched-1", "r-untouched-2", "r-untouched-3"]) {
      expect(byUid(rev2.get("schedule-surgery")!).get(uid(id))).toEqual(
        byUid(rev1.get("schedule-surgery")!).get(uid(id)),
      );
    }
    // s5's collection did not change at all: same files, same bytes.
    expect(local2.get("person-s5")).toEqual(local1.get("person-s5"));
  });
});
