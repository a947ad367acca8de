/**
 * Regeneration and the daily roll keep their two-pass promise with more than one unit in flight: no pass-2 unit
 * (people's feeds assembled from every schedule's pieces) starts before every pass-1 unit of the same run
 * (pieces rendered) has committed. One schedule's pass-1 unit is held at a gate while a runner that runs two
 * units at once has the other schedule's pass 1 done and a free lane.
 */
import { describe, expect, it } from "vitest";
import { rendersPieces, type RefreshScope } from "../../src/core/publish/refresh-scope.ts";
import type { UnitRunner } from "../../src/core/publish/unit-runner.ts";
import { DAY_MS, T0, makeSnapshot } from "../support/fixture.ts";
import { publish } from "../support/service.ts";
import { createStack, Gate } from "../support/stack.ts";

/** Pass 2 units assemble people's feeds from stored pieces; pass 1 units render pieces. */
const passOf = (scope: RefreshScope) => (rendersPieces(scope) ? 1 : 2);

/** A runner that runs two units at once, holds the pass-1 unit of `held` at `gate`, and logs starts and ends. */
function twoLanes(inner: UnitRunner, gate: Gate, held: string, log: string[]): UnitRunner {
  return {
    ...inner,
    parallelism: 2,
    refresh: async (org, schedule, scope, options) => {
      const pass = passOf(scope);
      log.push(`start ${pass} ${schedule}`);
      if (pass === 1 && schedule === held && gate.promise) await gate.promise;
      const result = await inner.refresh(org, schedule, scope, options);
      log.push(`end ${pass} ${schedule}`);
      return result;
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe("two passes with two units in flight", () => {
  for (const run of ["regeneration", "roll"] as const) {
    it(`${run}: no pass-2 unit starts before every pass-1 unit has committed`, async () => {
      const gate = new Gate();
      const log: string[] = [];
      const stack = await createStack({ now: T0, runner: (inner) => twoLanes(inner, gate, "icu", log) });
      // pA is listed by both schedules: their feed is assembled in pass 2, from both schedules' pieces.
      await publish(stack, makeSnapshot());
      const er = makeSnapshot({ schedule: { id: "er", name: "Emergency", timezone: "America/Chicago" } });
      await publish(stack, er);
      log.length = 0;
      gate.close();
      let finished: Promise<unknown>;
      if (run === "regeneration") {
        const job = stack.maintenance.regenerate({ org: "acme", force: true });
        const m = stack.maintenance;
        finished = until(() => ["succeeded", "failed"].includes(m.job(job.id)!.state));
      } else {
        stack.clock.now = T0 + 2 * DAY_MS; // both zones' dates moved: both schedules are rolled
        finished = stack.maintenance.roll();
      }
      // er's pass 1 is done and a lane is free while icu's pass 1 waits at the gate (units run in schedule order:
      // er's pass-2 unit is next).
      await until(() => log.includes("end 1 er") && log.includes("start 1 icu"));
      await new Promise((r) => setTimeout(r, 200));
      expect(log.filter((l) => l.startsWith("start 2"))).toEqual([]);
      gate.open();
      await finished;
      const lastPass1 = Math.max(log.indexOf("end 1 icu"), log.indexOf("end 1 er"));
      const firstPass2 = log.findIndex((l) => l.startsWith("start 2"));
      expect(firstPass2, log.join(", ")).toBeGreaterThan(lastPass1);
      expect(log.filter((l) => l.startsWith("end 2")).sort()).toEqual(["end 2 er", "end 2 icu"]);
    });
  }
});
