import { describe, expect, it } from "vitest";
import { memoize } from "../../src/core/memo.ts";

describe("memoize", () => {
  it("computes each key once while it is remembered, holds at most `max`, and answers right after starting afresh", () => {
    const calls: number[] = [];
    const square = memoize((n: number) => (calls.push(n), n * n), 3);
    expect([square(2), square(3), square(2), square(4), square(3)]).toEqual([4, 9, 4, 16, 9]);
    expect(calls).toEqual([2, 3, 4]);
    expect(square(5)).toBe(25); // a fourth key: it starts afresh
    expect(square(2)).toBe(4);
    expect(calls).toEqual([2, 3, 4, 5, 2]);
  });
});
