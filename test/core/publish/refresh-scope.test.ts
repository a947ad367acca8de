/**
 * The named refresh scopes: what each covers (read through the same helpers the units read them with), and that
 * each comes back unchanged from the JSON a Durable Object keeps its job steps in — a stored step must mean after
 * a restart what it meant when it was queued — while a stored scope that is not one is refused, naming the field.
 */
import { describe, expect, it } from "vitest";
import {
  assemblesOnly,
  coversScheduleFeed,
  parseRefreshScope,
  peopleOf,
  personFeedsOf,
  RefreshScope,
  rendersEveryone,
  rendersPieces,
} from "../../../src/core/publish/refresh-scope.ts";

const NAMED: [string, RefreshScope][] = [
  ["whole", RefreshScope.whole()],
  ["whole, forced", RefreshScope.whole(true)],
  ["state only", RefreshScope.stateOnly()],
  ["render pass", RefreshScope.renderPass(false, "single")],
  ["render pass, pieces first", RefreshScope.renderPass(true, "none")],
  ["assemble pass", RefreshScope.assemblePass(false, "shared")],
  ["assemble pass, pieces first", RefreshScope.assemblePass(true, "all")],
  ["a person's piece", RefreshScope.personPiece("p1", true)],
  ["a person's feed", RefreshScope.personFeed("p1", false)],
  ["a batch", RefreshScope.batch(RefreshScope.renderPass(true, "single"), ["p1", "p2"])],
  ["a closing step", RefreshScope.closing(RefreshScope.whole(true))],
];

/** What a scope covers, as the units read it. */
const covers = (scope: RefreshScope) => ({
  force: scope.force,
  pieces: rendersPieces(scope),
  scheduleFeed: coversScheduleFeed(scope),
  personFeeds: personFeedsOf(scope),
  people: peopleOf(scope) === null ? "everyone" : [...peopleOf(scope)!],
  everyone: rendersEveryone(scope),
  assemblesOnly: assemblesOnly(scope),
});

describe("refresh scopes", () => {
  it("each named scope covers what its name says", () => {
    expect(covers(RefreshScope.whole())).toEqual({
      force: false,
      pieces: true,
      scheduleFeed: true,
      personFeeds: "all",
      people: "everyone",
      everyone: true,
      assemblesOnly: false,
    });
    // A staged publish renders no one's piece, no feed.
    expect(covers(RefreshScope.stateOnly())).toMatchObject({
      people: [],
      scheduleFeed: false,
      personFeeds: "none",
      everyone: false,
    });
    expect(covers(RefreshScope.renderPass(true, "single"))).toMatchObject({
      force: true,
      pieces: true,
      scheduleFeed: true,
      personFeeds: "single",
      everyone: true,
    });
    expect(covers(RefreshScope.assemblePass(false, "shared"))).toMatchObject({
      pieces: false,
      scheduleFeed: false,
      personFeeds: "shared",
      people: "everyone",
      assemblesOnly: true,
    });
    expect(covers(RefreshScope.personPiece("p1", true))).toMatchObject({
      force: true,
      pieces: true,
      scheduleFeed: false,
      personFeeds: "none",
      people: ["p1"],
      everyone: false,
    });
    expect(covers(RefreshScope.personFeed("p1", false))).toMatchObject({
      personFeeds: "all",
      people: ["p1"],
      assemblesOnly: true,
    });
  });

  it("a batch keeps its unit's scope over its people only, without the schedule feed", () => {
    const pass1 = RefreshScope.renderPass(false, "single");
    expect(covers(RefreshScope.batch(pass1, ["p1", "p2"]))).toEqual({
      ...covers(pass1),
      people: ["p1", "p2"],
      scheduleFeed: false,
      everyone: false,
    });
    const pass2 = RefreshScope.assemblePass(false, "shared");
    expect(covers(RefreshScope.batch(pass2, ["p3"]))).toEqual({ ...covers(pass2), people: ["p3"] });
  });

  it("the closing step of a batched unit is the whole scope again, or the schedule feed alone when forced", () => {
    const unforced = RefreshScope.whole();
    expect(RefreshScope.closing(unforced)).toEqual(unforced);
    expect(covers(RefreshScope.closing(RefreshScope.whole(true)))).toMatchObject({
      force: true,
      scheduleFeed: true,
      people: [],
      everyone: false,
    });
  });

  for (const [name, scope] of NAMED) {
    it(`${name}: comes back unchanged from a stored job step`, () => {
      expect(parseRefreshScope(JSON.stringify(scope))).toEqual(scope);
    });
  }

  it("a stored scope that is not one is refused, naming the field", () => {
    expect(() => parseRefreshScope("null")).toThrow(/must be an object/);
    expect(() => parseRefreshScope("{}")).toThrow(/`force`/);
    expect(() => parseRefreshScope('{"force":"yes"}')).toThrow(/`force`/);
    expect(() => parseRefreshScope('{"force":false,"people":["p1",2]}')).toThrow(/`people`/);
    expect(() => parseRefreshScope('{"force":false,"people":"p1"}')).toThrow(/`people`/);
    expect(() => parseRefreshScope('{"force":false,"pieces":0}')).toThrow(/`pieces`/);
    expect(() => parseRefreshScope('{"force":false,"scheduleFeed":"no"}')).toThrow(/`scheduleFeed`/);
    expect(() => parseRefreshScope('{"force":false,"personFeeds":"some"}')).toThrow(/`personFeeds`/);
  });
});
