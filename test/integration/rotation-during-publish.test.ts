/**
 * A rotation takes effect at once, even while a long publish of the same organization is rendering (issue: the
 * rotate waited 9.7 s behind a publish while the old link kept working). The app runs over real sockets with a
 * runner whose units wait at a gate the test opens, so "during the publish" is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, T0, feedPath, makeSnapshot, raw, serveApp, type Reply } from "../support/server.ts";
import { createStack, Gate, gated } from "../support/stack.ts";

describe("rotation during a publish", () => {
  let served: Awaited<ReturnType<typeof serveApp>>;
  const gate = new Gate();

  beforeAll(async () => {
    const { app } = await createStack({ now: T0, runner: (inner) => gated(inner, gate) });
    served = await serveApp(app);
  });
  afterAll(() => served.close());

  const admin = (method: string, path: string, body?: unknown): Promise<Reply> =>
    raw(method, served.url + path, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const feedOf = async (person: string) =>
    feedPath(
      ((await admin("GET", `/admin/orgs/acme/people/${person}`)).json as { feed: { url: string } }).feed.url,
    );

  it("is live before the publish finishes, and the publish keeps the rotated link", async () => {
    expect((await admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot())).status).toBe(200);
    const old = await feedOf("pA");
    expect((await raw("GET", served.url + old)).status).toBe(200);

    gate.close();
    const rev2 = makeSnapshot({
      revision: 2,
      assignments: makeSnapshot().assignments.map((a) => (a.id === "a1" ? { ...a, note: "moved" } : a)),
    });
    const publishing = admin("PUT", "/admin/orgs/acme/schedules/icu", rev2);
    while (gate.waiting === 0) await new Promise((r) => setTimeout(r, 5)); // the publish is under way

    const started = performance.now();
    const rotated = await admin("POST", "/admin/orgs/acme/people/pA/rotate");
    expect(rotated.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    const fresh = feedPath((rotated.json as { feed: { url: string } }).feed.url);
    expect(fresh).not.toBe(old);
    expect((await raw("GET", served.url + old)).status).toBe(404); // dead at once, publish still pending
    expect((await raw("GET", served.url + fresh)).status).toBe(200);

    gate.open();
    expect((await publishing).json).toEqual({ revision: 2, peopleAffected: 1, feedsUpdated: 2 });
    expect((await raw("GET", served.url + old)).status).toBe(404);
    const after = await raw("GET", served.url + fresh);
    expect(after.status).toBe(200);
    expect(after.text).toContain("moved");
    expect(await feedOf("pA")).toBe(fresh);
  });
});
