// An organization renamed by a publish of one schedule: on Workers the other schedules' feeds are refreshed by a
// job in the organization's Durable Object (not in the background of the request), and end up with the new name.
import { describe, expect, it } from "vitest";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, publish, setClock, settle } from "./support.ts";

const org = (name: string) => ({ id: "renamed", name, tier: "standard" });
const scheduleFeed = async (schedule: string) => {
  const lookup = await admin("GET", `/admin/orgs/renamed/schedules/${schedule}`);
  return call("GET", new URL((lookup.json as { feed: { url: string } }).feed.url).pathname);
};

describe("an organization renamed on Workers", () => {
  it("refreshes its other schedules' feeds in a job", async () => {
    await setClock("renamed", T0);
    const er = { id: "er", name: "Emergency", timezone: "America/New_York" };
    expect((await publish(makeSnapshot({ organization: org("Old Name") }))).status).toBe(200);
    expect((await publish(makeSnapshot({ organization: org("Old Name"), schedule: er }))).status).toBe(200);
    expect((await scheduleFeed("er")).text).toContain("Old Name");

    const renamed = await publish(makeSnapshot({ organization: org("New Name"), revision: 2 }));
    expect(renamed.status, renamed.text).toBe(200);
    await settle("renamed");
    const feed = (await scheduleFeed("er")).text;
    expect(feed).toContain("New Name");
    expect(feed).not.toContain("Old Name");
  });
});
