/**
 * Real file-system faults for the real server: `faultfs/faultfs.c`, compiled once per content into the temp dir
 * and loaded with `LD_PRELOAD` into `node src/node/main.ts`, makes chosen writes or fsyncs of the database fail
 * with a real errno (ENOSPC, EIO, EROFS) — what SQLite sees on a full disk, a failing device, or a file system
 * remounted read-only. Needs a C compiler (Debian `gcc`, `libc6-dev`); without one the tests skip visibly (and fail
 * under `CI`, where `.ci/run` installs it).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./render-cases.ts";
import { skipVisibly } from "./parsers.ts";

const SOURCE = `${ROOT}test/support/faultfs/faultfs.c`;

/** The compiled shim's path, or `null` (after a visible skip message) when there is no C compiler. */
export function faultfsLibrary(): string | null {
  const source = readFileSync(SOURCE);
  const out = join(
    tmpdir(),
    `shiftfeed-faultfs-${createHash("sha256").update(source).digest("hex").slice(0, 12)}.so`,
  );
  if (existsSync(out)) return out;
  const built = spawnSync("cc", ["-shared", "-fPIC", "-O2", "-o", out, SOURCE, "-ldl"], { encoding: "utf8" });
  if (built.status === 0) return out;
  if (built.error === undefined) throw new Error(`faultfs.c does not compile:\n${built.stderr}`);
  skipVisibly(
    "the file-system fault tests: Debian packages gcc, libc6-dev are not installed (CI installs them via .ci/run)",
  );
  return null;
}

/** Which calls fail: every `count`-th … see faultfs.c. */
export interface FaultSpec {
  errno: "ENOSPC" | "EIO" | "EROFS";
  /** `write` (write, pwrite, …), `sync` (fsync, fdatasync) or `any`. */
  op: "write" | "sync" | "any";
  /** Calls on files whose path contains this fail (the database file, its WAL). */
  match: string;
  /** Matching calls let through first (0: the very next one fails). */
  skip: number;
  /** How many fail after them; -1: every one. */
  count: number;
}

/** Arms, disarms and reads one server's shim through its control file. */
export class FaultControl {
  readonly file: string;
  #version = 0;

  constructor(dir: string) {
    this.file = join(dir, "faultfs.control");
    this.off();
  }

  /** The environment a server needs to run under the shim. */
  env(library: string): Record<string, string> {
    return { LD_PRELOAD: library, FAULTFS_CONTROL: this.file };
  }

  /** Fails matching calls as `spec` says, counting from now. */
  arm(spec: FaultSpec): void {
    this.#write(`${spec.errno} ${spec.op} ${spec.match} ${spec.skip} ${spec.count}`);
  }

  /** Counts matching calls from now without failing any (to learn N). */
  count(op: FaultSpec["op"], match: string): void {
    this.arm({ errno: "EIO", op, match, skip: 2_000_000_000, count: 0 });
  }

  /** Nothing fails, nothing is counted. */
  off(): void {
    this.#write("off");
  }

  /** Matching writes and syncs since the last arm or count, and how many failed. */
  stats(): { writes: number; syncs: number; failed: number } {
    const path = `${this.file}.stats`;
    if (!existsSync(path)) return { writes: 0, syncs: 0, failed: 0 };
    const [writes = 0, syncs = 0, failed = 0] = readFileSync(path, "utf8").trim().split(" ").map(Number);
    return { writes, syncs, failed };
  }

  /** Each change gets a distinct size or content, so the shim's change check (mtime, size) always sees it. */
  #write(line: string): void {
    writeFileSync(`${this.file}.stats`, "0 0 0\n");
    writeFileSync(this.file, `${line}\n${"#".repeat(++this.#version % 7)}\n`);
  }
}
