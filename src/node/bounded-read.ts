/**
 * Reads a file the operator names (a snapshot to publish or validate) with a bound: only a regular file (after
 * symbolic links) is read, and never more than the limit. A device (`/dev/zero`), a FIFO nobody writes to or a
 * socket would otherwise be read without end, or hang the command; a file over the limit is refused by its size
 * before a byte is read. The open never waits (`O_NONBLOCK`: a FIFO without a writer opens at once), and the
 * kind of the file is judged on the opened descriptor, so what was checked is what is read.
 */
import { constants, type Stats } from "node:fs";
import { open } from "node:fs/promises";

/** A file read whole, or why it was not read. Errors of the open itself (`ENOENT`, `EACCES`, …) are thrown. */
export type BoundedFile =
  | { kind: "bytes"; bytes: Uint8Array<ArrayBuffer> }
  | { kind: "too-large"; size: number }
  | { kind: "not-regular"; problem: string };

/** What a non-regular file is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a plain file";
}

/**
 * Reads `file` whole when it is a regular file of at most `limit` bytes.
 * @example
 * const read = await readBounded("snapshot.json", 64 * 1024 * 1024);
 * if (read.kind === "bytes") JSON.parse(new TextDecoder().decode(read.bytes));
 */
export async function readBounded(file: string, limit: number): Promise<BoundedFile> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) return { kind: "not-regular", problem: "is a folder, not a snapshot file" };
    if (!stats.isFile()) {
      return {
        kind: "not-regular",
        problem: `is not a regular file (${kindOf(stats)}): not a snapshot file`,
      };
    }
    if (stats.size > limit) return { kind: "too-large", size: stats.size };
    // The file may grow while it is read: read at most one byte past the limit, then judge what was read.
    let buffer = new Uint8Array(Math.min(stats.size, limit) + 1);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        if (filled > limit) return { kind: "too-large", size: (await handle.stat()).size };
        const grown = new Uint8Array(Math.min(buffer.length * 2, limit + 1));
        grown.set(buffer);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { kind: "bytes", bytes: buffer.slice(0, filled) };
  } finally {
    await handle.close();
  }
}
