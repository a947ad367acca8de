// An organization's storage written by a newer schema than the running Worker reads — what a rollback of the
// Worker (`wrangler rollback`) after an upgrade that migrated it leaves: the storage is left untouched, every admin
// call for the organization answers 503 naming both versions with Retry-After, pages and searches answer 503 too
// (a page without any detail), one log line says why; its feeds keep serving from R2, byte for byte; and once the
// storage is readable again (the newer version deployed), everything answers as before.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../../src/core/store/schema.ts";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, feedPathOf, logLines, orgObject, publish, setClock } from "./support.ts";

const ORG = "rolledback";

/** Sets the organization's recorded schema version and drops its built instance. */
async function schemaVersion(version: string): Promise<void> {
  await runInDurableObject(orgObject(ORG), (_object, state) => {
    durableObjectSql(state.storage).run("UPDATE meta SET value = ? WHERE key = 'schema'", version);
  });
  await evictDurableObject(orgObject(ORG));
}

describe("storage of a newer schema (a rolled-back Worker)", () => {
  it("is refused with 503 naming both versions, feeds keep serving, and it answers again once readable", async () => {
    await setClock(ORG, T0);
    expect((await publish(makeSnapshot({ organization: { id: ORG, name: "Rolled Back" } }))).status).toBe(
      200,
    );
    const feed = await feedPathOf(ORG, "pA");
    const page = feed.replace("/feeds/", "/subscribe/").replace(/\.ics$/, "");
    const before = await call("GET", feed);
    expect(before.status).toBe(200);

    const newer = String(SCHEMA_VERSION + 1);
    await schemaVersion(newer);
    const lines = await logLines(async () => {
      const lookup = await admin("GET", `/admin/orgs/${ORG}/people/pA`);
      expect(lookup.status).toBe(503);
      expect(lookup.headers.get("retry-after")).toBe("60");
      const { error } = lookup.json as { error: { code: string; message: string } };
      expect(error.code).toBe("unavailable");
      expect(error.message).toContain(
        `schema version ${newer}; this shiftfeed reads version ${SCHEMA_VERSION}`,
      );
      expect(error.message).toContain("Its feeds keep serving");
      // A publish changes nothing either.
      const put = await publish(
        makeSnapshot({ organization: { id: ORG, name: "Rolled Back" }, revision: 2 }),
      );
      expect(put.status).toBe(503);

      const shown = await call("GET", page);
      expect(shown.status).toBe(503);
      expect(shown.text).not.toContain("schema");
      expect(shown.text).not.toContain(ORG);
      for (const path of ["/admin/search?q=ada", "/admin/traffic"]) {
        const reply = await admin("GET", path);
        expect(reply.status, path).toBe(503);
        expect(reply.text, path).toContain(`Organization ${ORG} cannot answer right now`);
      }
    });
    const events = lines.map((line) => line["event"]);
    expect(events).toContain("schema_unreadable");
    expect(events).not.toContain("unhandled");
    for (const line of lines) expect(Number(line["status"] ?? 0), JSON.stringify(line)).not.toBe(500);

    // The feed is served from R2 as it was: no calendar goes empty.
    const during = await call("GET", feed);
    expect(during.status).toBe(200);
    expect(during.text).toBe(before.text);
    expect(during.headers.get("etag")).toBe(before.headers.get("etag"));
    // The storage was not touched.
    await runInDurableObject(orgObject(ORG), (_object, state) => {
      const row = durableObjectSql(state.storage).all("SELECT value FROM meta WHERE key = 'schema'")[0];
      expect(row?.["value"]).toBe(newer);
    });

    await schemaVersion(String(SCHEMA_VERSION));
    expect((await admin("GET", `/admin/orgs/${ORG}/people/pA`)).status).toBe(200);
    expect((await call("GET", page)).status).toBe(200);
  });
});
