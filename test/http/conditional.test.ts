import { describe, expect, it } from "vitest";
import { formatHttpDate, isNotModified, parseHttpDate } from "../../src/http/conditional.ts";

// docs/test-checklist.md section A, items 2–9, at the unit level; test/http/feed-route.test.ts repeats them over HTTP.
const current = { etag: 'W/"v42-abc"', lastModified: 1_795_183_380 }; // Fri, 20 Nov 2026 14:03:00 GMT
const LM = "Fri, 20 Nov 2026 14:03:00 GMT";
const inm = (ifNoneMatch: string | null, ifModifiedSince: string | null = null) =>
  isNotModified({ ifNoneMatch, ifModifiedSince }, current);

describe("If-None-Match", () => {
  it("2. the current tag → not modified", () => expect(inm('W/"v42-abc"')).toBe(true));

  it("3. weak comparison: strong form of a weak tag, and W/ form of a strong tag", () => {
    expect(inm('"v42-abc"')).toBe(true);
    const strong = { etag: '"s1"', lastModified: 0 };
    expect(isNotModified({ ifNoneMatch: 'W/"s1"', ifModifiedSince: null }, strong)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"s1"', ifModifiedSince: null }, strong)).toBe(true);
  });

  it("4. a list with the tag among others → match; with no match → modified", () => {
    expect(inm('"x1" ,\tW/"v42-abc" , "x2"')).toBe(true);
    expect(inm('"x1" ,\t"v42-abc" , "x2"')).toBe(true);
    expect(inm('"x1", "x2", W/"v41-abc"')).toBe(false);
    expect(inm('"x1", , "v42-abc",')).toBe(true); // empty list elements are ignored (RFC 9110 §5.6.1.2)
  });

  it("4. compares opaque tags exactly: no prefix, case or whitespace folding", () => {
    expect(inm('"v42-ab"')).toBe(false);
    expect(inm('"V42-ABC"')).toBe(false);
    expect(inm('" v42-abc"')).toBe(false);
  });

  it("5. `*` matches an existing representation", () => {
    expect(inm("*")).toBe(true);
    expect(inm(" *\t")).toBe(true);
  });

  it("6. `*` inside a list, unquoted, unterminated, lower-case w/, junk, empty → no match", () => {
    for (const value of [
      '"a", *',
      "*, *",
      'v42-abc, W/"v42-abc"',
      "v42-abc",
      'W/"v42-abc',
      '"v42-abc',
      'W/"v42-abc", "x',
      'w/"v42-abc"',
      'W/ "v42-abc"',
      '"v42-abc" "x"',
      '"v42-abc";q=1',
      '"x y", W/"v42-abc"', // SP is not an etagc
      '"a\\"b", W/"v42-abc"', // no escapes in entity-tags
      "",
      " ",
      ",",
    ]) {
      expect(inm(value), JSON.stringify(value)).toBe(false);
    }
  });

  it("6. a malformed member anywhere spoils a list that also holds the current tag", () => {
    expect(inm('W/"v42-abc", bogus')).toBe(false);
    expect(inm('bogus, W/"v42-abc"')).toBe(false);
  });

  it("6. bounded: an 8 KB header or more than 1,000 members is not evaluated, and is fast", () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => `"t${i}"`).join(", ");
    expect(inm(thousand)).toBe(false);
    expect(inm(`${Array.from({ length: 999 }, (_, i) => `"${i}"`).join(",")},"v42-abc"`)).toBe(true);
    expect(inm(`W/"v42-abc",${Array.from({ length: 1000 }, (_, i) => `"${i}"`).join(",")}`)).toBe(false);
    expect(inm(`W/"v42-abc", "${"a".repeat(8 * 1024)}"`)).toBe(false);
    const huge = `"${"a".repeat(1_000_000)}`;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) inm(huge);
    expect(inm('"a",'.repeat(2047) + '"a"')).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("7. INM matches + IMS 1970 → not modified (INM wins)", () => {
    expect(inm('W/"v42-abc"', "Thu, 01 Jan 1970 00:00:00 GMT")).toBe(true);
  });

  it("7. INM does not match + IMS far future → modified (IMS ignored)", () => {
    expect(inm('"other"', "Fri, 31 Dec 9999 23:59:59 GMT")).toBe(false);
  });

  it("7. a present but malformed INM still shadows If-Modified-Since", () => {
    expect(inm("garbage", LM)).toBe(false);
    expect(inm("", LM)).toBe(false);
  });
});

describe("If-Modified-Since (no If-None-Match)", () => {
  const ims = (value: string) => inm(null, value);

  it("8. not modified since: equal or later date → not modified", () => {
    expect(ims(LM)).toBe(true);
    expect(ims("Fri, 20 Nov 2026 14:03:01 GMT")).toBe(true);
    expect(ims("Sat, 20 Nov 2027 00:00:00 GMT")).toBe(true);
  });

  it("8. modified since: an earlier date → modified", () => {
    expect(ims("Fri, 20 Nov 2026 14:02:59 GMT")).toBe(false);
    expect(ims("Thu, 01 Jan 1970 00:00:00 GMT")).toBe(false);
  });

  it("8. obsolete RFC 850 and asctime forms are honoured", () => {
    expect(ims("Friday, 20-Nov-26 14:03:00 GMT")).toBe(true);
    expect(ims("Fri Nov 20 14:03:00 2026")).toBe(true);
    expect(ims("Fri Nov 20 14:02:59 2026")).toBe(false);
  });

  it("8. invalid dates and two comma-separated dates are ignored → modified", () => {
    for (const value of [
      "yesterday",
      "",
      "2026-11-20T14:03:00Z",
      "1795183380",
      "Fri, 20 Nov 2026 14:03:00 UTC",
      "Fri, 20 Nov 2026 14:03:00 +0000",
      "fri, 20 nov 2026 14:03:00 GMT",
      "Fri, 31 Nov 2026 14:03:00 GMT",
      "Fri, 20 Nov 2026 24:03:00 GMT",
      "Fri, 20 Nov 26 14:03:00 GMT",
      `${LM}, ${LM}`,
      `Fri, 20 Nov 2026 14:03:00 GMT, Sat, 21 Nov 2026 14:03:00 GMT`,
      `${LM}${" ".repeat(100)}x`,
    ]) {
      expect(ims(value), JSON.stringify(value)).toBe(false);
    }
  });

  it("compares in whole seconds (Last-Modified has no fractions)", () => {
    expect(
      isNotModified(
        { ifNoneMatch: null, ifModifiedSince: LM },
        { ...current, lastModified: current.lastModified + 0.9 },
      ),
    ).toBe(true);
  });

  it("no conditional headers → modified", () => expect(inm(null, null)).toBe(false));
});

describe("HTTP dates", () => {
  it("formats IMF-fixdate", () => {
    expect(formatHttpDate(784111777)).toBe("Sun, 06 Nov 1994 08:49:37 GMT");
    expect(formatHttpDate(0)).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    expect(formatHttpDate(current.lastModified)).toBe(LM);
    expect(formatHttpDate(current.lastModified + 0.999)).toBe(LM);
  });

  it("parses the three formats of RFC 9110 §5.6.7 to the same instant", () => {
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(784111777);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(784111777);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994")).toBe(784111777);
    expect(parseHttpDate(" Sun, 06 Nov 1994 08:49:37 GMT\t")).toBe(784111777);
  });

  it("reads RFC 850 two-digit years as at most 50 years ahead", () => {
    const now2026 = Date.UTC(2026, 0, 1) / 1000;
    expect(parseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT", now2026)).toBe(Date.UTC(2070, 0, 1) / 1000);
    expect(parseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT", Date.UTC(2019, 0, 1) / 1000)).toBe(0);
    expect(parseHttpDate("Wednesday, 01-Jan-76 00:00:00 GMT", now2026)).toBe(Date.UTC(2076, 0, 1) / 1000);
    expect(parseHttpDate("Monday, 01-Jan-77 00:00:00 GMT", now2026)).toBe(Date.UTC(1977, 0, 1) / 1000);
  });

  it("round-trips, and accepts a leap second", () => {
    for (const s of [0, 1, 951_782_400 /* 29 Feb 2000 */, current.lastModified, 253_402_300_799]) {
      expect(parseHttpDate(formatHttpDate(s))).toBe(s);
    }
    expect(parseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT")).toBe(Date.UTC(2017, 0, 1) / 1000);
  });

  it("rejects impossible calendar dates", () => {
    expect(parseHttpDate("Thu, 29 Feb 2001 00:00:00 GMT")).toBeNull();
    expect(parseHttpDate("Thu, 00 Feb 2001 00:00:00 GMT")).toBeNull();
    expect(parseHttpDate("Thu, 01 Feb 2001 00:60:00 GMT")).toBeNull();
  });
});
