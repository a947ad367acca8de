/**
 * The filesystem store: the shared conformance suite on a real temp folder, then crash safety with a
 * fault-injecting fs shim (TEST-CHECKLIST D.27, D.28, D.30, D.33).
 */
import * as nodeFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFsStore, TEMP_SUFFIX, type FsPromises } from "../../src/store/fs.ts";
import { INVALID_KEYS, testBlobStore } from "./blob-store-conformance.ts";

const made: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await nodeFs.mkdtemp(join(tmpdir(), "shiftfeed-fs-store-"));
  made.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(made.map((dir) => nodeFs.rm(dir, { recursive: true, force: true })));
});

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const realFs = nodeFs as FsPromises;

interface Call {
  op: "open" | "write" | "sync" | "close" | "rename" | "unlink" | "readFile" | "readdir" | "mkdir";
  path: string;
  flags?: string;
}
/** What a fault does: throw with `code`, or (`half`) write half the bytes first. */
type Fault = { code: string; half?: boolean } | undefined;

/**
 * Wraps the real fs, recording every call. `faultAt` may fail one call; with `crash`, every later call fails
 * too, as if the process died there (so no cleanup runs and the temp file stays on disk).
 */
function createShimFs(faultAt: (call: Call, log: readonly Call[]) => Fault = () => undefined, crash = true) {
  const calls: Call[] = [];
  let dead = false;
  let fired = false;
  const openTemps = new Map<string, number>();
  let maxOpenPerTemp = 0;
  const enter = (call: Call): Fault => {
    if (dead) throw Object.assign(new Error("process is dead"), { code: "ECRASHED" });
    const fault = fired ? undefined : faultAt(call, calls);
    calls.push(call);
    if (fault) {
      fired = true;
      dead = crash;
      if (!fault.half)
        throw Object.assign(new Error(`injected ${fault.code} at ${call.op}`), { code: fault.code });
    }
    return fault;
  };
  const fs: FsPromises = {
    async open(path, flags) {
      enter({ op: "open", path, flags });
      const handle = await realFs.open(path, flags);
      if (flags === "w") {
        const open = (openTemps.get(path) ?? 0) + 1;
        openTemps.set(path, open);
        maxOpenPerTemp = Math.max(maxOpenPerTemp, open);
      }
      return {
        async write(buffer, offset, length, position) {
          const fault = enter({ op: "write", path, flags });
          if (fault?.half) {
            await handle.write(buffer, offset, Math.floor(length / 2), position);
            throw Object.assign(new Error(`injected ${fault.code} mid-write`), { code: fault.code });
          }
          return handle.write(buffer, offset, length, position);
        },
        async sync() {
          enter({ op: "sync", path, flags });
          return handle.sync();
        },
        async close() {
          if (flags === "w") openTemps.set(path, (openTemps.get(path) ?? 1) - 1);
          try {
            enter({ op: "close", path, flags });
          } finally {
            await handle.close(); // the kernel closes a dead process's files too
          }
        },
      };
    },
    async rename(from, to) {
      enter({ op: "rename", path: from });
      return realFs.rename(from, to);
    },
    async unlink(path) {
      enter({ op: "unlink", path });
      return realFs.unlink(path);
    },
    async readFile(path) {
      enter({ op: "readFile", path });
      return realFs.readFile(path);
    },
    async readdir(path, options) {
      enter({ op: "readdir", path });
      return realFs.readdir(path, options);
    },
    async mkdir(path) {
      enter({ op: "mkdir", path });
      return realFs.mkdir(path);
    },
  };
  return { fs, calls, maxOpenPerTemp: () => maxOpenPerTemp };
}

const isTemp = (call: Call): boolean => call.path.endsWith(TEMP_SUFFIX);
const isDirSync = (call: Call): boolean => call.op === "sync" && call.flags === "r";

testBlobStore("fs", async () => createFsStore({ dir: await freshDir() }));

describe("fs store: put sequence", () => {
  it("writes the temp, fsyncs it, renames it over the key, then fsyncs the folder", async () => {
    const dir = await freshDir();
    const shim = createShimFs();
    const store = await createFsStore({ dir, fs: shim.fs });
    await store.put("feeds/ab/x.ics.gz", text("v1"));
    shim.calls.length = 0;
    await store.put("feeds/ab/x.ics.gz", text("v2"));
    const final = join(dir, "feeds", "ab", "x.ics.gz");
    expect(
      shim.calls.map((c) => `${c.op} ${c.path.slice(dir.length)}${c.flags ? ` ${c.flags}` : ""}`),
    ).toEqual([
      `open /feeds/ab/x.ics.gz${TEMP_SUFFIX} w`,
      `write /feeds/ab/x.ics.gz${TEMP_SUFFIX} w`,
      `sync /feeds/ab/x.ics.gz${TEMP_SUFFIX} w`,
      `close /feeds/ab/x.ics.gz${TEMP_SUFFIX} w`,
      `rename /feeds/ab/x.ics.gz${TEMP_SUFFIX}`,
      "open /feeds/ab r",
      "sync /feeds/ab r",
      "close /feeds/ab r",
    ]);
    expect(await nodeFs.readFile(final, "utf8")).toBe("v2");
  });

  it("creates new folders and fsyncs the folder that gained each new entry", async () => {
    const dir = await freshDir();
    const shim = createShimFs();
    const store = await createFsStore({ dir, fs: shim.fs });
    await store.put("feeds/ab/x", text("v"));
    const synced = shim.calls.filter(isDirSync).map((c) => c.path.slice(dir.length) || "/");
    expect(synced).toEqual(["/", "/feeds", "/feeds/ab"]);
  });

  it("never lets two puts to one key share its temp file", async () => {
    const shim = createShimFs();
    const store = await createFsStore({ dir: await freshDir(), fs: shim.fs });
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.put("manifests/org", text(`v${i}`))));
    expect(shim.maxOpenPerTemp()).toBe(1);
    expect(await store.get("manifests/org")).toEqual(text("v29"));
  });
});

describe("fs store: crash safety (D.27, D.28)", () => {
  const OLD = text("old manifest, revision 6 ".repeat(100));
  const NEW = text("new manifest, revision 7 ".repeat(120));
  const KEY = "manifests/org-1.json";
  const livePath = (dir: string): string => join(dir, "manifests", "org-1.json");

  const cases: { name: string; fault: (call: Call, log: readonly Call[]) => Fault; renamed: boolean }[] = [
    {
      name: "ENOSPC at the write",
      fault: (c) => (c.op === "write" ? { code: "ENOSPC" } : undefined),
      renamed: false,
    },
    {
      name: "a write that lands half its bytes, then fails",
      fault: (c) => (c.op === "write" ? { code: "EIO", half: true } : undefined),
      renamed: false,
    },
    {
      name: "a failure at the file fsync",
      fault: (c) => (c.op === "sync" && isTemp(c) ? { code: "EIO" } : undefined),
      renamed: false,
    },
    {
      name: "a crash between the fsync and the rename",
      fault: (c) => (c.op === "rename" ? { code: "ECRASH" } : undefined),
      renamed: false,
    },
    {
      name: "a crash at the folder fsync after the rename",
      fault: (c, log) => (isDirSync(c) && log.some((l) => l.op === "rename") ? { code: "EIO" } : undefined),
      renamed: true,
    },
  ];

  for (const { name, fault, renamed } of cases) {
    it(`${name}: the key holds a whole value, the leftover is ignored, then cleaned at startup`, async () => {
      const dir = await freshDir();
      const observer = await createFsStore({ dir });
      await observer.put(KEY, OLD);

      const shim = createShimFs(fault);
      const crashing = await createFsStore({ dir, fs: shim.fs });
      await expect(crashing.put(KEY, NEW)).rejects.toThrow(/injected/);

      // Before any restart: the live name holds a whole value (the new one only once the rename happened),
      // and another store on the same folder ignores the leftover temp file.
      const expected = renamed ? NEW : OLD;
      expect(new Uint8Array(await nodeFs.readFile(livePath(dir)))).toEqual(expected);
      const leftovers = (await nodeFs.readdir(join(dir, "manifests"))).filter((n) => n.endsWith(TEMP_SUFFIX));
      expect(leftovers).toHaveLength(renamed ? 0 : 1);
      expect(await observer.get(KEY)).toEqual(expected);
      expect(await observer.list("")).toEqual([KEY]);

      const restarted = await createFsStore({ dir });
      expect(restarted.removedTempFiles).toBe(renamed ? 0 : 1);
      expect(await restarted.get(KEY)).toEqual(expected);
      expect(await restarted.list("")).toEqual([KEY]);
      expect(await nodeFs.readdir(join(dir, "manifests"))).toEqual(["org-1.json"]);
    });
  }

  it("a leftover temp file is invisible to get and list before the restart removes it", async () => {
    const dir = await freshDir();
    const store = await createFsStore({ dir });
    await store.put(KEY, OLD);
    await nodeFs.writeFile(livePath(dir) + TEMP_SUFFIX, NEW.subarray(0, 10));
    await nodeFs.writeFile(join(dir, "orphan" + TEMP_SUFFIX), NEW);
    expect(await store.get(KEY)).toEqual(OLD);
    expect(await store.list("")).toEqual([KEY]);
    expect(await store.list("manifests/org-1.json")).toEqual([KEY]);
    await expect(store.get("orphan" + TEMP_SUFFIX)).rejects.toThrow(TypeError);
    expect((await createFsStore({ dir })).removedTempFiles).toBe(2);
  });

  it("ENOSPC on a live process removes its own partial temp file at once", async () => {
    const dir = await freshDir();
    await (await createFsStore({ dir })).put(KEY, OLD);
    const shim = createShimFs((c) => (c.op === "write" ? { code: "ENOSPC", half: true } : undefined), false);
    const store = await createFsStore({ dir, fs: shim.fs });
    await expect(store.put(KEY, NEW)).rejects.toMatchObject({ code: "ENOSPC" });
    expect(await store.get(KEY)).toEqual(OLD);
    expect(await nodeFs.readdir(join(dir, "manifests"))).toEqual(["org-1.json"]);
    await store.put(KEY, NEW); // a retry reaches the intended state
    expect(await store.get(KEY)).toEqual(NEW);
  });

  it("startup removes only temp files: a key named `*.tmp` survives", async () => {
    const dir = await freshDir();
    const store = await createFsStore({ dir });
    await store.put("state/a.tmp", text("a real key"));
    await nodeFs.writeFile(join(dir, "state", "b" + TEMP_SUFFIX), "leftover");
    const restarted = await createFsStore({ dir });
    expect(restarted.removedTempFiles).toBe(1);
    expect(await restarted.list("state/")).toEqual(["state/a.tmp"]);
  });
});

describe("fs store: security and read failures", () => {
  it("rejects traversal and invalid keys before touching the filesystem", async () => {
    const shim = createShimFs();
    const store = await createFsStore({ dir: await freshDir(), fs: shim.fs });
    shim.calls.length = 0;
    for (const key of [...INVALID_KEYS, "../../etc/passwd", "feeds/../../x"]) {
      await expect(store.get(key)).rejects.toThrow(TypeError);
      await expect(store.put(key, text("x"))).rejects.toThrow(TypeError);
      await expect(store.delete(key)).rejects.toThrow(TypeError);
    }
    for (const prefix of ["../", "..//", "/etc/", "a/../", "./", "%2e%2e/", "a\\b/"]) {
      expect(await store.list(prefix)).toEqual([]);
    }
    expect(shim.calls).toEqual([]);
  });

  it("propagates EIO from a read instead of reporting a miss (D.30)", async () => {
    const dir = await freshDir();
    await (await createFsStore({ dir })).put("feeds/ab/x", text("v"));
    for (const op of ["readFile", "readdir"] as const) {
      let armed = false;
      const shim = createShimFs((c) => (armed && c.op === op ? { code: "EIO" } : undefined), false);
      const store = await createFsStore({ dir, fs: shim.fs });
      armed = true;
      if (op === "readFile") await expect(store.get("feeds/ab/x")).rejects.toMatchObject({ code: "EIO" });
      else await expect(store.list("feeds/")).rejects.toMatchObject({ code: "EIO" });
    }
  });

  it("a key that is a folder, or sits under a file, is a miss; a put that conflicts fails cleanly", async () => {
    const store = await createFsStore({ dir: await freshDir() });
    await store.put("a/b", text("ab"));
    await store.put("f", text("f"));
    expect(await store.get("a")).toBeNull();
    expect(await store.get("f/g")).toBeNull();
    await expect(store.delete("a")).resolves.toBeUndefined();
    await expect(store.delete("f/g")).resolves.toBeUndefined();
    await expect(store.put("f/g", text("x"))).rejects.toThrow();
    expect(await store.get("f")).toEqual(text("f"));
    expect(await store.list("")).toEqual(["a/b", "f"]);
  });
});

describe("fs store: durability and sharding", () => {
  it("a value survives a restart byte for byte", async () => {
    const dir = await freshDir();
    const value = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    await (await createFsStore({ dir })).put("feeds/0f/person.ics.gz", value);
    const restarted = await createFsStore({ dir });
    expect(restarted.removedTempFiles).toBe(0);
    expect(await restarted.get("feeds/0f/person.ics.gz")).toEqual(value);
  });

  it(
    "5,000 sharded keys leave no folder with more than 4,096 entries (D.33)",
    { timeout: 120_000 },
    async () => {
      const dir = await freshDir();
      const store = await createFsStore({ dir });
      const keys = Array.from({ length: 5000 }, (_, i) => {
        const hash = ((i * 2654435761) >>> 0).toString(16).padStart(8, "0");
        return `feeds/${hash.slice(-2)}/${hash}-${i}.ics.gz`;
      });
      for (let i = 0; i < keys.length; i += 250) {
        await Promise.all(keys.slice(i, i + 250).map((key) => store.put(key, text(key))));
      }
      const counts: number[] = [];
      const count = async (folder: string): Promise<void> => {
        const entries = await nodeFs.readdir(folder, { withFileTypes: true });
        counts.push(entries.length);
        await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => count(join(folder, e.name))));
      };
      await count(dir);
      expect(Math.max(...counts)).toBeLessThanOrEqual(4096);
      expect((await nodeFs.readdir(join(dir, "feeds"))).length).toBe(256);
      expect(await store.list("feeds/")).toHaveLength(5000);
    },
  );
});
