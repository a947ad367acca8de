import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzip } from "../../src/core/compress.ts";
import { chooseEncoding } from "../../src/http/encoding.ts";

describe("chooseEncoding", () => {
  const cases: Array<[string | null, "gzip" | "identity"]> = [
    // missing header: identity by design (Google sends none; see the TSDoc for why not gzip)
    [null, "identity"],
    ["", "identity"],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["gzip, deflate, br, zstd", "gzip"],
    ["deflate, gzip;q=1.0, *;q=0.5", "gzip"],
    ["gzip;q=0.001", "gzip"],
    ["gzip ; q=0.5", "gzip"],
    ["*", "gzip"],
    ["*;q=0.1", "gzip"],
    ["gzip;q=0", "identity"],
    ["gzip;q=0.000", "identity"],
    ["gzip;q=0, *", "identity"], // the explicit refusal beats the wildcard
    ["*;q=0", "identity"],
    ["br", "identity"],
    ["br, zstd", "identity"],
    ["identity", "identity"],
    ["identity;q=0", "identity"], // never 406 a calendar
    ["br, identity;q=0", "identity"],
    ["gzip;q=0.5, identity;q=1", "identity"], // the client prefers identity
    ["gzip;q=0.5, identity;q=0.5", "gzip"], // ties go to the stored form
    ["gzip;q=2", "identity"], // malformed weight: member ignored
    ["gzip;q=abc", "identity"],
    [" , ,gzip", "gzip"],
    ["gzip".padEnd(5000, " "), "identity"],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)?.slice(0, 40)} → ${expected}`, () =>
      expect(chooseEncoding(header)).toBe(expected));
  }
});

describe("gunzip", () => {
  it("inverts node:zlib gzip byte-for-byte", async () => {
    const text = "BEGIN:VCALENDAR\r\nSUMMARY:Café ☕ 夜勤\r\nEND:VCALENDAR\r\n".repeat(500);
    const bytes = new TextEncoder().encode(text);
    expect(await gunzip(new Uint8Array(gzipSync(bytes)))).toEqual(bytes);
  });

  it("rejects bytes that are not gzip", async () => {
    await expect(gunzip(new TextEncoder().encode("not gzip at all"))).rejects.toThrow();
  });
});
