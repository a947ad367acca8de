// On Node an admin call is answered in the main thread, while fetch notes and counters are made in the serving
// threads. Only the calls that show those reports wait to gather them (one round trip to every serving thread);
// every other admin call — a publish above all — answers without waiting for any serving thread.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot, T0 } from "../support/fixture.ts";
import { createStack } from "../support/stack.ts";

describe("admin calls gather the serving threads' reports only when they show them", () => {
  it("person lookups, rotations, traffic and /metrics gather; publishes, searches, schedules and jobs do not", async () => {
    let gathers = 0;
    const stack = await createStack({ now: T0, gatherReports: async () => void gathers++ });
    const call = async (method: string, path: string, body?: unknown) => {
      const before = gathers;
      const res = await stack.app.request(path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return gathers - before;
    };
    const snapshot = makeSnapshot();
    const schedule = `/admin/orgs/${snapshot.organization.id}/schedules/${snapshot.schedule.id}`;
    const person = `/admin/orgs/${snapshot.organization.id}/people/${snapshot.people[0]!.id}`;
    expect(await call("PUT", schedule, snapshot)).toBe(0);
    expect(await call("GET", schedule)).toBe(0);
    expect(await call("GET", `${schedule}/people`)).toBe(0);
    expect(await call("GET", "/admin/search?q=a")).toBe(0);
    expect(await call("POST", "/admin/regenerate", {})).toBe(0);
    expect(await call("GET", person)).toBe(1);
    expect(await call("POST", `${person}/rotate`)).toBe(1);
    expect(await call("GET", "/admin/traffic")).toBe(1);
    expect(await call("GET", "/metrics")).toBe(1);
  });
});
