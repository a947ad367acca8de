// Jobs in a Durable Object's storage: a step whose invocation dies (an exceeded limit ends it without an error, so
// the step is never finished) is run again by the next alarm, and given up after MAX_ATTEMPTS with the job failed
// and the reason in its errors; a step that throws is recorded at once; the other steps still run.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RefreshScope } from "../../../src/core/publish/refresh-scope.ts";
import { ensureSchema } from "../../../src/core/store/schema.ts";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { DurableJobs, MAX_ATTEMPTS, type JobStep } from "../../../src/worker/durable-jobs.ts";

const step = (schedule: string): JobStep => ({ org: "o", schedule, scope: RefreshScope.whole(), feeds: 1 });

describe("durable jobs", () => {
  it("give a step up after its attempts, record a throwing one, and run the rest", async () => {
    await runInDurableObject(env.ORGS.get(env.ORGS.idFromName("durable-jobs")), async (_object, state) => {
      const sql = durableObjectSql(state.storage);
      ensureSchema(sql);
      let n = 0;
      const jobs = new DurableJobs(
        sql,
        () => 1_800_000_000_000,
        (org) => `${org}~${++n}`,
        () => undefined,
      );
      const job = jobs.create("o", "regenerate", [step("dies"), step("throws"), step("fine")]);
      expect(job).toMatchObject({ state: "queued", total: 3, done: 0 });

      // The first step's invocation dies every time: its run never settles, so it is never marked finished.
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        void jobs.runNext(() => new Promise<number>(() => undefined));
        await scheduler.wait(1);
        expect(jobs.job(job.id)).toMatchObject({ state: "running", done: 0 });
      }
      const ran: string[] = [];
      const run = (s: JobStep) => {
        ran.push(s.schedule);
        if (s.schedule === "throws") return Promise.reject(new Error("render failed"));
        return Promise.resolve(1);
      };
      while (await jobs.runNext(run));
      expect(ran).toEqual(["throws", "fine"]); // the dead step was not run a fourth time
      expect(jobs.job(job.id)).toMatchObject({
        state: "failed",
        done: 3,
        updated: 1,
        errors: [
          { scope: "dies", message: `given up after ${MAX_ATTEMPTS} attempts` },
          { scope: "throws", message: "render failed" },
        ],
      });
      expect(jobs.pending()).toBe(false);
    });
  });
});
