/**
 * Work over every organization — the cron's roll, a regeneration without `org` and its progress — is one Durable
 * Object call per organization. One after another, it would take as long as their number times a call; all at once,
 * it would open as many calls as there are organizations from one invocation. These run a bounded number at a time.
 */

/** Organizations asked at once by work over all of them. */
export const ORG_PARALLEL = 8;

/**
 * Runs `task` over `items`, at most `limit` at a time, in order of start; a rejected task does not stop the others.
 * @returns the items whose task rejected.
 */
export async function settleInParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<T[]> {
  const failed: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item).catch(() => failed.push(item));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return failed;
}

/**
 * Maps `items` through `task`, at most `limit` at a time, keeping their order.
 * @throws the first rejection, once the tasks already started have ended (no new one starts after it).
 */
export async function mapInParallel<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let failure: { error: unknown } | null = null;
  let next = 0;
  const lane = async () => {
    while (failure === null && next < items.length) {
      const n = next++;
      try {
        results[n] = await task(items[n]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
