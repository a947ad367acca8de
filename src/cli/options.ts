/**
 * Command-line option helpers of the CLI, also used by the bench and the fixture scripts: typed option values
 * with messages that name the option, and a way out that prints the usage.
 */
import { addDays } from "../core/time/local-time.ts";

/** Thrown for a bad command line; the entry point prints the message and the usage, and exits with 2. */
export class UsageError extends Error {}

/**
 * A number option: `fallback` when absent, else the parsed value, checked to be a whole number (unless
 * `fractional`) of at least `min`.
 * @throws UsageError naming `--name`
 */
export function numberOption(
  value: string | undefined,
  name: string,
  fallback: number,
  { min = 0, fractional = false }: { min?: number; fractional?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || (!fractional && !Number.isInteger(n))) {
    throw new UsageError(
      `--${name} must be a ${fractional ? "number" : "whole number"} ≥ ${min}, got "${value}"`,
    );
  }
  return n;
}

/** One of `choices`, `fallback` when absent. @throws UsageError naming `--name` */
export function choiceOption<T extends string>(
  value: string | undefined,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${value}"`);
  }
  return value as T;
}

/** A `YYYY-MM-DD` option; `fallback` (today's UTC date by default) when absent. @throws UsageError */
export function dateOption(
  value: string | undefined,
  name: string,
  fallback = new Date().toISOString().slice(0, 10),
): string {
  if (value === undefined) return fallback;
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value) return value;
  } catch {
    // not a real date: reported below
  }
  throw new UsageError(`--${name} must be a YYYY-MM-DD date, got "${value}"`);
}

/**
 * Runs a command-line entry point: `--help` prints `usage`; a `UsageError` (or an option `parseArgs` does not
 * know) prints its message and `usage` and exits with 2; any other error prints its stack and exits with 1.
 */
export async function runCli(usage: string, main: () => Promise<void> | void): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  try {
    await main();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
}
