/**
 * The host's tz data on the real Node server: with `TZDIR` naming a compiled zoneinfo (written here with `zic` from
 * the system's `tzdata.zi`) whose release is newer than the runtime's, feeds are rendered from it, and the start-up
 * check follows *that* source. The directory is then upgraded in place, as a `tzdata` package upgrade does: first
 * a new release with the same rules (re-rendered, same bytes, validators kept), then one where New York stays on
 * -04 from 2026-11-22 — exactly New York's feeds are rendered again (libical, reading the feed's own VTIMEZONE,
 * sees the new instant), Berlin's keep their bytes and validators. `/healthz` and `/metrics` follow each release.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readWithLibical, skipWithout } from "../support/parsers.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const RUNTIME = process.versions.tz ?? "unknown";
const SYSTEM_SOURCE = readFileSync("/usr/share/zoneinfo/tzdata.zi", "utf8");
const ZIC = ["/usr/sbin/zic", "/usr/bin/zic"].find((p) => {
  try {
    execFileSync(p, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
/** New York's last zone line, and the same zone staying on -04 from 2026-11-22 00:00 UTC. */
const NEW_YORK_NOW =
  "Z America/New_York -4:56:2 - LMT 1883 N 18 17u\n-5 u E%sT 1920\n-5 NY E%sT 1942\n-5 u E%sT 1946\n-5 NY E%sT 1967\n-5 u E%sT\n";
const NEW_YORK_MOVED = NEW_YORK_NOW.replace(/-5 u E%sT\n$/, "-5 u E%sT 2026 N 22 0u\n-4 - EDT\n");

const work = mkdtempSync(join(tmpdir(), "shiftfeed-tzdir-"));
const TZDIR = join(work, "zoneinfo");

/** Compiles `source` into TZDIR (replacing what was there) and writes its `tzdata.zi` with `version`. */
function installTzdata(version: string, source: string): void {
  const file = join(work, "tzdata.zi");
  const body = source.replace(/^# version .*\n/, "");
  writeFileSync(file, `# version ${version}\n${body}`);
  rmSync(TZDIR, { recursive: true, force: true });
  execFileSync(ZIC!, ["-d", TZDIR, file]);
  writeFileSync(join(TZDIR, "tzdata.zi"), `# version ${version}\n${body}`);
}

const events = (h: Harness, event: string) =>
  h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l["event"] === event);

async function waitFor(h: Harness, event: string, count: number): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 1200 && events(h, event).length < count; i++)
    await new Promise((r) => setTimeout(r, 25));
  const found = events(h, event);
  expect(found.length, `${event} logged ${count} times`).toBe(count);
  return found;
}

const berlin = makeSnapshot({
  schedule: { id: "er", name: "Emergency", timezone: "Europe/Berlin" },
  people: [
    { id: "pC", name: "Dr. Cy Carter" },
    { id: "pD", name: "Dr. Di Dean" },
  ],
  assignments: [
    { id: "b1", personId: "pC", shiftId: "day", date: "2026-11-25" },
    { id: "b2", personId: "pD", shiftId: "night", date: "2026-11-26" },
  ],
});

describe.skipIf(skipWithout("a host zoneinfo upgrade (zic, libical)", ["python3", "libical"]) || !ZIC)(
  "the host's zoneinfo as the tz data source",
  () => {
    let h: Harness | undefined;
    afterAll(async () => {
      await h?.close();
      rmSync(work, { recursive: true, force: true });
    });

    const fetchAll = async () => {
      const out: Record<string, { etag: string | undefined; text: string }> = {};
      for (const [org, person] of [
        ["acme", "pA"],
        ["acme", "pB"],
        ["acme", "pC"],
        ["acme", "pD"],
      ] as const) {
        const reply = await h!.feed(await h!.feedPathOf(org, person));
        expect(reply.status).toBe(200);
        out[person] = { etag: reply.etag, text: reply.text };
      }
      return out;
    };
    const health = async () => ((await h!.admin("GET", "/healthz")).json as { tz: unknown }).tz;

    it("renders from TZDIR when its release is newer, and re-renders exactly the zones an upgrade moved", async () => {
      installTzdata("2099a", SYSTEM_SOURCE);
      h = await startHarness({ env: { TZDIR } });
      expect(await health()).toEqual({ source: "system", version: "2099a", runtime: RUNTIME });
      expect((await h.publish(makeSnapshot())).status).toBe(200);
      expect((await h.publish(berlin)).status).toBe(200);
      const first = await fetchAll();

      // A new release with the same rules: the zones are fingerprinted and rendered again, the same bytes.
      installTzdata("2099b", SYSTEM_SOURCE);
      await h.restart();
      const [unchanged] = await waitFor(h, "tz_rules_check", 1);
      expect(unchanged).toMatchObject({
        from: "system:2099a",
        to: "system:2099b",
        moved: [],
        unrecorded: ["America/New_York", "Europe/Berlin"],
      });
      expect((await waitFor(h, "tz_rules_rerendered", 1))[0]).toMatchObject({ feedsUpdated: 0 });
      expect(await fetchAll()).toEqual(first);

      // New York's rules change in the next release.
      installTzdata("2099c", SYSTEM_SOURCE.replace(NEW_YORK_NOW, NEW_YORK_MOVED));
      await h.restart();
      const [, moved] = await waitFor(h, "tz_rules_check", 2); // the log keeps every start's lines
      expect(moved).toMatchObject({
        from: "system:2099b",
        to: "system:2099c",
        moved: ["America/New_York"],
        unrecorded: [],
      });
      const [, done] = await waitFor(h, "tz_rules_rerendered", 2);
      expect(done!).toMatchObject({ zones: ["America/New_York"] });
      expect(done!["feedsUpdated"]).toBeGreaterThanOrEqual(3); // pA, pB and the schedule feed
      const after = await fetchAll();
      for (const person of ["pA", "pB"]) {
        expect(after[person]!.etag).not.toBe(first[person]!.etag);
        expect(after[person]!.text).not.toBe(first[person]!.text);
      }
      for (const person of ["pC", "pD"]) expect(after[person]).toEqual(first[person]);
      // 07:00 on 11-25 in New York is now 11:00Z (-04), read through the feed's own VTIMEZONE.
      const a1 = (await readWithLibical(after["pA"]!.text)).find((e) => e.uid.startsWith("a1@"));
      expect(a1?.start).toBe("2026-11-25T11:00:00Z");
      const a1Before = (await readWithLibical(first["pA"]!.text)).find((e) => e.uid.startsWith("a1@"));
      expect(a1Before?.start).toBe("2026-11-25T12:00:00Z");

      expect(await health()).toEqual({ source: "system", version: "2099c", runtime: RUNTIME });
      const metrics = (await h.admin("GET", "/metrics")).text;
      expect(metrics).toContain(`shiftfeed_tz_data{source="system",version="2099c",runtime="${RUNTIME}"} 1`);
    }, 180_000);

    it("a TZDIR older than the runtime's release is not used: the runtime's own data renders", async () => {
      installTzdata("2001a", SYSTEM_SOURCE);
      await h?.close();
      h = await startHarness({ env: { TZDIR } });
      expect(await health()).toEqual({ source: "icu", version: RUNTIME, runtime: RUNTIME });
      expect(events(h, "tz_data")[0]).toMatchObject({ source: "icu", system: "2001a", dir: TZDIR });
    });

    it("a TZDIR with no tz release in it: one warning naming TZDIR, and the runtime's own data renders", async () => {
      await h?.close();
      h = await startHarness({ env: { TZDIR: join(work, "missing") } });
      expect(await health()).toEqual({ source: "icu", version: RUNTIME, runtime: RUNTIME });
      expect(events(h, "tzdir_unreadable")).toEqual([
        expect.objectContaining({ level: "warn", setting: "TZDIR", dir: join(work, "missing") }),
      ]);
      expect((await h.publish(makeSnapshot())).status).toBe(200);
    });
  },
);
