/**
 * Moves a data dir of the earlier layout — a tree of files under `DATA_DIR/store/` with one JSON manifest per
 * organization — into the database, on the first start that finds one. Nothing is lost: every schedule's state
 * and change history, every link version, and every feed with its exact bytes, `ETag`, `Last-Modified` and token
 * hash are carried over (so every subscriber's link keeps working with the same validators), each organization
 * in one transaction; then the old tree is renamed to `store.migrated/` and kept.
 *
 * Earlier layout: `orgs/o.<org>/manifest.json`, `orgs/o.<org>/s.<schedule>/r<rev>.json.gz` (gzip JSON of
 * snapshot, history, receivedAt) and `feeds/o.<org>/<2 hex>/<sha256>.ics.gz` (gzip feed bodies).
 */
import { readdir, readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../core/logger.ts";
import { bodyBlobKey, stateBlobKey, type FeedKey } from "../core/store/keys.ts";
import { decodeState, encodeState } from "../core/publish/schedule-state.ts";
import type { Tier } from "../core/snapshot/types.ts";
import { putBlob } from "../core/store/blob-table.ts";
import { putFeed } from "../core/store/feeds-table.ts";
import { setLinkVersion } from "../core/store/links-table.ts";
import { orgIds, putOrg, putSchedule } from "../core/store/schedules-table.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { nodeCodec } from "./node-codec.ts";

/** The folder of the earlier layout inside `DATA_DIR`, and what it is renamed to once migrated. */
export const LEGACY_STORE = "store";
export const MIGRATED_STORE = "store.migrated";

interface LegacyManifest {
  org: string;
  name: string;
  tier: Tier;
  schedules: Record<
    string,
    {
      revision: number;
      stateKey: string;
      name: string;
      timezone: string;
      snapshotHash: string;
      publishedAt: string;
      receivedAt: number;
      people: number;
      assignments: number;
      retired: boolean;
    }
  >;
  tokenVersions: Record<string, number>;
  feeds: Record<
    string,
    {
      blobKey: string;
      etag: string;
      lastModified: number;
      lastModifiedShared?: boolean;
      size: number;
      events: number;
      tokenHash: string;
    }
  >;
}

/**
 * Migrates `DATA_DIR/store/` when it exists. Organizations already in the database (migrated by a start that was
 * cut short) are skipped, so an interrupted migration simply continues.
 * @returns how many organizations were migrated (0 when there was nothing to do).
 * @throws Error naming the file when the old tree is unreadable (the old tree is then left where it is).
 */
export async function migrateLegacyStore(dataDir: string, sql: SqlPort, logger: Logger): Promise<number> {
  const root = join(dataDir, LEGACY_STORE);
  if (!(await isFolder(join(root, "orgs")))) return 0;
  const present = new Set(orgIds(sql));
  const read = (key: string) => readFile(join(root, ...key.split("/")));
  const folders = (await readdir(join(root, "orgs"))).filter((f) => f.startsWith("o.")).sort();
  let migrated = 0;
  for (const folder of folders) {
    const manifestPath = join(root, "orgs", folder, "manifest.json");
    if (!(await isFile(manifestPath))) continue;
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as LegacyManifest;
    if (present.has(manifest.org)) continue;
    // Read and convert everything first; the transaction then only writes.
    const states = new Map<string, Uint8Array>();
    for (const [id, s] of Object.entries(manifest.schedules)) {
      states.set(
        id,
        await encodeState(await decodeState(new Uint8Array(await read(s.stateKey)), nodeCodec), nodeCodec),
      );
    }
    const bodies = new Map<string, Uint8Array>();
    for (const [feed, f] of Object.entries(manifest.feeds))
      bodies.set(feed, new Uint8Array(await read(f.blobKey)));
    const org = manifest.org;
    sql.transaction(() => {
      putOrg(sql, org, manifest.name, manifest.tier);
      for (const [id, s] of Object.entries(manifest.schedules)) {
        const stateKey = stateBlobKey(org, id, s.revision);
        putBlob(sql, stateKey, states.get(id)!);
        // `rolledFor` unknown: the first roll renders this schedule's pieces (feeds keep their bytes and validators).
        putSchedule(sql, { org, schedule: id, ...s, stateKey, rolledFor: "" });
      }
      for (const [feed, version] of Object.entries(manifest.tokenVersions)) {
        setLinkVersion(sql, org, feed as FeedKey, version);
      }
      for (const [feed, f] of Object.entries(manifest.feeds)) {
        const hex = /([0-9a-f]{64})\.ics\.gz$/.exec(f.blobKey)?.[1];
        if (hex === undefined) throw new Error(`feed body key \`${f.blobKey}\` is not of the earlier layout`);
        const bodyKey = bodyBlobKey(org, feed as FeedKey, hex, "gzip");
        putBlob(sql, bodyKey, bodies.get(feed)!);
        putFeed(sql, {
          org,
          feed: feed as FeedKey,
          tokenHash: f.tokenHash,
          etag: f.etag,
          lastModified: f.lastModified,
          lastModifiedShared: f.lastModifiedShared === true,
          size: f.size,
          events: f.events,
          inputHash: "", // no pieces yet: the first refresh assembles it again (same bytes keep their validators)
          bodyKey,
          identityKey: null,
        });
      }
    });
    migrated++;
    logger.info("migrated_organization", {
      org,
      schedules: Object.keys(manifest.schedules).length,
      feeds: Object.keys(manifest.feeds).length,
    });
  }
  await rename(root, join(dataDir, MIGRATED_STORE));
  logger.warn("legacy_store_migrated", { organizations: migrated, keptIn: MIGRATED_STORE });
  return migrated;
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
