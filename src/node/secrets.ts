/**
 * The admin secret and the feed-token secret on Node: from the environment when set, otherwise generated
 * once and kept in `DATA_DIR/secrets/` (mode 0600) so links survive restarts. The feed secret is checked
 * against the data before anything is served under it.
 */
import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../core/logger.ts";
import { adoptFeedSecret, checkFeedSecret, secretFingerprint } from "../core/store/feed-secret-check.ts";
import { countFeeds } from "../core/store/feeds-table.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { createFeedTokens, type FeedTokens } from "../core/tokens.ts";
import { nodeTokenCrypto } from "./node-codec.ts";
import { StartupError } from "./startup-error.ts";

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

/** The feed secret this start uses, with its token operations. */
export interface FeedSecret {
  secret: LoadedSecret;
  tokens: FeedTokens;
}

/**
 * Loads the feed secret (as {@link loadSecret}) and checks it against the data (`feed-secret-check.ts`): a
 * secret that did not make the stored links is refused with one line naming `FEED_SECRET`, unless
 * `ROTATE_FEED_SECRET=1` asks to adopt it (every link is then derived again). A data dir holding feeds but no
 * secret at all is refused too, before a new one is generated that could only make every link unreachable.
 * @throws StartupError as said.
 */
export async function loadFeedSecret(
  dataDir: string,
  sql: SqlPort,
  settings: { feedSecret: string | null; rotateFeedSecret: boolean },
  logger: Logger,
): Promise<FeedSecret> {
  const file = join(dataDir, "secrets", "feed-secret");
  const feeds = countFeeds(sql);
  if (settings.feedSecret === null && feeds > 0 && !settings.rotateFeedSecret && !(await exists(file))) {
    throw new StartupError(
      `DATA_DIR ${JSON.stringify(dataDir)} holds ${feeds} feeds but no feed secret: set FEED_SECRET to the ` +
        `secret their links were made with, or put it in ${JSON.stringify(file)}`,
    );
  }
  const secret = await loadSecret(dataDir, "feed-secret", settings.feedSecret);
  const bytes = new TextEncoder().encode(secret.value);
  const tokens = await createFeedTokens(bytes, nodeTokenCrypto);
  const fingerprint = await secretFingerprint(bytes, nodeTokenCrypto);
  const check = await checkFeedSecret(sql, tokens, fingerprint);
  if (check === "verified") logger.info("feed_secret_fingerprint_recorded", { feeds });
  if (check !== "mismatch") {
    if (settings.rotateFeedSecret) {
      logger.warn("rotate_feed_secret_set", {
        message: "ROTATE_FEED_SECRET=1 is set but FEED_SECRET already matches the data; unset it",
      });
    }
    return { secret, tokens };
  }
  const from = secret.file === null ? "from the environment" : `from ${JSON.stringify(secret.file)}`;
  if (!settings.rotateFeedSecret) {
    throw new StartupError(
      `FEED_SECRET (${from}) is not the secret the links in DATA_DIR ${JSON.stringify(dataDir)} were made with; ` +
        "start with that secret, or set ROTATE_FEED_SECRET=1 once to adopt this one (every link changes)",
    );
  }
  const changed = await adoptFeedSecret(sql, tokens, fingerprint);
  logger.warn("feed_secret_rotated", {
    feeds: changed,
    message: `FEED_SECRET (${from}) adopted: every link was derived again (${changed} feeds); unset ROTATE_FEED_SECRET`,
  });
  return { secret, tokens };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
