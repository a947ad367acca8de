/**
 * `shiftfeed validate` applies the server's snapshot size limit (`MAX_SNAPSHOT_BYTES`, the same setting and the
 * same words as the server's `413`): a file the server refuses as too large is never called valid.
 */
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_SNAPSHOT_BYTES } from "../../src/core/config.ts";
import { runCli } from "../support/cli-process.ts";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const LIMIT = 4096;

/** A valid snapshot of exactly `bytes` bytes (JSON allows trailing white space). */
const snapshotOf = (bytes: number, revision: number) => {
  const json = JSON.stringify(makeSnapshot({ revision }));
  return json + " ".repeat(bytes - Buffer.byteLength(json));
};

describe("shiftfeed validate and the snapshot size limit", () => {
  let h: Harness;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "1", MAX_SNAPSHOT_BYTES: String(LIMIT) } });
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-limit-"));
    env = { SHIFTFEED_URL: h.url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN, MAX_SNAPSHOT_BYTES: String(LIMIT) };
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a file over MAX_SNAPSHOT_BYTES in the words of the server's 413, and passes one at the limit", async () => {
    const over = join(dir, "over.json");
    await writeFile(over, snapshotOf(LIMIT + 1, 1));
    const validated = await runCli(["validate", over], env);
    expect(validated.code).toBe(1);
    // The server's own answer to those bytes; `publish` refuses the file by its size without sending it.
    const put = await h.admin("PUT", "/admin/orgs/acme/schedules/icu", snapshotOf(LIMIT + 1, 1), {
      "content-type": "application/json",
    });
    expect(put.status).toBe(413);
    const served = (put.json as { error: { message: string } }).error.message;
    expect(served).toBe(`The body is larger than the limit of ${LIMIT} bytes.`);
    const published = await runCli(["publish", over], env);
    expect(published.code).toBe(1);
    expect(published.stderr.trim()).toBe(
      `shiftfeed: ${over} has ${LIMIT + 1} bytes, over the limit of ${LIMIT} bytes (MAX_SNAPSHOT_BYTES): the ` +
        "server refuses it with 413, so it was not sent",
    );
    expect(validated.stdout.split("\n")[0]).toBe(`${over}: ${served}`);
    expect(validated.stdout).toContain(`the file has ${LIMIT + 1} bytes`);
    const json = await runCli(["validate", over, "--json"], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      code: "payload_too_large",
      message: served,
      bytes: LIMIT + 1,
      limit: LIMIT,
    });

    const at = join(dir, "at.json");
    await writeFile(at, snapshotOf(LIMIT, 1));
    const ok = await runCli(["validate", at], env);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain("valid — acme/icu revision 1");
    expect((await runCli(["publish", at], env)).code).toBe(0);
  });

  it("uses the server's default limit when MAX_SNAPSHOT_BYTES is not set, and names a bad setting", async () => {
    // A sparse file just over 64 MiB: refused by its size alone, never read.
    const big = join(dir, "big.json");
    await writeFile(big, "");
    await truncate(big, DEFAULT_MAX_SNAPSHOT_BYTES + 1);
    const run = await runCli(["validate", big]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`The body is larger than the limit of ${DEFAULT_MAX_SNAPSHOT_BYTES} bytes.`);
    const bad = await runCli(["validate", big], { MAX_SNAPSHOT_BYTES: "lots" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("`MAX_SNAPSHOT_BYTES` must be a whole number");
  });
});
