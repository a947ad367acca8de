/**
 * Publish storms: publishes of one schedule that wait behind each other run newest revision first, and those a
 * successful newer one overtook are answered `409` (`superseded`) without running — they would be stale by then,
 * so a storm of pushes costs one unit per revision that can still win. A publish that was already below the live
 * revision when it arrived waited behind nothing newer: it gets the plain stale-revision `409`, also without
 * running. Waiting bodies are held in memory, so the
 * lanes are bounded per schedule and in bytes; past either bound a publish is refused with `503` + `Retry-After`.
 *
 * Also here: running a unit under admission control (a unit of expensive work held while it runs).
 */
import { ServiceError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { SHED_RETRY_AFTER, type Protection } from "../limits/protection.ts";
import type { WorkClass } from "../limits/settings.ts";
import type { IngestTarget } from "../snapshot/ingest.ts";
import { peekRevision } from "../snapshot/peek-revision.ts";
import type { ScheduleRow } from "../store/schedules-table.ts";
import type { KeyedMutex } from "./keyed-mutex.ts";
import { staleRevision, type UnitResult } from "./schedule-unit.ts";

/** Most publishes of one schedule waiting behind the running one; past it, `503` with `Retry-After`. */
export const MAX_WAITING_PUBLISHES = 64;
/** Most body bytes of publishes waiting, all schedules together (they are held in memory); past it, `503`. */
export const MAX_WAITING_BYTES = 256 * 1024 * 1024;
/** How often a background unit asks again for room, in ms. */
const BACKGROUND_POLL_MS = 50;

/** Admission control as units need it: a unit of work for a class (`null`: shed), and the `Retry-After`. */
export type Admission = Pick<Protection, "admit" | "shedRetryAfter">;

/**
 * Runs `task` holding a unit of admitted work: `admin` work is refused with `503` past the bound, `background`
 * work waits for room. Without admission control the task simply runs.
 */
export async function admitted<T>(
  admission: Admission | undefined,
  kind: WorkClass,
  task: () => Promise<T>,
): Promise<T> {
  if (!admission) return task();
  let release = admission.admit(kind);
  while (release === null) {
    if (kind !== "background") throw busy(admission, "The service is at its limit of work in flight");
    await new Promise((resolve) => setTimeout(resolve, BACKGROUND_POLL_MS));
    release = admission.admit(kind);
  }
  try {
    return await task();
  } finally {
    release();
  }
}

/** `503` with a jittered `Retry-After`: work refused under load. */
function busy(admission: Admission | undefined, message: string): ServiceError {
  const seconds = admission?.shedRetryAfter() ?? SHED_RETRY_AFTER.max;
  return new ServiceError(
    "unavailable",
    `${message}; try again later.`,
    [],
    {},
    { "retry-after": String(seconds) },
  );
}

/** A publish waiting for its schedule. */
interface WaitingPublish {
  bytes: Uint8Array;
  revision: number | null;
  /** Below the live revision already when it arrived: stale, not overtaken (a plain `409`, no `superseded`). */
  staleOnArrival: boolean;
  resolve: (result: UnitResult) => void;
  reject: (error: unknown) => void;
}

export interface PublishLanesDeps {
  /** The per-schedule lock every unit of a schedule runs under. */
  mutex: KeyedMutex;
  /** Runs one publish unit. */
  run: (bytes: Uint8Array, target: IngestTarget) => Promise<UnitResult>;
  /** The schedule's row as committed now. */
  current: (target: IngestTarget) => ScheduleRow | null;
  admission?: Admission;
  log: Logger;
}

/** The waiting publishes of every schedule. */
export class PublishLanes {
  readonly #deps: PublishLanesDeps;
  readonly #waiting = new Map<string, WaitingPublish[]>();
  #waitingBytes = 0;

  constructor(deps: PublishLanesDeps) {
    this.#deps = deps;
  }

  /** Queues a publish; resolves with its unit's result, or rejects (`409` superseded, `503`, the unit's error). */
  publish(bytes: Uint8Array, target: IngestTarget): Promise<UnitResult> {
    const key = `${target.org}/${target.schedule}`;
    const lane = this.#waiting.get(key) ?? [];
    if (lane.length >= MAX_WAITING_PUBLISHES)
      return Promise.reject(
        busy(this.#deps.admission, `${lane.length} publishes of this schedule are waiting`),
      );
    if (lane.length > 0 && this.#waitingBytes + bytes.length > MAX_WAITING_BYTES)
      return Promise.reject(busy(this.#deps.admission, "Too many publish bodies are waiting"));
    this.#waiting.set(key, lane);
    this.#waitingBytes += bytes.length;
    const revision = peekRevision(bytes);
    const staleOnArrival = this.#isStale(target, revision);
    const mine = new Promise<UnitResult>((resolve, reject) =>
      lane.push({ bytes, revision, staleOnArrival, resolve, reject }),
    ).finally(() => (this.#waitingBytes -= bytes.length));
    // One turn per publish; each turn runs the newest waiting one (not necessarily its own caller's). A turn
    // settles the publish it took and never rejects.
    void this.#deps.mutex.run(key, () => this.#turn(key, target));
    return mine;
  }

  /** Runs the newest waiting publish of a schedule; answers those it overtakes without running them. */
  async #turn(key: string, target: IngestTarget): Promise<void> {
    const lane = this.#waiting.get(key);
    if (!lane || lane.length === 0) return;
    // Highest revision first; a body whose revision could not be read runs last, in arrival order.
    let best = 0;
    for (let i = 1; i < lane.length; i++)
      if ((lane[i]!.revision ?? -1) > (lane[best]!.revision ?? -1)) best = i;
    const next = lane.splice(best, 1)[0]!;
    if (lane.length === 0) this.#waiting.delete(key);
    try {
      // Below the live revision (a late delivery of an old one, or overtaken while it waited): answered without
      // running.
      const live = this.#deps.current(target);
      if (live && this.#isStale(target, next.revision, live)) {
        this.#overtaken(target, [next], live.revision);
        return;
      }
      const result = await admitted(this.#deps.admission, "admin", () => this.#deps.run(next.bytes, target));
      next.resolve(result);
      const left = this.#waiting.get(key) ?? [];
      const overtaken = left.filter((w) => w.revision !== null && w.revision < result.revision);
      if (overtaken.length === 0) return;
      const rest = left.filter((w) => !overtaken.includes(w));
      if (rest.length === 0) this.#waiting.delete(key);
      else this.#waiting.set(key, rest);
      this.#overtaken(target, overtaken, result.revision);
    } catch (error) {
      next.reject(error);
    }
  }

  /** Whether a publish of `revision` is below the live (not retired) revision of its schedule. */
  #isStale(target: IngestTarget, revision: number | null, live = this.#deps.current(target)): boolean {
    return !!live && !live.retired && revision !== null && revision < live.revision;
  }

  /**
   * Answers publishes below `current` without running them (logged: they cost nothing): what each would have met
   * had it run, with `superseded` only for one that was not stale when it arrived.
   */
  #overtaken(target: IngestTarget, publishes: WaitingPublish[], current: number): void {
    for (const w of publishes) {
      const superseded = !w.staleOnArrival;
      this.#deps.log.info(superseded ? "publish_overtaken" : "publish_stale", {
        ...target,
        revision: w.revision,
        current,
      });
      w.reject(staleRevision(w.revision!, current, superseded));
    }
  }
}
