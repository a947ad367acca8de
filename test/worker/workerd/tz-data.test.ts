// Which tz release the Workers runtime carries (docs/architecture.md › Time-zone data updates): feeds on Workers are rendered from
// workerd's own ICU data, so the docs name it. Identified by the rule changes of the 2026 releases: 2026d kept
// Inuvik on -06, 2026e moved Winnipeg to permanent -05, 2026f kept Havana on -04 after 2026-11-01. When a workerd
// update brings a newer release this test fails, and the docs' sentences are due for the new release.
import { describe, expect, it } from "vitest";

const DECEMBER_2026 = Date.UTC(2026, 11, 15, 12);
const offset = (zone: string) =>
  new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(DECEMBER_2026)
    .find((p) => p.type === "timeZoneName")?.value;

describe("tz data in workerd", () => {
  it("is release 2026e: Inuvik -06 (2026d), Winnipeg -05 (2026e), Havana still -05 (before 2026f)", () => {
    expect({
      inuvik: offset("America/Inuvik"),
      winnipeg: offset("America/Winnipeg"),
      havana: offset("America/Havana"),
    }).toEqual({ inuvik: "GMT-06:00", winnipeg: "GMT-05:00", havana: "GMT-05:00" });
  });
});
