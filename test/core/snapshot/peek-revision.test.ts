/**
 * `peekRevision` orders waiting publishes by the body's `revision` without parsing it: only a plain integer at the
 * top level counts; anything else is `null` (left to the real parse, which answers it with its own error).
 */
import { describe, expect, it } from "vitest";
import { peekRevision } from "../../../src/core/snapshot/peek-revision.ts";

const peek = (text: string) => peekRevision(new TextEncoder().encode(text));

describe("peekRevision", () => {
  it("reads a top-level integer wherever it stands, skipping nested values", () => {
    expect(peek('{"revision":7}')).toBe(7);
    expect(peek('\uFEFF { "format": "x", "people": [{"revision": 99}], "revision" : 12 , "a": 1}')).toBe(12);
    expect(peek('{"o":{"revision":3,"s":"\\"revision\\":4"},"revision":5}')).toBe(5);
  });

  it("regression: `1e309`, `1.5`, `12abc`, a negative, a string or a truncated body is not a revision", () => {
    for (const text of [
      '{"revision":1e309}',
      '{"revision":1.5}',
      '{"revision":12abc}',
      '{"revision":-3}',
      '{"revision":"4"}',
      '{"revision":4',
      '{"revision":99999999999999999999}',
      "[1]",
      '{"a":1}',
    ]) {
      expect(peek(text), text).toBeNull();
    }
  });
});
