/**
 * Partner ranges: a schedule's events between two dates, snapped out to whole calendar months so that every
 * partner asking for any days of a month shares one representation, with validators that are known without
 * rendering — a `304` costs no storage read and no render, only the schedule's current revision.
 */
import { toBase64Url } from "../digest.ts";
import { ServiceError } from "../errors.ts";
import { addDays } from "../time/local-time.ts";

/** Longest range a partner may ask for, in days (the snapped range may be up to two months longer). */
export const MAX_RANGE_DAYS = 366;

/** Inclusive local dates (`YYYY-MM-DD`) in the schedule's zone. */
export interface DateRange {
  from: string;
  to: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value && value >= "2000-01-01" && value <= "2099-12-31";
}

/**
 * The range a request names, snapped to whole months.
 * @throws ServiceError `bad_request` naming the parameter when a date is missing, invalid, reversed or too far apart.
 */
export function snapRange(from: string | null | undefined, to: string | null | undefined): DateRange {
  const problems: { path: string; message: string }[] = [];
  if (!from || !isDate(from))
    problems.push({ path: "from", message: "must be a date YYYY-MM-DD (2000–2099)" });
  if (!to || !isDate(to)) problems.push({ path: "to", message: "must be a date YYYY-MM-DD (2000–2099)" });
  if (problems.length === 0) {
    if (to! < from!) problems.push({ path: "to", message: "must not be before `from`" });
    else if (addDays(from!, MAX_RANGE_DAYS - 1) < to!)
      problems.push({ path: "to", message: `at most ${MAX_RANGE_DAYS} days after \`from\`` });
  }
  if (problems.length > 0) {
    throw new ServiceError("bad_request", "`from` and `to` must name a range of dates", problems);
  }
  const start = `${from!.slice(0, 8)}01`;
  const [y, m] = to!.split("-").map(Number) as [number, number];
  const end = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10); // day 0 of the next month: the last day
  return { from: start, to: end };
}

/** What a range's bytes depend on: all of it is known from the schedule's row and its organization's name. */
export interface RangeInput {
  format: "ics" | "json";
  /** The blob key of the schedule's state (it names the revision). */
  stateKey: string;
  orgName: string;
  range: DateRange;
  /** The renderer's version (`RENDER_VERSION`). */
  renderVersion: number;
}

/** The weak entity tag of a range: 128 bits of SHA-256 over everything its bytes depend on. */
export async function rangeEtag(
  input: RangeInput,
  sha256: (text: string) => Promise<Uint8Array>,
): Promise<string> {
  const text = JSON.stringify([
    "partner-range",
    input.renderVersion,
    input.format,
    input.stateKey,
    input.orgName,
    input.range.from,
    input.range.to,
  ]);
  return `W/"${toBase64Url((await sha256(text)).subarray(0, 16))}"`;
}
