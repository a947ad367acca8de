/**
 * What the partner API reads, per serving thread: keys by hash and schedules by id, cached until the next commit
 * (a revocation or a publish is seen by the very next request), and the pieces of ranges from a range source —
 * on Node one cache for the whole process, rendered off the serving threads. A hot key asking about an
 * unchanged schedule reads nothing.
 */
import { sha256Hex } from "../digest.ts";
import type { Codec } from "../compress.ts";
import { partnerKeyByHash, type PartnerKeyRow } from "../store/partner-keys-table.ts";
import { orgRow, scheduleRow, type ScheduleRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { RangeCache, type RangeSource } from "./range-cache.ts";
import { renderStoredPieces } from "./render-range.ts";

/** `sfp_` and 32 base64url characters (192 random bits). */
export const PARTNER_KEY = /^sfp_[A-Za-z0-9_-]{32}$/;

export interface PartnerReaderDeps {
  sql: SqlPort;
  codec: Codec;
  /** The writer's commit generation: cached keys and schedules of another value are read again. */
  generation: () => number;
  /** Where range pieces come from. Default: rendered here, on `sql`, and cached (8 MiB), unadmitted. */
  ranges?: RangeSource;
}

/** A schedule as a range needs it: its row and its organization's name. */
export interface RangeSchedule {
  row: ScheduleRow;
  orgName: string;
}

export class PartnerReader {
  readonly deps: PartnerReaderDeps;
  readonly #keys = new Map<string, PartnerKeyRow | null>();
  readonly #schedules = new Map<string, RangeSchedule | null>();
  /** Where range pieces come from. */
  readonly ranges: RangeSource;
  #generation: number;

  constructor(deps: PartnerReaderDeps) {
    this.deps = deps;
    this.#generation = deps.generation();
    this.ranges =
      deps.ranges ?? new RangeCache({ render: renderStoredPieces(deps.sql, deps.codec), maxBytes: 8 << 20 });
  }

  #fresh(): void {
    const generation = this.deps.generation();
    if (generation !== this.#generation) {
      this.#keys.clear();
      this.#schedules.clear();
      this.#generation = generation;
    }
  }

  /** The live key a bearer value opens, or `null` (malformed, unknown or revoked). */
  async key(value: string): Promise<PartnerKeyRow | null> {
    if (!PARTNER_KEY.test(value)) return null;
    this.#fresh();
    const hash = await sha256Hex(value);
    let row = this.#keys.get(hash);
    if (row === undefined) {
      row = partnerKeyByHash(this.deps.sql, hash);
      if (row?.revokedAt !== null) row = null;
      if (this.#keys.size > 10_000) this.#keys.clear();
      this.#keys.set(hash, row);
    }
    return row;
  }

  /** A live schedule, or `null`. */
  schedule(org: string, schedule: string): RangeSchedule | null {
    this.#fresh();
    const key = `${org}/${schedule}`;
    let found = this.#schedules.get(key);
    if (found === undefined) {
      const row = scheduleRow(this.deps.sql, org, schedule);
      found = row === null || row.retired ? null : { row, orgName: orgRow(this.deps.sql, org)?.name ?? org };
      if (this.#schedules.size > 10_000) this.#schedules.clear();
      this.#schedules.set(key, found);
    }
    return found;
  }
}
