// parseMediaType: RFC 9110 §8.3.1 media types: case, optional whitespace, quoted values, ambiguity refused.
import { describe, expect, it } from "vitest";
import { parseMediaType } from "../../src/http/media-type.ts";

function parsed(value: string) {
  const result = parseMediaType(value);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(value)} to parse: ${result.problem}`);
  const { type, subtype, parameters } = result.mediaType;
  return { type: `${type}/${subtype}`, parameters: Object.fromEntries(parameters) };
}

describe("parseMediaType", () => {
  it.each([
    ["application/json", {}],
    ["Application/JSON", {}],
    ["application/json;charset=utf-8", { charset: "utf-8" }],
    ["application/json ; Charset=UTF-8", { charset: "UTF-8" }],
    ["application/json;\tcharset=utf-8 ;", { charset: "utf-8" }],
    ['application/json; charset="utf-8"', { charset: "utf-8" }],
    ['application/json; x="a \\"b\\"; c=d"; y=1', { x: 'a "b"; c=d', y: "1" }],
    ["application/json;;charset=utf-8;;", { charset: "utf-8" }],
    ["application/vnd.api+json; profile=x", { profile: "x" }],
  ])("parses %j", (value, parameters) => {
    expect(parsed(value)).toEqual({ type: value.split(/[ ;]/)[0]!.toLowerCase(), parameters });
  });

  it.each([
    ["", "it has no type/subtype"],
    ["application", "it has no type/subtype"],
    ["application/", "it has no type/subtype"],
    ["/json", "it has no type/subtype"],
    ["application /json", "it has no type/subtype"],
    ["application/json charset=utf-8", "parameters must follow `;`"],
    ["application/json; charset", "a parameter is not name=value"],
    ["application/json; charset = utf-8", "a parameter is not name=value"],
    ["application/json; charset=", "a parameter value is neither a token nor quoted"],
    ['application/json; charset="utf-8', "a parameter value is neither a token nor quoted"],
    ["application/json, text/plain", "parameters must follow `;`"],
  ])("refuses %j: %s", (value, problem) => {
    expect(parseMediaType(value)).toEqual({ ok: false, problem });
  });

  it.each([
    "application/json; charset=utf-8; charset=latin1",
    "application/json; charset=latin1; charset=utf-8",
    "application/json; charset=utf-8; Charset=utf-8",
    'application/json; CHARSET="utf-8"; charset=utf-8',
  ])("refuses a parameter named twice, whatever the order or case: %j", (value) => {
    expect(parseMediaType(value)).toEqual({ ok: false, problem: "parameter `charset` is given twice" });
  });
});
