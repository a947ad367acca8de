/**
 * A tiny Prometheus text-format registry (counters with labels), enough for `/metrics`.
 * Labels never carry tokens, people or organization ids: only bounded sets (status, client, route).
 */

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();

  /** Adds `by` to a counter for one label combination. */
  inc(name: string, help: string, labels: Record<string, string | number> = {}, by = 1): void {
    let counter = this.#counters.get(name);
    if (!counter) this.#counters.set(name, (counter = { help, values: new Map() }));
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, "_")}"`)
      .join(",");
    counter.values.set(key, (counter.values.get(key) ?? 0) + by);
  }

  /** Registers a gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  /** The Prometheus exposition text (version 0.0.4). */
  render(): string {
    const lines: string[] = [];
    for (const [name, { help, values }] of [...this.#counters].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
      }
    }
    for (const [name, { help, read }] of [...this.#gauges].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    return lines.join("\n") + "\n";
  }
}
