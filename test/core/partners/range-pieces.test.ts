/**
 * A range in month pieces holds exactly the events that touch it, each once: shifts crossing a month's end
 * (overnight, 24 hours), leave spanning several months, events that begin before the range and reach into it.
 * And the cache: a range asked twice, or ranges sharing months, render each piece once.
 */
import { describe, expect, it } from "vitest";
import { expandSnapshot } from "../../../src/core/feeds/events.ts";
import { RangeCache, type RangeRequest } from "../../../src/core/partners/range-cache.ts";
import {
  piecesOf,
  renderPieces,
  renderRange,
  renderStoredPieces,
} from "../../../src/core/partners/render-range.ts";
import { webCodec } from "../../../src/core/compress.ts";
import { windowEvents } from "../../../src/core/publish/feed-specs.ts";
import { readState } from "../../../src/core/publish/schedule-state.ts";
import { scheduleRow } from "../../../src/core/store/schedules-table.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { openService, publish } from "../../support/service.ts";

const encoder = new TextEncoder();
const encode = (text: string) => encoder.encode(text);
const snapshot = makeSnapshot({
  assignments: [
    { id: "n1", personId: "pA", shiftId: "night", date: "2026-11-30" }, // into December
    { id: "n2", personId: "pB", shiftId: "night", date: "2026-12-31" }, // into the next year
    { id: "d1", personId: "pB", shiftId: "day", date: "2026-12-15" },
    { id: "v1", personId: "pA", shiftId: "vac", date: "2026-10-20", endDate: "2027-01-10" }, // four months
    { id: "d2", personId: "pA", shiftId: "day", date: "2027-02-01", end: "23:59", endDate: "2027-02-03" },
  ],
});

describe("range pieces", () => {
  it("each range holds exactly the events touching it, each once, in the bytes of one fresh render", async () => {
    const t = await openService(T0);
    await publish(t, snapshot);
    const row = scheduleRow(t.sql, "acme", "icu")!;
    const state = await readState(t.sql, row.stateKey, webCodec);
    const all = expandSnapshot(state.snapshot);
    const ranges = [
      { from: "2026-10-01", to: "2026-10-31" },
      { from: "2026-12-01", to: "2026-12-31" },
      { from: "2027-01-01", to: "2027-01-31" },
      { from: "2027-01-01", to: "2027-03-31" },
      { from: "2026-11-01", to: "2027-10-31" },
      { from: "2027-02-01", to: "2027-02-28" },
    ];
    for (const range of ranges) {
      const head = {
        schedule: row,
        orgName: "Acme",
        range,
        refreshSeconds: 3600,
        sql: t.sql,
        codec: webCodec,
      };
      const body = JSON.parse(new TextDecoder().decode(await renderRange({ ...head, format: "json" })));
      const uids = (body.events as { uid: string }[]).map((e) => e.uid.split("@")[0]);
      const expected = windowEvents(all, state.history, range).map((e) => e.facts.assignmentId);
      expect(uids.sort(), `${range.from}…${range.to}`).toEqual(expected.sort());
      const ics = new TextDecoder().decode(await renderRange({ ...head, format: "ics" }));
      expect(ics.match(/BEGIN:VEVENT/g)?.length ?? 0).toBe(expected.length);
      expect(ics.includes("BEGIN:VTIMEZONE")).toBe(expected.some((id) => id !== "v1"));
    }
    // A piece rendered alone (as a later range needing only it renders it) is the same bytes as rendered with all.
    const ids = piecesOf({ from: "2026-10-01", to: "2027-03-31" });
    for (const format of ["json", "ics"] as const) {
      const together = renderPieces(state, format, ids, encode);
      ids.forEach((id, i) =>
        expect(renderPieces(state, format, [id], encode)[0], `${format} ${id}`).toEqual(together[i]),
      );
    }
    // Through the app (the in-process range source): the same bytes.
    const url = "https://x/partner/orgs/acme/schedules/icu.json?from=2026-11-01&to=2027-10-31";
    expect(piecesOf({ from: "2026-11-01", to: "2027-10-31" })).toHaveLength(13);
    const key = await t.service.createPartnerKey(
      { id: "pk_1", org: "acme", name: "x", burst: 10, perHour: 10 },
      `sfp_${"a".repeat(32)}`,
    );
    expect(key.org).toBe("acme");
    const answer = await t.app.fetch(
      new Request(url, { headers: { authorization: `Bearer sfp_${"a".repeat(32)}` } }),
    );
    expect(answer.status).toBe(200);
    const range = { from: "2026-11-01", to: "2027-10-31" };
    const fresh = await renderRange({
      schedule: row,
      orgName: "Acme Hospital",
      range,
      refreshSeconds: 3600,
      sql: t.sql,
      codec: webCodec,
      format: "json",
    });
    expect(new Uint8Array(await answer.arrayBuffer())).toEqual(fresh);
  });

  it("the cache renders each piece once, also for ranges asked at once that share months", async () => {
    const t = await openService(T0);
    await publish(t, snapshot);
    const row = scheduleRow(t.sql, "acme", "icu")!;
    const rendered: string[] = [];
    const inner = renderStoredPieces(t.sql, webCodec);
    const cache = new RangeCache({
      maxBytes: 1 << 20,
      render: (request: RangeRequest) => {
        rendered.push(...request.pieces);
        return inner(request);
      },
    });
    const ask = (from: string, to: string) =>
      cache.pieces({ stateKey: row.stateKey, format: "json", pieces: piecesOf({ from, to }) });
    await Promise.all([ask("2026-11-01", "2027-01-31"), ask("2026-12-01", "2027-02-28")]);
    await ask("2026-11-01", "2027-01-31");
    expect(rendered.sort()).toEqual(["2026-11", "2026-12", "2027-01", "2027-02", "<2026-11", "<2026-12"]);
    // Bounded in bytes: a cache smaller than a range keeps only its latest pieces, and renders the rest again.
    const small = new RangeCache({ maxBytes: 600, render: inner });
    const whole = {
      stateKey: row.stateKey,
      format: "ics" as const,
      pieces: piecesOf({ from: "2026-10-01", to: "2027-03-31" }),
    };
    const first = await small.pieces(whole);
    expect("pieces" in first && first.pieces.reduce((n, p) => n + p.bytes.byteLength, 0)).toBeGreaterThan(
      600,
    );
    expect(small.bytes).toBeGreaterThan(0);
    expect(small.bytes).toBeLessThanOrEqual(600);
    // Refused admission: nothing rendered, `busy`; cached pieces need no admission.
    const refusing = new RangeCache({ maxBytes: 1 << 20, render: inner, admit: () => null });
    expect(await refusing.pieces({ stateKey: row.stateKey, format: "json", pieces: ["2026-11"] })).toEqual({
      busy: true,
    });
  });
});
