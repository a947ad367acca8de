import { describe, expect, it } from "vitest";
import { classifyClient } from "../../src/core/clients.ts";

describe("classifyClient", () => {
  const cases: Array<[string | null, ReturnType<typeof classifyClient>]> = [
    ["Google-Calendar-Importer", "google"],
    ["Mozilla/5.0 (compatible; Google-Calendar-Importer)", "google"],
    ["iOS/18.1 (22B83) dataaccessd/1.0", "apple"],
    ["iOS/17.4.1 (21E237) dataaccessd/1.0", "apple"],
    ["macOS/14.5 (23F79) CalendarAgent/988", "apple"],
    ["Mac OS X/10.15.7 (19H2) CalendarAgent/954.4", "apple"],
    ["macOS/15.1 (24B83) dataaccessd/1.0", "apple"],
    ["Microsoft Exchange/15.20 (Windows NT 10.0; Win64; x64)", "outlook"],
    ["Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)", "outlook"],
    ["Outlook-iOS/2.0", "outlook"],
    ["Outlook-iOS/723.4027091.prod.iphone (4.2416.0)", "outlook"],
    ["Outlook-Android/2.0", "outlook"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36", "other"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15", "other"],
    ["curl/8.5.0", "other"],
    ["Thunderbird/128.4.0", "other"],
    ["", "other"],
    [null, "other"],
  ];
  for (const [ua, expected] of cases) {
    it(`${JSON.stringify(ua)} → ${expected}`, () => expect(classifyClient(ua)).toBe(expected));
  }

  it("looks only at a bounded prefix of a huge header", () => {
    expect(classifyClient("x".repeat(100_000) + "Google-Calendar-Importer")).toBe("other");
  });
});
