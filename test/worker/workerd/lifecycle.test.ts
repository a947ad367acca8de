// The whole path inside workerd, through the Worker's handlers: publish → feed → 304 → rotate → 404.
import { describe, expect, it } from "vitest";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, feedPathOf, publish, setClock } from "./support.ts";

describe("a feed's life on Workers", () => {
  it("is published, served, revalidated, rotated and gone", async () => {
    await setClock("acme", T0);
    const published = await publish(makeSnapshot());
    expect(published.status, published.text).toBe(200);
    expect(published.json).toMatchObject({ revision: 1, peopleAffected: 2 });
    const path = await feedPathOf("acme", "pA");
    const feed = await call("GET", path);
    expect(feed.status, feed.text).toBe(200);
    expect(feed.text).toMatch(/^BEGIN:VCALENDAR\r\n/);
    const etag = feed.headers.get("etag")!;
    const revalidated = await call("GET", path, { headers: { "if-none-match": etag } });
    expect(revalidated.status).toBe(304);
    const rotated = await admin("POST", "/admin/orgs/acme/people/pA/rotate");
    expect(rotated.status, rotated.text).toBe(200);
    expect((await call("GET", path)).status).toBe(404);
    const fresh = await call("GET", await feedPathOf("acme", "pA"));
    expect(fresh.status).toBe(200);
    expect(fresh.bytes).toEqual(feed.bytes);
  });
});
