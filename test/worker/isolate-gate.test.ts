// The isolate's gate for big work (a publish's ingest and staging, a job's batch): tasks of several objects run one
// after the other, never side by side, and a failing task still opens the gate for the next.
import { describe, expect, it } from "vitest";
import { bigWork } from "../../src/worker/isolate-gate.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("one big piece of work at a time per isolate", () => {
  it("runs tasks asked at once one after the other", async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const task = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(`${name} start`);
      await tick(30);
      order.push(`${name} end`);
      running--;
      return name;
    };
    const results = await Promise.all([
      bigWork("org", task("a")),
      bigWork("org", task("b")),
      bigWork("org", task("c")),
    ]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(most).toBe(1);
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]!.replace("start", "end"));
  });

  it("opens for the next task when one throws", async () => {
    const failing = bigWork("org", async () => {
      await tick(10);
      throw new Error("out of luck");
    });
    const next = bigWork("org", async () => "ran");
    await expect(failing).rejects.toThrow("out of luck");
    await expect(next).resolves.toBe("ran");
  });
});
