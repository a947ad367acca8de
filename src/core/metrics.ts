/**
 * A tiny Prometheus text-format registry (counters with labels), enough for `/metrics`.
 * Labels never carry tokens, people or organization ids: only bounded sets (status, client, route).
 */

/** A counter's value for one label combination (labels already in exposition form). */
export interface CounterSample {
  name: string;
  help: string;
  labels: string;
  value: number;
}

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();
  /** Families read at scrape time from state kept elsewhere (shared memory): name → type, help, samples. */
  readonly #read = new Map<
    string,
    { type: "counter" | "gauge"; help: string; read: () => [Record<string, string>, number][] }
  >();
  /** Counters kept elsewhere (other serving threads), by source: added in when rendering. */
  readonly #external = new Map<string, CounterSample[]>();

  /** Every counter's current samples (what another thread's registry merges in). */
  samples(): CounterSample[] {
    const out: CounterSample[] = [];
    for (const [name, { help, values }] of this.#counters) {
      for (const [labels, value] of values) out.push({ name, help, labels, value });
    }
    return out;
  }

  /** Replaces the samples last reported by `source` (they are added to this registry's own when rendered). */
  merge(source: string, samples: CounterSample[]): void {
    this.#external.set(source, samples);
  }

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

  /** Registers a labelled family whose samples are read at scrape time. */
  family(
    name: string,
    help: string,
    type: "counter" | "gauge",
    read: () => [Record<string, string>, number][],
  ): void {
    this.#read.set(name, { type, help, read });
  }

  /** The Prometheus exposition text (version 0.0.4), with merged samples added in. */
  render(): string {
    const lines: string[] = [];
    const counters = new Map<string, { help: string; values: Map<string, number> }>();
    for (const [name, { help, values }] of this.#counters)
      counters.set(name, { help, values: new Map(values) });
    for (const samples of this.#external.values()) {
      for (const { name, help, labels, value } of samples) {
        let counter = counters.get(name);
        if (!counter) counters.set(name, (counter = { help, values: new Map() }));
        counter.values.set(labels, (counter.values.get(labels) ?? 0) + value);
      }
    }
    for (const [name, { help, values }] of [...counters].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
      }
    }
    for (const [name, { help, read }] of [...this.#gauges].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    for (const [name, { type, help, read }] of [...this.#read].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of read()) {
        const text = Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(",");
        lines.push(`${name}${text ? `{${text}}` : ""} ${value}`);
      }
    }
    return lines.join("\n") + "\n";
  }
}
