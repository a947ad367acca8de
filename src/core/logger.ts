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

/** A route whose path carries a token after its name (`/feeds/{token}.ics`, `/subscribe/{token}`). */
const TOKEN_ROUTE = /^(.*?\/(?:feeds|subscribe))(?:\/|$)/i;

/** `text` with its percent-escapes decoded, byte by byte, again until nothing changes (a few rounds at most). */
function decodeEscapes(text: string): string {
  let out = text;
  for (let round = 0; round < 4 && out.includes("%"); round++) {
    const next = out.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * A request path safe to log. A path under a token route — `/feeds/` or `/subscribe/` in any spelling: any case,
 * percent-encoded, after other segments — keeps its route name and loses everything after it, whatever its length
 * (`/subscribe/[token]`): a link cut short or broken by a line wrap still holds most of a live token. Any other
 * path gets {@link redactTokens}.
 * @param path the path as sent or as decoded (either: both are decoded here before they are matched).
 * @example loggablePath("/%73ubscribe/dkrM-8HCQU06I_CNF%0aCPyJQ19") // "/subscribe/[token]"
 */
export function loggablePath(path: string): string {
  const decoded = decodeEscapes(path);
  const route = TOKEN_ROUTE.exec(decoded);
  return route ? `${redactTokens(route[1]!)}/[token]` : redactTokens(decoded);
}

/** Whether {@link loggablePath} hides `path` as a token route's, and which one. */
export function tokenRoute(path: string): "feed" | "subscribe" | null {
  const route = TOKEN_ROUTE.exec(decodeEscapes(path));
  return route ? (/feeds$/i.test(route[1]!) ? "feed" : "subscribe") : null;
}
