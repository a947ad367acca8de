// Text helpers of rendered values: digit grouping that never consults the host's locale.
import { describe, expect, it } from "vitest";
import { groupDigits } from "../../../src/core/ical/text.ts";

describe("groupDigits", () => {
  it.each([
    [0, "0"],
    [1, "1"],
    [999, "999"],
    [1_000, "1,000"],
    [1_989, "1,989"],
    [99_999, "99,999"],
    [499_999, "499,999"],
    [1_234_567, "1,234,567"],
  ])("%i → %s", (n, text) => {
    expect(groupDigits(n)).toBe(text);
  });
});
