// An organization's alarm when the work it runs fails (docs/cloudflare.md › Fan-out): it never throws (the
// platform retries a throwing alarm only a few times); it records the failure in the object's storage, shows it in
// the pending job (`retry`), sets the alarm again after a wait that doubles, and clears it once the work goes
// through. R2 failing under the object is injected around the real binding, as in edge-failure.test.ts.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Job } from "../../../src/core/maintenance/jobs.ts";
import { ALARM_BACKOFF_MS, alarmRetry, type AlarmRetry } from "../../../src/worker/alarm-retry.ts";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { combineJobs } from "../../../src/worker/wide-jobs.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, feedPathOf, orgObject, publish, setClock, settle } from "./support.ts";

function flaky(failing: { on: boolean }): R2Bucket {
  return new Proxy(env.FEEDS, {
    get(target, name) {
      if ((name === "put" || name === "delete") && failing.on)
        return () => Promise.reject(new Error("injected R2 failure"));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The recorded failures and the time the alarm is set for (ms from now). */
function alarmState(org: string) {
  return runInDurableObject(orgObject(org), async (_object: OrgObject, state) => {
    const alarm = await state.storage.getAlarm();
    return { retry: alarmRetry(state.storage.kv), inMs: alarm === null ? null : alarm - Date.now() };
  });
}

describe("a failing alarm", () => {
  it("is caught, recorded in the job and set again with a doubling wait, until the work goes through", async () => {
    const org = "stalled";
    const failing = { on: false };
    await runInDurableObject(orgObject(org), (object: OrgObject) => {
      // One person per step, so that a two-person publish is a job run by alarms.
      Object.defineProperty(object, "env", { value: { ...env, FEEDS: flaky(failing), FAN_OUT_BATCH: "1" } });
    });
    await setClock(org, T0);
    const accepted = await publish(makeSnapshot({ organization: { id: org, name: "Stalled Hospital" } }));
    expect(accepted.status, accepted.text).toBe(202);
    const jobPath = accepted.headers.get("location")!;

    failing.on = true;
    // The alarm the publish set (due at once) may run on its own: run alarms until one has failed.
    while ((await alarmState(org)).retry === null) {
      if (!(await runDurableObjectAlarm(orgObject(org)))) await scheduler.wait(10);
    }
    // (Both may have run it: count from what is recorded; from now on the alarm is seconds away.)
    const first = (await alarmState(org)).retry!.failures;
    for (const failures of [first, first + 1, first + 2]) {
      if (failures > first) await expect(runDurableObjectAlarm(orgObject(org))).resolves.toBe(true);
      const { retry, inMs } = await alarmState(org);
      expect(retry).toMatchObject({ failures, lastError: "injected R2 failure" });
      const wait = ALARM_BACKOFF_MS * 2 ** (failures - 1);
      expect(inMs).toBeGreaterThan(wait - 2_000);
      expect(inMs).toBeLessThanOrEqual(wait);
      expect(Date.parse(retry!.nextAttemptAt) - Date.parse(retry!.failedAt)).toBe(wait);
      const job = (await admin("GET", jobPath)).json as Job;
      expect(job.state).toMatch(/queued|running/);
      expect(job.retry).toEqual(retry as AlarmRetry);
      expect((await alarmState(org)).inMs).toBeGreaterThan(wait - 2_000); // a read leaves the wait as it is
    }

    failing.on = false;
    await settle(org);
    expect((await alarmState(org)).retry).toBeNull();
    const done = (await admin("GET", jobPath)).json as Job;
    expect(done).toMatchObject({ state: "succeeded", errors: [] });
    expect(done.retry).toBeUndefined();
    expect((await call("GET", await feedPathOf(org, "pB"))).status).toBe(200);
  });

  it("a job over every organization shows the member whose alarms failed most in a row", () => {
    const member = (org: string, failures: number | null): Job => ({
      id: `${org}~1`,
      state: "running",
      done: 0,
      total: 2,
      updated: 0,
      createdAt: "2026-12-01T00:00:00.000Z",
      startedAt: "2026-12-01T00:00:01.000Z",
      finishedAt: null,
      errors: [],
      ...(failures === null
        ? {}
        : {
            retry: {
              failures,
              lastError: "injected R2 failure",
              failedAt: "2026-12-01T00:00:02.000Z",
              nextAttemptAt: "2026-12-01T00:00:07.000Z",
            },
          }),
    });
    const created = "2026-12-01T00:00:00.000Z";
    expect(combineJobs("~w", created, [member("a", null), member("b", null)]).retry).toBeUndefined();
    const wide = combineJobs("~w", created, [member("a", 1), member("b", 3), member("c", null)]);
    expect(wide.retry).toMatchObject({ failures: 3, lastError: "b: injected R2 failure" });
  });
});
