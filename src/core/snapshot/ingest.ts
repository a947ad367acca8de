/**
 * Snapshot ingest: the body bytes of a publish in, a typed snapshot and its content hash (or the exact reason it
 * was refused) out. Pure and self-contained, so a runtime can run it wherever parsing a hostile 32 MiB body does
 * not stall feed serving: a worker thread on Node (`src/node/ingest-pool.ts`), in process elsewhere.
 */
import { canonicalHash } from "./canonical-hash.ts";
import type { Codec } from "../compress.ts";
import type { ErrorDetail } from "../errors.ts";
import { SNAPSHOT_LIMITS } from "./limits.ts";
import { findDuplicateKeys } from "./json-text.ts";
import { decodeJsonText, parseJsonText, type BodyResult } from "./parse-body.ts";
import { createReport, type Report } from "./problem-report.ts";
import { showKey } from "./show.ts";
import type { Snapshot } from "./types.ts";
import { shareStrings } from "./share-strings.ts";
import { consumeSnapshot } from "./validate.ts";

/** The organization and schedule the publish URL names; the body's ids must match them. */
export interface IngestTarget {
  org: string;
  schedule: string;
}

/** Why a body was refused, shaped like a `ServiceError` (plain data, so it crosses a thread boundary). */
export interface IngestFailure {
  /** `invalid_json` (HTTP 400) or `invalid_snapshot` (HTTP 422). */
  code: "invalid_json" | "invalid_snapshot";
  message: string;
  details: ErrorDetail[];
}

export type IngestResult =
  { ok: true; snapshot: Snapshot; hash: string } | { ok: false; error: IngestFailure };

/**
 * Turns publish body bytes into a snapshot. Runtimes inject their own (the admin routes' `ingest` dependency);
 * {@link ingestSnapshot} is the in-process one.
 */
export type Ingest = (bytes: Uint8Array, target: IngestTarget) => Promise<IngestResult>;

/**
 * Decodes (strict UTF-8), parses and validates a snapshot body against the URL's org and schedule, refusing
 * duplicate keys like any other ambiguity of a strict snapshot, and hashes the validated snapshot (SHA-256 hex of
 * its canonical JSON: an identical replay has the same hash).
 *
 * @example
 * const result = await ingestSnapshot(bytes, { org: "stmarys", schedule: "cardiology" });
 * if (result.ok) await service.publish(result.snapshot, result.hash);
 */
export async function ingestSnapshot(
  bytes: Uint8Array,
  target: IngestTarget,
  codec?: Pick<Codec, "textSha256">,
): Promise<IngestResult> {
  const report = createReport(SNAPSHOT_LIMITS.maxDetails);
  const parsed = parseStrict(bytes, report);
  if (!parsed.ok) return invalidJson(parsed.message);
  // The text is gone from here on: validation holds the parsed value, its records replaced by zod's one by one.
  await pause();
  const snapshot = await consumeSnapshot(parsed.value, report, target, pause);
  if (snapshot === undefined) {
    const details = report.details();
    const n = report.count;
    const listed =
      n > SNAPSHOT_LIMITS.maxDetails ? ` (the first ${SNAPSHOT_LIMITS.maxDetails} are listed)` : "";
    const message = `The snapshot has ${n} problem${n === 1 ? "" : "s"}${listed}.`;
    return { ok: false, error: { code: "invalid_snapshot", message, details } };
  }
  shareStrings(snapshot);
  await pause();
  return { ok: true, snapshot, hash: canonicalHash(snapshot, codec?.textSha256?.()) };
}

/**
 * A turn given back to the event loop between the long steps of a big ingest (several seconds of work at 16 MiB),
 * so that whatever else the process runs is not held up by all of it at once.
 */
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The body as a JSON value, its duplicate keys reported: the decoded text lives only in here, so it is garbage
 * before validation copies the value (a 16 MiB body's text is 16 MiB of heap).
 */
function parseStrict(bytes: Uint8Array, report: Report): BodyResult {
  const decoded = decodeJsonText(bytes);
  if (!decoded.ok) return decoded;
  const parsed = parseJsonText(decoded.text);
  if (!parsed.ok) return parsed;
  findDuplicateKeys(decoded.text, (path, key) => {
    report.add(
      path,
      `${showKey(key)} appears more than once in this object; JSON parsers disagree on which value counts`,
    );
  });
  return parsed;
}

function invalidJson(message: string): IngestResult {
  return { ok: false, error: { code: "invalid_json", message, details: [] } };
}
