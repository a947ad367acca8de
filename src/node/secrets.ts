/**
 * The admin secret and the feed-token secret on Node: from the environment when set, otherwise generated
 * once and kept in `DATA_DIR/secrets/` (mode 0600) so links survive restarts.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A secret and where it came from. */
export interface LoadedSecret {
  value: string;
  /** The file it is kept in, or `null` when it came from the environment. */
  file: string | null;
  /** True when this start generated it. */
  created: boolean;
}

/** Returns `fromEnv` if set, else the secret kept in `dataDir/secrets/name`, generating it on first use. */
export async function loadSecret(
  dataDir: string,
  name: string,
  fromEnv: string | null,
): Promise<LoadedSecret> {
  if (fromEnv) return { value: fromEnv, file: null, created: false };
  const dir = join(dataDir, "secrets");
  const file = join(dir, name);
  try {
    const value = (await readFile(file, "utf8")).trim();
    if (value) return { value, file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const value = randomBytes(32).toString("base64url");
  await writeFile(file, value + "\n", { mode: 0o600, flag: "wx" });
  return { value, file, created: true };
}
