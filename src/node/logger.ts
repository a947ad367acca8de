/**
 * JSON-lines logging to stdout/stderr for the Node entry point.
 */
import type { Logger } from "../core/logger.ts";

/** A logger writing one JSON object per line. */
export function jsonLogger(stream: { write(line: string): unknown } = process.stdout): Logger {
  const write = (level: string, event: string, fields?: Record<string, unknown>) =>
    stream.write(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields }) + "\n");
  return {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
  };
}
