// Bidi isolation of user strings (issue 6, row 15): explicit directional formatting is wrapped in FSI … PDI per
// line, with the string's own isolates balanced; everything else is left byte for byte as it was.
import { describe, expect, it } from "vitest";
import { isolateBidi } from "../../../src/core/ical/bidi.ts";

const FSI = "\u2068";
const PDI = "\u2069";

describe("isolateBidi", () => {
  it.each(["Ana López, MD", 'د. ليلى حداد / ד"ר נועה כהן', "山田太郎 👩‍⚕️", "line one\nline two", ""])(
    "leaves text without bidi controls unchanged: %s",
    (text) => {
      expect(isolateBidi(text)).toBe(text);
    },
  );

  it.each([
    ["an unclosed override", "Ann\u202E", `${FSI}Ann\u202E${PDI}`],
    ["an embedding", "\u202BAnn", `${FSI}\u202BAnn${PDI}`],
    ["a balanced isolate", "\u2067Ann\u2069", `${FSI}\u2067Ann\u2069${PDI}`],
    ["a right-to-left mark", "Ann\u200F", `${FSI}Ann\u200F${PDI}`],
    ["a left-to-right mark", "\u200EAnn", `${FSI}\u200EAnn${PDI}`],
    ["an Arabic letter mark", "Ann\u061C", `${FSI}Ann\u061C${PDI}`],
    ["a stray PDI, which would close the wrapper early", `${PDI}\u202EAnn`, `${FSI}\u202EAnn${PDI}`],
    ["an unclosed isolate, which would absorb the wrapper's PDI", "\u2067Ann", `${FSI}\u2067Ann${PDI}${PDI}`],
  ])("wraps %s", (_, text, want) => {
    expect(isolateBidi(text)).toBe(want);
  });

  it("isolates each line apart (a paragraph separator ends every isolate) and leaves clean lines alone", () => {
    expect(isolateBidi("a\u202E\r\nplain\nb\u202B\u2029c")).toBe(
      `${FSI}a\u202E${PDI}\r\nplain\n${FSI}b\u202B${PDI}\u2029c`,
    );
  });
});
