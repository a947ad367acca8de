/**
 * A publish waits in its schedule's lane until its turn, and the turn is what settles it: whatever goes wrong in
 * the turn must reach the publisher, never leave it waiting forever while the error escapes unhandled (Node ends
 * the process on an unhandled rejection).
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.ts";
import { KeyedMutex } from "../../src/core/publish/keyed-mutex.ts";
import { PublishLanes } from "../../src/core/publish/publish-lanes.ts";
import { makeSnapshot } from "../support/fixture.ts";

describe("publish lanes", () => {
  it("a turn that cannot read the live schedule fails its publish with that error", async () => {
    let reads = 0;
    const ran: number[] = [];
    const lanes = new PublishLanes({
      mutex: new KeyedMutex(),
      run: () => Promise.reject(new Error(`ran ${ran.push(1)}`)),
      current: () => {
        // The first read (on arrival) answers; the turn's own read fails, as a busy or closed store would.
        if (++reads > 1) throw new Error("database is locked");
        return null;
      },
      log: silentLogger,
    });
    const bytes = new TextEncoder().encode(JSON.stringify(makeSnapshot()));
    await expect(lanes.publish(bytes, { org: "acme", schedule: "icu" })).rejects.toThrow(
      "database is locked",
    );
    expect(ran).toEqual([]);
  });
});
