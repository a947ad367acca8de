/**
 * Failed alarms of an organization's Durable Object, caught instead of thrown. The platform retries an alarm that
 * throws only a few times, after which the work it held would wait for the next cron; a caught failure is recorded
 * in the object's storage instead (how many in a row, the last error, when the next try is) and the alarm is set
 * again after a wait that doubles with each failure in a row, up to {@link ALARM_BACKOFF_MAX_MS}. The record is
 * shown in the organization's pending jobs (`retry`) and cleared by the next alarm that succeeds.
 */

/** The first wait after a failed alarm. */
export const ALARM_BACKOFF_MS = 5_000;
/** The longest wait between two tries. */
export const ALARM_BACKOFF_MAX_MS = 10 * 60_000;

const KEY = "alarm-retry";

/** Failed alarms in a row: how many, the last error, when it happened and when the next try is (ISO 8601). */
export interface AlarmRetry {
  failures: number;
  lastError: string;
  failedAt: string;
  nextAttemptAt: string;
}

/** The wait before the next try after `failures` failed alarms in a row. */
export function alarmBackoffMs(failures: number): number {
  return Math.min(ALARM_BACKOFF_MS * 2 ** Math.max(0, failures - 1), ALARM_BACKOFF_MAX_MS);
}

/** The failures recorded since the last alarm that succeeded, or `null`. */
export function alarmRetry(kv: SyncKvStorage): AlarmRetry | null {
  return kv.get<AlarmRetry>(KEY) ?? null;
}

/**
 * Records a failed alarm.
 * @returns the record, whose `nextAttemptAt` is when to set the alarm again.
 */
export function recordAlarmFailure(kv: SyncKvStorage, error: unknown, now: number): AlarmRetry {
  const failures = (alarmRetry(kv)?.failures ?? 0) + 1;
  const retry: AlarmRetry = {
    failures,
    lastError: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    failedAt: new Date(now).toISOString(),
    nextAttemptAt: new Date(now + alarmBackoffMs(failures)).toISOString(),
  };
  kv.put(KEY, retry);
  return retry;
}

/** Clears the record after an alarm that succeeded (no write when there was none). */
export function clearAlarmFailure(kv: SyncKvStorage): void {
  if (kv.get(KEY) !== undefined) kv.delete(KEY);
}
