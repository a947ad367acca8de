/**
 * A real subscription client: Debian's vdirsyncer (0.19) syncing a feed URL (`http` storage) into a local
 * `filesystem` collection, as a user's setup would. One item per VEVENT, with the VTIMEZONEs it uses.
 *
 * vdirsyncer 0.19's `http` storage replaces every UID with the SHA-256 of the item's normalized content
 * (`HttpStorage._ignore_uids = True`, not configurable; UID, DTSTAMP, CREATED, LAST-MODIFIED, PRODID, METHOD,
 * X-WR-CALNAME and VTIMEZONEs are left out of that hash), so local items are matched to the feed by content:
 * see {@link matchToFeed}.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, VDIRSYNCER } from "./parsers.ts";

export interface Subscription {
  /** The temp dir holding the config, status and the local collection. */
  readonly dir: string;
  /**
   * Runs `vdirsyncer sync` again; resolves to the local items (file name → text). vdirsyncer refuses to empty a
   * collection the feed emptied ("Storage … was completely emptied"); `forceDelete` passes `--force-delete`.
   */
  sync(options?: { forceDelete?: boolean }): Promise<Map<string, string>>;
  /** The local items as they are now (file name → text), sorted by file name. */
  items(): Promise<Map<string, string>>;
  /** Removes the temp dir. */
  close(): Promise<void>;
}

const quote = (s: string) => JSON.stringify(s);

/**
 * Subscribes to `url`: writes a config in a temp dir, runs `vdirsyncer discover` (prompts answered `y`) and a first
 * `sync`. Call `sync()` again after the service publishes a new revision.
 */
export async function subscribe(url: string, binary: string = VDIRSYNCER): Promise<Subscription> {
  const dir = await mkdtemp(join(tmpdir(), "shiftfeed-vdirsyncer-"));
  const local = join(dir, "calendar");
  const config = join(dir, "config");
  await mkdir(local);
  await writeFile(
    config,
    [
      "[general]",
      `status_path = ${quote(join(dir, "status") + "/")}`,
      "",
      "[pair feed]",
      'a = "feed_remote"',
      'b = "feed_local"',
      "collections = null",
      'conflict_resolution = "a wins"',
      "",
      "[storage feed_remote]",
      'type = "http"',
      `url = ${quote(url)}`,
      "",
      "[storage feed_local]",
      'type = "filesystem"',
      `path = ${quote(local + "/")}`,
      'fileext = ".ics"',
      "",
    ].join("\n"),
  );
  // No proxy for the harness socket, a private HOME so no user config is read.
  const env = { ...process.env, HOME: dir, NO_PROXY: "*", no_proxy: "*", LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };
  const vdir = (...args: string[]) => run(binary, ["-c", config, ...args], "y\n".repeat(10), env);

  const items = async () => {
    const out = new Map<string, string>();
    for (const name of (await readdir(local)).sort()) {
      if (name.endsWith(".ics")) out.set(name, await readFile(join(local, name), "utf8"));
    }
    return out;
  };
  const subscription: Subscription = {
    dir,
    async sync(options = {}) {
      await vdir("sync", ...(options.forceDelete ? ["--force-delete"] : []));
      return items();
    },
    items,
    close: () => rm(dir, { recursive: true, force: true }),
  };
  try {
    await vdir("discover");
  } catch (error) {
    await subscription.close();
    throw error;
  }
  return subscription;
}

// ---- matching local items to the feed ---------------------------------------------------------------

/** Unfolds content lines (CRLF or LF line ends) and drops the line ends. */
export function unfold(ics: string): string[] {
  return ics
    .replace(/\r?\n[ \t]/g, "")
    .split(/\r?\n/)
    .filter((l) => l !== "");
}

/** The unfolded lines of every VEVENT in `ics`, in order, `BEGIN`/`END` included. */
export function veventBlocks(ics: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of unfold(ics)) {
    if (line === "BEGIN:VEVENT") current = [line];
    else if (current) {
      current.push(line);
      if (line === "END:VEVENT") {
        out.push(current);
        current = null;
      }
    }
  }
  return out;
}

const isUid = (line: string) => /^UID[;:]/i.test(line);
/** A VEVENT's identity without its UID: its unfolded property lines, sorted. */
export const contentKey = (block: readonly string[]) =>
  block
    .filter((l) => !isUid(l))
    .sort()
    .join("\n");
/** The UID value of a VEVENT block. */
export const uidOf = (block: readonly string[]) => {
  const line = block.find(isUid);
  return line === undefined ? undefined : line.slice(line.indexOf(":") + 1);
};

export interface Matched {
  /** The feed UID each local item stands for: file name → UID. */
  uidOfItem: Map<string, string>;
  /** Local items whose VEVENT matches no feed VEVENT (by content without UID), with their content. */
  unmatchedItems: string[];
  /** Feed UIDs no local item stands for. */
  missingUids: string[];
  /** Local items holding other than exactly one VEVENT. */
  malformedItems: string[];
}

/**
 * Pairs each local item with the feed VEVENT it holds: same unfolded property lines apart from UID (which
 * vdirsyncer's http storage rewrites). One local item per feed VEVENT, none left over, is "the local collection
 * equals the feed".
 */
export function matchToFeed(items: Map<string, string>, feed: string): Matched {
  const byKey = new Map<string, string[]>();
  for (const block of veventBlocks(feed)) {
    const key = contentKey(block);
    byKey.set(key, [...(byKey.get(key) ?? []), uidOf(block) ?? "?"]);
  }
  const uidOfItem = new Map<string, string>();
  const unmatchedItems: string[] = [];
  const malformedItems: string[] = [];
  for (const [name, text] of items) {
    const blocks = veventBlocks(text);
    if (blocks.length !== 1) {
      malformedItems.push(`${name}: ${blocks.length} VEVENTs`);
      continue;
    }
    const key = contentKey(blocks[0]!);
    const uids = byKey.get(key);
    const uid = uids?.shift();
    if (uid === undefined) unmatchedItems.push(`${name}:\n${key}`);
    else uidOfItem.set(name, uid);
  }
  const missingUids = [...byKey.values()].flat().sort();
  return { uidOfItem, unmatchedItems, missingUids, malformedItems };
}
