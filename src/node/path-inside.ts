/**
 * Whether a path the operator names lies inside a data dir, compared by real paths (symlinks and `..` resolved), so
 * `backup` never writes over a live data dir's own files and `restore` never reads its source from the folder it
 * fills. One rule for both commands.
 */
import { realpath } from "node:fs/promises";
import { basename, dirname, resolve, sep } from "node:path";

/**
 * The real path `path` names: its parent folder's real path plus its own name (a symlink at `path` itself is not
 * followed: a rename replaces the link, not what it points to). A missing parent is left as resolved.
 */
export async function realLocation(path: string): Promise<string> {
  const absolute = resolve(path);
  const parent = await realpath(dirname(absolute)).catch(() => dirname(absolute));
  return resolve(parent, basename(absolute));
}

/** `path` (already real) is `folder` or inside it; `folder` is resolved through its symlinks when it exists. */
export async function isInsideFolder(path: string, folder: string): Promise<boolean> {
  const real = await realpath(resolve(folder)).catch(() => resolve(folder));
  return path === real || path.startsWith(real.endsWith(sep) ? real : real + sep);
}
