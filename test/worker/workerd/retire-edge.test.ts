// A retirement that removes more links than one batch of edge writes, inside workerd: the call answers only once
// every removed link's feed is gone from R2 (a dead marker in its place), so each of them is dead on the very next
// request after the `200`.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeSnapshot, T0, type SnapshotInput } from "../../support/fixture.ts";
import { admin, call, feedPathOf, orgObject, publish, setClock, settle } from "./support.ts";

/** More people than the edge writes of one batch (and than 1,000). */
const PEOPLE = 1_500;

/** A schedule of {@link PEOPLE} people, each on one day shift. */
function ward(org: string): SnapshotInput {
  const ids = Array.from({ length: PEOPLE }, (_, i) => `p${i}`);
  return makeSnapshot({
    organization: { id: org, name: "Big Hospital", tier: "standard" },
    people: ids.map((id) => ({ id, name: `Dr. ${id}` })),
    assignments: ids.map((id, i) => ({ id: `a${i}`, personId: id, shiftId: "day", date: "2026-11-25" })),
  });
}

/** The R2 keys of the live feeds of an organization's Durable Object. */
function liveKeys(org: string): Promise<string[]> {
  return runInDurableObject(orgObject(org), (_o, state) =>
    state.storage.sql
      .exec("SELECT token_hash FROM feeds")
      .toArray()
      .map((r) => `feeds/${String(r["token_hash"])}`),
  );
}

describe("retiring a big schedule on Workers", () => {
  it(`answers 200 only once all ${PEOPLE} removed links are dead`, async () => {
    const org = "bigretire";
    await setClock(org, T0);
    const put = await publish(ward(org));
    expect(put.status, put.text).toBe(202);
    await settle(org);
    const keys = await liveKeys(org);
    expect(keys).toHaveLength(PEOPLE + 1);
    // The people written last to the edge queue, and the first: their links serve before the retirement.
    const sample = ["p0", "p1", `p${PEOPLE - 2}`, `p${PEOPLE - 1}`];
    const paths = await Promise.all(sample.map((p) => feedPathOf(org, p)));
    for (const path of paths) expect((await call("GET", path)).status).toBe(200);

    const retired = await admin("DELETE", `/admin/orgs/${org}/schedules/icu`);
    expect(retired.status, retired.text).toBe(200);
    // Straight after the answer, before any alarm could write more: one listing of the bucket, then the links of
    // the people queued last and first.
    const listed = await env.FEEDS.list({ prefix: "feeds/", include: ["customMetadata"] });
    const removed = listed.objects.filter((o) => keys.includes(o.key));
    expect(removed.filter((o) => o.customMetadata?.["dead"] !== "retired")).toHaveLength(0);
    for (const path of paths.reverse()) expect([404, 410]).toContain((await call("GET", path)).status);
    const left = await Promise.all(keys.map((k) => env.FEEDS.head(k)));
    expect(left.filter((o) => o?.customMetadata?.["dead"] !== "retired")).toHaveLength(0);
    expect(await liveKeys(org)).toEqual([]);
  }, 120_000);
});
