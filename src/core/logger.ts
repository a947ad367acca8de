/**
 * The logging interface the core writes to; entry points supply one (JSON lines on Node).
 * Fields never carry raw feed tokens: only a prefix of their SHA-256.
 */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
