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

/** A metric family computed at scrape time (e.g. lasting counters read from the database). */
export interface MetricFamily {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: { labels: Record<string, string | number>; value: number }[];
}

const UNSAFE = /["\\\n]/;
const UNSAFE_ALL = /["\\\n]/g;

/**
 * Labels in exposition form: `a="1",b="x"` (quotes, backslashes and newlines in values become `_`). Counted on
 * every feed request, so it builds one string and runs a replace only on a value that needs one.
 */
function labelText(labels: Record<string, string | number>): string {
  let out = "";
  for (const key in labels) {
    const value = String(labels[key]);
    out += `${out === "" ? "" : ","}${key}="${UNSAFE.test(value) ? value.replace(UNSAFE_ALL, "_") : value}"`;
  }
  return out;
}

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();
  /** Counters kept elsewhere (other serving threads), by source: added in when rendering. */
  readonly #external = new Map<string, CounterSample[]>();
  readonly #collectors: (() => MetricFamily[])[] = [];

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
    const key = labelText(labels);
    counter.values.set(key, (counter.values.get(key) ?? 0) + by);
  }

  /**
   * One label combination of a counter as a function that adds to it: the label text is built once, so a hot path
   * (every feed request) counts without building strings.
   * @example
   * const served = metrics.counter("shiftfeed_http_requests_total", "HTTP requests answered", { route: "feed", status: 304 });
   * served();
   */
  counter(name: string, help: string, labels: Record<string, string | number> = {}): (by?: number) => void {
    let counter = this.#counters.get(name);
    if (!counter) this.#counters.set(name, (counter = { help, values: new Map() }));
    const { values } = counter;
    const key = labelText(labels);
    return (by = 1) => void values.set(key, (values.get(key) ?? 0) + by);
  }

  /** Registers families computed at scrape time; they render after the counters and gauges. */
  collect(read: () => MetricFamily[]): void {
    this.#collectors.push(read);
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
    this.collect(() => [{ name, help, type, samples: read().map(([labels, value]) => ({ labels, value })) }]);
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
    for (const collect of this.#collectors) {
      for (const { name, help, type, samples } of collect()) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const { labels, value } of samples) {
          const text = labelText(labels);
          lines.push(`${name}${text ? `{${text}}` : ""} ${value}`);
        }
      }
    }
    return lines.join("\n") + "\n";
  }
}
