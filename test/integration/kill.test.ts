/**
 * `SIGKILL` at a random moment of a publish and a forced regeneration, again and again, on the real process
 * (`node src/node/main.ts`): after every restart each feed is wholly the old or wholly the new revision —
 * its `ETag` is the digest of the bytes served and answers `304` to exactly that tag, a regeneration finds nothing
 * to change (every feed is exactly what its pieces and schedule say), and the published note is there exactly when
 * the new revision is. Every restart is clean: the database passes `integrity_check` before it, nothing is written
 * to stderr and no error is logged. Two serving and two render threads, as on this machine by default.
 * A few rounds by default; `SHIFTFEED_LONG_TESTS=1` runs 20.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { startMain, type MainProcess } from "../support/process.ts";
import { ADMIN_TOKEN, FEED_SECRET, raw } from "../support/server.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

const ROUNDS = LONG_TESTS ? 20 : 3;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Demo {
  revision: number;
  people: { id: string }[];
  assignments: { id: string; note?: string }[];
}

/** Starts the service on `dir` and resolves to it and its base URL. */
async function start(dir: string): Promise<{ main: MainProcess; url: string }> {
  const main = startMain({
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN,
    FEED_SECRET,
    SERVE_THREADS: "2",
    RENDER_THREADS: "2",
  });
  const [, url] = await main.waitFor(/listening on (http:\/\/\S+)/);
  return { main, url: url! };
}

/** W/"…" of identity bytes, as the service derives it. */
const etagOf = (bytes: Buffer) =>
  `W/"${createHash("sha256").update(bytes).digest().subarray(0, 16).toString("base64url")}"`;

async function job(
  url: string,
  body: object,
): Promise<{ state: string; updated: number; errors: unknown[] }> {
  const queued = await raw("POST", `${url}/admin/regenerate`, {
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(queued.status, queued.text).toBe(202);
  const id = (queued.json as { job: { id: string } }).job.id;
  for (;;) {
    const reply = (await raw("GET", `${url}/admin/jobs/${id}`, { headers: auth })).json as {
      state: string;
      updated: number;
      errors: unknown[];
    };
    if (reply.state === "succeeded" || reply.state === "failed") return reply;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("SIGKILL during publishes and regenerations", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it(
    `leaves every feed wholly old or wholly new, ${ROUNDS} rounds`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "shiftfeed-kill-"));
      dirs.push(dir);
      const demo = JSON.parse(
        await readFile(`${ROOT}fixtures/demo/stmarys--cardiology.json`, "utf8"),
      ) as Demo;
      let { main, url } = await start(dir); // loads the demo
      const outcomes: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const before = (await raw("GET", `${url}/admin/orgs/stmarys/schedules/cardiology`, { headers: auth }))
          .json as { revision: number };
        const note = `kill round ${round}`;
        const next = {
          ...demo,
          revision: before.revision + 1,
          assignments: demo.assignments.map((a) => ({ ...a, note })),
        };
        // A publish and a forced regeneration under way; the process dies at a random moment.
        const publishing = raw("PUT", `${url}/admin/orgs/stmarys/schedules/cardiology`, {
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify(next),
        }).catch(() => undefined);
        void raw("POST", `${url}/admin/regenerate`, {
          headers: { ...auth, "content-type": "application/json" },
          body: '{"force":true}',
        }).catch(() => undefined);
        // Odd rounds die at a random moment of the publish; even ones once it has answered, while the forced
        // regeneration (queued behind it) renders and commits.
        if (round % 2 === 0) await publishing;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
        expect(await main.stop("SIGKILL")).toBe("SIGKILL");
        const db = new DatabaseSync(join(dir, "shiftfeed.db"));
        expect(db.prepare("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
        db.close();

        ({ main, url } = await start(dir));
        expect(main.stderr()).toBe("");
        const after = (await raw("GET", `${url}/admin/orgs/stmarys/schedules/cardiology`, { headers: auth }))
          .json as { revision: number };
        expect([before.revision, before.revision + 1]).toContain(after.revision);
        const landed = after.revision === before.revision + 1;
        outcomes.push(landed ? "new" : "old");
        // Every feed: its ETag is the digest of the bytes it serves; the note is there exactly when it landed.
        for (const { id } of demo.people) {
          const view = (await raw("GET", `${url}/admin/orgs/stmarys/people/${id}`, { headers: auth }))
            .json as {
            feed: { url: string };
          };
          const feed = await raw("GET", url + new URL(view.feed.url).pathname);
          expect(feed.status).toBe(200);
          expect(feed.headers.etag, id).toBe(etagOf(feed.body));
          const again = await raw("GET", url + new URL(view.feed.url).pathname, {
            headers: { "if-none-match": feed.headers.etag! },
          });
          expect(again.status, id).toBe(304);
          if (feed.text.includes("Cardiology"))
            expect(feed.text.includes(note), `${id}: ${landed}`).toBe(landed);
        }
        // Nothing half-written: re-deriving every feed from what is stored changes none of them.
        const verified = await job(url, {});
        expect(verified).toMatchObject({ state: "succeeded", updated: 0, errors: [] });
        expect(main.stdout()).not.toMatch(/"level":"error"/);
      }
      await main.stop();
      console.log(`kill rounds: ${outcomes.join(", ")}`);
    },
    60_000 + ROUNDS * 20_000,
  );
});
