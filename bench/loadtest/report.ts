/**
 * The load test's figures: per class and per window of time, requests, status counts and p50/p99 latency; the
 * targets checked against them; `docs/benchmarks/loadtest.md` and an SVG chart of latency over time.
 */
import { CLASSES, TIMELINE, type ClientClass, type Sample } from "./plan.ts";

export interface WindowFigures {
  from: number;
  requests: number;
  statuses: Record<number, number>;
  p50: number;
  p99: number;
}

/** The `q` quantile (nearest rank) of sorted values; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function figures(samples: readonly Sample[], from: number): WindowFigures {
  const ms = samples.map((s) => s[2]).sort((a, b) => a - b);
  const statuses: Record<number, number> = {};
  for (const s of samples) statuses[s[1]] = (statuses[s[1]] ?? 0) + 1;
  return { from, requests: samples.length, statuses, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
}

/** Figures of one class per window, and over the whole run. */
export function windows(samples: readonly Sample[]): { all: WindowFigures; byWindow: WindowFigures[] } {
  const byWindow: WindowFigures[] = [];
  for (let from = 0; from < TIMELINE.end; from += TIMELINE.windowSeconds) {
    byWindow.push(
      figures(
        samples.filter((s) => s[0] >= from && s[0] < from + TIMELINE.windowSeconds),
        from,
      ),
    );
  }
  return { all: figures(samples, 0), byWindow };
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
const statusText = (s: Record<number, number>) =>
  Object.entries(s)
    .map(([k, n]) => `${k === "0" ? "no answer" : k}: ${n}`)
    .join(", ");

/** The per-class summary table (markdown). */
export function classTable(results: Map<ClientClass, Sample[]>): string[] {
  const rows = ["| class | requests | statuses | p50 ms | p99 ms |", "| --- | ---: | --- | ---: | ---: |"];
  for (const cls of CLASSES) {
    const samples = results.get(cls) ?? [];
    if (cls === "slowloris") {
      const lived = samples.map((s) => s[2] / 1000).sort((a, b) => a - b);
      rows.push(
        `| slowloris | ${samples.length} connections | held open: median ${quantile(lived, 0.5).toFixed(1)} s, ` +
          `max ${quantile(lived, 1).toFixed(1)} s | | |`,
      );
      continue;
    }
    const f = windows(samples).all;
    rows.push(`| ${cls} | ${f.requests} | ${statusText(f.statuses)} | ${fmt(f.p50)} | ${fmt(f.p99)} |`);
  }
  return rows;
}

/** Latency and statuses per window of labelled series of samples (markdown): requests, p50/p99, errors. */
export function timeTable(series: readonly { label: string; samples: readonly Sample[] }[]): string[] {
  const head = ["| second |", ...series.map((x) => ` ${x.label}: n, p50/p99 ms, errors |`)].join("");
  const rows = [head, `| ---: |${series.map(() => " --- |").join("")}`];
  const per = series.map((x) => windows(x.samples).byWindow);
  for (let w = 0; w < per[0]!.length; w++) {
    const cells = per.map((list) => {
      const f = list[w]!;
      const errors = Object.entries(f.statuses)
        .filter(([k]) => Number(k) === 0 || Number(k) >= 400)
        .reduce((n, [, v]) => n + v, 0);
      return ` ${f.requests}, ${fmt(f.p50)}/${fmt(f.p99)}, ${errors} |`;
    });
    rows.push(`| ${per[0]![w]!.from}–${per[0]![w]!.from + TIMELINE.windowSeconds} |${cells.join("")}`);
  }
  return rows;
}

/**
 * An SVG chart: p99 latency per window (log scale) of each polling class, the storm shaded; with `ceiling`, the
 * subscribers' p99 against nginx serving the same bytes, dashed.
 */
export function latencySvg(
  results: Map<ClientClass, Sample[]>,
  classes: readonly ClientClass[],
  ceiling?: readonly Sample[],
): string {
  const W = 720;
  const H = 300;
  const left = 60;
  const bottom = 40;
  const top = 20;
  const right = 150;
  const x = (s: number) => left + (s / TIMELINE.end) * (W - left - right);
  const y = (ms: number) => {
    const v = Math.log10(Math.min(Math.max(ms, 0.1), 10_000));
    return top + ((4 - v) / 5) * (H - top - bottom); // 0.1 ms … 10 s
  };
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect x="${x(TIMELINE.stormStart)}" y="${top}" width="${x(TIMELINE.stormEnd) - x(TIMELINE.stormStart)}" height="${H - top - bottom}" fill="#f3e3e3"/>`,
    `<text x="${x(TIMELINE.stormStart) + 4}" y="${top + 12}">storm</text>`,
  ];
  for (const ms of [0.1, 1, 10, 100, 1000, 10_000]) {
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(ms) + 4}" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`,
    );
  }
  for (let s = 0; s <= TIMELINE.end; s += 10) {
    parts.push(`<text x="${x(s)}" y="${H - bottom + 16}" text-anchor="middle">${s} s</text>`);
  }
  parts.push(
    `<line x1="${left}" x2="${W - right}" y1="${y(10)}" y2="${y(10)}" stroke="#000" stroke-dasharray="4 3"/>`,
  );
  const line = (samples: readonly Sample[]) =>
    windows(samples)
      .byWindow.filter((f) => f.requests > 0)
      .map((f) => `${x(f.from + TIMELINE.windowSeconds / 2).toFixed(1)},${y(f.p99).toFixed(1)}`)
      .join(" ");
  classes.forEach((cls, i) => {
    const color = colors[i % colors.length]!;
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${line(results.get(cls) ?? [])}"/>`,
      `<text x="${W - right + 8}" y="${top + 14 + i * 16}" fill="${color}">${cls} p99</text>`,
    );
  });
  if (ceiling) {
    const i = classes.length;
    parts.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 3" points="${line(ceiling)}"/>`,
      `<text x="${W - right + 8}" y="${top + 14 + i * 16}" fill="#1f77b4">subscriber p99, nginx</text>`,
    );
  }
  parts.push(
    `<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle">seconds into the run (p99 per ${TIMELINE.windowSeconds} s window; dashed: 10 ms)</text>`,
  );
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
