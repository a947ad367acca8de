// Every golden case published to the Worker in workerd, through its handlers, with each organization's clock at
// the case's moments: every feed served from the edge is byte for byte its golden file (the bytes Node renders,
// test/render/golden.test.ts), with the ETag those bytes give, and no feed is missing or extra. Run by
// `golden.test.ts` (the default batch size) and by `golden-fan-out.test.ts` (three people per batch, so the
// batched publish path is held to the same bytes).
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../../src/core/digest.ts";
import { entityTag } from "../../../src/core/publish/feed-bytes.ts";
import { RENDER_CASES } from "../../support/golden-cases.ts";
import { admin, call, orgObject, setClock, settle } from "./support.ts";

// Vite reads the files at build time (workerd has no file system); the options must be written out here.
const snapshots: Record<string, string> = import.meta.glob("../../../fixtures/{demo,render,matrix}/*.json", {
  query: "?raw",
  import: "default",
  eager: true,
});
const golden: Record<string, string> = import.meta.glob("../../../fixtures/golden/**/*.ics", {
  query: "?raw",
  import: "default",
  eager: true,
});
const encoder = new TextEncoder();

/** One test per golden case, named with `label`. */
export function describeGoldenCases(label: string): void {
  describe.each(RENDER_CASES.map((c) => [c.name, c] as const))(
    `golden case %s in workerd, ${label}`,
    (name, c) => {
      it("serves every feed byte for byte as its golden file, with its ETag", async () => {
        const orgs = new Set<string>();
        for (const step of c.steps) {
          const text = snapshots[`../../../${step.file}`]!;
          const { organization, schedule } = JSON.parse(text) as {
            organization: { id: string };
            schedule: { id: string };
          };
          orgs.add(organization.id);
          await setClock(organization.id, Date.parse(step.at));
          const reply = await admin("PUT", `/admin/orgs/${organization.id}/schedules/${schedule.id}`, text, {
            "content-type": "application/json",
          });
          expect([200, 202], reply.text).toContain(reply.status);
          await settle(organization.id);
        }
        for (const org of orgs) {
          await setClock(org, Date.parse(c.readAt));
          await orgObject(org).roll();
          await settle(org);
        }

        const prefix = `../../../fixtures/golden/${name}/`;
        const files = Object.keys(golden).filter((k) => k.startsWith(prefix));
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          const [, org, kind, id] = /^(.+?)--(person|schedule)-(.+)\.ics$/.exec(file.slice(prefix.length))!;
          const lookup = await admin(
            "GET",
            `/admin/orgs/${org}/${kind === "person" ? "people" : "schedules"}/${id}`,
          );
          expect(lookup.status, lookup.text).toBe(200);
          const path = new URL((lookup.json as { feed: { url: string } }).feed.url).pathname;
          const feed = await call("GET", path);
          const want = encoder.encode(golden[file]!);
          expect(feed.text, `${name}/${file.slice(prefix.length)}`).toBe(golden[file]);
          expect(feed.bytes).toEqual(want);
          expect(feed.headers.get("etag")).toBe(entityTag(await sha256(want)));
        }
        let live = 0;
        for (const org of orgs) {
          live += await runInDurableObject(orgObject(org), (_o, state) =>
            Number(state.storage.sql.exec("SELECT count(*) AS n FROM feeds").one()["n"]),
          );
        }
        expect(live).toBe(files.length);
      });
    },
  );
}
