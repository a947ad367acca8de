/**
 * Remembered answers of a pure function of one key, at most `max` of them. When full it starts afresh instead of
 * tracking use: the keys it serves repeat within a piece of work (the few instants a schedule's events are stamped
 * with, the few times its shifts start), so a cleared memo refills at once and no LRU bookkeeping pays for itself.
 */
export function memoize<K, V>(compute: (key: K) => V, max: number): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      if (known.size >= max) known.clear();
      known.set(key, (value = compute(key)));
    }
    return value;
  };
}
