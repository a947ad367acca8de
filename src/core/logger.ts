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

/**
 * Any run of 24 or more characters of the token alphabet (base64url), which is where a feed token (24 of them)
 * could hide in a path, a query or an error message.
 */
const TOKEN_LIKE = /[A-Za-z0-9_-]{24,}/g;

/**
 * Text safe to log: every run that could hold a feed token is replaced by `[redacted]`. Used on every request
 * path and error text that reaches a log line, whatever route (or no route) the request took.
 * @example redactTokens("//feeds/O551ly3T8-IOO0UOGDT22Cix.ics") // "//feeds/[redacted].ics"
 */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_LIKE, "[redacted]");
}
