// `/healthz` is unauthenticated: however often it is called, it makes at most one R2 check per minute per isolate
// (a listing of the organization registry is a Class A operation, paid per call). The Worker counts its own checks
// in `/metrics`, and every answer says when its check was made.
import { describe, expect, it } from "vitest";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, publish, setClock } from "./support.ts";

interface Health {
  ok: boolean;
  orgs: number;
  checkedAt: string;
  tz: { source: string; version: string; runtime: string };
}

async function checks(): Promise<number> {
  const metrics = await admin("GET", "/metrics");
  expect(metrics.status, metrics.text).toBe(200);
  const line = /^shiftfeed_healthz_storage_checks_total (\d+)$/m.exec(metrics.text);
  return line ? Number(line[1]) : 0;
}

describe("/healthz on Workers", () => {
  it("answers 60 calls, 20 of them at once, with one R2 check", async () => {
    await setClock("healthy", T0);
    expect((await publish(makeSnapshot({ organization: { id: "healthy", name: "H" } }))).status).toBe(200);
    const before = await checks();
    const first = await call("GET", "/healthz");
    expect(first.status, first.text).toBe(200);
    const health = first.json as Health;
    expect(health).toMatchObject({ ok: true, orgs: 1 });
    expect(Date.parse(health.checkedAt)).not.toBeNaN();
    // The tz data in use, as Node shows it: the runtime's own (`Intl`), which names no release in workerd.
    expect(health.tz).toEqual({ source: "icu", version: "unknown", runtime: "unknown" });
    expect((await admin("GET", "/metrics")).text).toContain(
      'shiftfeed_tz_data{source="icu",version="unknown",runtime="unknown"} 1\n',
    );
    const burst = await Promise.all(Array.from({ length: 20 }, () => call("GET", "/healthz")));
    const more = [];
    for (let i = 0; i < 39; i++) more.push(await call("GET", "/healthz"));
    for (const reply of [...burst, ...more]) {
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual(health);
    }
    // A new organization is not seen until the next check: these answers came from the first one.
    expect((await publish(makeSnapshot({ organization: { id: "other", name: "O" } }))).status).toBe(200);
    expect((await call("GET", "/healthz")).json).toEqual(health);
    expect((await checks()) - before).toBe(1);
  });
});
