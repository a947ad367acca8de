/**
 * The bench's report: the serving table (shiftfeed beside nginx and render-per-request, with ratios), the other
 * figures by section, the machine and the settings; printed as text and written as Markdown (docs/benchmarks/results.md).
 */
import type { LoadResult } from "./load-generator.ts";
import type { MachineInfo } from "./machine.ts";
import type { RequestKind } from "./request-kinds.ts";

/** One server's measurement of one request kind. */
export interface Measured {
  result: LoadResult | null;
  /** Pre-check mismatches, bad statuses and errors; empty when sound. */
  problems: string[];
}

/** One request kind across the three servers (`null`: that server was not measured). */
export interface ServingRow {
  kind: RequestKind;
  shiftfeed: Measured;
  nginx: Measured | null;
  baseline: Measured | null;
  /** Node's constant-`304` server (`304` rows only). */
  constant: Measured | null;
}

/** A titled list of `label: value` figures. */
export interface Section {
  title: string;
  rows: [label: string, value: string][];
}

export interface BenchReport {
  /** ISO date-time of the run. */
  date: string;
  machine: MachineInfo;
  /** Tool versions, e.g. `["load generator", "wrk debian/4.1.0-3+b2"]`. */
  tools: [string, string][];
  settings: [string, string][];
  serving: ServingRow[];
  sections: Section[];
  notes: string[];
}

/** `12,345` */
export const count = (n: number) => Math.round(n).toLocaleString("en-US");
/** `1.5 MiB` */
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
/** `3.2 s` */
export const secs = (s: number) => `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

/** Problems found in a measurement's result: statuses that were not 2xx/3xx, socket errors, nothing answered. */
export function resultProblems(result: LoadResult): string[] {
  const out: string[] = [];
  if (result.requests === 0) out.push("no answers");
  if (result.badStatus > 0) out.push(`${count(result.badStatus)} non-2xx/3xx`);
  if (result.errors > 0) out.push(`${count(result.errors)} socket errors/timeouts`);
  return out;
}

const rate = (m: Measured | null) => m?.result?.perSecond ?? null;
const ratio = (a: number | null, b: number | null) => (a !== null && b ? `${(a / b).toFixed(2)}×` : "–");
const cell = (m: Measured | null) => (m?.result ? count(m.result.perSecond) : m ? "failed" : "–");
const lat = (m: Measured | null) => (m?.result ? `${ms(m.result.p50ms)} / ${ms(m.result.p99ms)}` : "–");

/** The serving table as rows of cells, header first. */
export function servingCells(rows: readonly ServingRow[]): string[][] {
  const header = [
    "request",
    "shiftfeed req/s",
    "p50 / p99 ms",
    "nginx req/s",
    "p50 / p99 ms",
    "render/req req/s",
    "p50 / p99 ms",
    "Node 304 req/s",
    "shiftfeed ÷ nginx",
    "shiftfeed ÷ Node 304",
    "shiftfeed ÷ render",
    "B/answer",
    "sanity",
  ];
  return [
    header,
    ...rows.map((r) => {
      const problems = [
        ...r.shiftfeed.problems.map((p) => `shiftfeed: ${p}`),
        ...(r.nginx?.problems ?? []).map((p) => `nginx: ${p}`),
        ...(r.baseline?.problems ?? []).map((p) => `render: ${p}`),
        ...(r.constant?.problems ?? []).map((p) => `Node 304: ${p}`),
      ];
      return [
        r.kind.label,
        cell(r.shiftfeed),
        lat(r.shiftfeed),
        cell(r.nginx),
        lat(r.nginx),
        cell(r.baseline),
        lat(r.baseline),
        cell(r.constant),
        ratio(rate(r.shiftfeed), rate(r.nginx)),
        ratio(rate(r.shiftfeed), rate(r.constant)),
        ratio(rate(r.shiftfeed), rate(r.baseline)),
        r.shiftfeed.result ? count(r.shiftfeed.result.bytesPerResponse) : "–",
        problems.length ? problems.join("; ") : "ok",
      ];
    }),
  ];
}

/** Cells as aligned text columns (numbers right-aligned). */
function alignedText(cells: string[][]): string {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  return cells
    .map((row) =>
      row
        .map((v, c) => (c === 0 || c === row.length - 1 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The report as console text. */
export function formatText(report: BenchReport): string {
  const lines = [
    `Serving (${report.settings.find(([k]) => k === "load")?.[1] ?? ""})`,
    alignedText(servingCells(report.serving)),
  ];
  for (const s of report.sections) {
    lines.push("", s.title);
    const width = Math.max(...s.rows.map(([label]) => label.length));
    for (const [label, value] of s.rows) lines.push(`  ${label.padEnd(width)}  ${value}`);
  }
  if (report.notes.length) lines.push("", ...report.notes.map((n) => `note: ${n}`));
  return lines.join("\n");
}

const mdRow = (cells: string[]) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;

/** The report as Markdown (docs/benchmarks/results.md). */
export function formatMarkdown(report: BenchReport): string {
  const m = report.machine;
  const cells = servingCells(report.serving);
  const out = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench\` on ${report.date}; see [docs/benchmarks.md](../benchmarks.md) for what each figure means.`,
    "",
    "## Machine",
    "",
    `- CPU: ${m.cpu}, ${m.cpus} cores`,
    `- memory: ${m.memory}`,
    `- kernel: ${m.kernel}`,
    `- Node: ${m.node}`,
    ...report.tools.map(([k, v]) => `- ${k}: ${v}`),
    "",
    "## Settings",
    "",
    ...report.settings.map(([k, v]) => `- ${k}: ${v}`),
    "",
    "## Serving",
    "",
    mdRow(cells[0]!),
    mdRow(cells[0]!.map((_, i) => (i === 0 || i === cells[0]!.length - 1 ? "---" : "---:"))),
    ...cells.slice(1).map(mdRow),
  ];
  for (const s of report.sections) {
    out.push("", `## ${s.title}`, "", "| figure | value |", "| --- | ---: |", ...s.rows.map(mdRow));
  }
  if (report.notes.length) out.push("", "## Notes", "", ...report.notes.map((n) => `- ${n}`));
  return `${out.join("\n")}\n`;
}
