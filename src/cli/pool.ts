/**
 * Bounded concurrency: run an async function over many items with at most `limit` in flight.
 */

/**
 * Calls `fn` for every item, at most `limit` at a time, in item order of starting; resolves with the results
 * in item order. The first rejection rejects the whole (items not yet started are not started).
 * @example await mapLimit(files, 4, (file) => publish(file))
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
