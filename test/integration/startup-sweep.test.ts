/**
 * A crash between writing feed bodies and swapping the manifest leaves files no manifest refers to; the next
 * start removes them (TEST-CHECKLIST §D 27–28) and keeps every live file and feed intact.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("startup sweep", () => {
  it("removes unreferenced bodies and states left by a crash, and nothing else", async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    const before = await h.feed(await h.feedPathOf("acme", "pA"));
    const live = await h.storeListing();

    const store = join(h.dataDir, "store");
    const leftovers = ["feeds/o.acme/ab/ab0000.ics.gz", "orgs/o.acme/s.icu/r99.json.gz"];
    for (const key of leftovers) {
      await mkdir(join(store, key, ".."), { recursive: true });
      await writeFile(join(store, key), "left by a crash");
    }
    await h.restart();

    expect(await h.storeListing()).toEqual(live);
    const after = await h.feed(await h.feedPathOf("acme", "pA"));
    expect(after.status).toBe(200);
    expect(after.body.equals(before.body)).toBe(true);
    expect(after.etag).toBe(before.etag);
    expect(h.logs.some((line) => line.includes("store_unreferenced_removed"))).toBe(true);
  });
});
