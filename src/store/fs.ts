/**
 * Filesystem `BlobStore` for the Node entry point: one file per key, each `/` segment a folder.
 *
 * A put is write temp → fsync(temp) → rename(temp, final) → fsync(folder), so after a crash the live name
 * holds the old or the new file, whole. rename(2) replaces the target atomically; fsync(2) notes that syncing
 * a file "does not necessarily ensure that the entry in the directory containing the file has also reached
 * disk. For that an explicit fsync() on a file descriptor for the directory is also needed."
 * https://man7.org/linux/man-pages/man2/rename.2.html · https://man7.org/linux/man-pages/man2/fsync.2.html
 */
import * as nodeFs from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { assertValidKey, type BlobStore } from "./blob-store.ts";

/**
 * Suffix of the one temp file a put writes beside its target (`<final>~.tmp`). `~` cannot occur in a key, so
 * no key's temp name is another key (`a.tmp` is a valid key; `a~.tmp` is not), and the name is deterministic:
 * a crash leaves at most one leftover per key, which the next `createFsStore` removes.
 */
export const TEMP_SUFFIX = "~.tmp";

/** The part of a `node:fs/promises` `FileHandle` the store uses. */
export interface FsFileHandle {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The part of a `node:fs` `Dirent` the store uses. */
export interface FsDirent {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
}

/** The subset of `node:fs/promises` the store calls; inject a wrapper to record calls or inject faults. */
export interface FsPromises {
  open(path: string, flags: "r" | "w"): Promise<FsFileHandle>;
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string, options: { withFileTypes: true }): Promise<FsDirent[]>;
  mkdir(path: string): Promise<unknown>;
}

export interface FsStoreOptions {
  /** Root folder of the store; created with its parents when missing. Relative to `process.cwd()`. */
  dir: string;
  /** Filesystem calls to use. Default: `node:fs/promises`. */
  fs?: FsPromises;
}

/** A filesystem store, with what its startup cleanup did. */
export interface FsStore extends BlobStore {
  /** How many leftover `*~.tmp` files (from puts cut short by a crash) startup removed under `dir`. */
  readonly removedTempFiles: number;
}

/** Mirrors the key segment rule of `assertValidKey`: anything else on disk (temp files included) is no key. */
const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;
const PARTIAL_SEGMENT = /^[A-Za-z0-9._-]*$/;
/** A missing file, a file where a folder should be, or a folder where a file should be: the key is absent. */
const ABSENT = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
/** Errors from platforms or filesystems that cannot open or fsync a directory (Windows, some FUSE mounts). */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "ENOTSUP"]);

/** The `code` of a Node system error (`ENOENT`), or `""`. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/**
 * Opens (creating if needed) a store rooted at `options.dir`, after removing crash-leftover temp files.
 * Startup walks every folder once, so its time grows with the number of files, spread over the core's shards.
 *
 * @example
 * const store = await createFsStore({ dir: "data/store" });
 * await store.put("manifests/acme.json", bytes); // durable when it resolves
 */
export async function createFsStore(options: FsStoreOptions): Promise<FsStore> {
  const fs = options.fs ?? (nodeFs as FsPromises);
  const root = resolve(options.dir);
  await makeRoot(fs, root);
  const removedTempFiles = await removeTempFiles(fs, root);

  const pathOf = (key: string): string => join(root, ...key.split("/"));
  const folders = new Map<string, Promise<void>>();
  const queues = new Map<string, Promise<void>>();

  /** Creates a folder under the root once per process, and fsyncs its parent so the new entry is durable. */
  function ensureFolder(folder: string): Promise<void> {
    if (folder === root) return Promise.resolve();
    let ready = folders.get(folder);
    if (ready === undefined) {
      ready = (async () => {
        await ensureFolder(dirname(folder));
        await fs.mkdir(folder).catch((error: unknown) => {
          if (errorCode(error) !== "EEXIST") throw error;
        });
        // Synced even when the folder already existed: the process that made it may have died before syncing.
        await syncDir(fs, dirname(folder));
      })();
      ready.catch(() => folders.delete(folder));
      folders.set(folder, ready);
    }
    return ready;
  }

  /** Runs tasks on one key in call order, so two puts never share the key's temp file. */
  function serialize(key: string, task: () => Promise<void>): Promise<void> {
    const run = (queues.get(key) ?? Promise.resolve()).then(task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return run;
  }

  async function openTemp(final: string): Promise<FsFileHandle> {
    await ensureFolder(dirname(final));
    try {
      return await fs.open(final + TEMP_SUFFIX, "w");
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      // The folder vanished under us (removed by hand): forget it and create it again, once.
      for (let f = dirname(final); f !== root; f = dirname(f)) folders.delete(f);
      await ensureFolder(dirname(final));
      return fs.open(final + TEMP_SUFFIX, "w");
    }
  }

  async function writeDurably(final: string, bytes: Uint8Array): Promise<void> {
    const temp = final + TEMP_SUFFIX;
    const handle = await openTemp(final);
    try {
      try {
        for (let offset = 0; offset < bytes.length;) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, offset);
          if (bytesWritten <= 0)
            throw Object.assign(new Error(`no progress writing ${temp}`), { code: "EIO" });
          offset += bytesWritten;
        }
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
      await handle.close();
      await fs.rename(temp, final);
    } catch (error) {
      // Best effort: on ENOSPC the partial copy should not keep holding the space. A crash leaves it for startup.
      await fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDir(fs, dirname(final));
  }

  return {
    removedTempFiles,
    async get(key) {
      assertValidKey(key);
      try {
        const bytes = await fs.readFile(pathOf(key));
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (ABSENT.has(errorCode(error))) return null;
        throw error;
      }
    },
    async put(key, value) {
      assertValidKey(key);
      const bytes = value.slice();
      return serialize(key, () => writeDurably(pathOf(key), bytes));
    },
    async delete(key) {
      assertValidKey(key);
      return serialize(key, () =>
        fs.unlink(pathOf(key)).catch((error: unknown) => {
          if (!ABSENT.has(errorCode(error))) throw error;
        }),
      );
    },
    async list(prefix) {
      const cut = prefix.lastIndexOf("/");
      const folderKey = prefix.slice(0, Math.max(cut, 0));
      const partial = prefix.slice(cut + 1);
      // A prefix no valid key can start with matches nothing, and must never become a path (`../`, `/etc`).
      if (prefix.length > 512 || !PARTIAL_SEGMENT.test(partial)) return [];
      if (cut >= 0 && folderKey.split("/").some((s) => !KEY_SEGMENT.test(s) || s === "." || s === "..")) {
        return [];
      }
      const keys: string[] = [];
      const start = cut >= 0 ? pathOf(folderKey) : root;
      await walk(fs, start, cut >= 0 ? `${folderKey}/` : "", partial, (key, entry) => {
        if (entry.isFile() && KEY_SEGMENT.test(entry.name)) keys.push(key);
      });
      return keys.sort();
    },
  };
}

/**
 * Visits every entry under `folder` whose name starts with `partial` (first level only), recursing into
 * sub-folders whose names are key segments; `visit` gets each non-folder entry, temp files included, with
 * its would-be key. A folder that does not exist has no entries.
 */
async function walk(
  fs: FsPromises,
  folder: string,
  keyPrefix: string,
  partial: string,
  visit: (key: string, entry: FsDirent, path: string) => void | Promise<void>,
): Promise<void> {
  let entries: FsDirent[];
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (ABSENT.has(errorCode(error))) return;
    throw error;
  }
  await Promise.all(
    entries.map(async (entry) => {
      if (!entry.name.startsWith(partial)) return;
      const path = join(folder, entry.name);
      if (!entry.isDirectory()) return visit(keyPrefix + entry.name, entry, path);
      if (KEY_SEGMENT.test(entry.name)) return walk(fs, path, `${keyPrefix}${entry.name}/`, "", visit);
    }),
  );
}

/** Removes every `*~.tmp` file under `root` (leftovers of puts cut short by a crash); returns how many. */
async function removeTempFiles(fs: FsPromises, root: string): Promise<number> {
  let removed = 0;
  await walk(fs, root, "", "", async (_key, entry, path) => {
    if (!entry.isFile() || !entry.name.endsWith(TEMP_SUFFIX)) return;
    await fs.unlink(path).catch((error: unknown) => {
      if (errorCode(error) !== "ENOENT") throw error;
    });
    removed += 1;
  });
  return removed;
}

/** Creates the root folder and any missing parents, fsyncing the folder that holds each new entry. */
async function makeRoot(fs: FsPromises, folder: string): Promise<void> {
  try {
    await fs.mkdir(folder);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return;
    if (errorCode(error) !== "ENOENT" || dirname(folder) === folder) throw error;
    await makeRoot(fs, dirname(folder));
    await fs.mkdir(folder).catch((again: unknown) => {
      if (errorCode(again) !== "EEXIST") throw again;
    });
  }
  await syncDir(fs, dirname(folder));
}

/** fsyncs a folder so renames and new entries in it survive power loss; a no-op where unsupported. */
async function syncDir(fs: FsPromises, folder: string): Promise<void> {
  let handle: FsFileHandle;
  try {
    handle = await fs.open(folder, "r");
  } catch (error) {
    if (DIR_SYNC_UNSUPPORTED.has(errorCode(error))) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!DIR_SYNC_UNSUPPORTED.has(errorCode(error))) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }
  await handle.close();
}
