/**
 * The telemetry writer: notes are written every interval, sooner once many are held, and at close — never lost
 * between, and never written once per request.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ensureSchema } from "../../src/core/store/schema.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { startTelemetryWriter } from "../../src/node/telemetry-writer.ts";

const T = Date.UTC(2026, 11, 7, 12);
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(options: { intervalMs?: number; maxPending?: number }) {
  const sql = openNodeSqlite({ path: ":memory:" });
  ensureSchema(sql);
  const writer = startTelemetryWriter({ sql, clock: () => T, logger, ...options });
  const stored = () => sql.all("SELECT feed FROM fetch_last ORDER BY feed").map((r) => r["feed"]);
  return { writer, stored };
}

describe("startTelemetryWriter", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] }));
  afterEach(() => vi.useRealTimers());

  it("writes what gathered once per interval, not before, and the rest at close", () => {
    const { writer, stored } = setup({ intervalMs: 30_000 });
    writer.fetchLog.record("acme/person/p1", "apple", "iOS/18.1 dataaccessd/1.0", 304, T);
    vi.advanceTimersByTime(29_000);
    expect(stored()).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(stored()).toEqual(["person/p1"]);
    writer.fetchLog.record("acme/person/p2", "apple", "iOS/18.1 dataaccessd/1.0", 304, T);
    writer.close();
    expect(stored()).toEqual(["person/p1", "person/p2"]);
  });

  it("writes early, at the next check, once more notes than allowed are held", () => {
    const { writer, stored } = setup({ intervalMs: 30_000, maxPending: 3 });
    for (const p of ["p1", "p2"]) writer.fetchLog.record(`acme/person/${p}`, "google", null, 200, T);
    vi.advanceTimersByTime(5_000);
    expect(stored()).toEqual([]);
    writer.fetchLog.record("acme/person/p3", "google", null, 200, T);
    expect(writer.fetchLog.pending).toBe(3);
    vi.advanceTimersByTime(1_000);
    expect(stored()).toEqual(["person/p1", "person/p2", "person/p3"]);
    expect(writer.fetchLog.pending).toBe(0);
    writer.close();
  });
});
