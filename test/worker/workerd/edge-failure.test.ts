// R2 failing under an organization's Durable Object (docs/test-checklist.md §D 27, "a rejected R2 put"): a change the
// edge has not taken is never reported done. The publish or rotation answers 503 with Retry-After; the change is
// saved and nothing half-written is served (a new feed is not there yet, a rotated link keeps its old bytes);
// once R2 works again, the retried call (or the alarm) brings the edge to the same final state.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, feedPathOf, orgObject, publish, setClock, settle } from "./support.ts";

/** The bucket, with writes and deletes failing while `failing.on` (a fault injected around the real binding). */
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

describe("R2 failing under a Durable Object", () => {
  it("a publish or rotation answers 503 until the edge has it, and a retry reaches the same state", async () => {
    const org = "shaky";
    const failing = { on: true };
    await runInDurableObject(orgObject(org), (object: OrgObject) => {
      Object.defineProperty(object, "env", { value: { ...env, FEEDS: flaky(failing) } });
    });
    await setClock(org, T0);
    const snapshot = makeSnapshot({ organization: { id: org, name: "Shaky Hospital" } });

    const refused = await publish(snapshot);
    expect(refused.status, refused.text).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect((refused.json as { error: { code: string } }).error.code).toBe("unavailable");
    const path = await feedPathOf(org, "pA"); // saved in the Durable Object…
    expect((await call("GET", path)).status).toBe(404); // …but not served before the edge has it

    failing.on = false;
    const retried = await publish(snapshot);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json).toMatchObject({ unchanged: true });
    const served = await call("GET", path);
    expect(served.status).toBe(200);

    failing.on = true;
    const rotate = await admin("POST", `/admin/orgs/${org}/people/pA/rotate`);
    expect(rotate.status, rotate.text).toBe(503);
    expect((await call("GET", path)).bytes).toEqual(served.bytes); // not reported done: still the old object
    failing.on = false;
    await settle(org); // the alarm writes what waits
    expect((await call("GET", path)).status).toBe(404);
    const fresh = await call("GET", await feedPathOf(org, "pA"));
    expect(fresh.status).toBe(200);
    expect(fresh.bytes).toEqual(served.bytes);
  });
});
